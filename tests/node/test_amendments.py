"""Amendments: proposal, votes, integration into a new version, rejection and withdrawal."""
from __future__ import annotations

import pytest

from node import services
from node.diff import DiffKind, amendment_diff
from node.errors import Conflict, Forbidden, Invalid
from node.events import AmendmentIntegrated, AmendmentProposed, AmendmentRejected, AmendmentVoteCast
from node.history import HistoryKind
from node.model import AmendmentDraft, AmendmentStatus, Article, ChoiceCounts, Role

from .builders import ARTICLES, a_draft, a_member, a_proposal, an_open_debate, event_log, run, snapshot

NEW_TEXT = "La rue Victor Hugo reçoit une piste cyclable protégée\ndans les deux sens."


async def _setup(db, clock):
    anne = await a_member(db, clock, "anne")
    bruno = await a_member(db, clock, "bruno")
    debate = await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne, draft=a_draft(articles=ARTICLES))
    return anne, bruno, debate, proposal


async def test_propose_amendment_to_an_article_keeps_the_text_it_replaces(db, clock):
    # Given
    anne, bruno, debate, proposal = await _setup(db, clock)
    # When
    amendment = await run(db, services.propose_amendment, clock, bruno, proposal.id,
                          AmendmentDraft(NEW_TEXT, "Les deux sens comptent.", 1))
    # Then
    assert (amendment.status, amendment.base_version, amendment.original_text) == (
        AmendmentStatus.PROPOSED, 1, ARTICLES[0].text)
    assert [op.kind for op in amendment_diff(amendment)] == [DiffKind.DELETE, DiffKind.INSERT]
    event = (await event_log(db))[-1]
    assert isinstance(event, AmendmentProposed)
    assert (event.article_number, event.original_text, event.text) == (1, ARTICLES[0].text, NEW_TEXT)


async def test_amendment_votes_are_one_per_member_and_changeable(db, clock):
    # Given
    anne, bruno, _, proposal = await _setup(db, clock)
    amendment = await run(db, services.propose_amendment, clock, bruno, proposal.id,
                          AmendmentDraft("Un autre corps.", "Plus clair."))
    # When
    await run(db, services.vote_on_amendment, clock, anne, amendment.id, "for")
    await run(db, services.vote_on_amendment, clock, anne, amendment.id, "against")
    before = await snapshot(db)
    await run(db, services.vote_on_amendment, clock, anne, amendment.id, "against")
    # Then
    assert await snapshot(db) == before
    summaries = (await services.list_amendments(db.read(), proposal.id)).items
    assert summaries[0].tally.local_members == ChoiceCounts(0, 0, 1)
    events = [e for e in await event_log(db) if isinstance(e, AmendmentVoteCast)]
    assert [(e.choice, e.previous_choice) for e in events] == [("for", None), ("against", "for")]


async def test_integrating_an_amendment_creates_a_new_version_and_the_old_one_stays(db, clock):
    # Given an amendment to article 1, proposed by bruno
    anne, bruno, debate, proposal = await _setup(db, clock)
    amendment = await run(db, services.propose_amendment, clock, bruno, proposal.id,
                          AmendmentDraft(NEW_TEXT, "Les deux sens comptent.", 1))
    # When the author integrates it
    clock.advance(hours=1)
    updated = await run(db, services.integrate_amendment, clock, anne, amendment.id)
    # Then version 2 carries the new article, version 1 the old one
    assert updated.version == 2
    v1 = await services.get_proposal_version(db.read(), proposal.id, 1)
    v2 = await services.get_proposal_version(db.read(), proposal.id, 2)
    assert v1.articles == ARTICLES
    assert v2.articles == (Article(1, "Objet", NEW_TEXT), ARTICLES[1])
    assert v2.amendment_id == amendment.id and v2.body == v1.body and v2.title == v1.title
    integrated = await db.read().amendments.get(amendment.id)
    assert (integrated.status, integrated.integrated_version, integrated.decided_by_id) == (
        AmendmentStatus.INTEGRATED, 2, anne.id)
    assert (await event_log(db))[-1] == AmendmentIntegrated(
        clock.now(), f"member:{anne.id}", amendment.id, proposal.id, debate.id, 1, NEW_TEXT, 2)
    entry = (await db.read().proposals.list_history(proposal.id)).items[-1]
    assert (entry.kind, entry.version) == (HistoryKind.AMENDMENT_INTEGRATED, 2)


async def test_a_representative_may_integrate_and_a_stranger_may_not(db, clock):
    anne, bruno, _, proposal = await _setup(db, clock)
    claire = await a_member(db, clock, "claire", Role.REPRESENTATIVE)
    carla = await a_member(db, clock, "carla")
    amendment = await run(db, services.propose_amendment, clock, bruno, proposal.id,
                          AmendmentDraft("Corps remanié.", "Plus lisible."))
    before = await snapshot(db)
    for stranger in (carla, bruno):
        with pytest.raises(Forbidden):
            await run(db, services.integrate_amendment, clock, stranger, amendment.id)
    assert await snapshot(db) == before
    updated = await run(db, services.integrate_amendment, clock, claire, amendment.id)
    assert updated.body == "Corps remanié."


async def test_integration_is_refused_when_the_text_changed_since_the_amendment(db, clock):
    # Given two amendments to the same body; the first is integrated
    anne, bruno, _, proposal = await _setup(db, clock)
    first = await run(db, services.propose_amendment, clock, bruno, proposal.id,
                      AmendmentDraft("Premier corps.", "Raison un."))
    second = await run(db, services.propose_amendment, clock, bruno, proposal.id,
                       AmendmentDraft("Second corps.", "Raison deux."))
    await run(db, services.integrate_amendment, clock, anne, first.id)
    before = await snapshot(db)
    # When / Then
    with pytest.raises(Conflict, match="changed"):
        await run(db, services.integrate_amendment, clock, anne, second.id)
    with pytest.raises(Conflict, match="integrated"):
        await run(db, services.integrate_amendment, clock, anne, first.id)
    assert await snapshot(db) == before


async def test_reject_and_withdraw_close_an_amendment(db, clock):
    anne, bruno, debate, proposal = await _setup(db, clock)
    rejected = await run(db, services.propose_amendment, clock, bruno, proposal.id,
                         AmendmentDraft("Autre corps.", "Pourquoi pas."))
    withdrawn = await run(db, services.propose_amendment, clock, bruno, proposal.id,
                          AmendmentDraft("Encore un autre.", "Pourquoi pas."))
    # When
    with pytest.raises(Invalid):
        await run(db, services.reject_amendment, clock, anne, rejected.id, "")
    done = await run(db, services.reject_amendment, clock, anne, rejected.id, "Hors du sujet.")
    with pytest.raises(Forbidden):
        await run(db, services.withdraw_amendment, clock, anne, withdrawn.id)
    gone = await run(db, services.withdraw_amendment, clock, bruno, withdrawn.id)
    # Then
    assert (done.status, done.decision_note, done.decided_by_id) == (
        AmendmentStatus.REJECTED, "Hors du sujet.", anne.id)
    assert gone.status is AmendmentStatus.WITHDRAWN
    assert AmendmentRejected(clock.now(), f"member:{anne.id}", rejected.id, proposal.id,
                             debate.id, "Hors du sujet.") in await event_log(db)
    with pytest.raises(Conflict):
        await run(db, services.vote_on_amendment, clock, anne, rejected.id, "for")


async def test_propose_amendment_is_refused_when_its_target_or_text_is_wrong(db, clock):
    anne, bruno, _, proposal = await _setup(db, clock)
    before = await snapshot(db)
    for draft in (
        AmendmentDraft("Texte", "Raison.", 9),
        AmendmentDraft(ARTICLES[0].text, "Raison.", 1),
        AmendmentDraft("x" * 10_001, "Raison.", 1),
        AmendmentDraft("Texte", ""),
    ):
        with pytest.raises(Invalid):
            await run(db, services.propose_amendment, clock, bruno, proposal.id, draft)
    assert await snapshot(db) == before


async def test_hidden_amendment_leaves_the_listing(db, clock):
    anne, bruno, _, proposal = await _setup(db, clock)
    moderator = await a_member(db, clock, "mod", Role.MODERATOR)
    amendment = await run(db, services.propose_amendment, clock, bruno, proposal.id,
                          AmendmentDraft("Texte publicitaire.", "Achetez !"))
    await run(db, services.hide_content, clock, moderator, "amendment", amendment.id, "Publicité")
    assert (await services.list_amendments(db.read(), proposal.id)).items == ()
    assert (await services.list_proposals(db.read(), "voirie")).items[0].amendment_count == 0
    with pytest.raises(Conflict, match="hidden"):
        await run(db, services.integrate_amendment, clock, anne, amendment.id)
