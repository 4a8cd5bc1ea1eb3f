"""Account tables: invitations, password hashes and resets, login sessions.

Secrets (invitation codes, reset tokens, session ids) are only ever stored as hashes.
"""
from __future__ import annotations

from datetime import datetime

from node.accounts import Invitation, PasswordReset, Session
from node.errors import NotFound
from node.model import Page

from ..connection import Connection
from . import _keyset
from ._sql import to_datetime, to_text

_INVITATION_COLUMNS = "id, note, created_by_id, created_at, expires_at, used_at, used_by_id"


def _invitation(row) -> Invitation:
    return Invitation(
        id=row["id"],
        note=row["note"],
        created_by_id=row["created_by_id"],
        created_at=to_datetime(row["created_at"]),
        expires_at=to_datetime(row["expires_at"]),
        used_at=to_datetime(row["used_at"]),
        used_by_id=row["used_by_id"],
    )


class InvitationRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def _one(self, where: str, *args) -> Invitation | None:
        async with self.conn.execute(
            f"SELECT {_INVITATION_COLUMNS} FROM invitations WHERE {where}", args
        ) as cur:
            row = await cur.fetchone()
        return _invitation(row) if row else None

    async def get(self, invitation_id: int) -> Invitation:
        invitation = await self._one("id = ?", invitation_id)
        if invitation is None:
            raise NotFound(f"no invitation with id {invitation_id}")
        return invitation

    async def find_by_code_hash(self, code_hash: str) -> Invitation | None:
        return await self._one("code_hash = ?", code_hash)

    async def add(
        self, code_hash: str, note: str, by_id: int | None, at: datetime, expires_at: datetime
    ) -> Invitation:
        async with self.conn.execute(
            "INSERT INTO invitations (code_hash, note, created_by_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (code_hash, note, by_id, to_text(at), to_text(expires_at)),
        ) as cur:
            invitation_id = (await cur.fetchone())[0]
        return await self.get(invitation_id)

    async def mark_used(self, invitation_id: int, member_id: int, at: datetime) -> None:
        await self.conn.execute(
            "UPDATE invitations SET used_at = ?, used_by_id = ? WHERE id = ? AND used_at IS NULL",
            (to_text(at), member_id, invitation_id),
        )

    async def list_page(self, *, after: str | None = None, limit: int = 50) -> Page[Invitation]:
        """Newest first."""
        cursor = _keyset.decode(after, 1)
        where, args = ("id < ?", [cursor[0]]) if cursor else ("1", [])
        async with self.conn.execute(
            f"SELECT {_INVITATION_COLUMNS} FROM invitations WHERE {where} ORDER BY id DESC LIMIT ?",
            (*args, limit + 1),
        ) as cur:
            rows = [_invitation(r) for r in await cur.fetchall()]
        return _keyset.page(rows, limit, lambda i: (i.id,))


def _reset(row) -> PasswordReset:
    return PasswordReset(row["id"], row["member_id"], to_datetime(row["created_at"]),
                         to_datetime(row["expires_at"]), to_datetime(row["used_at"]))


class PasswordRepo:
    """The members' password hashes and their one-time reset tokens."""

    def __init__(self, conn: Connection):
        self.conn = conn

    async def set_hash(self, member_id: int, password_hash: str) -> None:
        await self.conn.execute(
            "UPDATE members SET password_hash = ? WHERE id = ?", (password_hash, member_id)
        )

    async def add_reset(
        self, member_id: int, token_hash: str, at: datetime, expires_at: datetime
    ) -> PasswordReset:
        async with self.conn.execute(
            "INSERT INTO password_resets (token_hash, member_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?) RETURNING id, member_id, created_at, expires_at, used_at",
            (token_hash, member_id, to_text(at), to_text(expires_at)),
        ) as cur:
            return _reset(await cur.fetchone())

    async def find_reset(self, token_hash: str) -> PasswordReset | None:
        async with self.conn.execute(
            "SELECT id, member_id, created_at, expires_at, used_at FROM password_resets"
            " WHERE token_hash = ?",
            (token_hash,),
        ) as cur:
            row = await cur.fetchone()
        return _reset(row) if row else None

    async def use_resets(self, member_id: int, at: datetime) -> int:
        """Spend every unused reset of a member; returns how many there were."""
        async with self.conn.execute(
            "UPDATE password_resets SET used_at = ? WHERE member_id = ? AND used_at IS NULL",
            (to_text(at), member_id),
        ) as cur:
            return cur.rowcount


def _session(row) -> Session:
    return Session(row["id_hash"], row["member_id"], row["csrf_secret"],
                   to_datetime(row["created_at"]), to_datetime(row["expires_at"]))


class SessionRepo:
    """Login sessions; web/ decides their lifetime and cookie, node ends them on password change."""

    def __init__(self, conn: Connection):
        self.conn = conn

    async def add(self, session: Session) -> None:
        await self.conn.execute(
            "INSERT INTO sessions (id_hash, member_id, csrf_secret, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (session.id_hash, session.member_id, session.csrf_secret,
             to_text(session.created_at), to_text(session.expires_at)),
        )

    async def find(self, id_hash: str, now: datetime) -> Session | None:
        """The session if it exists and has not expired."""
        async with self.conn.execute(
            "SELECT id_hash, member_id, csrf_secret, created_at, expires_at FROM sessions"
            " WHERE id_hash = ? AND expires_at > ?",
            (id_hash, to_text(now)),
        ) as cur:
            row = await cur.fetchone()
        return _session(row) if row else None

    async def extend(self, id_hash: str, expires_at: datetime) -> None:
        await self.conn.execute(
            "UPDATE sessions SET expires_at = ? WHERE id_hash = ?", (to_text(expires_at), id_hash)
        )

    async def delete(self, id_hash: str) -> bool:
        async with self.conn.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,)) as cur:
            return cur.rowcount > 0

    async def delete_for_member(self, member_id: int, *, keep_id_hash: str | None = None) -> int:
        async with self.conn.execute(
            "DELETE FROM sessions WHERE member_id = ? AND id_hash IS NOT ?",
            (member_id, keep_id_hash),
        ) as cur:
            return cur.rowcount

    async def delete_expired(self, now: datetime) -> int:
        async with self.conn.execute(
            "DELETE FROM sessions WHERE expires_at <= ?", (to_text(now),)
        ) as cur:
            return cur.rowcount
