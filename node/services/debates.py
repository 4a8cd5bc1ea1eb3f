"""Debate use cases: creation, status, automatic closing, settings and the roles in charge."""
from __future__ import annotations

from .. import rules
from ..errors import Conflict, Invalid, NotFound
from ..events import (
    DebateCreated,
    DebateRoleAssigned,
    DebateRoleRemoved,
    DebateSettingsChanged,
    DebateStatusChanged,
)
from ..model import Actor, Debate, DebateRole, DebateSettings, DebateStatus, Member, NewDebate
from ..ports import Clock, Tx
from .lookup import get_debate, get_member, name_is_free, roles_in
from .threshold import recheck_debate


def _classes(settings: DebateSettings) -> tuple[str, ...]:
    return tuple(sorted(c.value for c in settings.threshold_classes))


async def create_debate(tx: Tx, clock: Clock, actor: Actor, new: NewDebate) -> Debate:
    rules.require(
        rules.may_manage_debates(actor),
        "only administrators, representatives and moderators can create debates",
    )
    slug = rules.check_slug(new.slug)
    title = rules.check_text(
        new.title, field="title", min_len=rules.MIN_TITLE, max_len=rules.MAX_TITLE
    )
    description = rules.check_text(
        new.description, field="description", min_len=0, max_len=rules.MAX_DESCRIPTION
    )
    rules.check_schedule(new.opens_at, new.closes_at)
    settings = rules.check_debate_settings(new.settings)
    await name_is_free(tx, slug)
    now = clock.now()
    debate = await tx.debates.add(
        NewDebate(slug, title, description, new.opens_at, new.closes_at, settings),
        rules.actor_member_id(actor), now,
    )
    await tx.debate_settings.put(debate.id, settings, now)
    await tx.events.append(
        DebateCreated(
            now, rules.by_label(actor), debate.id, slug, title, description, new.opens_at,
            new.closes_at, settings.support_threshold, settings.answer_delay_days,
            settings.has_public_votes, _classes(settings),
        )
    )
    return debate


async def change_debate_status(
    tx: Tx, clock: Clock, actor: Actor, slug: str, target: DebateStatus
) -> Debate:
    rules.require(
        rules.may_manage_debates(actor),
        "only administrators, representatives and moderators can open or close debates",
    )
    debate = await get_debate(tx, slug)
    rules.check_debate_transition(debate, target)
    now = clock.now()
    if target is DebateStatus.OPEN and debate.closes_at is not None and debate.closes_at <= now:
        raise Invalid(
            "the debate's closing date has passed: set a later one before opening it",
            field="closes_at",
        )
    updated = await tx.debates.update_status(debate.id, target, now)
    await tx.events.append(
        DebateStatusChanged(
            now, rules.by_label(actor), debate.id, slug, debate.status.value, target.value
        )
    )
    return updated


async def close_due_debates(tx: Tx, clock: Clock) -> list[Debate]:
    """Close every open debate whose closing date has passed (run by a worker)."""
    now = clock.now()
    closed = []
    for debate in await tx.debates.list_due_to_close(now):
        closed.append(await tx.debates.update_status(debate.id, DebateStatus.CLOSED, now))
        await tx.events.append(
            DebateStatusChanged(
                now, "schedule", debate.id, debate.slug, debate.status.value,
                DebateStatus.CLOSED.value,
            )
        )
    return closed


async def update_debate_settings(
    tx: Tx, clock: Clock, actor: Actor, slug: str, settings: DebateSettings
) -> DebateSettings:
    """Change threshold, answer delay, vote visibility or counted classes (until concluded).

    Proposals that now meet a lowered threshold get their deadline at once.
    """
    debate = await get_debate(tx, slug)
    roles = await roles_in(tx, debate.id, actor)
    rules.require(
        rules.may_manage_debates(actor) or rules.may_steer_debate(actor, roles),
        "only administrators, representatives, moderators and those in charge of the debate "
        "can change its settings",
    )
    rules.check_settings_changeable(debate)
    settings = rules.check_debate_settings(settings)
    now = clock.now()
    stored = await tx.debate_settings.put(debate.id, settings, now)
    await tx.events.append(
        DebateSettingsChanged(
            now, rules.by_label(actor), debate.id, debate.slug, stored.support_threshold,
            stored.answer_delay_days, stored.has_public_votes, _classes(stored),
        )
    )
    await recheck_debate(tx, now, actor, debate.id, stored)
    return stored


async def assign_debate_role(
    tx: Tx, clock: Clock, actor: Actor, slug: str, username: str, role: DebateRole
) -> None:
    """Put a member in charge of a debate, as its moderator or a representative."""
    debate, member, role = await _debate_role_target(tx, actor, slug, username, role)
    rules.check_debate_role_holder(member, role)
    now = clock.now()
    if not await tx.debate_roles.add(debate.id, member.id, role, rules.actor_member_id(actor), now):
        raise Conflict(f"{username!r} is already {role.value} of {slug!r}")
    await tx.events.append(
        DebateRoleAssigned(now, rules.by_label(actor), debate.id, slug, member.id, username,
                           role.value)
    )


async def remove_debate_role(
    tx: Tx, clock: Clock, actor: Actor, slug: str, username: str, role: DebateRole
) -> None:
    debate, member, role = await _debate_role_target(tx, actor, slug, username, role)
    if not await tx.debate_roles.remove(debate.id, member.id, role):
        raise NotFound(f"{username!r} is not {role.value} of {slug!r}")
    await tx.events.append(
        DebateRoleRemoved(clock.now(), rules.by_label(actor), debate.id, slug, member.id,
                          username, role.value)
    )


async def _debate_role_target(
    tx: Tx, actor: Actor, slug: str, username: str, role: DebateRole
) -> tuple[Debate, Member, DebateRole]:
    """Check the actor may manage debate roles; the debate, member and role named."""
    rules.require(
        rules.may_manage_debates(actor),
        "only administrators, representatives and moderators assign a debate's roles",
    )
    debate = await get_debate(tx, slug)
    member = await get_member(tx, username)
    return debate, member, rules.parse_choice(DebateRole, role, field="role")
