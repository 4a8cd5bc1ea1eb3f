"""The federation workers pass again as soon as their process commits new work (an inbox
record, a domain event), not at their next poll: with a poll of a minute, a follow across two
real nodes is accepted, and a proposal reaches the follower, within seconds."""
from __future__ import annotations

import asyncio

from federation import follows, webfinger
from node import services
from node.model import ProposalDraft
from storage.repos.follows import FollowRepo
from storage.repos.inbox import InboxRepo
from tests.federation.harness import add_member, make_fed_node, open_debate  # noqa: F401

POLL_SECONDS = 60.0  # the workers' poll: far longer than anything below may take
WITHIN_SECONDS = 10.0


async def _eventually(check, what: str):
    try:
        async with asyncio.timeout(WITHIN_SECONDS):
            while not (found := await check()):
                await asyncio.sleep(0.02)
            return found
    except TimeoutError:
        raise AssertionError(f"{what}: not within {WITHIN_SECONDS} s") from None


async def test_workers_wake_on_new_work_instead_of_waiting_for_their_poll(make_fed_node):
    # Given a debate on alpha, a member on beta, and both nodes' workers running with a poll
    # of a minute (after a first pass that finds nothing to do)
    alpha = await make_fed_node("alpha")
    beta = await make_fed_node("beta")
    await open_debate(alpha, "eau")
    alice = await add_member(alpha, "alice")
    member = await add_member(beta, "bob")
    bob = beta.fed.local.of_member(member)
    debate_uri = await webfinger.resolve(beta.fed.deps, "@eau@alpha.test")
    workers = [asyncio.create_task(node.fed.run_forever(POLL_SECONDS))
               for node in (alpha, beta)]
    try:
        await asyncio.sleep(0.2)
        assert not any(task.done() for task in workers)
        loop = asyncio.get_running_loop()
        started = loop.time()

        # When bob follows the debate: alpha's inbox records the Follow, its dispatch answers
        async def accepted():
            row = await FollowRepo(beta.db.read().conn).find_following(bob.owner, debate_uri)
            return row is not None and row.state == "accepted"

        await follows.follow(beta.fed.deps, bob, debate_uri)
        await _eventually(accepted, "the follow accepted")

        # And when alice submits a proposal there (a domain event, committed by the web side)
        alpha.clock.advance(minutes=1)  # after the follow (the audience is who followed before)
        async with alpha.db.transaction() as tx:
            proposal = await services.submit_proposal(
                tx, alpha.clock, alice, "eau", ProposalDraft("Des fontaines", "Dix fontaines."))

        async def received():
            messages = await InboxRepo(beta.db.read().conn).list_all()
            return [m for m in messages if m.activity_type in ("Create", "Announce")
                    and m.state == "processed" and f"/propositions/{proposal.id}" in m.body]

        await _eventually(received, "the proposal received and processed by beta")
        # Then all of it took seconds, not the minute of a poll
        assert loop.time() - started < WITHIN_SECONDS < POLL_SECONDS
        assert not any(task.done() for task in workers)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
