"""Proposals through the API: submit, read the detail, edit into versions, list with order and
status filters, history — and the rules (authors only, open debates, hidden ones)."""
from __future__ import annotations

import pytest

from node import content_rules, services
from node.model import AnswerKind, ProposalDraft, VoteChoice

from .world import Stored, add_debate, build_world, run

DRAFT = {"title": "Des arceaux à vélo", "body": "Installer vingt arceaux."}


async def _propose(world, username: str, title: str, slug: str = "voirie") -> int:
    proposal = await world.act(username, services.submit_proposal, slug,
                               ProposalDraft(title, f"Le texte de « {title} »."))
    return proposal.id


async def test_submit_returns_the_whole_proposal(world, api):
    # When bruno submits a proposal with an article and a source
    reply = await api.post("/debates/voirie/proposals", as_="bruno", json={
        **DRAFT, "articles": [{"number": 2, "text": "Deuxième."}, {"number": 1, "title": "Objet",
                                                                   "text": "Premier."}],
        "sources": [{"url": "https://example.org/devis"}]})
    # Then the detail shows version 1, articles in order, authors, an empty tally, its history
    assert reply.status == 201
    proposal = reply.body
    assert (proposal["status"], proposal["version"], proposal["title"]) == (
        "submitted", 1, DRAFT["title"])
    assert proposal["debate"] == {"id": proposal["debate_id"], "slug": "voirie",
                                  "title": "Débat voirie", "status": "open"}
    version = proposal["current_version"]
    assert version["body"] == DRAFT["body"]
    assert version["articles"] == [{"number": 1, "title": "Objet", "text": "Premier."},
                                   {"number": 2, "title": "", "text": "Deuxième."}]
    assert version["sources"] == [{"url": "https://example.org/devis", "title": ""}]
    assert [a["username"] for a in proposal["authors"]] == ["bruno"]
    assert proposal["tally"]["all"] == {"for": 0, "mixed": 0, "against": 0, "total": 0}
    assert [h["kind"] for h in proposal["history"]["items"]] == ["submitted"]
    assert proposal["answer"] is None and proposal["is_overdue"] is False
    assert (await api.get(f"/proposals/{proposal['id']}")).body == proposal


@pytest.mark.parametrize("slug", ["ecoles", "brouillon"])
async def test_submit_outside_an_open_debate_is_409(world, api, slug):
    stored = await Stored.take(world.node)
    reply = await api.post(f"/debates/{slug}/proposals", as_="anne", json=DRAFT)
    assert reply.status == 409
    await stored.assert_unchanged()


@pytest.mark.parametrize(("extra", "field"), [
    ({"articles": [{"number": 1, "text": "a"}, {"number": 1, "text": "b"}]}, "articles"),
    ({"articles": [{"number": 1, "text": "a" * (content_rules.MAX_ARTICLE_TEXT + 1)}]},
     "articles.0.text"),
    ({"articles": [{"number": 1, "title": "t" * (content_rules.MAX_ARTICLE_TITLE + 1), "text": "a"}]},
     "articles.0.title"),
    ({"articles": [{"number": 10_000, "text": "a"}]}, "articles.0.number"),
    ({"articles": [{"number": n, "text": "a"} for n in range(1, content_rules.MAX_ARTICLES + 2)]},
     "articles"),
    ({"body": "b" * content_rules.MAX_PROPOSAL_BODY,
      "articles": [{"number": n, "text": "a" * content_rules.MAX_ARTICLE_TEXT} for n in range(1, 10)]},
     "articles"),  # over the whole proposal's bound
    ({"sources": [{"url": "ftp://example.org/x"}]}, "sources"),
    ({"sources": [{"url": "https://user:pw@example.org/"}]}, "sources"),
    ({"sources": [{"url": "https://example.org/x"}, {"url": "https://example.org/x"}]},
     "sources"),
    ({"sources": [{"url": "https://example.org/" + "x" * content_rules.MAX_URL}]}, "sources.0.url"),
    ({"sources": [{"url": f"https://example.org/{n}"} for n in range(content_rules.MAX_SOURCES + 1)]},
     "sources"),
    ({"title": "   ab   "}, "title"),
    ({"body": "   "}, "body"),
])
async def test_submit_with_an_invalid_part_is_422_and_stores_nothing(world, api, extra, field):
    stored = await Stored.take(world.node)
    reply = await api.post("/debates/voirie/proposals", as_="anne", json={**DRAFT, **extra})
    assert reply.status == 422, reply.body
    assert field in reply.error_fields(), reply.body
    await stored.assert_unchanged()


async def test_edit_makes_a_new_version_and_keeps_the_old_one_readable(world, api):
    # When anne edits her proposal
    reply = await api.put(f"/proposals/{world.proposal}", as_="anne", json={
        "title": "Une piste cyclable sûre", "body": "Un nouveau texte."})
    # Then version 2 is current, version 1 unchanged, and the history says so
    assert reply.status == 200
    assert reply.body["version"] == 2 and reply.body["title"] == "Une piste cyclable sûre"
    assert reply.body["current_version"]["articles"] == []
    assert [v["number"] for v in reply.body["versions"]] == [1, 2]
    assert [h["kind"] for h in reply.body["history"]["items"]] == ["submitted", "edited"]
    first = await api.get(f"/proposals/{world.proposal}/versions/1")
    assert first.body["title"] == "Une piste cyclable rue Victor Hugo"
    assert len(first.body["articles"]) == 2
    assert (await api.get(f"/proposals/{world.proposal}/versions/2")).body == \
        reply.body["current_version"]


async def test_edit_with_the_same_text_records_nothing(world, api):
    current = (await api.get(f"/proposals/{world.proposal}")).body["current_version"]
    stored = await Stored.take(world.node)
    reply = await api.put(f"/proposals/{world.proposal}", as_="anne", json={
        "title": current["title"], "body": current["body"], "articles": current["articles"],
        "sources": current["sources"]})
    assert reply.status == 200 and reply.body["version"] == 1
    await stored.assert_unchanged()


@pytest.mark.parametrize("username", ["bruno", "modo", "rita"])
async def test_edit_by_someone_else_than_an_author_is_403(world, api, username):
    stored = await Stored.take(world.node)
    reply = await api.put(f"/proposals/{world.proposal}", as_=username, json=DRAFT)
    assert reply.status == 403
    await stored.assert_unchanged()


async def test_edit_in_a_closed_debate_or_after_the_answer_is_409(world, api):
    await run(world.node, services.answer_proposal, world.members["rita"], world.proposal,
              AnswerKind.ADOPTED, "Adoptée par le conseil municipal.")
    stored = await Stored.take(world.node)
    for proposal in (world.proposal, world.closed_proposal):
        reply = await api.put(f"/proposals/{proposal}", as_="anne", json=DRAFT)
        assert reply.status == 409, reply.body
    await stored.assert_unchanged()


async def test_a_version_that_does_not_exist_is_404(world, api):
    for number in ("2", "0", "9" * 25):
        reply = await api.get(f"/proposals/{world.proposal}/versions/{number}")
        assert reply.status == 404, number


async def test_a_hidden_proposal_is_404_and_unlisted_except_for_moderators(world, api):
    # Given the proposal hidden by a moderator
    hidden = await api.post("/moderation-actions", as_="modo", json={
        "action": "hide", "target_kind": "proposal", "target_id": world.proposal,
        "reason": "Contenu en double."})
    assert hidden.status == 201
    # Then nobody else reads it, not even its author, and no list shows it
    for username in (None, "anne", "bruno"):
        for path in ("", "/versions", "/versions/1", "/history", "/arguments", "/amendments",
                     "/answers", "/arguments/side-by-side"):
            reply = await api.get(f"/proposals/{world.proposal}{path}", as_=username)
            assert reply.status == 404, (username, path)
    assert (await api.get(f"/proposals/{world.proposal}/vote", as_="carla")).status == 404
    listed = await api.get("/debates/voirie/proposals", as_="modo")
    assert listed.body["items"] == []
    # But the moderators do
    reply = await api.get(f"/proposals/{world.proposal}", as_="modo")
    assert reply.status == 200 and reply.body["hidden_at"] is not None


async def test_proposals_list_newest_or_most_supported_with_tallies(world, api):
    # Given three more proposals with 2, 0 and 1 `for` votes (the world's has carla's one)
    ids = [await _propose(world, "bruno", f"Proposition {n}") for n in range(3)]
    for username in ("anne", "carla"):
        await world.act(username, services.cast_vote, ids[0], VoteChoice.FOR)
    await world.act("anne", services.cast_vote, ids[2], VoteChoice.AGAINST)
    await world.act("bruno", services.cast_vote, ids[2], VoteChoice.FOR)
    # When listed
    newest = await api.get("/debates/voirie/proposals")
    supported = await api.get("/debates/voirie/proposals", params={"order": "most_supported"})
    # Then
    assert [p["id"] for p in newest.body["items"]] == [ids[2], ids[1], ids[0], world.proposal]
    assert [p["id"] for p in supported.body["items"]] == [ids[0], ids[2], world.proposal, ids[1]]
    first = supported.body["items"][0]
    assert first["support"] == 2 and first["tally"]["verified_residents"]["for"] == 2
    mixed = supported.body["items"][1]["tally"]
    assert (mixed["local_members"]["for"], mixed["verified_residents"]["against"]) == (1, 1)
    world_proposal = next(p for p in newest.body["items"] if p["id"] == world.proposal)
    assert (world_proposal["argument_count"], world_proposal["amendment_count"]) == (1, 1)


async def test_proposals_filter_by_status(world, api):
    other = await _propose(world, "bruno", "Une autre idée")
    await run(world.node, services.answer_proposal, world.members["rita"], world.proposal,
              AnswerKind.REJECTED, "Rejetée : le budget manque cette année.")
    answered = await api.get("/debates/voirie/proposals", params={"status": "answered"})
    pending = await api.get("/debates/voirie/proposals",
                            params={"status": "submitted,in_discussion"})
    assert [p["id"] for p in answered.body["items"]] == [world.proposal]
    assert answered.body["items"][0]["answer_kind"] == "rejected"
    assert [p["id"] for p in pending.body["items"]] == [other]
    bad = await api.get("/debates/voirie/proposals", params={"order": "oldest"})
    assert bad.status == 422 and bad.error_fields() == ["order"]


@pytest.mark.parametrize("order", ["newest", "most_supported"])
async def test_proposals_page_to_the_end(world, api, order):
    # Given eight proposals, several with the same support
    ids = [world.proposal] + [await _propose(world, "bruno", f"Idée {n}") for n in range(7)]
    for index, proposal in enumerate(ids[1:5]):
        await world.act("anne" if index % 2 else "bruno", services.cast_vote, proposal,
                        VoteChoice.FOR)
    # When paged three by three
    items, pages = await api.page_through("/debates/voirie/proposals", limit=3,
                                          params={"order": order})
    # Then each comes once, in the order of the whole list
    whole = (await api.get("/debates/voirie/proposals",
                           params={"order": order, "limit": "100"})).body["items"]
    assert [p["id"] for p in items] == [p["id"] for p in whole]
    assert sorted(p["id"] for p in items) == sorted(ids) and pages == 3


async def test_versions_page_to_the_end(world, api):
    for n in range(4):
        await world.act("anne", services.edit_proposal, world.proposal,
                        ProposalDraft(f"Version {n + 2}", f"Texte {n + 2}"))
    items, pages = await api.page_through(f"/proposals/{world.proposal}/versions", limit=2)
    assert [v["number"] for v in items] == [1, 2, 3, 4, 5] and pages == 3
    assert items[4]["title"] == "Version 5"


async def test_history_pages_to_the_end(world, api):
    for n in range(4):
        await world.act("anne", services.edit_proposal, world.proposal,
                        ProposalDraft(f"Version {n + 2}", f"Texte {n + 2}"))
    await run(world.node, services.answer_proposal, world.members["rita"], world.proposal,
              AnswerKind.NEEDS_STUDY, "Le service technique étudie la question.")
    items, pages = await api.page_through(f"/proposals/{world.proposal}/history", limit=2)
    assert [h["kind"] for h in items] == ["submitted"] + ["edited"] * 4 + ["answered"]
    assert pages == 3
    assert items[-1]["new_status"] == "answered" and items[-1]["note"] == "needs_study"
    assert items[-1]["by_display_name"] == "Rita"


async def test_an_overdue_proposal_says_so(make_node):
    # Given a debate where one `for` vote starts a 10-day answer deadline
    node = await make_node("alpha")
    world = await build_world(node)
    api = world.api
    await add_debate(node, "eau", threshold=1)
    proposal = await _propose(world, "anne", "Des fontaines", slug="eau")
    assert (await api.put(f"/proposals/{proposal}/vote", as_="bruno",
                          json={"choice": "for"})).status == 200
    started = (await api.get(f"/proposals/{proposal}")).body
    assert started["threshold_reached_at"] is not None and started["is_overdue"] is False
    assert started["support_threshold"] == 1
    # When the deadline passes with no answer
    node.clock.advance(days=61)
    # Then the detail and the list show it overdue
    late = (await api.get(f"/proposals/{proposal}")).body
    listed = (await api.get("/debates/eau/proposals")).body["items"][0]
    assert late["is_overdue"] is True and listed["is_overdue"] is True
    assert late["answer_due_at"] == started["answer_due_at"]
