"""Remote votes in batches, on a real node over real HTTP with real signatures: the inbox
worker applies a run of votes in one transaction, a refused vote is rolled back alone, and the
poll's Update(Question) carries the stored totals, read once per debounce window."""
from __future__ import annotations

import json
import uuid

from federation import dispatch, fanout, participation, proposals
from node import services
from node.errors import Invalid
from node.model import ContentKind, DebateStatus, Operator, ProposalDraft, Role
from storage.repos.inbox import InboxRepo
from storage.repos.outbox import OutboxRepo
from tests.federation.harness import (  # noqa: F401
    add_member,
    make_fed_node,
    make_peer,
    open_debate,
    peer_keys,
)

VOTERS = ("ann", "bob", "eve", "zoe", "mallory")


async def _setup(make_fed_node, make_peer):
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    await open_debate(alpha, "air")
    alice = await add_member(alpha, "alice")
    async with alpha.db.transaction() as tx:
        open_one = await services.submit_proposal(
            tx, alpha.clock, alice, "eau", ProposalDraft("Des fontaines", "Dix fontaines."))
        closed_one = await services.submit_proposal(
            tx, alpha.clock, alice, "air", ProposalDraft("Des arbres", "Cent arbres."))
        await services.change_debate_status(tx, alpha.clock, Operator(), "air",
                                            DebateStatus.CLOSED)
    peer = await make_peer("masto")
    for index, user in enumerate(VOTERS, start=1):
        peer.add_actor(user, peer_keys(index))
    return alpha, peer, open_one.id, closed_one.id


async def _vote(alpha, peer, user: str, proposal_id: int, option: str) -> str:
    """Mastodon's vote: Create(Note{name, inReplyTo}) to the Group's inbox, signed by `user`."""
    actor = peer.actor_uri(user)
    group = "http://alpha.test/debats/eau"
    note = {"id": f"{actor}/notes/{uuid.uuid4()}", "type": "Note", "attributedTo": actor,
            "name": option, "inReplyTo": f"http://alpha.test/propositions/{proposal_id}",
            "to": group}
    activity = peer.activity(user, "Create", note)
    status, _ = await peer.post(f"{group}/inbox", activity, user=user, now=alpha.clock.now())
    assert status == 202
    return activity["id"]


async def _states(alpha) -> dict[str, tuple[str, str | None]]:
    return {m.activity_id: (m.state, m.error)
            for m in await InboxRepo(alpha.db.read().conn).list_all()}


async def _remote_tally(alpha, proposal_id: int):
    detail = await services.get_proposal_detail(alpha.db.read(), alpha.clock, proposal_id)
    return detail.tally.remote


def _count_transactions(monkeypatch, db) -> list[int]:
    """Write transactions asked of the database: lent ones and write jobs (a job queued alone
    is a transaction of its own; jobs queued together could only share one)."""
    opened = [0]
    for name in ("transaction", "write"):
        original = getattr(db, name)

        def counting(*args, _original=original, **kwargs):
            opened[0] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(db, name, counting)
    return opened


async def test_a_batch_of_votes_counts_each_actors_last_choice_and_rejects_only_the_bad_ones(
        make_fed_node, make_peer, monkeypatch):
    alpha, peer, proposal_id, closed_id = await _setup(make_fed_node, make_peer)
    # mallory's vote is poisonous: it is written, then the use case refuses it
    apply_vote = participation.apply_vote

    async def poisonous(tx, clock, vote):
        await apply_vote(tx, clock, vote)
        if vote.actor.ap_id == peer.actor_uri("mallory"):
            raise Invalid("poisoned after its writes")

    monkeypatch.setattr(participation, "apply_vote", poisonous)

    # Given votes from five actors queued in the inbox, two of them changing their minds,
    # one with an unknown option and one on a closed debate's poll
    ids = {
        "ann 1": await _vote(alpha, peer, "ann", proposal_id, "D'accord"),
        "bob": await _vote(alpha, peer, "bob", proposal_id, "Mitigé"),
        "mallory": await _vote(alpha, peer, "mallory", proposal_id, "D'accord"),
        "eve 1": await _vote(alpha, peer, "eve", proposal_id, "Pas d'accord"),
        "zoe option": await _vote(alpha, peer, "zoe", proposal_id, "Oui"),
        "ann 2": await _vote(alpha, peer, "ann", proposal_id, "Pas d'accord"),
        "bob closed": await _vote(alpha, peer, "bob", closed_id, "D'accord"),
        "eve 2": await _vote(alpha, peer, "eve", proposal_id, "D'accord"),
        "zoe": await _vote(alpha, peer, "zoe", proposal_id, "Mitigé"),
    }
    events_before = await alpha.db.read().conn.execute_fetchall(
        "SELECT count(*) FROM events WHERE type = 'VoteCast'")

    # When the inbox worker makes one pass
    opened = _count_transactions(monkeypatch, alpha.db)
    assert await dispatch.run_once(alpha.fed.deps) == len(ids)

    # Then it took two transactions: the claim, and every vote with its message's state
    assert opened[0] == 2
    states = await _states(alpha)
    good = ("ann 1", "bob", "eve 1", "ann 2", "eve 2", "zoe")
    assert all(states[ids[key]] == ("processed", None) for key in good)
    # and only the bad ones are rejected, each with its reason
    assert states[ids["mallory"]] == ("rejected", "poisoned after its writes")
    assert states[ids["zoe option"]][0] == "rejected"
    assert "option" in states[ids["zoe option"]][1]
    assert states[ids["bob closed"]][0] == "rejected"
    assert "closed" in states[ids["bob closed"]][1]

    # and each good actor's last choice counts once; mallory's writes were rolled back
    tally = await _remote_tally(alpha, proposal_id)
    # for: eve (her second choice); mixed: bob, zoe; against: ann (her second choice)
    assert (tally.for_votes, tally.mixed_votes, tally.against_votes) == (1, 2, 1)
    assert (await _remote_tally(alpha, closed_id)).total == 0
    mallory = await alpha.db.read().conn.execute_fetchall(
        "SELECT count(*) FROM participants WHERE ap_id = ?", (peer.actor_uri("mallory"),))
    assert mallory[0][0] == 0
    events_after = await alpha.db.read().conn.execute_fetchall(
        "SELECT count(*) FROM events WHERE type = 'VoteCast'")
    assert events_after[0][0] - events_before[0][0] == 6  # ann twice, bob, eve twice, zoe


async def test_the_update_question_carries_the_stored_totals_read_once_per_window(
        make_fed_node, make_peer, monkeypatch):
    alpha, peer, proposal_id, _ = await _setup(make_fed_node, make_peer)
    await fanout.run_once(alpha.fed.deps)  # the proposals' own Create(Question)
    reads = []
    current_question = proposals.current_question

    async def counted(fed, pid):
        reads.append(pid)
        return await current_question(fed, pid)

    monkeypatch.setattr(proposals, "current_question", counted)

    # Given votes arriving in three bursts within one debounce window, each fanned out
    for burst in (("ann", "bob"), ("eve", "ann"), ("zoe", "bob")):
        for user in burst:
            option = "Mitigé" if user == "bob" else "D'accord"
            await _vote(alpha, peer, user, proposal_id, option)
        await dispatch.run_once(alpha.fed.deps)
        await fanout.run_once(alpha.fed.deps)
        alpha.clock.advance(seconds=10)

    # Then nothing has read the totals yet, and nothing is sent before the window closes
    assert reads == []
    while await alpha.fed.pool.run_once():
        pass
    assert [path for method, path, _ in peer.requests if method == "POST"] == []

    # When the window closes
    alpha.clock.advance(seconds=fanout.TALLY_DEBOUNCE.total_seconds())
    await fanout.run_once(alpha.fed.deps)

    # Then the totals were read once, and the one Update(Question) carries the stored ones
    assert reads == [proposal_id]
    update, body = await _tally_updates(alpha, proposal_id)
    tally = await _remote_tally(alpha, proposal_id)
    assert len(update) == 1
    assert [o["replies"]["totalItems"] for o in body["object"]["oneOf"]] == \
        [tally.for_votes, tally.mixed_votes, tally.against_votes] == [3, 1, 0]
    assert body["object"]["votersCount"] == 4 and "updated" not in body["object"]

    # and every voter's inbox receives it
    while await alpha.fed.pool.run_once():  # a few per host at a time
        pass
    deliveries = await OutboxRepo(alpha.db.read().conn).list_deliveries(update[0])
    assert {d.inbox for d in deliveries} == {f"{peer.actor_uri(u)}/inbox"
                                             for u in ("ann", "bob", "eve", "zoe")}
    assert {d.state for d in deliveries} == {"delivered"}
    posted = {path for method, path, _ in peer.requests if method == "POST"}
    assert posted == {f"/users/{u}/inbox" for u in ("ann", "bob", "eve", "zoe")}

    # When a vote comes after it was sent, the next window has its own Update, read once
    await _vote(alpha, peer, "eve", proposal_id, "Pas d'accord")
    await dispatch.run_once(alpha.fed.deps)
    await fanout.run_once(alpha.fed.deps)
    assert reads == [proposal_id]
    alpha.clock.advance(seconds=fanout.TALLY_DEBOUNCE.total_seconds())
    await fanout.run_once(alpha.fed.deps)
    assert reads == [proposal_id, proposal_id]
    update, body = await _tally_updates(alpha, proposal_id)
    assert len(update) == 2
    assert [o["replies"]["totalItems"] for o in body["object"]["oneOf"]] == [2, 1, 1]


async def _tally_updates(alpha, proposal_id: int) -> tuple[list[int], dict]:
    """The ids of the Update(Question) activities about the proposal, and the last one's body."""
    rows = await alpha.db.read().conn.execute_fetchall(
        "SELECT id, body FROM outbox_activities WHERE type = 'Update' AND object_ap_id = ?"
        " ORDER BY id", (f"http://alpha.test/propositions/{proposal_id}",))
    return [row[0] for row in rows], json.loads(rows[-1][1]) if rows else {}


async def test_a_tally_update_about_a_proposal_hidden_meanwhile_is_dropped_unsent(
        make_fed_node, make_peer):
    alpha, peer, proposal_id, _ = await _setup(make_fed_node, make_peer)
    moderator = await add_member(alpha, "modo", role=Role.MODERATOR)
    await fanout.run_once(alpha.fed.deps)

    # Given a vote whose Update(Question) waits for its window
    await _vote(alpha, peer, "ann", proposal_id, "D'accord")
    await dispatch.run_once(alpha.fed.deps)
    await fanout.run_once(alpha.fed.deps)
    assert len((await _tally_updates(alpha, proposal_id))[0]) == 1

    # When the proposal is hidden before the window closes
    async with alpha.db.transaction() as tx:
        await services.hide_content(tx, alpha.clock, moderator, ContentKind.PROPOSAL,
                                    proposal_id, "hors sujet")
    alpha.clock.advance(seconds=fanout.TALLY_DEBOUNCE.total_seconds())
    await fanout.run_once(alpha.fed.deps)
    while await alpha.fed.pool.run_once():
        pass

    # Then the Update is gone with its deliveries, and nothing reached the voter
    assert (await _tally_updates(alpha, proposal_id))[0] == []
    assert "/users/ann/inbox" not in {path for method, path, _ in peer.requests
                                       if method == "POST"}


async def test_a_vote_failing_unexpectedly_goes_alone_with_the_later_ones_in_order(
        make_fed_node, make_peer, monkeypatch):
    alpha, peer, proposal_id, _ = await _setup(make_fed_node, make_peer)
    apply_vote = participation.apply_vote
    failed = []

    async def flaky(tx, clock, vote):
        # ann's first vote meets an unexpected error in the batch, once
        if vote.actor.ap_id == peer.actor_uri("ann") and not failed:
            failed.append(vote)
            raise RuntimeError("a bug, not a refusal")
        await apply_vote(tx, clock, vote)

    monkeypatch.setattr(participation, "apply_vote", flaky)

    # Given ann's vote, bob's, then ann's new choice, queued together
    ids = [await _vote(alpha, peer, "bob", proposal_id, "Mitigé"),
           await _vote(alpha, peer, "ann", proposal_id, "D'accord"),
           await _vote(alpha, peer, "ann", proposal_id, "Pas d'accord")]

    # When the inbox worker makes one pass
    await dispatch.run_once(alpha.fed.deps)

    # Then every vote is processed, and ann's last choice is the one that counts
    states = await _states(alpha)
    assert [states[i] for i in ids] == [("processed", None)] * 3
    assert len(failed) == 1
    tally = await _remote_tally(alpha, proposal_id)
    assert (tally.for_votes, tally.mixed_votes, tally.against_votes) == (0, 1, 1)
