"""An sqlite3 connection behind the repositories' async interface, whose calls complete at once.

The repositories speak one connection interface (storage/connection.py, aiosqlite's shape:
`async with conn.execute(...) as cur`, `await cur.fetchall()`, `execute_fetchall`). Over this
class each call runs at once and its awaitable is already done: no thread hop. Our statements
are indexed and bounded (keyset pages, aggregates over covering indexes): they take tens of
microseconds, far less than a hop, which under load dominated a page (measured by the benchmarks).

Two users: the readers, on the loop's thread (in WAL mode a reader never waits for a lock),
and the write jobs, on the writer's thread (storage/writer.py), where a coroutine over these
calls runs to its end without a loop. Long work (an online backup) goes to a thread, on
connections of its own (Database.backup).
"""
from __future__ import annotations

import sqlite3
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
    """storage/connection.py's Connection over an sqlite3 connection, without a thread."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> _Done:
        return _Done(InlineCursor(self._conn.execute(sql, parameters)))

    def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> _Done:
        return _Done(InlineCursor(self._conn.executemany(sql, parameters)))

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list:
        return self._conn.execute(sql, parameters).fetchall()

    async def close(self) -> None:
        self._conn.close()
