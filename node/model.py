"""Domain types: frozen dataclasses and enums. No I/O, no SQL, no wire formats."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class Role(StrEnum):
    CITIZEN = "citizen"
    REPRESENTATIVE = "representative"
    ASSOCIATION = "association"
    COMPANY = "company"
    MODERATOR = "moderator"
    TRUSTED_THIRD_PARTY = "trusted_third_party"
    ADMIN = "admin"


class DebateStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    CONCLUDED = "concluded"


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    username: str
    display_name: str
    role: Role
    mandate: str  # representatives: e.g. "adjointe à la mobilité"; empty otherwise
    is_verified_resident: bool
    verified_by_id: int | None  # None with verified_at set: verified by the node operator (CLI)
    verified_at: datetime | None
    has_password: bool
    created_at: datetime
    ap_id: str | None = None


@dataclass(frozen=True, slots=True)
class NewMember:
    username: str
    display_name: str
    role: Role
    mandate: str = ""
    password_hash: str | None = None


@dataclass(frozen=True, slots=True)
class Debate:
    id: int
    slug: str
    title: str
    description: str  # markdown source
    status: DebateStatus
    opens_at: datetime | None
    closes_at: datetime | None
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    ap_id: str | None = None


@dataclass(frozen=True, slots=True)
class NewDebate:
    slug: str
    title: str
    description: str
    opens_at: datetime | None = None
    closes_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Operator:
    """Whoever runs the node's command line: acts with every right, recorded as such."""

    label: str = "operator"


# Who is acting in a use case: a local member or the node operator. Remote actors join later.
Actor = Member | Operator


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a keyset-paginated list; `next_cursor` is None on the last page."""

    items: tuple[T, ...]
    next_cursor: str | None
