"""The debates table."""
from __future__ import annotations

from datetime import datetime

from node.errors import NotFound
from node.model import Debate, DebateStatus, NewDebate, Page

from ..connection import Connection
from ._sql import decode_cursor, encode_cursor, to_datetime, to_text

_COLUMNS = (
    "id, slug, title, description, status, opens_at, closes_at, created_by_id, created_at,"
    " updated_at"
)


def columns_as(table: str, prefix: str) -> str:
    """The debate's columns from `table`, each as `prefix` + name (for a join)."""
    return ", ".join(f"{table}.{c} AS {prefix}{c}" for c in _COLUMNS.replace(" ", "").split(","))


def debate_from_row(row, p: str = "") -> Debate:
    """A debate from its columns, named with prefix `p` when read through a join."""
    return Debate(
        id=row[p + "id"],
        slug=row[p + "slug"],
        title=row[p + "title"],
        description=row[p + "description"],
        status=DebateStatus(row[p + "status"]),
        opens_at=to_datetime(row[p + "opens_at"]),
        closes_at=to_datetime(row[p + "closes_at"]),
        created_by_id=row[p + "created_by_id"],
        created_at=to_datetime(row[p + "created_at"]),
        updated_at=to_datetime(row[p + "updated_at"]),
    )


class DebateRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def _one(self, where: str, *args) -> Debate | None:
        async with self.conn.execute(f"SELECT {_COLUMNS} FROM debates WHERE {where}", args) as cur:
            row = await cur.fetchone()
        return debate_from_row(row) if row else None

    async def get(self, debate_id: int) -> Debate:
        debate = await self._one("id = ?", debate_id)
        if debate is None:
            raise NotFound(f"no debate with id {debate_id}")
        return debate

    async def get_many(self, debate_ids) -> dict[int, Debate]:
        """Several debates by id in one query (those that exist)."""
        ids = sorted(set(debate_ids))
        if not ids:
            return {}
        rows = await self.conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM debates WHERE id IN ({', '.join('?' for _ in ids)})", ids)
        return {row["id"]: debate_from_row(row) for row in rows}

    async def find_by_slug(self, slug: str) -> Debate | None:
        return await self._one("slug = ?", slug)

    async def add(self, new: NewDebate, by_id: int | None, at: datetime) -> Debate:
        async with self.conn.execute(
            "INSERT INTO debates (slug, title, description, opens_at, closes_at, created_by_id,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (new.slug, new.title, new.description, to_text(new.opens_at), to_text(new.closes_at),
             by_id, to_text(at), to_text(at)),
        ) as cur:
            debate_id = (await cur.fetchone())[0]
        return await self.get(debate_id)

    async def update_status(self, debate_id: int, status: DebateStatus, at: datetime) -> Debate:
        await self.conn.execute(
            "UPDATE debates SET status = ?, updated_at = ? WHERE id = ?",
            (status.value, to_text(at), debate_id),
        )
        return await self.get(debate_id)

    async def list_due_to_close(self, now: datetime) -> list[Debate]:
        async with self.conn.execute(
            f"SELECT {_COLUMNS} FROM debates WHERE status = 'open' AND closes_at IS NOT NULL"
            " AND closes_at <= ? ORDER BY id",
            (to_text(now),),
        ) as cur:
            return [debate_from_row(r) for r in await cur.fetchall()]

    async def list_page(
        self, *, statuses: tuple[DebateStatus, ...] | None = None, after: str | None = None,
        limit: int = 50,
    ) -> Page[Debate]:
        where, args = "id > ?", [decode_cursor(after)]
        if statuses:
            where += f" AND status IN ({', '.join('?' for _ in statuses)})"
            args += [s.value for s in statuses]
        async with self.conn.execute(
            f"SELECT {_COLUMNS} FROM debates WHERE {where} ORDER BY id LIMIT ?", (*args, limit + 1)
        ) as cur:
            rows = await cur.fetchall()
        items = tuple(debate_from_row(r) for r in rows[:limit])
        return Page(items, encode_cursor(items[-1].id) if len(rows) > limit else None)

    async def count_by_status(self) -> dict[DebateStatus, int]:
        async with self.conn.execute("SELECT status, count(*) FROM debates GROUP BY status") as cur:
            counts = {DebateStatus(r[0]): r[1] for r in await cur.fetchall()}
        return {s: counts.get(s, 0) for s in DebateStatus}
