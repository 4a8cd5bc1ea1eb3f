"""Pure rules: who may do what, which state follows which, what input is acceptable."""
from __future__ import annotations

import re
from datetime import datetime

from .errors import Forbidden, Invalid
from .model import Actor, Debate, DebateStatus, Member, Operator, Role

# Usernames and debate slugs share one WebFinger namespace (acct:name@host). Mastodon accepts
# [a-z0-9_] with inner dots and hyphens for remote handles; we keep to lowercase ASCII.
USERNAME_RE = re.compile(r"^[a-z0-9_]{2,30}$")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
RESERVED_NAMES = frozenset(
    {
        "admin", "api", "actor", "inbox", "outbox", "node", "instance", "relay", "static",
        "healthz", "www", "territoire", "reseau", "network", "about", "login", "logout",
        "register", "settings", "well-known",
    }
)

MAX_DISPLAY_NAME = 100
MAX_MANDATE = 200
MIN_TITLE, MAX_TITLE = 3, 200
MAX_DESCRIPTION = 20_000

DEBATE_TRANSITIONS: dict[DebateStatus, frozenset[DebateStatus]] = {
    DebateStatus.DRAFT: frozenset({DebateStatus.OPEN}),
    DebateStatus.OPEN: frozenset({DebateStatus.CLOSED}),
    # A closed debate can be reopened (e.g. extended) until its conclusion is published.
    DebateStatus.CLOSED: frozenset({DebateStatus.OPEN, DebateStatus.CONCLUDED}),
    DebateStatus.CONCLUDED: frozenset(),
}


def by_label(actor: Actor) -> str:
    return "operator" if isinstance(actor, Operator) else f"member:{actor.id}"


def actor_member_id(actor: Actor) -> int | None:
    return None if isinstance(actor, Operator) else actor.id


def _has_role(actor: Actor, *roles: Role) -> bool:
    return isinstance(actor, Operator) or (isinstance(actor, Member) and actor.role in roles)


def check_username(username: str) -> str:
    if not USERNAME_RE.fullmatch(username):
        raise Invalid(
            "username must be 2 to 30 characters: lowercase letters, digits or _",
            field="username",
        )
    if username in RESERVED_NAMES:
        raise Invalid(f"username {username!r} is reserved", field="username")
    return username


def check_slug(slug: str) -> str:
    if not SLUG_RE.fullmatch(slug):
        raise Invalid(
            "slug must be 1 to 60 characters: lowercase letters, digits or inner hyphens",
            field="slug",
        )
    if slug in RESERVED_NAMES:
        raise Invalid(f"slug {slug!r} is reserved", field="slug")
    return slug


def check_text(value: str, *, field: str, min_len: int, max_len: int) -> str:
    value = value.strip()
    if len(value) < min_len:
        raise Invalid(f"{field} must have at least {min_len} characters", field=field)
    if len(value) > max_len:
        raise Invalid(f"{field} must have at most {max_len} characters", field=field)
    return value


def check_schedule(opens_at: datetime | None, closes_at: datetime | None) -> None:
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if value is not None and value.tzinfo is None:
            raise Invalid(f"{name} must carry a time zone", field=name)
    if opens_at and closes_at and closes_at <= opens_at:
        raise Invalid("closes_at must come after opens_at", field="closes_at")


def may_admit_members(actor: Actor) -> bool:
    return _has_role(actor, Role.ADMIN)


def may_change_roles(actor: Actor) -> bool:
    return _has_role(actor, Role.ADMIN)


def may_verify_residents(actor: Actor) -> bool:
    return _has_role(actor, Role.ADMIN, Role.TRUSTED_THIRD_PARTY)


def may_manage_debates(actor: Actor) -> bool:
    return _has_role(actor, Role.ADMIN, Role.REPRESENTATIVE, Role.MODERATOR)


def may_issue_token(actor: Actor, member: Member) -> bool:
    return isinstance(actor, Operator) or (isinstance(actor, Member) and actor.id == member.id)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)


def check_debate_transition(debate: Debate, target: DebateStatus) -> None:
    if target not in DEBATE_TRANSITIONS[debate.status]:
        raise Invalid(
            f"debate {debate.slug!r} is {debate.status.value}: it cannot become {target.value}",
            field="status",
        )


def is_due_to_close(debate: Debate, now: datetime) -> bool:
    return (
        debate.status is DebateStatus.OPEN
        and debate.closes_at is not None
        and debate.closes_at <= now
    )
