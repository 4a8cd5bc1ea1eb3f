"""Deliveries held back until their activity is rendered: a debounced tally update is stored
when its window opens, with deliveries due at HELD_UNTIL (never, for the delivery pool); when
the window closes the fan-out writes the body once and makes them due."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from ..connection import Connection
from ._sql import to_text

HELD_UNTIL = datetime(9999, 12, 31, tzinfo=timezone.utc)  # the pool claims what is due by now
_HELD = to_text(HELD_UNTIL)


@dataclass(frozen=True, slots=True)
class HeldActivity:
    id: int
    ap_id: str
    actor: str
    key_owner: str  # the local actor that signs it (its followers are in its audience)
    object_ap_id: str | None


class HeldDeliveryRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def find_held(self, *, actor: str, type: str, object_ap_id: str) -> int | None:
        """The activity about this object whose deliveries are still held, if any."""
        async with self.conn.execute(
            "SELECT a.id FROM outbox_activities a WHERE a.object_ap_id = ? AND a.type = ?"
            " AND a.actor = ? AND EXISTS (SELECT 1 FROM deliveries d WHERE d.activity_id = a.id"
            " AND d.state = 'pending' AND d.next_attempt_at = ?) ORDER BY a.id DESC LIMIT 1",
            (object_ap_id, type, actor, _HELD),
        ) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def list_due(self, *, type: str, created_before: datetime) -> list[HeldActivity]:
        """Activities of this type with held deliveries, stored at or before `created_before`
        (their window has closed). Read through the pending deliveries' due index."""
        async with self.conn.execute(
            "SELECT id, ap_id, actor, key_owner, object_ap_id FROM outbox_activities WHERE id IN"
            " (SELECT DISTINCT activity_id FROM deliveries WHERE state = 'pending'"
            " AND next_attempt_at = ?) AND type = ? AND created_at <= ? ORDER BY id",
            (_HELD, type, to_text(created_before)),
        ) as cur:
            return [HeldActivity(*row) for row in await cur.fetchall()]

    async def release(self, activity_id: int, body: str, at: datetime) -> None:
        """The activity's final body; its held deliveries become due at `at`."""
        await self.conn.execute(
            "UPDATE outbox_activities SET body = ? WHERE id = ?", (body, activity_id))
        await self.conn.execute(
            "UPDATE deliveries SET next_attempt_at = ? WHERE activity_id = ?"
            " AND state = 'pending' AND next_attempt_at = ?", (to_text(at), activity_id, _HELD))

    async def delete(self, activity_id: int) -> None:
        """An activity that will not be sent (what it was about is gone): with its deliveries."""
        await self.conn.execute("DELETE FROM outbox_activities WHERE id = ?", (activity_id,))
