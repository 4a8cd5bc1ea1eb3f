"""A transaction lent to an async body: `Database.transaction()` on the writer's queue.

`Lend.serve` is a write job queued alone (storage/writer.py): on the writer's thread it runs
the statements the body sends, one by one, until the body ends, then returns (the writer
commits) or raises (the writer rolls back).

The repositories speak one connection interface (storage/connection.py, aiosqlite's shape:
`async with conn.execute(...) as cur`, `await cur.fetchone()`, `execute_fetchall`). Here each
statement is one round trip to the writer (storage/writer.py): it runs there and its rows come
back all at once (our statements are bounded: keyset pages, LIMIT, indexed aggregates), so a
read is one hop, not three.
"""
from __future__ import annotations

import asyncio
import queue
import sqlite3
from collections.abc import Callable
from typing import Any, Iterable

from .writer import settle

COMMIT, ROLLBACK = "commit", "rollback"


class BodyFailed(Exception):
    """The lent transaction's body raised: what makes the writer roll it back."""


class Lend:
    """One lent transaction. On the loop: `request` (a statement) and `end`; on the writer's
    thread: `serve`, the job."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.requests: queue.SimpleQueue = queue.SimpleQueue()
        self.begun = loop.create_future()  # the job started: BEGIN IMMEDIATE is done
        self.events = False  # set on the loop when the body appends an event

    def event_appended(self) -> None:
        self.events = True

    def request(self, run: Callable[[sqlite3.Connection], Any]) -> asyncio.Future:
        future = self.loop.create_future()
        self.requests.put((run, future))
        return future

    def end(self, how: str) -> None:
        """COMMIT or ROLLBACK: always sent, even when cancelled, since the job waits for it."""
        self.requests.put((how, None))

    def serve(self, tx) -> None:
        conn = tx.sqlite
        self.loop.call_soon_threadsafe(settle, self.begun, None, None)
        while True:
            run, future = self.requests.get()
            if run == COMMIT:
                return
            if run == ROLLBACK:
                raise BodyFailed("the transaction's body raised")
            try:
                value, error = run(conn), None
            except BaseException as exc:  # goes to the body, which decides
                value, error = None, exc
            self.loop.call_soon_threadsafe(settle, future, value, error)


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

    __slots__ = ("_lend", "_run", "_sent")

    def __init__(self, lend: Lend, run: Callable[[sqlite3.Connection], Rows]):
        self._lend = lend
        self._run = run
        self._sent = None

    def __await__(self):
        return self._rows().__await__()

    async def _rows(self) -> Rows:
        if self._sent is None:
            self._sent = self._lend.request(self._run)
        return await self._sent

    async def __aenter__(self) -> Rows:
        return await self._rows()

    async def __aexit__(self, *exc) -> None:
        pass


class LentConnection:
    """storage/connection.py's Connection over one lent transaction."""

    def __init__(self, lend: Lend):
        self.lend = lend

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> _Statement:
        return _Statement(self.lend, lambda conn: Rows(conn.execute(sql, parameters)))

    def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> _Statement:
        parameters = list(parameters)  # consumed on the writer's thread
        return _Statement(self.lend, lambda conn: Rows(conn.executemany(sql, parameters)))

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list:
        return await (await self.execute(sql, parameters)).fetchall()
