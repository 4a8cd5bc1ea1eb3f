"""Domain events: what happened, by whom, when. Written in the same transaction as the change.

They feed federation (fan-out), and later the transparency log, open data and indicators,
so each carries everything needed to understand it without reading other tables. Enum values
are stored as their strings; articles and sources as small dataclasses.
"""
from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from enum import Enum

from .model import Article, Source

# Who caused an event: "member:<id>", "operator" (the command line) or "schedule" (a date passed).
By = str


@dataclass(frozen=True, slots=True)
class Event:
    occurred_at: datetime
    by: By


# --- Members and accounts ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberAdmitted(Event):
    member_id: int
    username: str
    role: str


@dataclass(frozen=True, slots=True)
class MemberRegistered(Event):
    """A person created their own account (open registration, or with an invitation)."""

    member_id: int
    username: str
    display_name: str
    invitation_id: int | None


@dataclass(frozen=True, slots=True)
class MemberRoleChanged(Event):
    member_id: int
    username: str
    old_role: str
    new_role: str
    mandate: str


@dataclass(frozen=True, slots=True)
class ResidentVerified(Event):
    member_id: int
    username: str


@dataclass(frozen=True, slots=True)
class ApiTokenEvent(Event):
    """What an API token's issue and revocation both record."""

    member_id: int
    token_id: int
    label: str


@dataclass(frozen=True, slots=True)
class ApiTokenIssued(ApiTokenEvent):
    pass


@dataclass(frozen=True, slots=True)
class ApiTokenRevoked(ApiTokenEvent):
    pass


@dataclass(frozen=True, slots=True)
class InvitationCreated(Event):
    invitation_id: int
    expires_at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class PasswordResetRequested(Event):
    member_id: int
    username: str
    reset_id: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PasswordReset(Event):
    member_id: int
    username: str
    reset_id: int


@dataclass(frozen=True, slots=True)
class PasswordChanged(Event):
    member_id: int
    username: str


# --- Debates -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DebateCreated(Event):
    debate_id: int
    slug: str
    title: str
    # Defaults keep payloads stored before these fields existed readable.
    description: str = ""
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    support_threshold: int | None = None
    answer_delay_days: int = 60
    has_public_votes: bool = False
    threshold_classes: tuple[str, ...] = ("local_member", "verified_resident")


@dataclass(frozen=True, slots=True)
class DebateStatusChanged(Event):
    debate_id: int
    slug: str
    old_status: str
    new_status: str


@dataclass(frozen=True, slots=True)
class DebateSettingsChanged(Event):
    debate_id: int
    slug: str
    support_threshold: int | None
    answer_delay_days: int
    has_public_votes: bool
    threshold_classes: tuple[str, ...]  # sorted


@dataclass(frozen=True, slots=True)
class DebateRoleEvent(Event):
    """Who holds which role in which debate: what assigning and removing it both record."""

    debate_id: int
    slug: str
    member_id: int
    username: str
    role: str


@dataclass(frozen=True, slots=True)
class DebateRoleAssigned(DebateRoleEvent):
    pass


@dataclass(frozen=True, slots=True)
class DebateRoleRemoved(DebateRoleEvent):
    pass


# --- Proposals -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProposalSubmitted(Event):
    proposal_id: int
    debate_id: int
    debate_slug: str
    author_participant_id: int
    author_member_id: int | None
    version: int
    title: str
    body: str
    articles: tuple[Article, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class ProposalEdited(Event):
    """An author saved a new version; the event carries the version's whole content."""

    proposal_id: int
    debate_id: int
    editor_participant_id: int
    version: int
    title: str
    body: str
    articles: tuple[Article, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class ProposalStatusChanged(Event):
    proposal_id: int
    debate_id: int
    old_status: str
    new_status: str


@dataclass(frozen=True, slots=True)
class CoauthorEvent(Event):
    """A proposal's co-author: what adding and removing one both record."""

    proposal_id: int
    debate_id: int
    participant_id: int
    member_id: int | None
    username: str | None


@dataclass(frozen=True, slots=True)
class CoauthorAdded(CoauthorEvent):
    pass


@dataclass(frozen=True, slots=True)
class CoauthorRemoved(CoauthorEvent):
    pass


@dataclass(frozen=True, slots=True)
class SupportThresholdReached(Event):
    """A proposal's support reached its debate's threshold: the answer deadline starts."""

    proposal_id: int
    debate_id: int
    threshold: int
    support: int
    counted_classes: tuple[str, ...]
    answer_due_at: datetime


@dataclass(frozen=True, slots=True)
class ProposalAnswered(Event):
    """A representative's answer (revision 1) or a later correction of it (revision > 1)."""

    proposal_id: int
    debate_id: int
    revision: int
    kind: str
    previous_kind: str | None  # None for the first answer
    text: str
    member_id: int
    username: str
    mandate: str
    answer_due_at: datetime | None
    is_late: bool  # given after answer_due_at


# --- Arguments -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArgumentEvent(Event):
    """The argument an event is about, and where it stands."""

    argument_id: int
    proposal_id: int
    debate_id: int


@dataclass(frozen=True, slots=True)
class ArgumentPosted(ArgumentEvent):
    author_participant_id: int
    author_member_id: int | None
    stance: str
    body: str


@dataclass(frozen=True, slots=True)
class ArgumentEdited(ArgumentEvent):
    body: str


@dataclass(frozen=True, slots=True)
class ArgumentWithdrawn(ArgumentEvent):
    pass


@dataclass(frozen=True, slots=True)
class UsefulMarkEvent(ArgumentEvent):
    """Who marked (or unmarked) an argument as useful."""

    participant_id: int
    member_id: int | None


@dataclass(frozen=True, slots=True)
class ArgumentMarkedUseful(UsefulMarkEvent):
    pass


@dataclass(frozen=True, slots=True)
class ArgumentUsefulMarkRemoved(UsefulMarkEvent):
    pass


# --- Amendments ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AmendmentEvent(Event):
    """The amendment an event is about, and where it stands."""

    amendment_id: int
    proposal_id: int
    debate_id: int


@dataclass(frozen=True, slots=True)
class AmendmentProposed(AmendmentEvent):
    author_participant_id: int
    author_member_id: int | None
    article_number: int | None  # None: the body
    base_version: int
    original_text: str
    text: str
    rationale: str


@dataclass(frozen=True, slots=True)
class AmendmentIntegrated(AmendmentEvent):
    article_number: int | None
    text: str
    new_version: int


@dataclass(frozen=True, slots=True)
class AmendmentRejected(AmendmentEvent):
    reason: str


@dataclass(frozen=True, slots=True)
class AmendmentWithdrawn(AmendmentEvent):
    pass


# --- Votes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoteCast(Event):
    """A new vote, or a changed one (previous_choice set). Re-casting the same choice is silent."""

    proposal_id: int
    debate_id: int
    participant_id: int
    member_id: int | None
    participant_class: str
    choice: str
    previous_choice: str | None


@dataclass(frozen=True, slots=True)
class VoteWithdrawn(Event):
    proposal_id: int
    debate_id: int
    participant_id: int
    member_id: int | None
    participant_class: str
    previous_choice: str


@dataclass(frozen=True, slots=True)
class AmendmentVoteCast(AmendmentEvent):
    participant_id: int
    member_id: int | None
    participant_class: str
    choice: str
    previous_choice: str | None


# --- Moderation ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModerationEvent(Event):
    """A moderation action on one contribution: what hiding and unhiding both record."""

    action_id: int
    debate_id: int
    proposal_id: int
    target_kind: str
    target_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class ContentHidden(ModerationEvent):
    pass


@dataclass(frozen=True, slots=True)
class ContentUnhidden(ModerationEvent):
    pass


# Bases that only share fields between events: never appended, so not in EVENT_TYPES.
SHARED_FIELD_BASES: tuple[type[Event], ...] = (
    ApiTokenEvent, DebateRoleEvent, CoauthorEvent, ArgumentEvent, UsefulMarkEvent,
    AmendmentEvent, ModerationEvent,
)

EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        MemberAdmitted,
        MemberRegistered,
        MemberRoleChanged,
        ResidentVerified,
        ApiTokenIssued,
        ApiTokenRevoked,
        InvitationCreated,
        PasswordResetRequested,
        PasswordReset,
        PasswordChanged,
        DebateCreated,
        DebateStatusChanged,
        DebateSettingsChanged,
        DebateRoleAssigned,
        DebateRoleRemoved,
        ProposalSubmitted,
        ProposalEdited,
        ProposalStatusChanged,
        CoauthorAdded,
        CoauthorRemoved,
        SupportThresholdReached,
        ProposalAnswered,
        ArgumentPosted,
        ArgumentEdited,
        ArgumentWithdrawn,
        ArgumentMarkedUseful,
        ArgumentUsefulMarkRemoved,
        AmendmentProposed,
        AmendmentIntegrated,
        AmendmentRejected,
        AmendmentWithdrawn,
        VoteCast,
        VoteWithdrawn,
        AmendmentVoteCast,
        ContentHidden,
        ContentUnhidden,
    )
}

# Account events concern one person's credentials: keep them out of federation, the
# transparency log and open data (they carry no secret, but nobody else needs them).
PRIVATE_EVENT_TYPES = frozenset(
    {
        "ApiTokenIssued", "ApiTokenRevoked", "InvitationCreated", "PasswordResetRequested",
        "PasswordReset", "PasswordChanged",
    }
)


def event_payload(event: Event) -> dict:
    """A JSON-ready dict of the event's fields (datetimes as ISO 8601)."""
    # Field by field, not asdict(): asdict deep-copies every value first (a vote's event
    # cost more to copy than to store); fields hold immutable values only.
    return {name: _plain(getattr(event, name)) for name in _field_names(type(event))}


@functools.cache  # one entry per event class
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _plain(value):
    if value is None or type(value) in (str, int, bool, float):  # exact: not a str Enum
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


def event_from_payload(type_name: str, payload: dict) -> Event:
    cls = EVENT_TYPES[type_name]
    hints = _hints(cls)
    values = {
        f.name: _revive(hints[f.name], payload[f.name]) for f in fields(cls) if f.name in payload
    }
    return cls(**values)


@functools.cache
def _hints(cls: type) -> dict:
    # get_type_hints evaluates every annotation each call (~0.5 ms): classes never change.
    return typing.get_type_hints(cls)


def _revive(hint, value):
    """Turn a JSON value back into the type the field declares (datetimes, tuples, dataclasses)."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [h for h in typing.get_args(hint) if h is not type(None)]
        return _revive(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        (item_hint, *_rest) = typing.get_args(hint)
        return tuple(_revive(item_hint, v) for v in value)
    if hint is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(hint, type) and is_dataclass(hint) and isinstance(value, dict):
        inner = _hints(hint)
        return hint(**{k: _revive(inner[k], v) for k, v in value.items()})
    return value
