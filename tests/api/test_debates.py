"""Debates through the API: list (drafts only for those who manage debates), create, read,
open/close/conclude — with the rules of node.services."""
from __future__ import annotations

import pytest

from .world import Stored, add_debate


async def test_create_debate_returns_the_draft_with_its_settings(world, api):
    # When an administrator creates a debate
    reply = await api.post("/debates", as_="ada", json={
        "slug": "parcs", "title": "Nos parcs", "description": "Les *espaces* verts.",
        "opens_at": "2026-12-01T08:00:00Z", "closes_at": "2027-03-01T18:00:00+01:00",
        "support_threshold": 50, "answer_delay_days": 30, "has_public_votes": True,
        "threshold_classes": ["verified_resident"]})
    # Then it is a draft, times in UTC, settings as sent
    assert reply.status == 201
    debate = reply.body
    assert (debate["slug"], debate["status"], debate["title"]) == ("parcs", "draft", "Nos parcs")
    assert debate["opens_at"] == "2026-12-01T08:00:00Z"
    assert debate["closes_at"] == "2027-03-01T17:00:00Z"
    assert debate["settings"] == {"support_threshold": 50, "answer_delay_days": 30,
                                  "has_public_votes": True,
                                  "threshold_classes": ["verified_resident"]}
    assert debate["in_charge"] == []
    assert (await api.get("/debates/parcs", as_="ada")).body == debate


async def test_create_debate_with_only_slug_and_title_takes_the_defaults(world, api):
    reply = await api.post("/debates", as_="rita", json={"slug": "parcs", "title": "Nos parcs"})
    assert reply.status == 201
    assert reply.body["description"] == "" and reply.body["closes_at"] is None
    assert reply.body["settings"] == {"support_threshold": None, "answer_delay_days": 60,
                                      "has_public_votes": False,
                                      "threshold_classes": ["local_member", "verified_resident"]}


@pytest.mark.parametrize("username", ["anne", "bruno"])
async def test_create_debate_is_403_for_a_citizen(world, api, username):
    stored = await Stored.take(world.node)
    reply = await api.post("/debates", as_=username, json={"slug": "parcs", "title": "Parcs"})
    assert reply.status == 403
    await stored.assert_unchanged()


@pytest.mark.parametrize("slug", ["voirie", "anne"])  # a debate's, then a member's name
async def test_create_debate_with_a_taken_name_is_409(world, api, slug):
    stored = await Stored.take(world.node)
    reply = await api.post("/debates", as_="ada", json={"slug": slug, "title": "Encore"})
    assert reply.status == 409
    await stored.assert_unchanged()


@pytest.mark.parametrize(("body", "field"), [
    ({"slug": "api"}, "slug"),  # reserved (node.rules)
    ({"slug": "Parcs!"}, "slug"),  # not a slug (the schema's pattern)
    ({"title": "  a  "}, "title"),  # too short once trimmed (node.rules)
    ({"opens_at": "2027-01-01T10:00:00"}, "opens_at"),  # no time zone
    ({"opens_at": "2027-02-01T10:00:00Z", "closes_at": "2027-01-01T10:00:00Z"}, "closes_at"),
    ({"support_threshold": 0}, "support_threshold"),
    ({"answer_delay_days": 366}, "answer_delay_days"),
    ({"threshold_classes": []}, "threshold_classes"),
    ({"threshold_classes": ["remote", "remote"]}, "threshold_classes"),
])
async def test_create_debate_with_invalid_input_is_422(world, api, body, field):
    stored = await Stored.take(world.node)
    reply = await api.post("/debates", as_="ada", json={"slug": "parcs", "title": "Parcs", **body})
    assert reply.status == 422, reply.body
    assert field in reply.error_fields()
    await stored.assert_unchanged()


async def test_debate_goes_from_draft_to_open_to_closed_to_concluded(world, api):
    statuses = []
    for status in ("open", "closed", "open", "closed", "concluded"):
        reply = await api.post("/debates/brouillon/status", as_="modo", json={"status": status})
        assert reply.status == 200, reply.body
        statuses.append(reply.body["status"])
    assert statuses == ["open", "closed", "open", "closed", "concluded"]


async def test_debate_status_change_is_403_for_a_citizen(world, api):
    stored = await Stored.take(world.node)
    reply = await api.post("/debates/voirie/status", as_="anne", json={"status": "closed"})
    assert reply.status == 403
    await stored.assert_unchanged()


@pytest.mark.parametrize(("slug", "status"), [
    ("voirie", "concluded"), ("voirie", "open"), ("brouillon", "closed"), ("voirie", "draft")])
async def test_a_debate_status_change_that_skips_a_step_is_422(world, api, slug, status):
    stored = await Stored.take(world.node)
    reply = await api.post(f"/debates/{slug}/status", as_="ada", json={"status": status})
    assert reply.status == 422 and reply.error_fields() == ["status"]
    await stored.assert_unchanged()


async def test_closing_a_debate_stops_votes_and_arguments(world, api):
    # Given voirie closed through the API
    assert (await api.post("/debates/voirie/status", as_="ada", json={"status": "closed"})).ok
    stored = await Stored.take(world.node)
    # When a citizen votes or argues
    vote = await api.put(f"/proposals/{world.proposal}/vote", as_="bruno", json={"choice": "for"})
    argument = await api.post(f"/proposals/{world.proposal}/arguments", as_="bruno",
                              json={"stance": "for", "body": "Trop tard ?"})
    # Then nothing changes any more
    assert vote.status == argument.status == 409
    await stored.assert_unchanged()


async def test_drafts_are_shown_only_to_those_who_manage_debates(world, api):
    public = await api.get("/debates")
    assert [d["slug"] for d in public.body["items"]] == ["voirie", "budget", "ecoles"]
    for username in (None, "anne"):
        assert (await api.get("/debates/brouillon", as_=username)).status == 404
        assert (await api.get("/debates/brouillon/proposals", as_=username)).status == 404
        assert (await api.get("/debates/brouillon/moderation-actions", as_=username)).status == 404
        only_drafts = await api.get("/debates", as_=username, params={"status": "draft"})
        assert only_drafts.body == {"items": [], "next": None}
    for username in ("ada", "rita", "modo"):
        assert (await api.get("/debates/brouillon", as_=username)).status == 200
        listed = await api.get("/debates", as_=username)
        assert "brouillon" in [d["slug"] for d in listed.body["items"]]


async def test_debates_filter_by_status(world, api):
    closed = await api.get("/debates", params={"status": "closed"})
    both = await api.get("/debates", params={"status": "closed,open"})
    assert [d["slug"] for d in closed.body["items"]] == ["ecoles"]
    assert [d["slug"] for d in both.body["items"]] == ["voirie", "budget", "ecoles"]
    bad = await api.get("/debates", params={"status": "open,fini"})
    assert bad.status == 422 and bad.error_fields() == ["status.1"]


async def test_debates_page_to_the_end(world, api):
    # Given ten public debates (and a draft, not listed)
    for number in range(7):
        await add_debate(world.node, f"quartier-{number}")
    # When paged two by two
    items, pages = await api.page_through("/debates", limit=2)
    # Then each comes once, oldest first
    slugs = [d["slug"] for d in items]
    assert slugs == ["voirie", "budget", "ecoles"] + [f"quartier-{n}" for n in range(7)]
    assert pages == 5
    first_page = (await api.get("/debates")).body
    assert len(first_page["items"]) == 10 and first_page["next"] is None


async def test_a_debate_shows_who_is_in_charge(world, api):
    reply = await api.get("/debates/voirie")
    assert reply.body["in_charge"] == [{
        "member_id": world.members["rita"].id, "username": "rita", "display_name": "Rita",
        "mandate": "adjointe à la mobilité", "role": "representative"}]
    assert reply.body["settings"]["has_public_votes"] is False
