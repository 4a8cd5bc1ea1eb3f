"""Informal appreciations of proposals (a fediverse `Like`): counted, never votes."""
from __future__ import annotations

from datetime import datetime

from ..connection import Connection
from ._sql import to_text


class AppreciationRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def add(self, proposal_id: int, actor_ap_id: str, like_ap_id: str,
                  at: datetime) -> bool:
        """False when this actor already appreciates the proposal (or the Like is known)."""
        async with self.conn.execute(
            "INSERT INTO proposal_appreciations (proposal_id, actor_ap_id, like_ap_id, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (proposal_id, actor_ap_id, like_ap_id, to_text(at)),
        ) as cur:
            return cur.rowcount == 1

    async def remove(self, like_ap_id: str, actor_ap_id: str) -> bool:
        """Undo(Like): only the actor who liked takes it back."""
        async with self.conn.execute(
            "DELETE FROM proposal_appreciations WHERE like_ap_id = ? AND actor_ap_id = ?",
            (like_ap_id, actor_ap_id),
        ) as cur:
            return cur.rowcount == 1

    async def count(self, proposal_id: int) -> int:
        async with self.conn.execute(
            "SELECT count(*) FROM proposal_appreciations WHERE proposal_id = ?", (proposal_id,)
        ) as cur:
            return (await cur.fetchone())[0]
