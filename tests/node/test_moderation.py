"""Moderation: who hides, what disappears, and what the history keeps."""
from __future__ import annotations

import pytest

from node import services
from node.errors import Conflict, Forbidden, NotFound
from node.events import ContentHidden, ContentUnhidden
from node.history import ModerationVerb
from node.model import ContentKind, DebateRole, DebateSettings, Role

from .builders import OP, a_member, a_proposal, an_open_debate, close, event_log, run, snapshot


async def test_hidden_proposal_disappears_from_listings_and_tallies_but_stays_in_history(db, clock):
    # Given two proposals, one with votes
    anne = await a_member(db, clock, "anne")
    moderator = await a_member(db, clock, "mod", Role.MODERATOR)
    debate = await an_open_debate(db, clock, settings=DebateSettings(support_threshold=2))
    kept = await a_proposal(db, clock, anne)
    hidden = await a_proposal(db, clock, anne)
    await run(db, services.cast_vote, clock, anne, hidden.id, "for")
    # When
    action = await run(db, services.hide_content, clock, moderator, ContentKind.PROPOSAL,
                       hidden.id, "Propos diffamatoires")
    # Then the listing has only the other one, in every order
    for order in ("newest", "most_supported"):
        page = await services.list_proposals(db.read(), "voirie", order=order)
        assert [s.proposal.id for s in page.items] == [kept.id]
    # And the history keeps who, what, why and when
    assert (await db.read().moderation.list_for_target(ContentKind.PROPOSAL, hidden.id)) == (action,)
    assert (action.member_id, action.action, action.reason, action.occurred_at) == (
        moderator.id, ModerationVerb.HIDE, "Propos diffamatoires", clock.now())
    assert (await event_log(db))[-1] == ContentHidden(
        clock.now(), f"member:{moderator.id}", action.id, debate.id, hidden.id, "proposal",
        hidden.id, "Propos diffamatoires")
    # And its votes no longer carry it over a threshold, even a lowered one
    await run(db, services.update_debate_settings, clock, OP, "voirie", DebateSettings(1))
    assert (await db.read().proposals.get(hidden.id)).threshold_reached_at is None
    with pytest.raises(Conflict, match="hidden"):
        await run(db, services.cast_vote, clock, moderator, hidden.id, "for")


async def test_unhide_brings_the_item_back_and_both_actions_stay(db, clock):
    anne = await a_member(db, clock, "anne")
    moderator = await a_member(db, clock, "mod", Role.MODERATOR)
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.hide_content, clock, moderator, "proposal", proposal.id, "Signalée")
    clock.advance(hours=1)
    await run(db, services.unhide_content, clock, moderator, "proposal", proposal.id, "Erreur")
    page = await services.list_proposals(db.read(), "voirie")
    assert [s.proposal.id for s in page.items] == [proposal.id]
    history = await services.list_moderation(db.read(), "voirie")
    assert [a.action for a in history.items] == [ModerationVerb.UNHIDE, ModerationVerb.HIDE]
    assert isinstance((await event_log(db))[-1], ContentUnhidden)
    with pytest.raises(Conflict, match="not hidden"):
        await run(db, services.unhide_content, clock, moderator, "proposal", proposal.id, "Encore")


async def test_only_moderators_hide_and_a_debate_moderator_counts(db, clock):
    # Given
    anne = await a_member(db, clock, "anne")
    claire = await a_member(db, clock, "claire", Role.REPRESENTATIVE)
    facilitator = await a_member(db, clock, "animatrice")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    before = await snapshot(db)
    # When / Then
    for actor in (anne, claire, facilitator):
        with pytest.raises(Forbidden):
            await run(db, services.hide_content, clock, actor, "proposal", proposal.id, "Raison")
    assert await snapshot(db) == before
    await run(db, services.assign_debate_role, clock, OP, "voirie", "animatrice", DebateRole.MODERATOR)
    await run(db, services.hide_content, clock, facilitator, "proposal", proposal.id, "Raison")
    await run(db, services.unhide_content, clock, OP, "proposal", proposal.id, "Raison")


async def test_moderation_is_still_possible_after_the_debate_closes(db, clock):
    anne = await a_member(db, clock, "anne")
    moderator = await a_member(db, clock, "mod", Role.MODERATOR)
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    await close(db, clock)
    await run(db, services.hide_content, clock, moderator, "proposal", proposal.id, "Illégal")
    assert (await db.read().proposals.get(proposal.id)).hidden_at == clock.now()


async def test_hide_is_refused_without_reason_twice_or_for_unknown_items(db, clock):
    anne = await a_member(db, clock, "anne")
    moderator = await a_member(db, clock, "mod", Role.MODERATOR)
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    await run(db, services.hide_content, clock, moderator, "proposal", proposal.id, "Raison")
    before = await snapshot(db)
    with pytest.raises(Conflict, match="already hidden"):
        await run(db, services.hide_content, clock, moderator, "proposal", proposal.id, "Raison")
    with pytest.raises(NotFound):
        await run(db, services.hide_content, clock, moderator, "argument", 999, "Raison")
    await run(db, services.unhide_content, clock, moderator, "proposal", proposal.id, "Raison")
    before = await snapshot(db)
    with pytest.raises(Exception) as caught:
        await run(db, services.hide_content, clock, moderator, "proposal", proposal.id, "no")
    assert type(caught.value).__name__ == "Invalid"
    assert await snapshot(db) == before
