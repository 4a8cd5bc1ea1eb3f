"""Deliberation storage: keyset pages, constraints that guard the data, indexes, sessions."""
from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from node import services
from node.accounts import Session
from node.errors import Invalid, NotFound
from node.model import (
    AmendmentDraft,
    DebateSettings,
    ParticipantClass,
    ProposalOrder,
    ProposalStatus,
    VoteChoice,
)
from tests.node.builders import OP, a_draft, a_member, a_proposal, an_open_debate, run
from tests.support import FrozenClock


@pytest.fixture
def clock():
    return FrozenClock()


async def _walk(fetch, limit):
    """Every page of a list: the items in order, and each page's size."""
    items, sizes, cursor = [], [], None
    while True:
        page = await fetch(after=cursor, limit=limit)
        items += list(page.items)
        sizes.append(len(page.items))
        if page.next_cursor is None:
            return items, sizes
        cursor = page.next_cursor


async def test_proposals_page_newest_first_from_the_first_to_the_last_page(db, clock):
    # Given 45 proposals
    anne = await a_member(db, clock, "anne")
    debate = await an_open_debate(db, clock)
    ids = [(await a_proposal(db, clock, anne)).id for _ in range(45)]
    repo = db.read().proposals

    async def fetch(after, limit):
        return await repo.list_page(debate.id, order=ProposalOrder.NEWEST, after=after, limit=limit)

    # When
    items, sizes = await _walk(fetch, 20)
    # Then
    assert sizes == [20, 20, 5]
    assert [s.proposal.id for s in items] == sorted(ids, reverse=True)


async def test_proposals_page_by_support_with_ties_broken_by_newest(db, clock):
    # Given 7 proposals; voters support some of them
    voters = [await a_member(db, clock, f"v{i}", verified=i % 2 == 0) for i in range(4)]
    debate = await an_open_debate(db, clock)
    ids = [(await a_proposal(db, clock, voters[0])).id for _ in range(7)]
    support = {ids[2]: 4, ids[5]: 2, ids[0]: 2, ids[6]: 1}
    for pid, count in support.items():
        for voter in voters[:count]:
            await run(db, services.cast_vote, clock, voter, pid, "for")
    await run(db, services.cast_vote, clock, voters[3], ids[1], "against")
    repo = db.read().proposals

    async def fetch(after, limit):
        return await repo.list_page(debate.id, order=ProposalOrder.MOST_SUPPORTED,
                                    classes=DebateSettings().threshold_classes, after=after,
                                    limit=limit)

    # When
    items, sizes = await _walk(fetch, 3)
    # Then
    assert sizes == [3, 3, 1]
    assert [(s.support, s.proposal.id) for s in items] == sorted(
        ((support.get(i, 0), i) for i in ids), reverse=True)
    first = items[0]
    assert first.tally.verified_residents.for_votes == 2 and first.tally.local_members.for_votes == 2
    # And support counts only the requested classes
    residents = await repo.list_page(debate.id, order=ProposalOrder.MOST_SUPPORTED,
                                     classes=frozenset({ParticipantClass.VERIFIED_RESIDENT}))
    assert residents.items[0].support == 2


async def test_proposals_filter_by_status_and_span_debates(db, clock):
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    await an_open_debate(db, clock, "budget")
    p1 = await a_proposal(db, clock, anne)
    p2 = await a_proposal(db, clock, anne, slug="budget")
    await run(db, services.change_proposal_status, clock, OP, p1.id, "in_discussion")
    repo = db.read().proposals
    every = await repo.list_page(None)
    assert [s.proposal.id for s in every.items] == [p2.id, p1.id]
    discussed = await repo.list_page(None, statuses=(ProposalStatus.IN_DISCUSSION,))
    assert [s.proposal.id for s in discussed.items] == [p1.id]


@pytest.mark.parametrize("cursor", ["abc", "1.2", "-1", "9" * 19, ""])
async def test_malformed_cursor_is_invalid_input(db, clock, cursor):
    debate = await an_open_debate(db, clock)
    with pytest.raises(Invalid):
        await db.read().proposals.list_page(debate.id, after=cursor)


async def test_history_amendments_votes_and_moderation_page_to_the_end(db, clock):
    # Given a proposal with 5 history entries, 5 amendments, 5 votes, 5 moderation actions
    anne = await a_member(db, clock, "anne")
    voters = [await a_member(db, clock, f"v{i}") for i in range(5)]
    await an_open_debate(db, clock, settings=DebateSettings(has_public_votes=True))
    proposal = await a_proposal(db, clock, anne)
    for i in range(4):
        await run(db, services.edit_proposal, clock, anne, proposal.id,
                  a_draft(title=f"Version {i + 2}"))
    amendments = [
        await run(db, services.propose_amendment, clock, voters[0], proposal.id,
                  AmendmentDraft(f"Corps {i}", "Raison."))
        for i in range(5)
    ]
    for voter in voters:
        await run(db, services.cast_vote, clock, voter, proposal.id, "for")
    for i in range(5):
        verb = services.hide_content if i % 2 == 0 else services.unhide_content
        await run(db, verb, clock, OP, "amendment", amendments[0].id, f"Raison {i}")
    reader = db.read()
    # When / Then: pages of 2 reach everything, once, in order
    history, sizes = await _walk(lambda after, limit: reader.proposals.list_history(
        proposal.id, after=after, limit=limit), 2)
    assert sizes == [2, 2, 1] and [h.version for h in history] == [1, 2, 3, 4, 5]
    listed, sizes = await _walk(lambda after, limit: reader.amendments.list_page(
        proposal.id, after=after, limit=limit), 2)
    assert [s.amendment.id for s in listed] == [a.id for a in amendments[1:]]
    votes, sizes = await _walk(lambda after, limit: services.list_votes(
        reader, proposal.id, after=after, limit=limit), 2)
    assert [v.participant.username for v in votes] == [f"v{i}" for i in range(5)]
    actions, sizes = await _walk(lambda after, limit: services.list_moderation(
        reader, "voirie", after=after, limit=limit), 2)
    assert [a.reason for a in actions] == [f"Raison {i}" for i in reversed(range(5))]
    assert sizes == [2, 2, 1]


async def test_awaiting_answer_pages_by_due_date(db, clock):
    # Given three proposals reaching a threshold of 1 at different times
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock, settings=DebateSettings(1, 10))
    ids = []
    for _ in range(3):
        proposal = await a_proposal(db, clock, anne)
        await run(db, services.cast_vote, clock, anne, proposal.id, "for")
        ids.append(proposal.id)
        clock.advance(seconds=1)
    # When
    items, sizes = await _walk(lambda after, limit: db.read().proposals.list_awaiting_answer(
        after=after, limit=limit), 2)
    # Then
    assert [p.id for p in items] == ids and sizes == [2, 1]


async def test_one_vote_per_participant_and_proposal_is_enforced_by_the_schema(db, clock):
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.cast_vote, clock, anne, proposal.id, "for")
    participant = await db.read().participants.find_local(anne.id)
    now = clock.now().isoformat()
    for sql, args in [
        ("INSERT INTO votes (proposal_id, participant_id, choice, cast_at, updated_at)"
         " VALUES (?, ?, 'against', ?, ?)", (proposal.id, participant.id, now, now)),
        ("UPDATE votes SET choice = 'maybe'", ()),
        ("INSERT INTO participants (kind, member_id, ap_id, created_at) VALUES ('remote', ?, NULL, ?)",
         (anne.id, now)),
        ("UPDATE proposals SET status = 'answered'", ()),
        ("UPDATE proposals SET answer_due_at = ?", (now,)),
        ("INSERT INTO argument_marks (argument_id, participant_id, created_at) VALUES (999, ?, ?)",
         (participant.id, now)),
        ("INSERT INTO proposal_sources (version_id, position, url, title)"
         " VALUES (1, 1, 'javascript:alert(1)', '')", ()),
    ]:
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as tx:
                await tx.conn.execute(sql, args)


async def test_remote_participant_is_an_extension_point_counted_as_remote(db, clock):
    # Given a remote participant (issue 5 will create them from verified activities)
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    async with db.transaction() as tx:
        remote = await tx.participants.ensure_remote("https://mastodon.example/users/zoe", clock.now())
        again = await tx.participants.ensure_remote("https://mastodon.example/users/zoe", clock.now())
        await tx.votes.put(proposal.id, remote, VoteChoice.FOR, clock.now(), replacing=False)
    # Then
    assert remote == again and remote.participant_class is ParticipantClass.REMOTE
    assert remote.display_name == "https://mastodon.example/users/zoe"
    tally = await db.read().votes.tally(proposal.id)
    assert tally.remote.for_votes == 1 and tally.local_members.total == 0


async def test_votes_follow_their_voter_into_the_verified_class(db, clock):
    # Given anne votes on a proposal and an amendment before she is verified
    anne = await a_member(db, clock, "anne")
    bruno = await a_member(db, clock, "bruno")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, bruno)
    amendment = await run(db, services.propose_amendment, clock, bruno, proposal.id,
                          AmendmentDraft("Autre corps.", "Raison."))
    await run(db, services.cast_vote, clock, anne, proposal.id, "for")
    await run(db, services.vote_on_amendment, clock, anne, amendment.id, "against")
    assert (await db.read().votes.tally(proposal.id)).local_members.for_votes == 1
    # When she is verified
    await run(db, services.verify_resident, clock, OP, "anne")
    # Then her votes count as a verified resident's, and no vote disagrees with its voter
    assert (await db.read().votes.tally(proposal.id)).verified_residents.for_votes == 1
    assert (await db.read().amendments.tally(amendment.id)).verified_residents.against_votes == 1
    assert await db.read().votes.count_misclassified() == 0
    # And a hand edit that breaks the invariant is detected
    async with db.transaction() as tx:
        await tx.conn.execute("UPDATE votes SET voter_class = 'remote'")
    assert await db.read().votes.count_misclassified() == 1


async def test_sessions_are_found_until_they_expire(db, clock):
    anne = await a_member(db, clock, "anne")
    now = clock.now()
    async with db.transaction() as tx:
        await tx.sessions.add(Session("a", anne.id, "csrf-a", now, now + timedelta(hours=1)))
        await tx.sessions.add(Session("b", anne.id, "csrf-b", now, now + timedelta(days=1)))
    sessions = db.read().sessions
    assert (await sessions.find("a", now)).csrf_secret == "csrf-a"
    assert await sessions.find("a", now + timedelta(hours=1)) is None
    async with db.transaction() as tx:
        await tx.sessions.extend("a", now + timedelta(days=2))
        assert await tx.sessions.delete_expired(now + timedelta(days=1, seconds=1)) == 1
        assert await tx.sessions.delete("a") is True
    assert await sessions.find("b", now) is None and await sessions.find("a", now) is None


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("SELECT voter_class, choice, count(*) FROM votes WHERE proposal_id = 1"
         " GROUP BY choice, voter_class", "votes_by_proposal_choice"),
        ("SELECT count(*) FROM votes WHERE proposal_id = 1 AND choice = 'for'"
         " AND voter_class IN ('local_member', 'verified_resident')", "votes_by_proposal_choice"),
        ("SELECT id FROM proposals WHERE debate_id = 1 AND hidden_at IS NULL AND id < 50"
         " ORDER BY id DESC LIMIT 21", "proposals_by_debate"),
        ("SELECT id FROM arguments WHERE proposal_id = 1 AND stance = 'for' AND hidden_at IS NULL"
         " AND withdrawn_at IS NULL ORDER BY id DESC", "arguments_by_proposal"),
        ("SELECT id FROM amendments WHERE proposal_id = 1 AND hidden_at IS NULL AND id > 0"
         " ORDER BY id", "amendments_by_proposal"),
        ("SELECT id FROM proposal_history WHERE proposal_id = 1 AND id > 0 ORDER BY id",
         "proposal_history_by_proposal"),
        ("SELECT id FROM moderation_actions WHERE debate_id = 1 ORDER BY id DESC",
         "moderation_by_debate"),
        ("SELECT proposal_id FROM votes WHERE participant_id = 1 AND choice = 'for'",
         "votes_by_participant"),
    ],
)
async def test_list_queries_use_their_index(db, query, index):
    async with db.read().conn.execute(f"EXPLAIN QUERY PLAN {query}") as cur:
        plan = " ".join(row[3] for row in await cur.fetchall())
    assert index in plan, plan


async def test_a_replaced_vote_keeps_its_row_and_first_cast_time(db, clock):
    # Given a vote cast, then replaced a day later
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    first_at = clock.now()
    async with db.transaction() as tx:
        voter = await tx.participants.ensure_local(anne.id, first_at)
        cast = await tx.votes.put(proposal.id, voter, VoteChoice.FOR, first_at, replacing=False)
    clock.advance(days=1)
    async with db.transaction() as tx:
        replaced = await tx.votes.put(proposal.id, voter, VoteChoice.AGAINST, clock.now(),
                                      replacing=True)
    # Then what put returned is what is stored: same row, first cast time, new choice
    stored = await db.read().votes.find(proposal.id, voter.id)
    assert replaced == stored
    assert (stored.id, stored.cast_at, stored.updated_at) == (cast.id, first_at, clock.now())
    assert stored.choice is VoteChoice.AGAINST
    # And replacing a vote that is not there is a bug, not a silent insert
    async with db.transaction() as tx:
        other = await tx.participants.ensure_remote("https://mastodon.example/users/zoe", clock.now())
        with pytest.raises(LookupError):
            await tx.votes.put(proposal.id, other, VoteChoice.FOR, clock.now(), replacing=True)


async def test_a_vote_target_is_the_proposals_state_and_its_debate(db, clock):
    anne = await a_member(db, clock, "anne")
    debate = await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    target, in_debate = await db.read().proposals.vote_target(proposal.id)
    full, full_debate = await db.read().proposals.get_in_debate(proposal.id)
    assert (target.id, target.debate_id, target.status, target.threshold_reached_at,
            target.hidden_at) == (full.id, full.debate_id, full.status,
                                  full.threshold_reached_at, full.hidden_at)
    assert in_debate == full_debate and in_debate.id == debate.id
    with pytest.raises(NotFound):
        await db.read().proposals.vote_target(proposal.id + 1000)


async def test_members_by_username_prefix_are_paged_by_id(db, clock):
    # Given 5 members whose username starts with "ann" among others
    anns = [(await a_member(db, clock, f"ann{i}")).id for i in range(5)]
    await a_member(db, clock, "bob")
    await a_member(db, clock, "anb")
    repo = db.read().members

    async def fetch(after, limit):
        return await repo.list_by_prefix("ann", after=after, limit=limit)

    # When
    items, sizes = await _walk(fetch, 2)
    # Then
    assert sizes == [2, 2, 1]
    assert [m.id for m in items] == anns
    with pytest.raises(Invalid):
        await repo.list_by_prefix("ann", after="x", limit=2)


async def test_a_participant_s_proposals_are_paged_newest_first(db, clock):
    # Given anne's 5 proposals, and one of bob's
    anne = await a_member(db, clock, "anne")
    bob = await a_member(db, clock, "bob")
    await an_open_debate(db, clock)
    ids = [(await a_proposal(db, clock, anne)).id for _ in range(5)]
    await a_proposal(db, clock, bob)
    reader = db.read()
    participant = await reader.participants.find_local(anne.id)

    async def fetch(after, limit):
        return await reader.proposals.list_by_participant(participant.id, after=after,
                                                          limit=limit)

    # When
    items, sizes = await _walk(fetch, 2)
    # Then
    assert sizes == [2, 2, 1]
    assert [p.id for p in items] == sorted(ids, reverse=True)
