"""Use cases: check the rules, write through the ports, append the matching domain event."""
from __future__ import annotations

import hashlib
import secrets

from . import rules
from .errors import Conflict, Invalid, NotFound
from .events import (
    ApiTokenIssued,
    DebateCreated,
    DebateStatusChanged,
    MemberAdmitted,
    MemberRoleChanged,
    ResidentVerified,
)
from .model import Actor, Debate, DebateStatus, Member, NewDebate, NewMember, Role
from .ports import Clock, Tx

TOKEN_PREFIX = "thc_"


async def _name_is_free(tx: Tx, name: str) -> None:
    # Members and debates share one handle namespace (acct:name@host).
    if await tx.members.find_by_username(name) or await tx.debates.find_by_slug(name):
        raise Conflict(f"the name {name!r} is already taken by a member or a debate")


async def get_member(tx: Tx, username: str) -> Member:
    member = await tx.members.find_by_username(username)
    if member is None:
        raise NotFound(f"no member named {username!r}")
    return member


async def get_debate(tx: Tx, slug: str) -> Debate:
    debate = await tx.debates.find_by_slug(slug)
    if debate is None:
        raise NotFound(f"no debate with slug {slug!r}")
    return debate


async def admit_member(tx: Tx, clock: Clock, actor: Actor, new: NewMember) -> Member:
    rules.require(rules.may_admit_members(actor), "only an administrator can add members")
    username = rules.check_username(new.username)
    display_name = rules.check_text(
        new.display_name or username, field="display_name", min_len=1,
        max_len=rules.MAX_DISPLAY_NAME,
    )
    mandate = rules.check_text(new.mandate, field="mandate", min_len=0, max_len=rules.MAX_MANDATE)
    await _name_is_free(tx, username)
    now = clock.now()
    member = await tx.members.add(
        NewMember(username, display_name, Role(new.role), mandate, new.password_hash), now
    )
    await tx.events.append(
        MemberAdmitted(now, rules.by_label(actor), member.id, member.username, member.role.value)
    )
    return member


async def change_role(
    tx: Tx, clock: Clock, actor: Actor, username: str, role: Role, mandate: str | None = None
) -> Member:
    rules.require(rules.may_change_roles(actor), "only an administrator can change roles")
    member = await get_member(tx, username)
    if mandate is None:
        mandate = member.mandate if role is Role.REPRESENTATIVE else ""
    mandate = rules.check_text(mandate, field="mandate", min_len=0, max_len=rules.MAX_MANDATE)
    updated = await tx.members.update_role(member.id, role, mandate)
    await tx.events.append(
        MemberRoleChanged(
            clock.now(), rules.by_label(actor), member.id, member.username,
            member.role.value, role.value, mandate,
        )
    )
    return updated


async def verify_resident(tx: Tx, clock: Clock, actor: Actor, username: str) -> Member:
    rules.require(
        rules.may_verify_residents(actor),
        "only an administrator or a trusted third party can verify residents",
    )
    member = await get_member(tx, username)
    if member.is_verified_resident:
        raise Conflict(f"{username!r} is already a verified resident")
    now = clock.now()
    updated = await tx.members.mark_verified(member.id, rules.actor_member_id(actor), now)
    await tx.events.append(ResidentVerified(now, rules.by_label(actor), member.id, username))
    return updated


async def issue_api_token(
    tx: Tx, clock: Clock, actor: Actor, username: str, label: str = ""
) -> str:
    """Create a personal API token and return it; only its SHA-256 is stored."""
    member = await get_member(tx, username)
    rules.require(rules.may_issue_token(actor, member), "a token can only be issued to oneself")
    label = rules.check_text(label, field="label", min_len=0, max_len=100)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token_id = await tx.tokens.add(member.id, hash_token(token), label, now)
    await tx.events.append(ApiTokenIssued(now, rules.by_label(actor), member.id, token_id, label))
    return token


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
    await _name_is_free(tx, slug)
    now = clock.now()
    debate = await tx.debates.add(
        NewDebate(slug, title, description, new.opens_at, new.closes_at),
        rules.actor_member_id(actor), now,
    )
    await tx.events.append(DebateCreated(now, rules.by_label(actor), debate.id, slug, title))
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
