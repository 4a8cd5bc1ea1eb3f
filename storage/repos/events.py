"""The domain event log (the transactional outbox)."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from node.events import Event, event_from_payload, event_payload

from ..connection import Connection
from ._sql import to_datetime, to_text


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    type: str
    event: Event
    occurred_at: datetime


# One encoder for every event: json.dumps with arguments builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False).encode


class EventRepo:
    def __init__(self, conn: Connection, on_append: Callable[[], None] | None = None):
        self.conn = conn
        self.on_append = on_append

    async def append(self, event: Event) -> int:
        if self.on_append is not None:
            self.on_append()
        async with self.conn.execute(  # lastrowid: RETURNING costs a step more
            "INSERT INTO events (type, payload, occurred_at) VALUES (?, ?, ?)",
            (type(event).__name__, _encode(event_payload(event)),
             to_text(event.occurred_at)),
        ) as cur:
            return cur.lastrowid

    async def list_after(self, after_id: int = 0, limit: int = 100) -> list[StoredEvent]:
        async with self.conn.execute(
            "SELECT id, type, payload, occurred_at FROM events WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        ) as cur:
            rows = await cur.fetchall()
        return [
            StoredEvent(r["id"], r["type"], event_from_payload(r["type"], json.loads(r["payload"])),
                        to_datetime(r["occurred_at"]))
            for r in rows
        ]
