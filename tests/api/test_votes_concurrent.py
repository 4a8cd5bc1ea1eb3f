"""Concurrent votes through the API share commits (write jobs, storage/db.py Database.write): each is
answered once stored, a refused one changes nothing, and the others all count."""
from __future__ import annotations

import asyncio

from .world import add_member


async def test_concurrent_votes_are_all_stored_and_a_refused_one_spares_the_others(world, api):
    voters = [f"voter{i}" for i in range(12)]
    for name in voters:
        await add_member(world.node, api, name)
    path = f"/proposals/{world.proposal}/vote"
    before = (await api.get(f"/proposals/{world.proposal}")).body["tally"]["local_members"]

    async def vote(name: str, choice: str):
        return await api.put(path, as_=name, json={"choice": choice})

    # When twelve members vote at once, one of them with a choice that does not exist
    replies = await asyncio.gather(*(vote(name, "against" if i % 2 else "for")
                                     for i, name in enumerate(voters)),
                                   vote(voters[0], "maybe"))
    # Then each valid vote is answered 200 and readable at once; the bad one is a 4xx
    assert [r.status for r in replies[:-1]] == [200] * 12
    assert 400 <= replies[-1].status < 500
    for name, reply in zip(voters, replies):
        assert (await api.get(path, as_=name)).body == reply.body
    tally = (await api.get(f"/proposals/{world.proposal}")).body["tally"]["local_members"]
    assert tally["for"] == before["for"] + 6 and tally["against"] == before["against"] + 6
    assert tally["total"] == before["total"] + 12


async def test_concurrent_changes_of_one_members_vote_keep_one_vote(world, api):
    await add_member(world.node, api, "dora")
    path = f"/proposals/{world.proposal}/vote"
    replies = await asyncio.gather(*(api.put(path, as_="dora", json={"choice": c})
                                     for c in ("for", "mixed", "against", "for", "mixed")))
    assert {r.status for r in replies} == {200}
    assert len({r.body["id"] for r in replies}) == 1  # one vote, changed in turn
    final = (await api.get(path, as_="dora")).body
    assert final["id"] == replies[0].body["id"]
