"""The representatives' answers to proposals: every revision is kept, the latest is current."""
from __future__ import annotations

from datetime import datetime

from node.model import Answer, AnswerKind

from ..connection import Connection
from ._sql import to_datetime, to_text

_SELECT = (
    "SELECT a.id, a.proposal_id, a.revision, a.kind, a.text, a.member_id, m.username,"
    " m.display_name, a.mandate, a.answered_at FROM answers a JOIN members m ON m.id = a.member_id"
)


def _answer(row) -> Answer:
    return Answer(row["id"], row["proposal_id"], row["revision"], AnswerKind(row["kind"]),
                  row["text"], row["member_id"], row["username"], row["display_name"],
                  row["mandate"], to_datetime(row["answered_at"]))


class AnswerRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def add(
        self, proposal_id: int, revision: int, kind: AnswerKind, text: str, member_id: int,
        mandate: str, at: datetime,
    ) -> Answer:
        async with self.conn.execute(
            "INSERT INTO answers (proposal_id, revision, kind, text, member_id, mandate,"
            " answered_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (proposal_id, revision, kind.value, text, member_id, mandate, to_text(at)),
        ) as cur:
            answer_id = (await cur.fetchone())[0]
        async with self.conn.execute(f"{_SELECT} WHERE a.id = ?", (answer_id,)) as cur:
            return _answer(await cur.fetchone())

    async def latest(self, proposal_id: int) -> Answer | None:
        async with self.conn.execute(
            f"{_SELECT} WHERE a.proposal_id = ? ORDER BY a.revision DESC LIMIT 1", (proposal_id,)
        ) as cur:
            row = await cur.fetchone()
        return _answer(row) if row else None

    async def list_for(self, proposal_id: int) -> tuple[Answer, ...]:
        """Every revision, oldest first (a handful at most: no paging)."""
        async with self.conn.execute(
            f"{_SELECT} WHERE a.proposal_id = ? ORDER BY a.revision", (proposal_id,)
        ) as cur:
            return tuple(_answer(r) for r in await cur.fetchall())
