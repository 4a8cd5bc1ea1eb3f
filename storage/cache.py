"""Results of costly read queries, kept while the database has not changed since.

Exact invalidation: an entry is only served while the reader connection's `PRAGMA
data_version` is the one it was computed under. SQLite changes that number on the reader
whenever any other connection commits (our writer, the CLI, another process), so a cached
tally is never older than the data a fresh query would read. Bounded: at most `limit` entries
(and `max_chars` of rendered page text), all dropped at the first change. Reader repositories
use it, and the proposal and debate pages (what they read, a visitor's rendered page); a
transaction must see its own writes and never goes through here. Values must be immutable
(frozen dataclasses, tuples, strings).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class ReadCache:
    def __init__(self, conn, limit: int = 1024, max_chars: int = 8_000_000):
        self.conn = conn  # the reader connection whose data_version it follows
        self.limit = limit
        # Rendered pages (web/pages_*.py) are large: their text counts against this budget.
        self.max_chars = max_chars
        self._chars = 0
        self._version: int | None = None
        self._entries: dict[Hashable, Any] = {}

    async def _current(self) -> int:
        return (await self.conn.execute_fetchall("PRAGMA data_version"))[0][0]

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]],
                  keep: Callable[[Any], bool] | None = None,
                  size: Callable[[Any], int] | None = None) -> Any:
        """The entry, or `compute()`'s value, kept unless `keep(value)` says it does not
        match its key (a key that holds something read before the compute). `size(value)`: the
        length of a text value (a page), kept only while such texts fit in `max_chars`."""
        version = await self._current()
        if version != self._version:
            self._entries.clear()
            self._chars = 0
            self._version = version
        try:
            return self._entries[key]
        except KeyError:
            pass
        value = await compute()
        chars = size(value) if size is not None else 0
        # Kept only if nothing was committed while it was computed (and while there is room).
        if (len(self._entries) < self.limit and (keep is None or keep(value))
                and self._chars + chars <= self.max_chars and await self._current() == version):
            self._entries[key] = value
            self._chars += chars
        return value
