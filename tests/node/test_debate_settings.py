"""Debate settings (threshold, answer delay, vote visibility, counted classes) and roles."""
from __future__ import annotations

from datetime import timedelta

import pytest

from node import services
from node.errors import Conflict, Forbidden, Invalid, NotFound
from node.events import DebateCreated, DebateRoleAssigned, DebateRoleRemoved, DebateSettingsChanged
from node.model import DebateRole, DebateSettings, DebateStatus, NewDebate, ParticipantClass, Role

from .builders import OP, a_member, an_open_debate, close, event_log, run, snapshot

RESIDENTS = frozenset({ParticipantClass.VERIFIED_RESIDENT})


async def test_create_debate_stores_its_settings_and_says_so_in_its_event(db, clock):
    # Given
    settings = DebateSettings(50, 30, True, RESIDENTS)
    closes_at = clock.now() + timedelta(days=30)
    # When
    debate = await run(db, services.create_debate, clock, OP,
                       NewDebate("voirie", "La voirie", "Parlons-en.", None, closes_at, settings))
    # Then
    assert await db.read().debate_settings.get(debate.id) == settings
    assert await event_log(db) == [DebateCreated(
        clock.now(), "operator", debate.id, "voirie", "La voirie", "Parlons-en.", None, closes_at,
        50, 30, True, ("verified_resident",))]


async def test_debate_settings_default_when_none_were_written(db, clock):
    debate = await an_open_debate(db, clock)
    settings = await db.read().debate_settings.get(debate.id)
    assert settings == DebateSettings(None, 60, False, frozenset(
        {ParticipantClass.VERIFIED_RESIDENT, ParticipantClass.LOCAL_MEMBER}))
    assert await db.read().debate_settings.get(999) == DebateSettings()


async def test_update_debate_settings_records_the_change_until_the_debate_is_concluded(db, clock):
    # Given
    debate = await an_open_debate(db, clock)
    # When
    stored = await run(db, services.update_debate_settings, clock, OP, "voirie",
                       DebateSettings(10, 90, False, frozenset(ParticipantClass)))
    # Then
    assert stored.support_threshold == 10 and stored.threshold_classes == frozenset(ParticipantClass)
    assert (await event_log(db))[-1] == DebateSettingsChanged(
        clock.now(), "operator", debate.id, "voirie", 10, 90, False,
        ("local_member", "remote", "verified_resident"))
    # And a concluded debate's settings are final
    await close(db, clock)
    await close(db, clock, status=DebateStatus.CONCLUDED)
    before = await snapshot(db)
    with pytest.raises(Conflict, match="concluded"):
        await run(db, services.update_debate_settings, clock, OP, "voirie", DebateSettings(5))
    assert await snapshot(db) == before


async def test_update_debate_settings_is_refused_to_citizens_and_bad_values(db, clock):
    anne = await a_member(db, clock, "anne")
    await an_open_debate(db, clock)
    before = await snapshot(db)
    with pytest.raises(Forbidden):
        await run(db, services.update_debate_settings, clock, anne, "voirie", DebateSettings(5))
    with pytest.raises(Invalid):
        await run(db, services.update_debate_settings, clock, OP, "voirie", DebateSettings(0))
    with pytest.raises(Invalid):
        await run(db, services.create_debate, clock, OP,
                  NewDebate("budget", "Le budget", "", settings=DebateSettings(answer_delay_days=0)))
    assert await snapshot(db) == before


async def test_roles_in_charge_are_assigned_listed_and_removed(db, clock):
    # Given
    claire = await a_member(db, clock, "claire", Role.REPRESENTATIVE, mandate="adjointe à la mobilité")
    await a_member(db, clock, "anne")
    debate = await an_open_debate(db, clock)
    # When
    await run(db, services.assign_debate_role, clock, OP, "voirie", "claire", DebateRole.REPRESENTATIVE)
    await run(db, services.assign_debate_role, clock, OP, "voirie", "anne", "moderator")
    # Then
    roles = await db.read().debate_roles.list_for_debate(debate.id)
    assert [(r.username, r.role, r.mandate) for r in roles] == [
        ("claire", DebateRole.REPRESENTATIVE, "adjointe à la mobilité"),
        ("anne", DebateRole.MODERATOR, ""),
    ]
    assert (await event_log(db))[-2] == DebateRoleAssigned(
        clock.now(), "operator", debate.id, "voirie", claire.id, "claire", "representative")
    # And removal is recorded; removing twice is not found
    await run(db, services.remove_debate_role, clock, OP, "voirie", "anne", "moderator")
    assert isinstance((await event_log(db))[-1], DebateRoleRemoved)
    with pytest.raises(NotFound):
        await run(db, services.remove_debate_role, clock, OP, "voirie", "anne", "moderator")


async def test_assign_debate_role_is_refused_when_it_makes_no_sense(db, clock):
    anne = await a_member(db, clock, "anne")
    await a_member(db, clock, "claire", Role.REPRESENTATIVE)
    await an_open_debate(db, clock)
    await run(db, services.assign_debate_role, clock, OP, "voirie", "claire", "representative")
    before = await snapshot(db)
    with pytest.raises(Invalid, match="not a representative"):
        await run(db, services.assign_debate_role, clock, OP, "voirie", "anne", "representative")
    with pytest.raises(Conflict):
        await run(db, services.assign_debate_role, clock, OP, "voirie", "claire", "representative")
    with pytest.raises(Forbidden):
        await run(db, services.assign_debate_role, clock, anne, "voirie", "anne", "moderator")
    with pytest.raises(Invalid):
        await run(db, services.assign_debate_role, clock, OP, "voirie", "anne", "king")
    assert await snapshot(db) == before
