"""Domain events: what happened, by whom, when. Written in the same transaction as the change.

They feed federation (fan-out), and later the transparency log, open data and indicators,
so each carries everything needed to understand it without reading other tables.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from enum import Enum

# Who caused an event: "member:<id>", "operator" (the command line) or "schedule" (a date passed).
By = str


@dataclass(frozen=True, slots=True)
class Event:
    occurred_at: datetime
    by: By


@dataclass(frozen=True, slots=True)
class MemberAdmitted(Event):
    member_id: int
    username: str
    role: str


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
class ApiTokenIssued(Event):
    member_id: int
    token_id: int
    label: str


@dataclass(frozen=True, slots=True)
class DebateCreated(Event):
    debate_id: int
    slug: str
    title: str


@dataclass(frozen=True, slots=True)
class DebateStatusChanged(Event):
    debate_id: int
    slug: str
    old_status: str
    new_status: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        MemberAdmitted,
        MemberRoleChanged,
        ResidentVerified,
        ApiTokenIssued,
        DebateCreated,
        DebateStatusChanged,
    )
}


def event_payload(event: Event) -> dict:
    """A JSON-ready dict of the event's fields (datetimes as ISO 8601)."""
    out = {}
    for key, value in asdict(event).items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Enum):
            value = value.value
        out[key] = value
    return out


def event_from_payload(type_name: str, payload: dict) -> Event:
    cls = EVENT_TYPES[type_name]
    values = dict(payload)
    for f in fields(cls):
        if f.name.endswith("_at") and isinstance(values.get(f.name), str):
            values[f.name] = datetime.fromisoformat(values[f.name])
    return cls(**values)
