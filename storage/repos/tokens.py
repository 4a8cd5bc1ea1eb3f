"""Personal API tokens, stored as SHA-256 hashes only."""
from __future__ import annotations

from datetime import datetime

import aiosqlite

from ._sql import to_text


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
