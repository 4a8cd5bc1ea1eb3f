"""Arguments through the API: post, edit, withdraw, mark useful; listed by stance or side by
side, most useful first — only their authors change them, only while the debate is open."""
from __future__ import annotations

import pytest

from node import content_rules, services
from node.model import Stance

from .world import Stored


async def _argue(world, username: str, stance: Stance, body: str, proposal: int | None = None):
    argument = await world.act(username, services.post_argument, proposal or world.proposal,
                               stance, body)
    return argument.id


async def test_post_argument_returns_it(world, api):
    reply = await api.post(f"/proposals/{world.proposal}/arguments", as_="carla",
                           json={"stance": "neutral", "body": "  Et les livraisons ?  "})
    assert reply.status == 201
    argument = reply.body
    assert (argument["stance"], argument["body"], argument["useful_count"]) == (
        "neutral", "Et les livraisons ?", 0)
    assert argument["author"]["username"] == "carla"
    assert argument["author"]["participant_class"] == "verified_resident"
    assert argument["edited_at"] is None and argument["withdrawn_at"] is None


async def test_an_argument_at_the_bound_is_taken_and_one_more_character_is_not(world, api):
    path = f"/proposals/{world.proposal}/arguments"
    at_bound = await api.post(path, as_="carla",
                              json={"stance": "for", "body": "é" * content_rules.MAX_ARGUMENT})
    assert at_bound.status == 201
    stored = await Stored.take(world.node)
    over = await api.post(path, as_="carla",
                          json={"stance": "for", "body": "é" * (content_rules.MAX_ARGUMENT + 1)})
    assert over.status == 422 and over.error_fields() == ["body"]
    await stored.assert_unchanged()


async def test_post_argument_in_a_closed_debate_is_409(world, api):
    stored = await Stored.take(world.node)
    reply = await api.post(f"/proposals/{world.closed_proposal}/arguments", as_="carla",
                           json={"stance": "for", "body": "Trop tard."})
    assert reply.status == 409
    await stored.assert_unchanged()


async def test_edit_argument_keeps_its_stance_and_records_the_time(world, api):
    world.node.clock.advance(hours=1)
    reply = await api.patch(f"/arguments/{world.argument}", as_="bruno",
                            json={"body": "Mieux dit."})
    assert reply.status == 200
    assert reply.body["body"] == "Mieux dit." and reply.body["stance"] == "for"
    assert reply.body["edited_at"] == "2026-11-27T13:00:00Z"


@pytest.mark.parametrize("username", ["anne", "modo", "ada"])
async def test_editing_someone_elses_argument_is_403(world, api, username):
    stored = await Stored.take(world.node)
    reply = await api.patch(f"/arguments/{world.argument}", as_=username, json={"body": "Pris !"})
    assert reply.status == 403
    assert reply.body["detail"] == "only its author edits an argument"
    await stored.assert_unchanged()


async def test_a_withdrawn_argument_can_no_longer_change(world, api):
    # Given bruno withdrew his argument
    withdrawn = await api.post(f"/arguments/{world.argument}/withdraw", as_="bruno")
    assert withdrawn.status == 200 and withdrawn.body["withdrawn_at"] is not None
    stored = await Stored.take(world.node)
    # When he tries again, edits it, or someone marks it
    again = await api.post(f"/arguments/{world.argument}/withdraw", as_="bruno")
    edit = await api.patch(f"/arguments/{world.argument}", as_="bruno", json={"body": "Non."})
    mark = await api.put(f"/arguments/{world.argument}/useful", as_="carla")
    unmark = await api.delete(f"/arguments/{world.argument}/useful", as_="anne")
    # Then each is a conflict, and the lists no longer show it
    assert [r.status for r in (again, edit, mark, unmark)] == [409, 409, 409, 409]
    await stored.assert_unchanged()
    listed = await api.get(f"/proposals/{world.proposal}/arguments")
    assert listed.body["items"] == []


async def test_withdrawing_someone_elses_argument_is_403(world, api):
    stored = await Stored.take(world.node)
    reply = await api.post(f"/arguments/{world.argument}/withdraw", as_="anne")
    assert reply.status == 403
    await stored.assert_unchanged()


async def test_in_a_closed_debate_arguments_stay_as_they_are(world, api):
    stored = await Stored.take(world.node)
    replies = [
        await api.patch(f"/arguments/{world.closed_argument}", as_="bruno", json={"body": "Non."}),
        await api.post(f"/arguments/{world.closed_argument}/withdraw", as_="bruno"),
        await api.put(f"/arguments/{world.closed_argument}/useful", as_="anne"),
        await api.delete(f"/arguments/{world.closed_argument}/useful", as_="anne"),
    ]
    assert [r.status for r in replies] == [409, 409, 409, 409]
    await stored.assert_unchanged()


async def test_useful_marks_count_once_per_member(world, api):
    # Given anne already marked bruno's argument useful
    stored = await Stored.take(world.node)
    again = await api.put(f"/arguments/{world.argument}/useful", as_="anne")
    assert again.status == 200 and again.body["useful_count"] == 1
    await stored.assert_unchanged("marking twice")
    # When carla marks it, then anne takes hers back, twice
    assert (await api.put(f"/arguments/{world.argument}/useful", as_="carla")).body[
        "useful_count"] == 2
    assert (await api.delete(f"/arguments/{world.argument}/useful", as_="anne")).body[
        "useful_count"] == 1
    stored = await Stored.take(world.node)
    assert (await api.delete(f"/arguments/{world.argument}/useful", as_="anne")).body[
        "useful_count"] == 1
    await stored.assert_unchanged("unmarking without a mark")


async def test_marking_ones_own_argument_useful_is_403(world, api):
    stored = await Stored.take(world.node)
    reply = await api.put(f"/arguments/{world.argument}/useful", as_="bruno")
    assert reply.status == 403
    await stored.assert_unchanged()


async def test_arguments_list_by_stance_and_order(world, api):
    # Given: for (1 mark, the world's), against (2 marks), against (0), neutral
    strong = await _argue(world, "carla", Stance.AGAINST, "Trop cher.")
    weak = await _argue(world, "anne", Stance.AGAINST, "Trop bruyant.")
    neutral = await _argue(world, "carla", Stance.NEUTRAL, "Et les livraisons ?")
    for username in ("anne", "bruno"):
        await world.act(username, services.mark_argument_useful, strong)
    path = f"/proposals/{world.proposal}/arguments"
    # When listed
    useful = await api.get(path)
    newest = await api.get(path, params={"order": "newest"})
    against = await api.get(path, params={"stance": "against"})
    # Then
    assert [a["id"] for a in useful.body["items"]] == [strong, world.argument, weak, neutral]
    assert [a["id"] for a in newest.body["items"]] == [neutral, weak, strong, world.argument]
    assert [a["id"] for a in against.body["items"]] == [strong, weak]
    bad = await api.get(path, params={"stance": "pour"})
    assert bad.status == 422 and bad.error_fields() == ["stance"]


async def test_arguments_side_by_side(world, api):
    against = await _argue(world, "carla", Stance.AGAINST, "Trop cher.")
    neutral = await _argue(world, "carla", Stance.NEUTRAL, "Et les livraisons ?")
    reply = await api.get(f"/proposals/{world.proposal}/arguments/side-by-side")
    assert [a["id"] for a in reply.body["for"]["items"]] == [world.argument]
    assert [a["id"] for a in reply.body["against"]["items"]] == [against]
    assert [a["id"] for a in reply.body["neutral"]["items"]] == [neutral]
    assert all(reply.body[c]["next"] is None for c in ("for", "against", "neutral"))


@pytest.mark.parametrize("order", ["most_useful", "newest"])
async def test_arguments_page_to_the_end(world, api, order):
    ids = [world.argument] + [
        await _argue(world, ("anne", "carla")[n % 2], Stance(("for", "against")[n % 3 == 0]),
                     f"Argument {n}") for n in range(8)]
    for argument in ids[2:6]:
        await world.act("modo", services.mark_argument_useful, argument)
    items, pages = await api.page_through(f"/proposals/{world.proposal}/arguments", limit=4,
                                          params={"order": order})
    whole = (await api.get(f"/proposals/{world.proposal}/arguments",
                           params={"order": order, "limit": "100"})).body["items"]
    assert [a["id"] for a in items] == [a["id"] for a in whole]
    assert sorted(a["id"] for a in items) == sorted(ids) and pages == 3


@pytest.mark.parametrize(("column", "cursor"), [
    ("for", "after_for"), ("against", "after_against"), ("neutral", "after_neutral")])
async def test_each_side_by_side_column_pages_to_the_end(world, api, column, cursor):
    # Given five arguments in each column, some marked useful
    ids = {"for": [world.argument], "against": [], "neutral": []}
    for n in range(5):
        for stance in ("for", "against", "neutral"):
            ids[stance].append(await _argue(world, "carla", Stance(stance), f"{stance} {n}"))
    for stance in ids:
        await world.act("anne", services.mark_argument_useful, ids[stance][-1])
    # When one column is followed with its own cursor
    items, pages = await api.page_through(
        f"/proposals/{world.proposal}/arguments/side-by-side", limit=2, cursor=cursor,
        column=column)
    # Then it lists its stance only, each once, the most useful first
    assert sorted(a["id"] for a in items) == sorted(ids[column])
    assert all(a["stance"] == column for a in items)
    assert items[0]["useful_count"] >= items[-1]["useful_count"]
    assert pages == (len(ids[column]) + 1) // 2


async def test_a_hidden_argument_leaves_the_lists(world, api):
    await api.post("/moderation-actions", as_="modo", json={
        "action": "hide", "target_kind": "argument", "target_id": world.argument,
        "reason": "Propos hors sujet."})
    listed = await api.get(f"/proposals/{world.proposal}/arguments", as_="modo")
    columns = await api.get(f"/proposals/{world.proposal}/arguments/side-by-side")
    detail = await api.get("/debates/voirie/proposals")
    assert listed.body["items"] == [] and columns.body["for"]["items"] == []
    assert detail.body["items"][0]["argument_count"] == 0
    stored = await Stored.take(world.node)
    edit = await api.patch(f"/arguments/{world.argument}", as_="bruno", json={"body": "Et ça ?"})
    assert edit.status == 409
    await stored.assert_unchanged()
