"""An sqlite3 connection behind aiosqlite's async interface, run on the event loop's thread.

The repositories speak aiosqlite (`async with conn.execute(...) as cur`, `await
cur.fetchall()`, `execute_fetchall`, ...). aiosqlite runs every call on a thread of its own:
each `await` is a hop there and back (a queue, a thread wake-up, `call_soon_threadsafe`), and
a read is three of them (execute, fetch, close). Our statements are indexed and bounded
(keyset pages, aggregates over covering indexes): they take tens of microseconds, far less
than the hops, which under load dominated a page (issue 3's benchmarks). Here each call runs
at once and its awaitable is already done. Long work (an online backup) goes to a thread, on
connections of its own (Database.backup).

The cost: a statement holds the loop while it runs, so statements must stay bounded (they are:
keyset pages, LIMIT, indexed aggregates). Only readers are inline: in WAL mode they never wait
for a lock, whereas a write may wait for another process's (busy_timeout), so the writer stays
on aiosqlite's thread (Database).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Iterable


class InlineCursor:
    """aiosqlite.Cursor's interface over an sqlite3 cursor."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor):
        self._cursor = cursor

    async def fetchone(self):
        return self._cursor.fetchone()

    async def fetchall(self) -> list:
        return self._cursor.fetchall()

    async def fetchmany(self, size: int | None = None) -> list:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def close(self) -> None:
        self._cursor.close()

    def __aiter__(self):
        return self

    async def __anext__(self):
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def description(self):
        return self._cursor.description


class _Done:
    """What `execute` returns: awaitable (the cursor) and an async context manager (closes it),
    like aiosqlite's; the statement has already run (or raised) when it is created."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: InlineCursor):
        self._cursor = cursor

    def __await__(self):
        return self._result().__await__()

    async def _result(self) -> InlineCursor:
        return self._cursor

    async def __aenter__(self) -> InlineCursor:
        return self._cursor

    async def __aexit__(self, *exc) -> None:
        self._cursor._cursor.close()


class InlineConnection:
    """The subset of aiosqlite.Connection that storage uses, without a thread."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    @classmethod
    def connect(cls, path: Path | str) -> "InlineConnection":
        # Autocommit (transactions are explicit: BEGIN IMMEDIATE in Database.transaction);
        # used on the loop's thread only.
        return cls(sqlite3.connect(path, isolation_level=None))

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> _Done:
        return _Done(InlineCursor(self._conn.execute(sql, parameters)))

    def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> _Done:
        return _Done(InlineCursor(self._conn.executemany(sql, parameters)))

    def executescript(self, script: str) -> _Done:
        return _Done(InlineCursor(self._conn.executescript(script)))

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list:
        return self._conn.execute(sql, parameters).fetchall()

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    @property
    def total_changes(self) -> int:
        return self._conn.total_changes

    @property
    def row_factory(self):
        return self._conn.row_factory

    @row_factory.setter
    def row_factory(self, factory) -> None:
        self._conn.row_factory = factory
