"""The inbox queue: verified incoming activities and their processing state."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from ..connection import Connection
from ._sql import to_datetime, to_text

# received → processed | rejected | ignored | failed (STYLE.md, inbox pipeline)
FINAL_STATES = ("processed", "rejected", "ignored", "failed")


@dataclass(frozen=True, slots=True)
class InboxMessage:
    id: int
    activity_id: str
    activity_type: str
    actor: str
    recipient: str | None  # owner of the personal inbox posted to; None: the shared inbox
    key_id: str
    signature_scheme: str
    body: str  # the JSON exactly as verified
    state: str
    attempts: int  # processing attempts started, this one included once claimed
    next_attempt_at: datetime
    error: str | None
    received_at: datetime


class NewInboxMessage(NamedTuple):  # a tuple: one per inbox request, built in one call
    activity_id: str
    activity_type: str
    actor: str
    recipient: str | None
    key_id: str
    signature_scheme: str
    body: str


_COLUMNS = (
    "id, activity_id, activity_type, actor, recipient, key_id, signature_scheme, body, state,"
    " attempts, next_attempt_at, error, received_at"
)


def _message(row) -> InboxMessage:
    return InboxMessage(
        id=row["id"], activity_id=row["activity_id"], activity_type=row["activity_type"],
        actor=row["actor"], recipient=row["recipient"], key_id=row["key_id"],
        signature_scheme=row["signature_scheme"], body=row["body"], state=row["state"],
        attempts=row["attempts"], next_attempt_at=to_datetime(row["next_attempt_at"]),
        error=row["error"], received_at=to_datetime(row["received_at"]),
    )


class InboxRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def claim_due(self, now: datetime, lease_until: datetime,
                        limit: int) -> list[InboxMessage]:
        """Lease due messages to this worker; an expired lease makes them claimable again."""
        async with self.conn.execute(
            f"UPDATE inbox_messages SET locked_until = ?, attempts = attempts + 1"
            " WHERE id IN (SELECT id FROM inbox_messages WHERE state = 'received'"
            " AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)"
            " ORDER BY id LIMIT ?)"
            f" RETURNING {_COLUMNS}",
            (to_text(lease_until), to_text(now), to_text(now), limit),
        ) as cur:
            rows = await cur.fetchall()
        return sorted((_message(r) for r in rows), key=lambda m: m.id)

    async def backlog_by_host(self) -> dict[str, int]:
        """Messages not processed yet, by their actor's host[:port] (federation/backlog.py's
        `authority`, in SQL)."""
        async with self.conn.execute(
            "SELECT CASE instr(rest, '/') WHEN 0 THEN rest"
            " ELSE substr(rest, 1, instr(rest, '/') - 1) END AS host, count(*)"
            " FROM (SELECT substr(actor, instr(actor, '://') + 3) AS rest FROM inbox_messages"
            " WHERE state = 'received') GROUP BY host"
        ) as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}

    async def finish(self, message_id: int, state: str, at: datetime,
                     error: str | None = None) -> None:
        if state not in FINAL_STATES:
            raise ValueError(f"not a final state: {state}")
        await self.conn.execute(
            "UPDATE inbox_messages SET state = ?, error = ?, finished_at = ?, locked_until = NULL"
            " WHERE id = ?",
            (state, error, to_text(at), message_id),
        )

    async def finish_many(self, message_ids: list[int], state: str, at: datetime) -> None:
        """`finish` for several messages at once, without an error (a batch's processed ones)."""
        if state not in FINAL_STATES:
            raise ValueError(f"not a final state: {state}")
        for start in range(0, len(message_ids), 500):  # under SQLite's bound parameters
            chunk = message_ids[start:start + 500]
            await self.conn.execute(
                "UPDATE inbox_messages SET state = ?, error = NULL, finished_at = ?,"
                f" locked_until = NULL WHERE id IN ({', '.join('?' * len(chunk))})",
                (state, to_text(at), *chunk),
            )

    async def reschedule(self, message_id: int, next_attempt_at: datetime, error: str) -> None:
        await self.conn.execute(
            "UPDATE inbox_messages SET next_attempt_at = ?, error = ?, locked_until = NULL"
            " WHERE id = ?",
            (to_text(next_attempt_at), error, message_id),
        )

    async def purge_finished(self, finished_before: datetime, forget_after: datetime,
                             limit: int) -> int:
        """Delete up to `limit` processed, rejected or ignored messages finished before the
        cutoff, keeping their activity ids in inbox_seen until `forget_after` (dedupe holds).
        Failed ones stay: they are the operator's to read."""
        await self.conn.execute(
            "INSERT INTO inbox_seen (activity_id, forget_after) SELECT activity_id, ? FROM"
            " inbox_messages WHERE state IN ('processed', 'rejected', 'ignored')"
            " AND finished_at < ? ORDER BY finished_at LIMIT ?"
            " ON CONFLICT (activity_id) DO UPDATE SET forget_after = excluded.forget_after",
            (to_text(forget_after), to_text(finished_before), limit))
        async with self.conn.execute(
            "DELETE FROM inbox_messages WHERE id IN (SELECT id FROM inbox_messages"
            " WHERE state IN ('processed', 'rejected', 'ignored') AND finished_at < ?"
            " ORDER BY finished_at LIMIT ?) RETURNING id",
            (to_text(finished_before), limit)) as cur:
            return len(await cur.fetchall())

    async def forget_seen(self, now: datetime, limit: int) -> int:
        async with self.conn.execute(
            "DELETE FROM inbox_seen WHERE activity_id IN (SELECT activity_id FROM inbox_seen"
            " WHERE forget_after < ? LIMIT ?) RETURNING activity_id", (to_text(now), limit)
        ) as cur:
            return len(await cur.fetchall())

    async def is_seen(self, activity_id: str) -> bool:
        """Whether the id is remembered after its row was deleted."""
        async with self.conn.execute(
            "SELECT 1 FROM inbox_seen WHERE activity_id = ?", (activity_id,)) as cur:
            return await cur.fetchone() is not None

    async def find(self, activity_id: str) -> InboxMessage | None:
        async with self.conn.execute(
            f"SELECT {_COLUMNS} FROM inbox_messages WHERE activity_id = ?", (activity_id,)
        ) as cur:
            row = await cur.fetchone()
        return _message(row) if row else None

    async def list_all(self) -> list[InboxMessage]:
        async with self.conn.execute(f"SELECT {_COLUMNS} FROM inbox_messages ORDER BY id") as cur:
            return [_message(r) for r in await cur.fetchall()]

    async def count(self) -> int:
        async with self.conn.execute("SELECT count(*) FROM inbox_messages") as cur:
            return (await cur.fetchone())[0]


def add_many_now(conn: sqlite3.Connection, news: list[NewInboxMessage],
                 at: datetime) -> list[bool]:
    """Record messages, on a plain sqlite3 connection inside the caller's transaction (a
    write job: the inbox's group commit, storage/group_commit.py); for each, whether it was
    new: not already recorded, here or among the ids kept after retention deleted their rows
    (inbox_seen), nor earlier in the same batch.

    One step of SQLite when every record is new, the common case: no RETURNING, whose rows
    come back one step each, and each step hands the GIL back to a busy loop and waits to
    get it again (a batch of 62 took 2-3 ms so; measured under the inbox benchmark)."""
    if not news:
        return []
    sql, args = _insert_many(news, at)
    cursor = conn.execute(sql, args)
    inserted = cursor.rowcount
    if inserted == len(news):
        return [True] * inserted
    if inserted <= 0:
        return [False] * len(news)
    # Some were known: the new rows took the ids just above the former largest, in order
    # (SQLite's rowid rule inside our write transaction), up to the last one inserted.
    last = cursor.lastrowid
    rows = conn.execute("SELECT activity_id FROM inbox_messages WHERE id > ? AND id <= ?",
                        (last - inserted, last)).fetchall()
    return _were_new(news, rows)


def _insert_many(news: list[NewInboxMessage], at: datetime) -> tuple[str, list]:
    stamp = to_text(at)
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(news))
    args = [v for n in news for v in (n.activity_id, n.activity_type, n.actor, n.recipient,
                                      n.key_id, n.signature_scheme, n.body, stamp, stamp)]
    # One statement still: ids that retention deleted are remembered in inbox_seen.
    return (
        "INSERT INTO inbox_messages (activity_id, activity_type, actor, recipient, key_id,"
        " signature_scheme, body, next_attempt_at, received_at)"
        f" SELECT * FROM (VALUES {values}) AS v WHERE NOT EXISTS"
        " (SELECT 1 FROM inbox_seen s WHERE s.activity_id = v.column1)"
        " ON CONFLICT (activity_id) DO NOTHING",
        args,
    )


def _were_new(news: list[NewInboxMessage], rows) -> list[bool]:
    inserted = {row[0] for row in rows}
    results, seen = [], set()
    for n in news:  # the same id twice in one batch: the first one was the new one
        results.append(n.activity_id in inserted and n.activity_id not in seen)
        seen.add(n.activity_id)
    return results
