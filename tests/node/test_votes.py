"""Votes, tallies by participant class, the support threshold and the answer deadline."""
from __future__ import annotations

from datetime import timedelta

import pytest

from node import services, tallies
from node.errors import Conflict, Forbidden
from node.events import SupportThresholdReached, VoteCast, VoteWithdrawn
from node.model import (
    ChoiceCounts,
    DebateSettings,
    ParticipantClass,
    Role,
    VoteChoice,
)

from .builders import OP, a_member, a_proposal, an_open_debate, event_log, run, snapshot

ANSWER = "La commune étudie la proposition avec les services techniques."
RESIDENTS_ONLY = frozenset({ParticipantClass.VERIFIED_RESIDENT})


async def test_cast_vote_counts_it_in_the_voters_class(db, clock):
    # Given a verified resident and a local member
    anne = await a_member(db, clock, "anne", verified=True)
    bruno = await a_member(db, clock, "bruno")
    debate = await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    # When
    vote = await run(db, services.cast_vote, clock, anne, proposal.id, VoteChoice.FOR)
    await run(db, services.cast_vote, clock, bruno, proposal.id, "against")
    # Then
    tally = await db.read().votes.tally(proposal.id)
    assert tally.verified_residents == ChoiceCounts(1, 0, 0)
    assert tally.local_members == ChoiceCounts(0, 0, 1)
    assert tally.remote == ChoiceCounts()
    assert vote.participant.member_id == anne.id
    assert (await event_log(db))[-2] == VoteCast(
        clock.now(), f"member:{anne.id}", proposal.id, debate.id, vote.participant.id, anne.id,
        "verified_resident", "for", None)


async def test_vote_change_replaces_the_previous_vote(db, clock):
    # Given
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.cast_vote, clock, anne, proposal.id, "for")
    # When
    clock.advance(minutes=1)
    vote = await run(db, services.cast_vote, clock, anne, proposal.id, "mixed")
    # Then one vote, the new choice
    async with db.read().conn.execute("SELECT count(*) FROM votes") as cur:
        assert (await cur.fetchone())[0] == 1
    assert (await db.read().votes.tally(proposal.id)).all == ChoiceCounts(0, 1, 0)
    assert vote.updated_at == clock.now() and vote.cast_at < vote.updated_at
    event = (await event_log(db))[-1]
    assert (event.choice, event.previous_choice) == ("mixed", "for")


async def test_same_vote_again_is_a_no_op_without_event(db, clock):
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.cast_vote, clock, anne, proposal.id, "for")
    before = await snapshot(db)
    clock.advance(minutes=1)
    await run(db, services.cast_vote, clock, anne, proposal.id, "for")
    assert await snapshot(db) == before


async def test_withdraw_vote_removes_it_once(db, clock):
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.cast_vote, clock, anne, proposal.id, "against")
    assert await run(db, services.withdraw_vote, clock, anne, proposal.id) is True
    assert (await db.read().votes.tally(proposal.id)).all.total == 0
    assert isinstance((await event_log(db))[-1], VoteWithdrawn)
    before = await snapshot(db)
    assert await run(db, services.withdraw_vote, clock, anne, proposal.id) is False
    assert await snapshot(db) == before


async def test_the_operator_does_not_vote(db, clock):
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    before = await snapshot(db)
    with pytest.raises(Forbidden):
        await run(db, services.cast_vote, clock, OP, proposal.id, "for")
    assert await snapshot(db) == before


async def test_threshold_reached_sets_the_deadline_exactly_once(db, clock):
    # Given a debate asking for 2 supporters and a 30-day answer delay
    voters = [await a_member(db, clock, name) for name in ("anne", "bruno", "carla")]
    debate = await an_open_debate(db, clock, settings=DebateSettings(2, 30))
    proposal = await a_proposal(db, clock, voters[0])
    await run(db, services.cast_vote, clock, voters[0], proposal.id, "for")
    assert (await db.read().proposals.get(proposal.id)).threshold_reached_at is None
    # When the second supporter votes
    clock.advance(hours=2)
    reached_at = clock.now()
    await run(db, services.cast_vote, clock, voters[1], proposal.id, "for")
    # Then the deadline starts
    reached = await db.read().proposals.get(proposal.id)
    assert reached.threshold_reached_at == reached_at
    assert reached.answer_due_at == reached_at + timedelta(days=30)
    # And support dropping then rising again does not move it
    clock.advance(days=1)
    await run(db, services.cast_vote, clock, voters[1], proposal.id, "against")
    await run(db, services.cast_vote, clock, voters[1], proposal.id, "for")
    await run(db, services.cast_vote, clock, voters[2], proposal.id, "for")
    again = await db.read().proposals.get(proposal.id)
    assert (again.threshold_reached_at, again.answer_due_at) == (reached.threshold_reached_at,
                                                                 reached.answer_due_at)
    events = [e for e in await event_log(db) if isinstance(e, SupportThresholdReached)]
    assert events == [SupportThresholdReached(
        reached_at, f"member:{voters[1].id}", proposal.id, debate.id, 2, 2,
        ("local_member", "verified_resident"), reached_at + timedelta(days=30))]


async def test_threshold_counts_only_the_debates_classes_and_verification_can_reach_it(db, clock):
    # Given a threshold of 1 verified resident and a vote from an unverified member
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock, settings=DebateSettings(1, threshold_classes=RESIDENTS_ONLY))
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.cast_vote, clock, anne, proposal.id, "for")
    assert (await db.read().proposals.get(proposal.id)).threshold_reached_at is None
    # When anne becomes a verified resident
    clock.advance(days=1)
    await run(db, services.verify_resident, clock, OP, "anne")
    # Then her vote now counts and the deadline starts
    reached = await db.read().proposals.get(proposal.id)
    assert reached.threshold_reached_at == clock.now()
    assert (await event_log(db))[-1].by == "operator"


async def test_lowering_the_threshold_starts_deadlines_already_met(db, clock):
    # Given a proposal with one supporter and a threshold of 5
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock, settings=DebateSettings(5))
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.cast_vote, clock, anne, proposal.id, "for")
    # When
    clock.advance(hours=1)
    await run(db, services.update_debate_settings, clock, OP, "voirie", DebateSettings(1, 10))
    # Then
    reached = await db.read().proposals.get(proposal.id)
    assert reached.answer_due_at == clock.now() + timedelta(days=10)


async def test_overdue_when_the_deadline_passes_without_answer_and_a_late_answer_says_so(db, clock):
    # Given a proposal over its threshold
    anne = await a_member(db, clock, "anne")
    claire = await a_member(db, clock, "claire", Role.REPRESENTATIVE)
    debate = await an_open_debate(db, clock, settings=DebateSettings(1, 60))
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.cast_vote, clock, anne, proposal.id, "for")
    due = (await db.read().proposals.get(proposal.id)).answer_due_at
    # When / Then: not overdue on the day, overdue after
    clock.advance(days=60)
    assert not (await services.get_proposal_detail(db.read(), clock, proposal.id)).is_overdue
    clock.advance(seconds=1)
    assert (await services.get_proposal_detail(db.read(), clock, proposal.id)).is_overdue
    awaiting = await db.read().proposals.list_awaiting_answer(debate_id=debate.id)
    assert [p.id for p in awaiting.items] == [proposal.id]
    assert tallies.is_answer_overdue(awaiting.items[0], clock.now())
    # And a late answer is recorded as late, and the proposal is no longer overdue
    await run(db, services.answer_proposal, clock, claire, proposal.id, "needs_study", ANSWER)
    event = (await event_log(db))[-1]
    assert event.is_late is True and event.answer_due_at == due
    assert not (await services.get_proposal_detail(db.read(), clock, proposal.id)).is_overdue
    assert (await db.read().proposals.list_awaiting_answer()).items == ()


async def test_individual_votes_are_private_unless_the_debate_makes_them_public(db, clock):
    # Given
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    await an_open_debate(db, clock, "budget", settings=DebateSettings(has_public_votes=True))
    private = await a_proposal(db, clock, anne)
    public = await a_proposal(db, clock, anne, slug="budget")
    for proposal in (private, public):
        await run(db, services.cast_vote, clock, anne, proposal.id, "for")
    # When / Then
    with pytest.raises(Forbidden):
        await services.list_votes(db.read(), private.id)
    page = await services.list_votes(db.read(), public.id)
    assert [(v.participant.username, v.choice) for v in page.items] == [("anne", VoteChoice.FOR)]


async def test_cast_vote_is_refused_when_the_proposal_is_hidden(db, clock):
    anne = await a_member(db, clock, "anne")
    moderator = await a_member(db, clock, "mod", Role.MODERATOR)
    await an_open_debate(db, clock, settings=DebateSettings(1))
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.hide_content, clock, moderator, "proposal", proposal.id, "Hors sujet")
    before = await snapshot(db)
    with pytest.raises(Conflict, match="hidden"):
        await run(db, services.cast_vote, clock, anne, proposal.id, "for")
    assert await snapshot(db) == before
