"""Account types: registration, invitations, password resets, API tokens and sessions.

Frozen dataclasses and enums, no I/O. The member itself (Member, Role) is in node/model.py, as
every layer reads it; these are what only the account use cases and their store handle.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .model import Role


class RegistrationMode(StrEnum):
    """Who may create an account: anyone, or only the holder of an invitation code."""

    OPEN = "open"
    INVITATION = "invitation"


@dataclass(frozen=True, slots=True)
class NewMember:
    username: str
    display_name: str
    role: Role
    mandate: str = ""
    password_hash: str | None = None


@dataclass(frozen=True, slots=True)
class NewRegistration:
    """A self-registration; the web computes the password hash (argon2) before calling node."""

    username: str
    display_name: str
    password_hash: str
    invitation_code: str | None = None


@dataclass(frozen=True, slots=True)
class Invitation:
    """A single-use registration code; only its SHA-256 is stored."""

    id: int
    note: str
    created_by_id: int | None  # None: the node operator
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by_id: int | None


@dataclass(frozen=True, slots=True)
class PasswordReset:
    """A one-time password reset; only its token's SHA-256 is stored."""

    id: int
    member_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A personal API token as the node knows it: never the token itself, only its hash."""

    id: int
    member_id: int
    username: str
    label: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Session:
    """A login session (owned by web/); `id_hash` is the SHA-256 of the cookie value."""

    id_hash: str
    member_id: int
    csrf_secret: str
    created_at: datetime
    expires_at: datetime
