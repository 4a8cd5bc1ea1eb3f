"""Pure rules: who may do what, which state follows which, and the checks of names, slugs,
accounts and debate settings. Permission checks are `may_*` booleans (the web also uses them to
show or hide a button); state and input checks are `check_*` and raise.

What content may contain is in node/content_rules.py; tallies, support and the answer deadline
in node/tallies.py.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from .accounts import Invitation, PasswordReset, RegistrationMode
from .errors import Conflict, Forbidden, Invalid
from .model import (
    Actor,
    Amendment,
    AmendmentStatus,
    Argument,
    Debate,
    DebateRole,
    DebateSettings,
    DebateStatus,
    Member,
    Operator,
    ParticipantClass,
    ParticipantRef,
    Proposal,
    ProposalStatus,
    RemoteParticipant,
    Role,
)
from .text import normalise_text

E = TypeVar("E", bound=StrEnum)

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
    if isinstance(actor, RemoteParticipant):
        return f"remote:{actor.ap_id}"
    return "operator" if isinstance(actor, Operator) else f"member:{actor.id}"


def actor_member_id(actor: Actor) -> int | None:
    return actor.id if isinstance(actor, Member) else None


def _has_role(actor: Actor, *roles: Role) -> bool:
    return isinstance(actor, Operator) or (isinstance(actor, Member) and actor.role in roles)


def check_username(username: str) -> str:
    return _check_name(username, USERNAME_RE, field="username",
                       shape="2 to 30 characters: lowercase letters, digits or _")


def check_slug(slug: str) -> str:
    return _check_name(slug, SLUG_RE, field="slug",
                       shape="1 to 60 characters: lowercase letters, digits or inner hyphens")


def _check_name(value: str, pattern: re.Pattern[str], *, field: str, shape: str) -> str:
    """A name that appears in URLs: of the pattern's shape, and none of the reserved words."""
    if not pattern.fullmatch(value):
        raise Invalid(f"{field} must be {shape}", field=field)
    if value in RESERVED_NAMES:
        raise Invalid(f"{field} {value!r} is reserved", field=field)
    return value


def check_text(value: str, *, field: str, min_len: int, max_len: int) -> str:
    value = normalise_text(value, field=field).strip()
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


def may_manage_token(actor: Actor, owner_id: int | None) -> bool:
    """Listing and revoking tokens: their owner, administrators and the operator (None: every
    member's tokens at once, administrators and the operator only)."""
    return _has_role(actor, Role.ADMIN) or (
        owner_id is not None and isinstance(actor, Member) and actor.id == owner_id)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)


def check_debate_transition(debate: Debate, target: DebateStatus) -> None:
    if target not in DEBATE_TRANSITIONS[debate.status]:
        raise Invalid(
            f"debate {debate.slug!r} is {debate.status.value}: it cannot become {target.value}",
            field="status",
        )


MAX_PASSWORD_HASH = 512
MAX_INVITATION_NOTE = 200
MIN_INVITATION_VALIDITY = timedelta(hours=1)
MAX_INVITATION_VALIDITY = timedelta(days=90)
DEFAULT_INVITATION_VALIDITY = timedelta(days=14)
PASSWORD_RESET_VALIDITY = timedelta(hours=1)

MAX_SUPPORT_THRESHOLD = 1_000_000
MIN_ANSWER_DELAY_DAYS, MAX_ANSWER_DELAY_DAYS = 1, 365

MAX_COAUTHORS = 10
MAX_PAGE_SIZE = 100

PROPOSAL_TRANSITIONS: dict[ProposalStatus, frozenset[ProposalStatus]] = {
    ProposalStatus.SUBMITTED: frozenset({ProposalStatus.IN_DISCUSSION, ProposalStatus.ANSWERED}),
    ProposalStatus.IN_DISCUSSION: frozenset({ProposalStatus.ANSWERED}),
    # The answer ends the loop; a correction is a new answer revision, not a new status.
    ProposalStatus.ANSWERED: frozenset(),
}
EDITABLE_PROPOSAL_STATUSES = frozenset({ProposalStatus.SUBMITTED, ProposalStatus.IN_DISCUSSION})


# --- Accounts --------------------------------------------------------------------------------


def check_password_hash(password_hash: str) -> str:
    """The hash is computed by the caller (argon2 in web/); node only bounds it."""
    if (
        not password_hash
        or len(password_hash) > MAX_PASSWORD_HASH
        or password_hash.strip() != password_hash
    ):
        raise Invalid("the password hash is missing or malformed", field="password")
    return password_hash


def check_registration(mode: RegistrationMode, invitation_code: str | None) -> None:
    if mode is RegistrationMode.INVITATION and not invitation_code:
        raise Forbidden("registration on this node is by invitation only")


def check_invitation_usable(invitation: Invitation | None, now: datetime) -> Invitation:
    if invitation is None:
        raise Invalid("this invitation code is not valid", field="invitation_code")
    if invitation.used_at is not None:
        raise Invalid("this invitation code has already been used", field="invitation_code")
    if invitation.expires_at <= now:
        raise Invalid("this invitation code has expired", field="invitation_code")
    return invitation


def check_invitation_validity(valid_for: timedelta) -> timedelta:
    if not MIN_INVITATION_VALIDITY <= valid_for <= MAX_INVITATION_VALIDITY:
        raise Invalid("an invitation is valid between one hour and 90 days", field="valid_for")
    return valid_for


def check_reset_usable(reset: PasswordReset | None, now: datetime) -> PasswordReset:
    # One message for every failure: a stranger learns nothing about which tokens existed.
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise Invalid("this password reset link is not valid or has expired", field="token")
    return reset


def may_invite(actor: Actor) -> bool:
    return _has_role(actor, Role.ADMIN)


def may_reset_passwords(actor: Actor) -> bool:
    """Resets are handed out of band (the CLI prints the link): operator and admins only."""
    return _has_role(actor, Role.ADMIN)


# --- Debate settings and roles ---------------------------------------------------------------


def check_debate_settings(settings: DebateSettings) -> DebateSettings:
    threshold = settings.support_threshold
    if threshold is not None and not (
        isinstance(threshold, int) and 1 <= threshold <= MAX_SUPPORT_THRESHOLD
    ):
        raise Invalid(
            f"the support threshold is a whole number from 1 to {MAX_SUPPORT_THRESHOLD}",
            field="support_threshold",
        )
    delay = settings.answer_delay_days
    if not (isinstance(delay, int) and MIN_ANSWER_DELAY_DAYS <= delay <= MAX_ANSWER_DELAY_DAYS):
        raise Invalid(
            f"the answer delay is {MIN_ANSWER_DELAY_DAYS} to {MAX_ANSWER_DELAY_DAYS} days",
            field="answer_delay_days",
        )
    try:
        classes = frozenset(ParticipantClass(c) for c in settings.threshold_classes)
    except ValueError:
        raise Invalid("unknown participant class", field="threshold_classes") from None
    if not classes:
        raise Invalid("count at least one class of participants", field="threshold_classes")
    return DebateSettings(threshold, delay, bool(settings.has_public_votes), classes)


def check_debate_role_holder(member: Member, role: DebateRole) -> None:
    if role is DebateRole.REPRESENTATIVE and member.role is not Role.REPRESENTATIVE:
        raise Invalid(
            f"{member.username!r} is not a representative: give them that role first",
            field="username",
        )


def check_settings_changeable(debate: Debate) -> None:
    if debate.status is DebateStatus.CONCLUDED:
        raise Conflict(f"debate {debate.slug!r} is concluded: its settings are final",
                       code="debate_concluded")


# --- Who may do what -------------------------------------------------------------------------


def may_take_part(actor: Actor) -> bool:
    """Only participants propose, argue, amend and vote; the operator acts as a member for that."""
    return isinstance(actor, Member)


def may_vote_and_argue(actor: Actor) -> bool:
    """Members, and fediverse participants: they vote and argue, nothing more."""
    return isinstance(actor, (Member, RemoteParticipant))


def may_moderate(actor: Actor, debate_roles: frozenset[DebateRole]) -> bool:
    return _has_role(actor, Role.ADMIN, Role.MODERATOR) or DebateRole.MODERATOR in debate_roles


def may_steer_debate(actor: Actor, debate_roles: frozenset[DebateRole]) -> bool:
    """Moderators and representatives in charge move proposals into discussion."""
    return _has_role(actor, Role.ADMIN, Role.MODERATOR) or bool(debate_roles)


def may_answer(
    actor: Actor, debate_roles: frozenset[DebateRole], has_representatives_in_charge: bool
) -> bool:
    """Only representatives answer: those in charge of the debate when it names some, any
    representative of the territory otherwise. Neither admins nor the operator answer."""
    if not isinstance(actor, Member) or actor.role is not Role.REPRESENTATIVE:
        return False
    return DebateRole.REPRESENTATIVE in debate_roles or not has_representatives_in_charge


def is_author(actor: Actor, authors: Iterable[ParticipantRef]) -> bool:
    return isinstance(actor, Member) and any(a.member_id == actor.id for a in authors)


def may_edit_proposal(actor: Actor, authors: Iterable[ParticipantRef]) -> bool:
    """The lead author and co-authors edit."""
    return is_author(actor, authors)


def may_manage_coauthors(actor: Actor, proposal: Proposal) -> bool:
    return isinstance(actor, Member) and proposal.author.member_id == actor.id


def may_remove_coauthor(actor: Actor, proposal: Proposal, coauthor_member_id: int) -> bool:
    """The lead author removes a co-author; a co-author may also leave."""
    return may_manage_coauthors(actor, proposal) or (
        isinstance(actor, Member) and actor.id == coauthor_member_id
    )


def may_decide_amendment(
    actor: Actor, authors: Iterable[ParticipantRef], may_answer_proposal: bool
) -> bool:
    """An author of the proposal or a representative who may answer it integrates or rejects."""
    return is_author(actor, authors) or may_answer_proposal


def may_change_own(actor: Actor, author: ParticipantRef) -> bool:
    """Arguments and amendments are edited or withdrawn by their author only."""
    if isinstance(actor, RemoteParticipant):
        return author.ap_id is not None and author.ap_id == actor.ap_id
    return isinstance(actor, Member) and author.member_id == actor.id


def may_mark_useful(actor: Actor, argument: Argument) -> bool:
    return isinstance(actor, Member) and argument.author.member_id != actor.id


def may_see_hidden(actor: Actor | None, debate_roles: frozenset[DebateRole]) -> bool:
    return actor is not None and may_moderate(actor, debate_roles)


# --- States ----------------------------------------------------------------------------------


def check_debate_open(debate: Debate) -> None:
    """Nothing changes in a debate that is not open (answers and moderation excepted)."""
    if debate.status is DebateStatus.OPEN:
        return
    if debate.status is DebateStatus.DRAFT:
        raise Conflict(f"debate {debate.slug!r} is not open yet", code="debate_not_open")
    raise Conflict(f"debate {debate.slug!r} is {debate.status.value}: nothing can change any more",
                   code="debate_closed")


def check_proposal_editable(proposal: Proposal) -> None:
    if proposal.status not in EDITABLE_PROPOSAL_STATUSES:
        raise Conflict("this proposal has been answered: it can no longer change",
                       code="proposal_answered")


def check_visible(hidden_at: datetime | None, what: str) -> None:
    if hidden_at is not None:
        raise Conflict(f"this {what} was hidden by a moderator", code="hidden")


def check_proposal_transition(proposal: Proposal, target: ProposalStatus) -> None:
    if target not in PROPOSAL_TRANSITIONS[proposal.status]:
        raise Invalid(
            f"the proposal is {proposal.status.value}: it cannot become {target.value}",
            field="status",
        )


def check_answerable(debate: Debate, proposal: Proposal) -> None:
    """Answers come during the debate or after it closes (even after its conclusion)."""
    if debate.status is DebateStatus.DRAFT:
        raise Conflict(f"debate {debate.slug!r} is not open yet", code="debate_not_open")
    check_visible(proposal.hidden_at, "proposal")


def check_amendment_pending(amendment: Amendment) -> None:
    if amendment.status is not AmendmentStatus.PROPOSED:
        raise Conflict(f"this amendment is already {amendment.status.value}",
                       code="amendment_decided")


def check_argument_listed(argument: Argument) -> None:
    if argument.withdrawn_at is not None:
        raise Conflict("this argument was withdrawn by its author", code="argument_withdrawn")
    check_visible(argument.hidden_at, "argument")


# --- Input -----------------------------------------------------------------------------------


def check_page_limit(limit: int) -> int:
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise Invalid(f"a page holds 1 to {MAX_PAGE_SIZE} items", field="limit")
    return limit


# --- Arguments -------------------------------------------------------------------------------


def parse_choice(enum: type[E], value: object, *, field: str) -> E:
    """An enum member from its value; anything else is invalid input."""
    try:
        return enum(value)
    except ValueError:
        options = ", ".join(m.value for m in enum)
        raise Invalid(f"{field} must be one of: {options}", field=field) from None
