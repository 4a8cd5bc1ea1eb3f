"""What the repositories need of a connection: aiosqlite's interface, in two implementations.

`InlineConnection` (storage/inline.py) runs each statement at once, on the thread that calls
it (the readers on the loop, write jobs on the writer's thread); `LentConnection`
(storage/lent.py) sends each one to the writer's thread (a `Database.transaction()` body).
"""
from __future__ import annotations

from typing import Any, Iterable, Protocol


class Connection(Protocol):
    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> Any:
        """Awaitable (a cursor: fetchone, fetchall, rowcount, lastrowid) and an async
        context manager giving that cursor."""

    def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> Any:
        """Like `execute`, once per parameter set."""

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list:
        """Every row of the statement."""
