"""Territories this node follows (its Application actor's `following` rows to Application
actors) and the backfill of their existing proposals (0007_territories.sql). SQL only."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..connection import Connection
from ._sql import to_datetime, to_text


@dataclass(frozen=True, slots=True)
class Backfill:
    """One walk of a followed territory's proposals collection; `next_url` None: not started."""

    id: int
    territory_ap_id: str
    state: str  # 'pending', 'done' or 'failed'
    next_url: str | None
    pages: int
    items: int
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class FollowedTerritory:
    """A followed (or asked) territory as the admin area lists it."""

    ap_id: str
    state: str  # the follow: 'pending' or 'accepted'
    name: str | None
    host: str | None
    created_at: datetime
    accepted_at: datetime | None
    backfill: Backfill | None


_BACKFILL = ("id, territory_ap_id, state, next_url, pages, items, attempts, last_error,"
             " created_at, finished_at")


def _backfill(row, offset: int = 0) -> Backfill:
    r = [row[offset + i] for i in range(10)]
    return Backfill(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], to_datetime(r[8]),
                    to_datetime(r[9]))


class TerritoryRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def accepted_territories(self, local_actor: str) -> list[str]:
        """The Application actors `local_actor` follows, accepted (a few dozen at most)."""
        async with self.conn.execute(
            "SELECT f.target_ap_id FROM following f"
            " JOIN remote_actors a ON a.ap_id = f.target_ap_id"
            " WHERE f.local_actor = ? AND f.state = 'accepted' AND a.type = 'Application'"
            " AND a.is_gone = 0 ORDER BY f.id LIMIT 1000",
            (local_actor,),
        ) as cur:
            return [r[0] for r in await cur.fetchall()]

    async def list_followed(self, local_actor: str, limit: int = 200) -> list[FollowedTerritory]:
        """Application actors `local_actor` follows or asked to, newest first, with backfills."""
        async with self.conn.execute(
            "SELECT f.target_ap_id, f.state, a.name, a.host, f.created_at, f.accepted_at,"
            f" {', '.join('b.' + c.strip() for c in _BACKFILL.split(','))}"
            " FROM following f JOIN remote_actors a ON a.ap_id = f.target_ap_id"
            " LEFT JOIN territory_backfills b ON b.territory_ap_id = f.target_ap_id"
            " WHERE f.local_actor = ? AND a.type = 'Application' ORDER BY f.id DESC LIMIT ?",
            (local_actor, limit),
        ) as cur:
            rows = await cur.fetchall()
        return [FollowedTerritory(r[0], r[1], r[2], r[3], to_datetime(r[4]), to_datetime(r[5]),
                                  _backfill(r, 6) if r[6] is not None else None) for r in rows]

    # -- backfills

    async def start_backfills(self, local_actor: str, at: datetime, limit: int = 10) -> int:
        """A pending backfill for each accepted territory that never had one."""
        cur = await self.conn.execute(
            "INSERT INTO territory_backfills (territory_ap_id, next_attempt_at, created_at)"
            " SELECT f.target_ap_id, ?, ? FROM following f"
            " JOIN remote_actors a ON a.ap_id = f.target_ap_id"
            " WHERE f.local_actor = ? AND f.state = 'accepted' AND a.type = 'Application'"
            " AND NOT EXISTS (SELECT 1 FROM territory_backfills b"
            "  WHERE b.territory_ap_id = f.target_ap_id)"
            " ORDER BY f.id LIMIT ?",
            (to_text(at), to_text(at), local_actor, limit),
        )
        return cur.rowcount

    async def find(self, territory_ap_id: str) -> Backfill | None:
        async with self.conn.execute(
            f"SELECT {_BACKFILL} FROM territory_backfills WHERE territory_ap_id = ?",
            (territory_ap_id,),
        ) as cur:
            row = await cur.fetchone()
        return _backfill(row) if row else None

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Backfill]:
        """Pending backfills due now, leased (an expired lease frees a row after a crash)."""
        async with self.conn.execute(
            "UPDATE territory_backfills SET locked_until = ? WHERE id IN ("
            " SELECT id FROM territory_backfills WHERE state = 'pending'"
            " AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)"
            " ORDER BY next_attempt_at, id LIMIT ?)"
            f" RETURNING {_BACKFILL}",
            (to_text(lease_until), to_text(now), to_text(now), limit),
        ) as cur:
            return [_backfill(r) for r in await cur.fetchall()]

    async def advance(self, backfill_id: int, *, next_url: str | None, pages: int,
                      items: int) -> None:
        """A page was read: where to go on, and the counts so far (attempts start again)."""
        await self.conn.execute(
            "UPDATE territory_backfills SET next_url = ?, pages = ?, items = ?, attempts = 0,"
            " last_error = NULL, locked_until = NULL WHERE id = ?",
            (next_url, pages, items, backfill_id),
        )

    async def finish(self, backfill_id: int, state: str, at: datetime,
                     error: str | None = None) -> None:
        await self.conn.execute(
            "UPDATE territory_backfills SET state = ?, finished_at = ?, last_error = ?,"
            " locked_until = NULL WHERE id = ?",
            (state, to_text(at), error[:500] if error else None, backfill_id),
        )

    async def reschedule(self, backfill_id: int, next_attempt_at: datetime, error: str) -> None:
        await self.conn.execute(
            "UPDATE territory_backfills SET attempts = attempts + 1, next_attempt_at = ?,"
            " last_error = ?, locked_until = NULL WHERE id = ?",
            (to_text(next_attempt_at), error[:500], backfill_id),
        )
