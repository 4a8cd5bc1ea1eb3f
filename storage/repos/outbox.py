"""Outgoing activities (kept so their ids dereference) and their deliveries, one per inbox."""
from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from node.model import Page

from ..connection import Connection
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
    event_id: int | None = None  # the domain event it publishes, when fan-out built it
    object_ap_id: str | None = None  # the object it is about, when that matters (debounce)


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


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """What one attempt of a delivery came to, as stored: finished in `state`, or pending
    until `next_attempt_at`."""

    delivery_id: int
    status: int | None
    error: str | None
    state: str | None = None  # delivered | failed | gone
    next_attempt_at: datetime | None = None


_ACTIVITY = (
    "id, ap_id, type, actor, key_owner, body, is_public, created_at, event_id, object_ap_id"
)
_DELIVERY = (
    "id, activity_id, inbox, host, state, attempts, next_attempt_at, last_status, last_error,"
    " created_at"
)


def _activity(row) -> OutboxActivity:
    return OutboxActivity(row["id"], row["ap_id"], row["type"], row["actor"], row["key_owner"],
                          row["body"], bool(row["is_public"]), to_datetime(row["created_at"]),
                          row["event_id"], row["object_ap_id"])


def _delivery(row) -> Delivery:
    return Delivery(row["id"], row["activity_id"], row["inbox"], row["host"], row["state"],
                    row["attempts"], to_datetime(row["next_attempt_at"]), row["last_status"],
                    row["last_error"], to_datetime(row["created_at"]))


class OutboxRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def add_activity(self, *, ap_id: str, type: str, actor: str, key_owner: str, body: str,
                           is_public: bool, at: datetime, event_id: int | None = None,
                           object_ap_id: str | None = None) -> int:
        async with self.conn.execute(
            "INSERT INTO outbox_activities (ap_id, type, actor, key_owner, body, is_public,"
            " created_at, event_id, object_ap_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (ap_id, type, actor, key_owner, body, int(is_public), to_text(at), event_id,
             object_ap_id),
        ) as cur:
            return (await cur.fetchone())[0]

    async def find_unsent(self, *, actor: str, type: str,
                          object_ap_id: str) -> OutboxActivity | None:
        """The latest such activity none of whose deliveries was attempted yet (debounce)."""
        async with self.conn.execute(
            f"SELECT {_ACTIVITY} FROM outbox_activities a WHERE object_ap_id = ? AND type = ?"
            " AND actor = ? AND EXISTS (SELECT 1 FROM deliveries d WHERE d.activity_id = a.id)"
            " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.activity_id = a.id"
            " AND (d.attempts > 0 OR d.state != 'pending'))"
            " ORDER BY id DESC LIMIT 1",
            (object_ap_id, type, actor),
        ) as cur:
            row = await cur.fetchone()
        return _activity(row) if row else None

    async def replace_body(self, activity_id: int, body: str) -> None:
        """Rewrite an activity nobody has received yet (a debounced update, same id)."""
        await self.conn.execute(
            "UPDATE outbox_activities SET body = ? WHERE id = ?", (body, activity_id))

    async def first_send_at(self, activity_id: int) -> datetime | None:
        async with self.conn.execute(
            "SELECT min(next_attempt_at) FROM deliveries WHERE activity_id = ?", (activity_id,)
        ) as cur:
            return to_datetime((await cur.fetchone())[0])

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

    async def add_deliveries(self, activity_id: int, targets: list[tuple[str, str]],
                             at: datetime, send_at: datetime | None = None) -> None:
        """Pending deliveries to (inbox, host) pairs, due at `send_at` (default: now), in one
        statement batch; a repeated inbox is ignored.

        Rows are stored (so claimed: by due time, then id) in an order spread over the hosts
        and new for each activity: hosts that are down together tend to sit together in the
        caller's order (followers of one instance, one provider), and they would take every
        delivery slot at once, each held until the pool sees it stall, while live hosts wait;
        a fixed order would also serve the same hosts last every time."""
        due, created = to_text(send_at or at), to_text(at)
        salt = str(activity_id).encode()
        spread = sorted(targets, key=lambda target: hashlib.blake2b(
            target[1].encode(), digest_size=8, salt=salt[-16:]).digest())
        await self.conn.executemany(
            "INSERT INTO deliveries (activity_id, inbox, host, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (activity_id, inbox) DO NOTHING",
            [(activity_id, inbox, host, due, created) for inbox, host in spread],
        )

    async def release_leases(self) -> int:
        """Make every leased pending delivery claimable now: a new delivery pool starts and
        the process that held the leases is gone (one pool per database)."""
        cur = await self.conn.execute(
            "UPDATE deliveries SET locked_until = NULL"
            " WHERE state = 'pending' AND locked_until IS NOT NULL")
        return cur.rowcount

    async def list_delivery_inboxes(self, *, actor: str, type: str,
                                    object_ap_id: str) -> list[str]:
        """The inboxes that activities of this type by `actor` about the object went (or are
        going) to: where a Delete must follow a Create. Deliveries cancelled or refused are
        left out; retention keeps the others long enough (delivered ones for days)."""
        async with self.conn.execute(
            "SELECT DISTINCT d.inbox FROM outbox_activities a JOIN deliveries d"
            " ON d.activity_id = a.id WHERE a.object_ap_id = ? AND a.type = ? AND a.actor = ?"
            " AND d.state IN ('pending', 'delivered') ORDER BY d.inbox",
            (object_ap_id, type, actor)) as cur:
            return [r[0] for r in await cur.fetchall()]

    async def purge_delivered(self, finished_before: datetime, limit: int) -> int:
        """Delete up to `limit` deliveries delivered before the cutoff (their activity stays:
        its id must keep dereferencing). Failed and gone ones stay for the operator."""
        async with self.conn.execute(
            "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries"
            " WHERE state = 'delivered' AND finished_at < ? ORDER BY finished_at LIMIT ?)"
            " RETURNING id", (to_text(finished_before), limit)) as cur:
            return len(await cur.fetchall())

    async def count_deliveries(self, state: str) -> int:
        async with self.conn.execute(
            "SELECT count(*) FROM deliveries WHERE state = ?", (state,)) as cur:
            return (await cur.fetchone())[0]

    async def list_deliveries(self, activity_id: int | None = None) -> list[Delivery]:
        where, args = ("WHERE activity_id = ?", (activity_id,)) if activity_id else ("", ())
        async with self.conn.execute(
            f"SELECT {_DELIVERY} FROM deliveries {where} ORDER BY id", args
        ) as cur:
            return [_delivery(r) for r in await cur.fetchall()]


class FanoutRepo:
    """The fan-out cursor over the event log, and the events it could not publish."""

    def __init__(self, conn: Connection):
        self.conn = conn

    async def cursor(self) -> int:
        async with self.conn.execute("SELECT last_event_id FROM fanout_cursor WHERE id = 1") as cur:
            row = await cur.fetchone()
        return row[0] if row else 0

    async def list_events_after(self, after_id: int,
                                limit: int) -> list[tuple[int, str, str, datetime]]:
        """(id, type, payload JSON, occurred_at) of the next events, undecoded: fan-out decodes
        each on its own, so that one it cannot read is recorded as failed, not blocking."""
        async with self.conn.execute(
            "SELECT id, type, payload, occurred_at FROM events WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        ) as cur:
            return [(r[0], r[1], r[2], to_datetime(r[3])) for r in await cur.fetchall()]

    async def move_cursor(self, expected: int, to: int) -> bool:
        """Compare and set: False when another worker moved it since `expected` was read."""
        cur = await self.conn.execute(
            "UPDATE fanout_cursor SET last_event_id = ? WHERE id = 1 AND last_event_id = ?",
            (to, expected))
        return cur.rowcount == 1

    async def add_failure(self, event_id: int, event_type: str, error: str, at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO fanout_failures (event_id, event_type, error, failed_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
            (event_id, event_type, error[:2000], to_text(at)))

    async def list_failures(self) -> list[tuple[int, str, str]]:
        async with self.conn.execute(
            "SELECT event_id, event_type, error FROM fanout_failures ORDER BY event_id") as cur:
            return [(r[0], r[1], r[2]) for r in await cur.fetchall()]


def record_attempts_now(conn: sqlite3.Connection, records: list[AttemptRecord],
                        at: datetime) -> None:
    """The outcomes of attempts, on a plain sqlite3 connection inside the caller's transaction
    (a write job: the delivery pool's group commit, storage/group_commit.py). Either way the
    lease is released."""
    finished = [(r.state, r.status, r.error, to_text(at), r.delivery_id)
                for r in records if r.state is not None]
    again = [(to_text(r.next_attempt_at), r.status, r.error, r.delivery_id)
             for r in records if r.state is None]
    if finished:
        conn.executemany(
            "UPDATE deliveries SET state = ?, last_status = ?, last_error = ?, finished_at = ?,"
            " locked_until = NULL WHERE id = ?", finished)
    if again:
        conn.executemany(
            "UPDATE deliveries SET next_attempt_at = ?, last_status = ?, last_error = ?,"
            " locked_until = NULL WHERE id = ?", again)


def claim_due_now(conn: sqlite3.Connection, now: datetime, lease_until: datetime, limit: int, *,
                  per_host: int | None = None,
                  busy: Mapping[str, int] | None = None) -> list[Delivery]:
    """Lease up to `limit` due deliveries (attempts counted now); an expired lease makes a
    row claimable again after a crash. With `per_host`, no host gets more than that many
    in flight, counting the `busy` ones the caller already has per host (a copy: this runs on
    the writer's thread, as a write job, Database.write: one thread round trip where a claim
    statement by statement took seven, each holding the writer until a busy loop came back
    to it, while the pool's outcomes waited)."""
    if per_host is None:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM deliveries WHERE state = 'pending'"
            " AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)"
            " ORDER BY next_attempt_at, id LIMIT ?",
            (to_text(now), to_text(now), limit))]
    else:
        ids = _pick_spread(conn, now, limit, per_host, busy or {})
    if not ids:
        return []
    rows = conn.execute(
        "UPDATE deliveries SET locked_until = ?, attempts = attempts + 1"
        f" WHERE id IN ({', '.join('?' * len(ids))}) RETURNING {_DELIVERY}",
        (to_text(lease_until), *ids)).fetchall()
    return sorted((_delivery(r) for r in rows), key=lambda d: d.id)


def _pick_spread(conn: sqlite3.Connection, now: datetime, limit: int, per_host: int,
                 busy: Mapping[str, int]) -> list[int]:
    # Hosts at their bound are left out in SQL; the others are capped here, oldest first.
    full = [host for host, n in busy.items() if n >= per_host]
    exclude = f" AND host NOT IN ({', '.join('?' * len(full))})" if full else ""
    taken: dict[str, int] = {}
    picked: list[int] = []
    rows = conn.execute(
        "SELECT id, host FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ?"
        f" AND (locked_until IS NULL OR locked_until <= ?){exclude}"
        " ORDER BY next_attempt_at, id LIMIT ?",
        # A few rows per slot: one host's backlog at the head is skipped, not waited on.
        (to_text(now), to_text(now), *full, limit * 4 + 32)).fetchall()
    for row_id, host in rows:
        if busy.get(host, 0) + taken.get(host, 0) >= per_host:
            continue
        taken[host] = taken.get(host, 0) + 1
        picked.append(row_id)
        if len(picked) >= limit:
            break
    return picked
