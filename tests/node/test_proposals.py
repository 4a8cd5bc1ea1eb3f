"""Proposals: submission, versions, status, co-authors and the representatives' answer."""
from __future__ import annotations

import pytest

from node import services
from node.errors import Conflict, Forbidden, Invalid, NotFound
from node.events import (
    CoauthorAdded,
    ProposalAnswered,
    ProposalEdited,
    ProposalStatusChanged,
    ProposalSubmitted,
)
from node.history import HistoryKind
from node.model import AnswerKind, Article, DebateRole, ProposalStatus, Role, Source

from .builders import (
    ARTICLES,
    OP,
    SOURCES,
    a_draft,
    a_member,
    a_proposal,
    an_open_debate,
    event_log,
    run,
    snapshot,
)

ANSWER = "Le conseil municipal adopte la proposition et lance les travaux en 2027."


async def test_submit_proposal_stores_version_one_with_articles_sources_and_its_event(db, clock):
    # Given
    anne = await a_member(db, clock, "anne")
    debate = await an_open_debate(db, clock)
    # When
    proposal = await a_proposal(db, clock, anne, draft=a_draft(articles=ARTICLES, sources=SOURCES))
    # Then
    assert proposal.status is ProposalStatus.SUBMITTED and proposal.version == 1
    assert proposal.author.member_id == anne.id and proposal.author.username == "anne"
    version = await db.read().proposals.get_version(proposal.id, 1)
    assert version.articles == ARTICLES and version.sources == SOURCES
    event = (await event_log(db))[-1]
    assert event == ProposalSubmitted(
        clock.now(), f"member:{anne.id}", proposal.id, debate.id, "voirie", proposal.author.id,
        anne.id, 1, proposal.title, proposal.body, ARTICLES, SOURCES,
    )
    history = (await db.read().proposals.list_history(proposal.id)).items
    assert [(h.kind, h.new_status, h.by_member_id) for h in history] == [
        (HistoryKind.SUBMITTED, ProposalStatus.SUBMITTED, anne.id)
    ]


async def test_edit_proposal_creates_a_new_version_and_keeps_the_old_one_readable(db, clock):
    # Given
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne, draft=a_draft(articles=ARTICLES))
    # When
    clock.advance(hours=1)
    edited = await run(db, services.edit_proposal, clock, anne, proposal.id,
                       a_draft(title="Une piste cyclable protégée", articles=ARTICLES[:1],
                               sources=SOURCES))
    # Then
    assert edited.version == 2 and edited.title == "Une piste cyclable protégée"
    first = await services.get_proposal_version(db.read(), proposal.id, 1)
    assert first.title == proposal.title and first.articles == ARTICLES and first.sources == ()
    detail = await services.get_proposal_detail(db.read(), clock, proposal.id)
    assert detail.version.articles == ARTICLES[:1] and [v.number for v in detail.versions] == [1, 2]
    event = (await event_log(db))[-1]
    assert isinstance(event, ProposalEdited) and event.version == 2 and event.sources == SOURCES
    history = (await db.read().proposals.list_history(proposal.id)).items
    assert history[-1].kind is HistoryKind.EDITED and history[-1].version == 2


async def test_edit_proposal_is_a_no_op_when_nothing_changed(db, clock):
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    before = await snapshot(db)
    same = await run(db, services.edit_proposal, clock, anne, proposal.id, a_draft())
    assert same.version == 1 and await snapshot(db) == before


async def test_only_authors_edit_a_proposal(db, clock):
    # Given
    anne = await a_member(db, clock, "anne")
    bruno = await a_member(db, clock, "bruno")
    admin = await a_member(db, clock, "chef", Role.ADMIN)
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    before = await snapshot(db)
    # When / Then
    for stranger in (bruno, admin, OP):
        with pytest.raises(Forbidden):
            await run(db, services.edit_proposal, clock, stranger, proposal.id, a_draft(title="Autre titre"))
    assert await snapshot(db) == before


async def test_coauthor_added_by_the_lead_author_may_edit_and_leave(db, clock):
    # Given
    anne = await a_member(db, clock, "anne")
    bruno = await a_member(db, clock, "bruno")
    debate = await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    # When
    await run(db, services.add_coauthor, clock, anne, proposal.id, "bruno")
    edited = await run(db, services.edit_proposal, clock, bruno, proposal.id, a_draft(body="Mieux dit."))
    # Then
    authors = await db.read().proposals.list_authors(proposal.id)
    assert [a.username for a in authors] == ["anne", "bruno"]
    assert edited.version == 2
    assert isinstance((await event_log(db))[-2], CoauthorAdded)
    assert (await event_log(db))[-2].debate_id == debate.id
    # And only the lead adds; twice is a conflict; bruno may leave
    with pytest.raises(Forbidden):
        await run(db, services.add_coauthor, clock, bruno, proposal.id, "anne")
    with pytest.raises(Conflict):
        await run(db, services.add_coauthor, clock, anne, proposal.id, "bruno")
    with pytest.raises(Forbidden):
        await run(db, services.remove_coauthor, clock, bruno, proposal.id, "anne")
    with pytest.raises(Invalid, match="lead author"):
        await run(db, services.remove_coauthor, clock, anne, proposal.id, "anne")
    await run(db, services.remove_coauthor, clock, bruno, proposal.id, "bruno")
    assert [a.username for a in await db.read().proposals.list_authors(proposal.id)] == ["anne"]


async def test_proposal_moves_into_discussion_by_those_in_charge_and_the_change_is_recorded(db, clock):
    # Given
    anne = await a_member(db, clock, "anne")
    facilitator = await a_member(db, clock, "animatrice")
    debate = await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    # When anne (the author) tries, then the debate's moderator does
    with pytest.raises(Forbidden):
        await run(db, services.change_proposal_status, clock, anne, proposal.id, ProposalStatus.IN_DISCUSSION)
    await run(db, services.assign_debate_role, clock, OP, "voirie", "animatrice", DebateRole.MODERATOR)
    clock.advance(minutes=5)
    moved = await run(db, services.change_proposal_status, clock, facilitator, proposal.id, "in_discussion")
    # Then
    assert moved.status is ProposalStatus.IN_DISCUSSION
    assert (await event_log(db))[-1] == ProposalStatusChanged(
        clock.now(), f"member:{facilitator.id}", proposal.id, debate.id, "submitted", "in_discussion")
    entry = (await db.read().proposals.list_history(proposal.id)).items[-1]
    assert (entry.kind, entry.old_status, entry.new_status, entry.by_member_id, entry.occurred_at) == (
        HistoryKind.STATUS_CHANGED, ProposalStatus.SUBMITTED, ProposalStatus.IN_DISCUSSION,
        facilitator.id, clock.now())
    # And "answered" only comes from an answer
    with pytest.raises(Invalid):
        await run(db, services.change_proposal_status, clock, facilitator, proposal.id, "answered")


async def test_answer_by_a_representative_ends_the_loop(db, clock):
    # Given
    anne = await a_member(db, clock, "anne")
    claire = await a_member(db, clock, "claire", Role.REPRESENTATIVE, mandate="adjointe à la mobilité")
    debate = await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    # When
    answer = await run(db, services.answer_proposal, clock, claire, proposal.id, "adopted", ANSWER)
    # Then
    answered = await db.read().proposals.get(proposal.id)
    assert answered.status is ProposalStatus.ANSWERED and answered.answered_at == clock.now()
    assert answered.answer_kind is AnswerKind.ADOPTED
    assert (answer.revision, answer.mandate, answer.username) == (1, "adjointe à la mobilité", "claire")
    assert (await event_log(db))[-1] == ProposalAnswered(
        clock.now(), f"member:{claire.id}", proposal.id, debate.id, 1, "adopted", None, ANSWER,
        claire.id, "claire", "adjointe à la mobilité", None, False)
    # And the proposal is no longer editable
    with pytest.raises(Conflict, match="answered"):
        await run(db, services.edit_proposal, clock, anne, proposal.id, a_draft(title="Encore"))


async def test_answering_again_records_a_correction_as_a_new_revision(db, clock):
    # Given an answered proposal
    anne = await a_member(db, clock, "anne")
    claire = await a_member(db, clock, "claire", Role.REPRESENTATIVE)
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    first = await run(db, services.answer_proposal, clock, claire, proposal.id, "needs_study", ANSWER)
    first_answered_at = clock.now()
    # When
    clock.advance(days=3)
    second = await run(db, services.answer_proposal, clock, claire, proposal.id,
                       AnswerKind.ADOPTED_WITH_CHANGES, ANSWER + " Avec un tracé modifié.")
    # Then both revisions stay readable; the first answer's time stands
    detail = await services.get_proposal_detail(db.read(), clock, proposal.id)
    assert [a.revision for a in detail.answer_revisions] == [1, 2]
    assert detail.answer == second and detail.answer_revisions[0] == first
    assert detail.proposal.answer_kind is AnswerKind.ADOPTED_WITH_CHANGES
    assert detail.proposal.answered_at == first_answered_at
    event = (await event_log(db))[-1]
    assert (event.revision, event.previous_kind, event.kind) == (2, "needs_study", "adopted_with_changes")
    kinds = [h.kind for h in (await db.read().proposals.list_history(proposal.id)).items]
    assert kinds[-2:] == [HistoryKind.ANSWERED, HistoryKind.ANSWER_REVISED]


async def test_only_representatives_answer_and_only_those_in_charge_when_named(db, clock):
    # Given
    anne = await a_member(db, clock, "anne")
    admin = await a_member(db, clock, "chef", Role.ADMIN)
    claire = await a_member(db, clock, "claire", Role.REPRESENTATIVE)
    await a_member(db, clock, "denis", Role.REPRESENTATIVE)
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.assign_debate_role, clock, OP, "voirie", "denis", DebateRole.REPRESENTATIVE)
    before = await snapshot(db)
    # When / Then
    for actor in (anne, admin, OP, claire):
        with pytest.raises(Forbidden):
            await run(db, services.answer_proposal, clock, actor, proposal.id, "adopted", ANSWER)
    assert await snapshot(db) == before


async def test_a_hidden_proposal_is_not_found_but_by_moderators(db, clock):
    # Given a hidden proposal
    anne = await a_member(db, clock, "anne")
    moderator = await a_member(db, clock, "mod", Role.MODERATOR)
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.hide_content, clock, moderator, "proposal", proposal.id, "Propos injurieux")
    # When / Then
    with pytest.raises(NotFound):
        await services.get_proposal_detail(db.read(), clock, proposal.id)
    with pytest.raises(NotFound):
        await services.get_proposal_detail(db.read(), clock, proposal.id, viewer=anne)
    detail = await services.get_proposal_detail(db.read(), clock, proposal.id, viewer=moderator)
    assert detail.proposal.hidden_at == clock.now()


async def test_submit_proposal_is_refused_when_the_draft_is_invalid_and_writes_nothing(db, clock):
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    before = await snapshot(db)
    for draft in (
        a_draft(title="ab"),
        a_draft(articles=[Article(1, "", "x")] * 2),
        a_draft(sources=[Source("javascript:alert(1)", "")]),
    ):
        with pytest.raises(Invalid):
            await a_proposal(db, clock, anne, draft=draft)
    with pytest.raises(NotFound):
        await a_proposal(db, clock, anne, slug="inconnu")
    with pytest.raises(Forbidden):
        await a_proposal(db, clock, OP)
    assert await snapshot(db) == before
