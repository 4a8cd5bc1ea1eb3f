"""The representatives' answer through the API: only representatives answer (those in charge
when the debate names some); a new answer is a revision; every revision stays readable."""
from __future__ import annotations

import pytest

from node import content_rules, services
from node.model import ContentKind

from .world import Stored, run

ANSWER = {"kind": "adopted_with_changes", "text": "Adoptée, avec une piste plus courte."}


async def test_a_representative_in_charge_answers_and_the_loop_ends(world, api):
    # When rita, in charge of voirie, answers
    reply = await api.post(f"/proposals/{world.proposal}/answers", as_="rita", json=ANSWER)
    # Then the answer is signed with her mandate and the proposal is answered
    assert reply.status == 201
    answer = reply.body
    assert (answer["revision"], answer["kind"], answer["text"]) == (
        1, "adopted_with_changes", ANSWER["text"])
    assert answer["signed_by"] == {"member_id": world.members["rita"].id, "username": "rita",
                                   "display_name": "Rita", "mandate": "adjointe à la mobilité"}
    proposal = (await api.get(f"/proposals/{world.proposal}")).body
    assert proposal["status"] == "answered" and proposal["answer"] == answer
    assert proposal["answer_kind"] == "adopted_with_changes"
    assert proposal["answered_at"] == answer["answered_at"]


async def test_answering_again_adds_a_revision_and_keeps_the_first(world, api):
    path = f"/proposals/{world.proposal}/answers"
    first = await api.post(path, as_="rita", json=ANSWER)
    stored = await Stored.take(world.node)
    same = await api.post(path, as_="rita", json=ANSWER)
    await stored.assert_unchanged("the same answer again")
    second = await api.post(path, as_="rita", json={"kind": "rejected",
                                                    "text": "Finalement rejetée : budget."})
    assert same.body == first.body and second.body["revision"] == 2
    listed = await api.get(path)
    assert [a["revision"] for a in listed.body["items"]] == [1, 2]
    proposal = (await api.get(f"/proposals/{world.proposal}")).body
    assert proposal["answer"]["revision"] == 2 and len(proposal["answer_revisions"]) == 2


@pytest.mark.parametrize("username", ["anne", "bruno", "ada", "modo", "remi"])
async def test_answering_is_403_for_anyone_but_a_representative_in_charge(world, api, username):
    # citizens (even the author), the administrator, the moderator, a representative not in
    # charge of voirie (which names rita)
    stored = await Stored.take(world.node)
    reply = await api.post(f"/proposals/{world.proposal}/answers", as_=username, json=ANSWER)
    assert reply.status == 403, reply.body
    await stored.assert_unchanged()


async def assert_answered_by_remi(api, proposal_id: int, reply) -> None:
    """The reply is remi's first answer, and the proposal now shows it."""
    assert reply.status == 201, reply.body
    assert (reply.body["revision"], reply.body["kind"], reply.body["text"]) == (
        1, ANSWER["kind"], ANSWER["text"])
    assert reply.body["signed_by"]["username"] == "remi"
    assert reply.body["signed_by"]["mandate"] == "adjoint aux finances"
    proposal = (await api.get(f"/proposals/{proposal_id}")).body
    assert proposal["status"] == "answered" and proposal["answer"] == reply.body


async def test_any_representative_answers_where_none_is_in_charge(world, api):
    reply = await api.post(f"/proposals/{world.public_proposal}/answers", as_="remi",
                           json=ANSWER)
    await assert_answered_by_remi(api, world.public_proposal, reply)


async def test_answers_are_still_accepted_once_the_debate_is_closed(world, api):
    reply = await api.post(f"/proposals/{world.closed_proposal}/answers", as_="remi",
                           json=ANSWER)
    await assert_answered_by_remi(api, world.closed_proposal, reply)


async def test_answering_a_hidden_proposal_is_409(world, api):
    await run(world.node, services.hide_content, world.members["modo"], ContentKind.PROPOSAL,
              world.proposal, "Doublon.")
    stored = await Stored.take(world.node)
    reply = await api.post(f"/proposals/{world.proposal}/answers", as_="rita", json=ANSWER)
    assert reply.status == 409
    await stored.assert_unchanged()


@pytest.mark.parametrize(("text", "valid"), [
    ("x" * (content_rules.MIN_ANSWER - 1), False), ("   " + "x" * (content_rules.MIN_ANSWER - 1) + "  ", False),
    ("x" * content_rules.MIN_ANSWER, True), ("x" * content_rules.MAX_ANSWER, True),
    ("x" * (content_rules.MAX_ANSWER + 1), False),
])
async def test_answer_text_bounds(world, api, text, valid):
    stored = await Stored.take(world.node)
    reply = await api.post(f"/proposals/{world.proposal}/answers", as_="rita",
                           json={"kind": "adopted", "text": text})
    if valid:
        assert reply.status == 201 and reply.body["text"] == text
        listed = await api.get(f"/proposals/{world.proposal}/answers")
        assert [a["text"] for a in listed.body["items"]] == [text]
    else:
        assert reply.status == 422 and reply.error_fields() == ["text"]
        await stored.assert_unchanged()


async def test_answer_revisions_page_to_the_end(world, api):
    for n in range(5):
        await api.post(f"/proposals/{world.proposal}/answers", as_="rita",
                       json={"kind": "needs_study", "text": f"Étude en cours, étape {n}."})
    items, pages = await api.page_through(f"/proposals/{world.proposal}/answers", limit=2)
    assert [a["revision"] for a in items] == [1, 2, 3, 4, 5] and pages == 3
