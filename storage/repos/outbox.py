"""Outgoing activities (kept so their ids dereference) and their deliveries, one per inbox."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from node.model import Page

from ._sql import decode_cursor, encode_cursor, to_datetime, to_text


@dataclass(frozen=True, slots=True)
class OutboxActivity:
    id: int
    ap_id: str
    type: str
    actor: str
    key_owner: str
    body: str
    is_public: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    activity_id: int  # outbox_activities.id
    inbox: str
    host: str
    state: str  # pending → delivered | failed | gone
    attempts: int  # attempts started, this one included once claimed
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime


_ACTIVITY = "id, ap_id, type, actor, key_owner, body, is_public, created_at"
_DELIVERY = (
    "id, activity_id, inbox, host, state, attempts, next_attempt_at, last_status, last_error,"
    " created_at"
)


def _activity(row) -> OutboxActivity:
    return OutboxActivity(row["id"], row["ap_id"], row["type"], row["actor"], row["key_owner"],
                          row["body"], bool(row["is_public"]), to_datetime(row["created_at"]))


def _delivery(row) -> Delivery:
    return Delivery(row["id"], row["activity_id"], row["inbox"], row["host"], row["state"],
                    row["attempts"], to_datetime(row["next_attempt_at"]), row["last_status"],
                    row["last_error"], to_datetime(row["created_at"]))


class OutboxRepo:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def add_activity(self, *, ap_id: str, type: str, actor: str, key_owner: str, body: str,
                           is_public: bool, at: datetime) -> int:
        async with self.conn.execute(
            "INSERT INTO outbox_activities (ap_id, type, actor, key_owner, body, is_public,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (ap_id, type, actor, key_owner, body, int(is_public), to_text(at)),
        ) as cur:
            return (await cur.fetchone())[0]

    async def find_activity(self, ap_id: str) -> OutboxActivity | None:
        async with self.conn.execute(
            f"SELECT {_ACTIVITY} FROM outbox_activities WHERE ap_id = ?", (ap_id,)
        ) as cur:
            row = await cur.fetchone()
        return _activity(row) if row else None

    async def get_activities(self, ids: list[int]) -> dict[int, OutboxActivity]:
        if not ids:
            return {}
        async with self.conn.execute(
            f"SELECT {_ACTIVITY} FROM outbox_activities WHERE id IN ({', '.join('?' * len(ids))})",
            ids,
        ) as cur:
            return {r["id"]: _activity(r) for r in await cur.fetchall()}

    async def count_public(self, actor: str) -> int:
        async with self.conn.execute(
            "SELECT count(*) FROM outbox_activities WHERE actor = ? AND is_public = 1", (actor,)
        ) as cur:
            return (await cur.fetchone())[0]

    async def list_public_page(self, actor: str, *, after: str | None,
                               limit: int) -> Page[OutboxActivity]:
        async with self.conn.execute(
            f"SELECT {_ACTIVITY} FROM outbox_activities WHERE actor = ? AND is_public = 1"
            " AND id > ? ORDER BY id LIMIT ?",
            (actor, decode_cursor(after), limit + 1),
        ) as cur:
            rows = await cur.fetchall()
        items = tuple(_activity(r) for r in rows[:limit])
        return Page(items, encode_cursor(items[-1].id) if len(rows) > limit else None)

    # -- deliveries

    async def add_delivery(self, activity_id: int, inbox: str, host: str, at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO deliveries (activity_id, inbox, host, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (activity_id, inbox) DO NOTHING",
            (activity_id, inbox, host, to_text(at), to_text(at)),
        )

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Delivery]:
        async with self.conn.execute(
            "UPDATE deliveries SET locked_until = ?, attempts = attempts + 1"
            " WHERE id IN (SELECT id FROM deliveries WHERE state = 'pending'"
            " AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)"
            " ORDER BY next_attempt_at, id LIMIT ?)"
            f" RETURNING {_DELIVERY}",
            (to_text(lease_until), to_text(now), to_text(now), limit),
        ) as cur:
            rows = await cur.fetchall()
        return sorted((_delivery(r) for r in rows), key=lambda d: d.id)

    async def finish(self, delivery_id: int, state: str, at: datetime, status: int | None,
                     error: str | None) -> None:
        await self.conn.execute(
            "UPDATE deliveries SET state = ?, last_status = ?, last_error = ?, finished_at = ?,"
            " locked_until = NULL WHERE id = ?",
            (state, status, error, to_text(at), delivery_id),
        )

    async def reschedule(self, delivery_id: int, next_attempt_at: datetime, status: int | None,
                         error: str | None) -> None:
        await self.conn.execute(
            "UPDATE deliveries SET next_attempt_at = ?, last_status = ?, last_error = ?,"
            " locked_until = NULL WHERE id = ?",
            (to_text(next_attempt_at), status, error, delivery_id),
        )

    async def list_deliveries(self, activity_id: int | None = None) -> list[Delivery]:
        where, args = ("WHERE activity_id = ?", (activity_id,)) if activity_id else ("", ())
        async with self.conn.execute(
            f"SELECT {_DELIVERY} FROM deliveries {where} ORDER BY id", args
        ) as cur:
            return [_delivery(r) for r in await cur.fetchall()]
