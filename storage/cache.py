"""Results of costly read queries, kept while the database has not changed since.

Exact invalidation: an entry is only served while the reader connection's `PRAGMA
data_version` is the one it was computed under. SQLite changes that number on the reader
whenever any other connection commits (our writer, the CLI, another process), so a cached
tally is never older than the data a fresh query would read. Bounded: at most `limit` entries,
all dropped at the first change. Only reader repositories use it; a transaction must see its
own writes and never goes through here. Values must be immutable (frozen dataclasses, tuples).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class ReadCache:
    def __init__(self, conn, limit: int = 1024):
        self.conn = conn  # the reader connection whose data_version it follows
        self.limit = limit
        self._version: int | None = None
        self._entries: dict[Hashable, Any] = {}

    async def _current(self) -> int:
        return (await self.conn.execute_fetchall("PRAGMA data_version"))[0][0]

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        version = await self._current()
        if version != self._version:
            self._entries.clear()
            self._version = version
        try:
            return self._entries[key]
        except KeyError:
            pass
        value = await compute()
        # Kept only if nothing was committed while it was computed (and while there is room).
        if len(self._entries) < self.limit and await self._current() == version:
            self._entries[key] = value
        return value
