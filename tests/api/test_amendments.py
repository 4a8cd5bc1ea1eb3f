"""Amendments through the API: propose (body or one article), diff and tally, vote, and
integrate (a new version), reject or withdraw — by those the rules allow."""
from __future__ import annotations

import pytest

from node import services
from node.model import AmendmentDraft, ContentKind, VoteChoice

from .world import Stored, run


async def test_propose_an_amendment_to_the_body_shows_its_diff(world, api):
    reply = await api.post(f"/proposals/{world.proposal}/amendments", as_="carla", json={
        "text": "Sécuriser le trajet des écoliers.\nEt celui des parents.",
        "rationale": "Les parents accompagnent les petits."})
    assert reply.status == 201
    amendment = reply.body
    assert amendment["article_number"] is None and amendment["status"] == "proposed"
    assert amendment["base_version"] == 1
    assert amendment["original_text"] == \
        "Sécuriser le trajet des écoliers entre la gare et le collège."
    assert [(op["kind"], op["lines"]) for op in amendment["diff"]] == [
        ("delete", ["Sécuriser le trajet des écoliers entre la gare et le collège."]),
        ("insert", ["Sécuriser le trajet des écoliers.", "Et celui des parents."])]
    assert amendment["tally"]["all"]["total"] == 0


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"article_number": 3}, 422, "article_number"),  # no such article
    ({"text": "La rue Victor Hugo reçoit une piste cyclable.", "article_number": 1}, 422,
     "text"),  # changes nothing
    ({"rationale": " a "}, 422, "rationale"),
    ({"article_number": 0}, 422, "article_number"),
])
async def test_an_amendment_that_changes_nothing_or_targets_nothing_is_422(world, api, body,
                                                                          status, field):
    stored = await Stored.take(world.node)
    reply = await api.post(f"/proposals/{world.proposal}/amendments", as_="carla", json={
        "text": "Un autre texte.", "rationale": "Parce que.", **body})
    assert reply.status == status and field in reply.error_fields(), reply.body
    await stored.assert_unchanged()


async def test_proposing_in_a_closed_debate_is_409(world, api):
    stored = await Stored.take(world.node)
    reply = await api.post(f"/proposals/{world.closed_proposal}/amendments", as_="carla", json={
        "text": "Des repas bio et locaux.", "rationale": "Le local compte aussi."})
    assert reply.status == 409
    await stored.assert_unchanged()


async def test_votes_on_an_amendment_are_tallied_by_class_and_changeable(world, api):
    path = f"/amendments/{world.amendment}/vote"
    assert (await api.put(path, as_="anne", json={"choice": "for"})).status == 200
    assert (await api.put(path, as_="bruno", json={"choice": "mixed"})).status == 200
    stored = await Stored.take(world.node)
    same = await api.put(path, as_="anne", json={"choice": "for"})
    await stored.assert_unchanged("the same choice again")
    changed = await api.put(path, as_="anne", json={"choice": "against"})
    tally = changed.body["tally"]
    assert same.body["tally"]["verified_residents"]["for"] == 1
    assert (tally["verified_residents"]["against"], tally["local_members"]["mixed"]) == (1, 1)
    assert tally["all"] == {"for": 0, "mixed": 1, "against": 1, "total": 2}


async def test_voting_on_a_decided_amendment_is_409(world, api):
    await world.act("bruno", services.withdraw_amendment, world.amendment)
    stored = await Stored.take(world.node)
    reply = await api.put(f"/amendments/{world.amendment}/vote", as_="anne",
                          json={"choice": "for"})
    assert reply.status == 409
    await stored.assert_unchanged()


async def test_an_amendment_in_a_closed_debate_cannot_be_voted_or_decided(world, api):
    # Given an amendment proposed while voirie was open, then voirie closed
    await world.act("anne", services.vote_on_amendment, world.amendment, VoteChoice.FOR)
    assert (await api.post("/debates/voirie/status", as_="ada",
                           json={"status": "closed"})).status == 200
    stored = await Stored.take(world.node)
    replies = [
        await api.put(f"/amendments/{world.amendment}/vote", as_="carla", json={"choice": "for"}),
        await api.post(f"/amendments/{world.amendment}/integrate", as_="anne"),
        await api.post(f"/amendments/{world.amendment}/reject", as_="anne",
                       json={"reason": "Trop tard."}),
        await api.post(f"/amendments/{world.amendment}/withdraw", as_="bruno"),
    ]
    assert [r.status for r in replies] == [409, 409, 409, 409]
    await stored.assert_unchanged()


async def test_integrating_gives_the_proposal_a_new_version(world, api):
    # When the proposal's author integrates bruno's amendment to article 1
    reply = await api.post(f"/amendments/{world.amendment}/integrate", as_="anne")
    # Then the amendment is integrated into version 2, which carries the new article text
    assert reply.status == 200
    assert (reply.body["status"], reply.body["integrated_version"]) == ("integrated", 2)
    assert reply.body["decided_by_id"] == world.members["anne"].id
    proposal = (await api.get(f"/proposals/{world.proposal}")).body
    assert proposal["version"] == 2
    assert proposal["current_version"]["amendment_id"] == world.amendment
    assert proposal["current_version"]["articles"][0]["text"] == \
        "La rue Victor Hugo reçoit une piste cyclable séparée."
    first = (await api.get(f"/proposals/{world.proposal}/versions/1")).body
    assert first["articles"][0]["text"] == "La rue Victor Hugo reçoit une piste cyclable."
    assert proposal["history"]["items"][-1]["kind"] == "amendment_integrated"
    # And it cannot be integrated twice
    stored = await Stored.take(world.node)
    again = await api.post(f"/amendments/{world.amendment}/integrate", as_="anne")
    assert again.status == 409
    await stored.assert_unchanged()


async def test_a_representative_in_charge_may_integrate(world, api):
    reply = await api.post(f"/amendments/{world.amendment}/integrate", as_="rita")
    assert reply.status == 200 and reply.body["status"] == "integrated"


@pytest.mark.parametrize("username", ["bruno", "carla", "modo", "remi"])
async def test_integrating_or_rejecting_is_403_for_others(world, api, username):
    # bruno wrote the amendment but not the proposal; remi represents but is not in charge
    stored = await Stored.take(world.node)
    integrate = await api.post(f"/amendments/{world.amendment}/integrate", as_=username)
    reject = await api.post(f"/amendments/{world.amendment}/reject", as_=username,
                            json={"reason": "Non merci."})
    assert integrate.status == reject.status == 403
    await stored.assert_unchanged()


async def test_rejecting_records_the_reason(world, api):
    reply = await api.post(f"/amendments/{world.amendment}/reject", as_="anne",
                           json={"reason": "  La piste existante suffit.  "})
    assert reply.status == 200
    assert (reply.body["status"], reply.body["decision_note"]) == (
        "rejected", "La piste existante suffit.")
    stored = await Stored.take(world.node)
    withdraw = await api.post(f"/amendments/{world.amendment}/withdraw", as_="bruno")
    assert withdraw.status == 409
    await stored.assert_unchanged()


async def test_only_its_author_withdraws_an_amendment(world, api):
    stored = await Stored.take(world.node)
    for username in ("anne", "rita", "modo"):
        reply = await api.post(f"/amendments/{world.amendment}/withdraw", as_=username)
        assert reply.status == 403, username
    await stored.assert_unchanged()
    reply = await api.post(f"/amendments/{world.amendment}/withdraw", as_="bruno")
    assert reply.status == 200 and reply.body["status"] == "withdrawn"


async def test_amendments_page_to_the_end_with_diffs_and_tallies(world, api):
    # Given six more amendments, one voted
    ids = [world.amendment]
    for n in range(6):
        amendment = await world.act("carla", services.propose_amendment, world.proposal,
                                    AmendmentDraft(f"Texte numéro {n}.", "Une raison.", 2))
        ids.append(amendment.id)
    await world.act("anne", services.vote_on_amendment, ids[3], VoteChoice.MIXED)
    # When paged
    items, pages = await api.page_through(f"/proposals/{world.proposal}/amendments", limit=3)
    # Then oldest first, each once
    assert [a["id"] for a in items] == ids and pages == 3
    assert items[3]["tally"]["all"]["mixed"] == 1
    assert items[3]["diff"][0]["lines"] == ["Les travaux ont lieu en 2027."]


async def test_a_hidden_amendment_leaves_the_list_and_cannot_be_voted(world, api):
    await run(world.node, services.hide_content, world.members["modo"],
              ContentKind.AMENDMENT,
              world.amendment, "Propos déplacés.")
    listed = await api.get(f"/proposals/{world.proposal}/amendments", as_="modo")
    assert listed.body["items"] == []
    stored = await Stored.take(world.node)
    vote = await api.put(f"/amendments/{world.amendment}/vote", as_="anne",
                         json={"choice": "for"})
    assert vote.status == 409
    await stored.assert_unchanged()
