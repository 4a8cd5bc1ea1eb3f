"""Votes through the API: cast, change and withdraw one's own vote until the debate closes,
read it back; individual votes are listed only where the debate made them public."""
from __future__ import annotations

from node import services
from node.model import ProposalDraft, VoteChoice

from .world import Stored, add_member


async def test_cast_change_and_withdraw_ones_vote(world, api):
    path = f"/proposals/{world.proposal}/vote"
    # When bruno votes, then changes his mind
    cast = await api.put(path, as_="bruno", json={"choice": "for"})
    changed = await api.put(path, as_="bruno", json={"choice": "against"})
    # Then one vote, counted in his class, dated when first cast
    assert cast.status == changed.status == 200
    assert changed.body["id"] == cast.body["id"] and changed.body["choice"] == "against"
    assert changed.body["voter"]["participant_class"] == "local_member"
    assert (await api.get(path, as_="bruno")).body == changed.body
    tally = (await api.get(f"/proposals/{world.proposal}")).body["tally"]
    assert tally["local_members"] == {"for": 0, "mixed": 0, "against": 1, "total": 1}
    assert tally["verified_residents"]["for"] == 1  # carla's
    # When he withdraws it
    withdrawn = await api.delete(path, as_="bruno")
    assert withdrawn.status == 204 and withdrawn.raw == b""
    assert (await api.get(path, as_="bruno")).status == 404
    assert (await api.get(f"/proposals/{world.proposal}")).body["tally"]["all"]["total"] == 1


async def test_the_same_choice_again_and_withdrawing_no_vote_record_nothing(world, api):
    stored = await Stored.take(world.node)
    same = await api.put(f"/proposals/{world.proposal}/vote", as_="carla",
                         json={"choice": "for"})
    none = await api.delete(f"/proposals/{world.proposal}/vote", as_="bruno")
    assert same.status == 200 and none.status == 204
    await stored.assert_unchanged()


async def test_voting_in_a_closed_debate_is_409(world, api):
    stored = await Stored.take(world.node)
    path = f"/proposals/{world.closed_proposal}/vote"
    cast = await api.put(path, as_="carla", json={"choice": "for"})
    withdraw = await api.delete(path, as_="carla")
    assert cast.status == withdraw.status == 409
    assert cast.body["detail"] == "debate 'ecoles' is closed: nothing can change any more"
    await stored.assert_unchanged()


async def test_a_vote_choice_must_be_one_of_three(world, api):
    stored = await Stored.take(world.node)
    for choice in ("d'accord", "", "FOR", None, 1):
        reply = await api.put(f"/proposals/{world.proposal}/vote", as_="bruno",
                              json={"choice": choice})
        assert reply.status == 422 and reply.error_fields() == ["choice"], choice
    await stored.assert_unchanged()


async def test_without_a_vote_ones_vote_is_404(world, api):
    reply = await api.get(f"/proposals/{world.proposal}/vote", as_="bruno")
    assert reply.status == 404 and reply.body["detail"] == "you have not voted on this proposal"


async def test_private_votes_are_not_listed(world, api):
    reply = await api.get(f"/proposals/{world.proposal}/votes", as_="modo")
    assert reply.status == 403


async def test_public_votes_are_listed_with_their_voters(world, api):
    reply = await api.get(f"/proposals/{world.public_proposal}/votes")
    assert reply.status == 200
    assert [(v["voter"]["username"], v["choice"]) for v in reply.body["items"]] == [
        ("anne", "for"), ("carla", "against")]


async def test_public_votes_page_to_the_end(world, api):
    # Given nine voters on a public proposal
    for n in range(7):
        username = f"votant{n}"
        await add_member(world.node, api, username)
        world.members[username] = await world.node.db.read().members.find_by_username(username)
        await world.act(username, services.cast_vote, world.public_proposal,
                        (VoteChoice.FOR, VoteChoice.MIXED)[n % 2])
    # When paged four by four
    items, pages = await api.page_through(f"/proposals/{world.public_proposal}/votes", limit=4)
    # Then each vote once, first cast first
    assert [v["voter"]["username"] for v in items] == ["anne", "carla"] + [
        f"votant{n}" for n in range(7)]
    assert pages == 3


async def test_votes_on_a_new_proposal_count_toward_its_support(world, api):
    proposal = await world.act("bruno", services.submit_proposal, "voirie",
                               ProposalDraft("Des bancs", "Des bancs au parc."))
    for username in ("anne", "carla", "bruno"):
        assert (await api.put(f"/proposals/{proposal.id}/vote", as_=username,
                              json={"choice": "for"})).status == 200
    detail = (await api.get(f"/proposals/{proposal.id}")).body
    # verified residents and local members both count by default
    assert detail["support"] == 3
    assert detail["tally"]["verified_residents"]["for"] == 2
    assert detail["tally"]["local_members"]["for"] == 1
