"""Moderation through the API: moderators hide and unhide, with a reason; the item leaves
lists and tallies but stays in the debate's public moderation history."""
from __future__ import annotations

import pytest

from node import services
from node.model import ContentKind, DebateRole, Stance

from .world import OP, Stored, run


def _action(kind: str, target: int, action: str = "hide") -> dict:
    return {"action": action, "target_kind": kind, "target_id": target,
            "reason": "Propos injurieux envers une participante."}


async def test_hiding_and_unhiding_is_recorded_in_the_history(world, api):
    hide = await api.post("/moderation-actions", as_="modo",
                          json=_action("argument", world.argument))
    unhide = await api.post("/moderation-actions", as_="modo",
                            json=_action("argument", world.argument, "unhide"))
    assert hide.status == unhide.status == 201
    assert hide.body["member_id"] == world.members["modo"].id
    history = await api.get("/debates/voirie/moderation-actions")
    assert [(a["action"], a["target_kind"], a["target_id"]) for a in history.body["items"]] == [
        ("unhide", "argument", world.argument), ("hide", "argument", world.argument)]
    assert history.body["items"][1] == hide.body
    listed = await api.get(f"/proposals/{world.proposal}/arguments")
    assert [a["id"] for a in listed.body["items"]] == [world.argument]


async def test_a_moderator_in_charge_of_one_debate_moderates_it(world, api):
    await run(world.node, services.assign_debate_role, OP, "voirie", "carla",
              DebateRole.MODERATOR)
    reply = await api.post("/moderation-actions", as_="carla",
                           json=_action("amendment", world.amendment))
    assert reply.status == 201
    other = await api.post("/moderation-actions", as_="carla",
                           json=_action("proposal", world.public_proposal))
    assert other.status == 403


@pytest.mark.parametrize("username", ["anne", "bruno", "rita"])
async def test_non_moderators_hiding_is_403(world, api, username):
    stored = await Stored.take(world.node)
    for kind, target in (("proposal", world.proposal), ("argument", world.argument),
                         ("amendment", world.amendment)):
        reply = await api.post("/moderation-actions", as_=username, json=_action(kind, target))
        assert reply.status == 403, (username, kind)
    await stored.assert_unchanged()


async def test_hiding_twice_or_unhiding_what_is_visible_is_409(world, api):
    assert (await api.post("/moderation-actions", as_="modo",
                           json=_action("proposal", world.proposal))).status == 201
    stored = await Stored.take(world.node)
    twice = await api.post("/moderation-actions", as_="modo",
                           json=_action("proposal", world.proposal))
    visible = await api.post("/moderation-actions", as_="ada",
                             json=_action("argument", world.argument, "unhide"))
    assert twice.status == visible.status == 409
    await stored.assert_unchanged()


@pytest.mark.parametrize("kind", ["proposal", "argument", "amendment"])
async def test_an_unknown_target_is_404(world, api, kind):
    stored = await Stored.take(world.node)
    reply = await api.post("/moderation-actions", as_="modo", json=_action(kind, 424242))
    assert reply.status == 404
    await stored.assert_unchanged()


async def test_moderation_stays_possible_once_the_debate_is_closed(world, api):
    reply = await api.post("/moderation-actions", as_="modo",
                           json=_action("argument", world.closed_argument))
    assert reply.status == 201


async def test_a_hidden_proposal_leaves_the_list_but_not_the_history(world, api):
    await api.post("/moderation-actions", as_="modo", json=_action("proposal", world.proposal))
    assert (await api.get("/debates/voirie/proposals")).body["items"] == []
    history = (await api.get("/debates/voirie/moderation-actions")).body["items"]
    assert history[0]["proposal_id"] == world.proposal and history[0]["reason"].startswith(
        "Propos injurieux")


async def test_the_moderation_history_pages_to_the_end(world, api):
    # Given seven actions (arguments hidden, one unhidden)
    ids = [await world.act("carla", services.post_argument, world.proposal, Stance.AGAINST,
                           f"Argument {n}") for n in range(6)]
    for argument in ids:
        await world.act("modo", services.hide_content,
                        ContentKind.ARGUMENT,
                        argument.id, "Hors sujet.")
    await world.act("modo", services.unhide_content,
                    ContentKind.ARGUMENT,
                    ids[0].id, "Finalement acceptable.")
    # When paged
    items, pages = await api.page_through("/debates/voirie/moderation-actions", limit=3)
    # Then newest first, each once
    assert [a["target_id"] for a in items] == [ids[0].id] + [a.id for a in reversed(ids)]
    assert items[0]["action"] == "unhide" and pages == 3
