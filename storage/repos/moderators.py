"""Read-only: who moderates a debate, for its Group's moderators collection (FEP-1b12)."""
from __future__ import annotations

from ..connection import Connection


MODERATING_ROLES = ("admin", "moderator")  # territory-wide roles that moderate every debate


class ModeratorRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def list_usernames(self, debate_id: int, limit: int) -> list[str]:
        """The debate's own moderators and the territory's administrators and moderators."""
        async with self.conn.execute(
            "SELECT username FROM members WHERE role IN (?, ?) OR id IN"
            " (SELECT member_id FROM debate_roles WHERE debate_id = ? AND role = 'moderator')"
            " ORDER BY id LIMIT ?",
            (*MODERATING_ROLES, debate_id, limit),
        ) as cur:
            return [r[0] for r in await cur.fetchall()]
