"""Personal API tokens, stored as SHA-256 hashes only."""
from __future__ import annotations

from datetime import datetime

import aiosqlite

from node.model import Member

from ._sql import to_text
from .members import _COLUMNS as MEMBER_COLUMNS
from .members import _member


class TokenRepo:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def add(self, member_id: int, token_hash: str, label: str, at: datetime) -> int:
        async with self.conn.execute(
            "INSERT INTO api_tokens (member_id, token_hash, label, created_at)"
            " VALUES (?, ?, ?, ?) RETURNING id",
            (member_id, token_hash, label, to_text(at)),
        ) as cur:
            return (await cur.fetchone())[0]

    async def find_member_id(self, token_hash: str) -> int | None:
        async with self.conn.execute(
            "SELECT member_id FROM api_tokens WHERE token_hash = ?", (token_hash,)
        ) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def find_member(self, token_hash: str) -> Member | None:
        """The token's member, in one statement (each API request asks: issue 3's votes)."""
        async with self.conn.execute(
            f"SELECT {MEMBER_COLUMNS} FROM members"
            " WHERE id = (SELECT member_id FROM api_tokens WHERE token_hash = ?)",
            (token_hash,),
        ) as cur:
            row = await cur.fetchone()
        return _member(row) if row else None
