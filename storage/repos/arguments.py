"""Arguments on proposals and their "useful" marks.

Each mark is a row; `arguments.useful_count` is their count, kept exact by triggers
(migration 0009) so that "most useful first" pages are index ranges.
"""
from __future__ import annotations

from datetime import datetime

from node.errors import NotFound
from node.model import Argument, ArgumentOrder, Page, Stance

from ..connection import Connection
from . import _keyset
from ._sql import to_datetime, to_text
from .participants import ref_columns, ref_from_row, ref_joins

_SELECT = (
    "SELECT a.id, a.proposal_id, a.stance, a.body, a.created_at, a.edited_at, a.withdrawn_at,"
    " a.hidden_at, a.ap_id,"
    " a.useful_count,"
    f" {ref_columns('author')}"
    f" FROM arguments a {ref_joins('a.author_id')}"
)


def _argument(row) -> Argument:
    return Argument(
        id=row["id"],
        proposal_id=row["proposal_id"],
        author=ref_from_row(row, "author"),
        stance=Stance(row["stance"]),
        body=row["body"],
        useful_count=row["useful_count"],
        created_at=to_datetime(row["created_at"]),
        edited_at=to_datetime(row["edited_at"]),
        withdrawn_at=to_datetime(row["withdrawn_at"]),
        hidden_at=to_datetime(row["hidden_at"]),
        ap_id=row["ap_id"],
    )


class ArgumentRepo:
    def __init__(self, conn: Connection, cache=None):
        self.conn = conn
        # storage/cache.py, on readers: ordering by usefulness counts every argument's marks.
        self.cache = cache

    async def find(self, argument_id: int) -> Argument | None:
        async with self.conn.execute(f"{_SELECT} WHERE a.id = ?", (argument_id,)) as cur:
            row = await cur.fetchone()
        return _argument(row) if row else None

    async def get(self, argument_id: int) -> Argument:
        argument = await self.find(argument_id)
        if argument is None:
            raise NotFound(f"no argument with id {argument_id}")
        return argument

    async def list_by_participant(self, participant_id: int, *, after: str | None = None,
                                  limit: int = 10) -> Page[Argument]:
        """A participant's listed arguments (neither hidden nor withdrawn) on proposals that
        are not hidden, newest first."""
        cursor = _keyset.decode(after, 1)
        keyset, args = ("AND x.id < ?", [cursor[0]]) if cursor else ("", [])
        rows = await self.conn.execute_fetchall(
            "SELECT x.id FROM arguments x JOIN proposals p ON p.id = x.proposal_id"
            " WHERE x.author_id = ? AND x.hidden_at IS NULL AND x.withdrawn_at IS NULL"
            f" AND p.hidden_at IS NULL {keyset} ORDER BY x.id DESC LIMIT ?",
            (participant_id, *args, limit + 1))
        return _keyset.page([await self.get(r[0]) for r in rows], limit, lambda a: (a.id,))

    async def find_by_ap_id(self, ap_id: str) -> Argument | None:
        """A remote participant's argument by its Note's id."""
        async with self.conn.execute(f"{_SELECT} WHERE a.ap_id = ?", (ap_id,)) as cur:
            row = await cur.fetchone()
        return _argument(row) if row else None

    async def add(
        self, proposal_id: int, author_id: int, stance: Stance, body: str, at: datetime,
        ap_id: str | None = None,
    ) -> Argument:
        async with self.conn.execute(
            "INSERT INTO arguments (proposal_id, author_id, stance, body, created_at, ap_id)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (proposal_id, author_id, stance.value, body, to_text(at), ap_id),
        ) as cur:
            argument_id = (await cur.fetchone())[0]
        return await self.get(argument_id)

    async def update_body(self, argument_id: int, body: str, at: datetime) -> Argument:
        await self.conn.execute(
            "UPDATE arguments SET body = ?, edited_at = ? WHERE id = ?",
            (body, to_text(at), argument_id),
        )
        return await self.get(argument_id)

    async def mark_withdrawn(self, argument_id: int, at: datetime) -> Argument:
        await self.conn.execute(
            "UPDATE arguments SET withdrawn_at = ? WHERE id = ?", (to_text(at), argument_id)
        )
        return await self.get(argument_id)

    async def set_hidden(self, argument_id: int, hidden_at: datetime | None) -> None:
        await self.conn.execute(
            "UPDATE arguments SET hidden_at = ? WHERE id = ?", (to_text(hidden_at), argument_id)
        )

    async def add_mark(self, argument_id: int, participant_id: int, at: datetime) -> bool:
        """False when this participant had already marked it."""
        async with self.conn.execute(
            "INSERT INTO argument_marks (argument_id, participant_id, created_at)"
            " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (argument_id, participant_id, to_text(at)),
        ) as cur:
            return cur.rowcount > 0

    async def remove_mark(self, argument_id: int, participant_id: int) -> bool:
        async with self.conn.execute(
            "DELETE FROM argument_marks WHERE argument_id = ? AND participant_id = ?",
            (argument_id, participant_id),
        ) as cur:
            return cur.rowcount > 0

    async def has_mark(self, argument_id: int, participant_id: int) -> bool:
        async with self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM argument_marks WHERE argument_id = ?"
            " AND participant_id = ?)",
            (argument_id, participant_id),
        ) as cur:
            return bool((await cur.fetchone())[0])

    async def list_page(
        self, proposal_id: int, *, stance: Stance | None = None,
        order: ArgumentOrder = ArgumentOrder.MOST_USEFUL, after: str | None = None,
        limit: int = 20,
    ) -> Page[Argument]:
        """Listed arguments (neither hidden nor withdrawn) of a proposal, optionally one stance.

        MOST_USEFUL pages on (useful count descending, id ascending); NEWEST on id descending.
        """
        if self.cache is None:
            return await self._list_page(proposal_id, stance, order, after, limit)
        return await self.cache.get(
            ("arguments", proposal_id, stance, order, after, limit),
            lambda: self._list_page(proposal_id, stance, order, after, limit))

    async def _list_page(
        self, proposal_id: int, stance: Stance | None, order: ArgumentOrder, after: str | None,
        limit: int,
    ) -> Page[Argument]:
        where, args = [
            "a.proposal_id = ?", "a.hidden_at IS NULL", "a.withdrawn_at IS NULL"
        ], [proposal_id]
        if stance is not None:
            where.append("a.stance = ?")
            args.append(Stance(stance).value)
        inner = f"SELECT * FROM ({_SELECT} WHERE {' AND '.join(where)})"
        if order is ArgumentOrder.MOST_USEFUL:
            cursor = _keyset.decode(after, 2)
            keyset, keyset_args = "1", []
            if cursor:
                # The first term bounds the index range (arguments_by_usefulness).
                keyset = ("useful_count <= ? AND (useful_count < ? OR (useful_count = ?"
                          " AND id > ?))")
                keyset_args = [cursor[0], cursor[0], cursor[0], cursor[1]]
            sql = f"{inner} WHERE {keyset} ORDER BY useful_count DESC, id LIMIT ?"
            key = lambda a: (a.useful_count, a.id)  # noqa: E731
        else:
            cursor = _keyset.decode(after, 1)
            keyset, keyset_args = ("id < ?", [cursor[0]]) if cursor else ("1", [])
            sql = f"{inner} WHERE {keyset} ORDER BY id DESC LIMIT ?"
            key = lambda a: (a.id,)  # noqa: E731
        rows = [_argument(r) for r in
                await self.conn.execute_fetchall(sql, (*args, *keyset_args, limit + 1))]
        return _keyset.page(rows, limit, key)

    async def count_listed(self, proposal_id: int) -> dict[Stance, int]:
        if self.cache is None:
            return dict(await self._count_listed(proposal_id))
        return dict(await self.cache.get(("argument counts", proposal_id),
                                         lambda: self._count_listed(proposal_id)))

    async def _count_listed(self, proposal_id: int) -> tuple[tuple[Stance, int], ...]:
        rows = await self.conn.execute_fetchall(
            "SELECT stance, count(*) FROM arguments WHERE proposal_id = ? AND hidden_at IS NULL"
            " AND withdrawn_at IS NULL GROUP BY stance",
            (proposal_id,),
        )
        counts = {Stance(r[0]): r[1] for r in rows}
        return tuple((s, counts.get(s, 0)) for s in Stance)
