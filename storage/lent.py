"""The connection a `Database.transaction()` body sees: statements sent to the writer's thread.

The repositories speak one connection interface (storage/connection.py, aiosqlite's shape:
`async with conn.execute(...) as cur`, `await cur.fetchone()`, `execute_fetchall`). Here each
statement is one round trip to the writer (storage/writer.py): it runs there and its rows come
back all at once (our statements are bounded: keyset pages, LIMIT, indexed aggregates), so a
read is one hop, not three.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, Iterable

from .writer import Lend, Writer


class Rows:
    """What a statement produced, already fetched; an aiosqlite.Cursor's interface."""

    __slots__ = ("_rows", "_next", "rowcount", "lastrowid", "description")

    def __init__(self, cursor: sqlite3.Cursor):
        self.description = cursor.description
        self._rows = cursor.fetchall() if cursor.description is not None else []
        self._next = 0
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid

    async def fetchone(self):
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    async def fetchall(self) -> list:
        rows = self._rows[self._next:]
        self._next = len(self._rows)
        return rows

    async def fetchmany(self, size: int = 1) -> list:
        rows = self._rows[self._next:self._next + size]
        self._next += len(rows)
        return rows

    async def close(self) -> None:
        pass

    def __aiter__(self):
        return self

    async def __anext__(self):
        row = await self.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row


class _Statement:
    """What `execute` returns: awaitable (the rows) and an async context manager, like
    aiosqlite's; the statement is sent when first awaited."""

    __slots__ = ("_conn", "_run", "_sent")

    def __init__(self, conn: "LentConnection", run: Callable[[sqlite3.Connection], Rows]):
        self._conn = conn
        self._run = run
        self._sent = None

    def __await__(self):
        return self._rows().__await__()

    async def _rows(self) -> Rows:
        if self._sent is None:
            self._sent = self._conn.writer.request(self._conn.lend, self._run)
        return await self._sent

    async def __aenter__(self) -> Rows:
        return await self._rows()

    async def __aexit__(self, *exc) -> None:
        pass


class LentConnection:
    """storage/connection.py's Connection over one lent transaction."""

    def __init__(self, writer: Writer, lend: Lend):
        self.writer = writer
        self.lend = lend

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> _Statement:
        return _Statement(self, lambda conn: Rows(conn.execute(sql, parameters)))

    def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> _Statement:
        parameters = list(parameters)  # consumed on the writer's thread
        return _Statement(self, lambda conn: Rows(conn.executemany(sql, parameters)))

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list:
        return await (await self.execute(sql, parameters)).fetchall()
