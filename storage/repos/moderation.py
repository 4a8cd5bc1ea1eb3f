"""The moderation history: every hide and unhide of a proposal, argument or amendment."""
from __future__ import annotations

from datetime import datetime

from node.history import ModerationAction, ModerationVerb
from node.model import ContentKind, Page

from ..connection import Connection
from . import _keyset
from ._sql import to_datetime, to_text

_COLUMNS = (
    "id, debate_id, proposal_id, target_kind, target_id, action, reason, member_id, by,"
    " occurred_at"
)


def _action(row) -> ModerationAction:
    return ModerationAction(
        id=row["id"],
        debate_id=row["debate_id"],
        proposal_id=row["proposal_id"],
        target_kind=ContentKind(row["target_kind"]),
        target_id=row["target_id"],
        action=ModerationVerb(row["action"]),
        reason=row["reason"],
        member_id=row["member_id"],
        by=row["by"],
        occurred_at=to_datetime(row["occurred_at"]),
    )


class ModerationRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def add(
        self, *, debate_id: int, proposal_id: int, target_kind: ContentKind, target_id: int,
        action: ModerationVerb, reason: str, member_id: int | None, by: str, at: datetime,
    ) -> ModerationAction:
        async with self.conn.execute(
            "INSERT INTO moderation_actions (debate_id, proposal_id, target_kind, target_id,"
            " action, reason, member_id, by, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            f" RETURNING {_COLUMNS}",
            (debate_id, proposal_id, target_kind.value, target_id, action.value, reason,
             member_id, by, to_text(at)),
        ) as cur:
            return _action(await cur.fetchone())

    async def list_for_debate(
        self, debate_id: int, *, after: str | None = None, limit: int = 50
    ) -> Page[ModerationAction]:
        """Newest first."""
        cursor = _keyset.decode(after, 1)
        where, args = "debate_id = ?", [debate_id]
        if cursor:
            where += " AND id < ?"
            args.append(cursor[0])
        async with self.conn.execute(
            f"SELECT {_COLUMNS} FROM moderation_actions WHERE {where} ORDER BY id DESC LIMIT ?",
            (*args, limit + 1),
        ) as cur:
            rows = [_action(r) for r in await cur.fetchall()]
        return _keyset.page(rows, limit, lambda a: (a.id,))

    async def list_for_target(
        self, target_kind: ContentKind, target_id: int
    ) -> tuple[ModerationAction, ...]:
        """One item's moderation, oldest first."""
        async with self.conn.execute(
            f"SELECT {_COLUMNS} FROM moderation_actions WHERE target_kind = ? AND target_id = ?"
            " ORDER BY id",
            (ContentKind(target_kind).value, target_id),
        ) as cur:
            return tuple(_action(r) for r in await cur.fetchall())
