"""Personal API tokens, stored as SHA-256 hashes only."""
from __future__ import annotations

from datetime import datetime

from node.accounts import ApiToken
from node.model import Member

from ..connection import Connection
from ._sql import to_datetime, to_text
from .members import MEMBER_COLUMNS, member_from_row


class TokenRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def add(self, member_id: int, token_hash: str, label: str, at: datetime) -> int:
        async with self.conn.execute(
            "INSERT INTO api_tokens (member_id, token_hash, label, created_at)"
            " VALUES (?, ?, ?, ?) RETURNING id",
            (member_id, token_hash, label, to_text(at)),
        ) as cur:
            return (await cur.fetchone())[0]

    async def get(self, token_id: int) -> ApiToken | None:
        rows = await self.conn.execute_fetchall(_SELECT + " WHERE t.id = ?", (token_id,))
        return _token(rows[0]) if rows else None

    async def list(self, member_id: int | None = None) -> list[ApiToken]:
        """Every token (of one member), oldest first: an operator's inventory, never long."""
        if member_id is None:
            rows = await self.conn.execute_fetchall(_SELECT + " ORDER BY t.id")
        else:
            rows = await self.conn.execute_fetchall(
                _SELECT + " WHERE t.member_id = ? ORDER BY t.id", (member_id,))
        return [_token(row) for row in rows]

    async def remove(self, token_id: int) -> bool:
        async with self.conn.execute("DELETE FROM api_tokens WHERE id = ?", (token_id,)) as cur:
            return cur.rowcount == 1

    async def credentials_generation(self) -> int:
        """Bumped by triggers whenever a token or a member changes (migration 0010)."""
        async with self.conn.execute("SELECT n FROM credentials_generation") as cur:
            return (await cur.fetchone())[0]

    async def find_member_id(self, token_hash: str) -> int | None:
        async with self.conn.execute(
            "SELECT member_id FROM api_tokens WHERE token_hash = ?", (token_hash,)
        ) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def find_member(self, token_hash: str) -> Member | None:
        """The token's member, in one statement (each API request asks)."""
        async with self.conn.execute(
            f"SELECT {MEMBER_COLUMNS} FROM members"
            " WHERE id = (SELECT member_id FROM api_tokens WHERE token_hash = ?)",
            (token_hash,),
        ) as cur:
            row = await cur.fetchone()
        return member_from_row(row) if row else None


_SELECT = ("SELECT t.id, t.member_id, m.username, t.label, t.created_at"
           " FROM api_tokens t JOIN members m ON m.id = t.member_id")


def _token(row) -> ApiToken:
    return ApiToken(row[0], row[1], row[2], row[3], to_datetime(row[4]))
