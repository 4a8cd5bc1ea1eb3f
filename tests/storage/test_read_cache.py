"""The readers' cache of costly aggregates (storage/cache.py) never serves data older than a
fresh query would: every commit, from this process or another, invalidates it."""
from __future__ import annotations

import sqlite3

import pytest

from node import services
from node.model import ArgumentOrder, Stance, VoteChoice
from tests.node.builders import a_member, a_proposal, an_open_debate, run
from tests.support import FrozenClock


@pytest.fixture
def clock():
    return FrozenClock()


async def test_tally_is_cached_until_a_vote_is_committed(db, clock):
    # Given a proposal with one vote, its tally read once (and so cached)
    anne, bruno = await a_member(db, clock, "anne"), await a_member(db, clock, "bruno")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.cast_vote, clock, anne, proposal.id, VoteChoice.FOR)
    reader = db.read()
    assert (await reader.votes.tally(proposal.id)).all.total == 1
    assert (await reader.votes.tally(proposal.id)).all.total == 1  # served from the cache
    # When another member votes and another changes her vote
    await run(db, services.cast_vote, clock, bruno, proposal.id, VoteChoice.AGAINST)
    # Then the next read counts it
    tally = await reader.votes.tally(proposal.id)
    assert (tally.all.total, tally.all.for_votes, tally.all.against_votes) == (2, 1, 1)
    await run(db, services.cast_vote, clock, anne, proposal.id, VoteChoice.MIXED)
    tally = await reader.votes.tally(proposal.id)
    assert (tally.all.for_votes, tally.all.mixed_votes) == (0, 1)


async def test_cache_follows_commits_of_another_process(db, clock, tmp_path):
    # Given an argument list read (and cached) by the node
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.post_argument, clock, anne, proposal.id, Stance.FOR, "Utile.")
    reader = db.read()
    page = await reader.arguments.list_page(proposal.id, stance=Stance.FOR,
                                            order=ArgumentOrder.MOST_USEFUL)
    assert len(page.items) == 1
    assert (await reader.arguments.count_listed(proposal.id))[Stance.FOR] == 1
    # When another connection (as the CLI would, from another process) hides the argument
    with sqlite3.connect(tmp_path / "node.sqlite3") as other:
        other.execute("UPDATE arguments SET hidden_at = '2026-11-27T12:00:00+00:00'")
    # Then the node's next reads see it gone
    page = await reader.arguments.list_page(proposal.id, stance=Stance.FOR,
                                            order=ArgumentOrder.MOST_USEFUL)
    assert page.items == ()
    assert (await reader.arguments.count_listed(proposal.id))[Stance.FOR] == 0


async def test_transactions_read_their_own_writes_without_the_cache(db, clock):
    # Given a tally cached by the reader
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    assert (await db.read().votes.tally(proposal.id)).all.total == 0
    # When a transaction votes, then counts before committing
    async with db.transaction() as tx:
        await services.cast_vote(tx, clock, anne, proposal.id, VoteChoice.FOR)
        inside = await tx.votes.tally(proposal.id)
    # Then it saw its own vote
    assert inside.all.total == 1 and tx.cache is None
    assert (await db.read().votes.tally(proposal.id)).all.total == 1
