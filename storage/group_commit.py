"""Items written in batches: one write job (Database.write) for the items submitted meanwhile.

The writer already commits the jobs queued together in one transaction; this goes one step
further for a stream of small, alike items (the inbox's records, the delivery pool's
outcomes): the items submitted while one batch is being written form the next batch, written
by one plain-sqlite3 call (`write_now(conn, items)`, e.g. one multi-row INSERT). Fewer
statements on the writer's thread matter under load: each one hands the GIL back to a busy
loop and waits to get it again. Each `submit` returns once its item is committed (or raises
what its own item raised: a failed batch is rolled back and written again item by item), so
callers keep their durability promise (an inbox answers 202 only after the commit).
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from typing import Generic, TypeVar

from .db import Database
from .writer import settle

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """`write_now(conn, items)`: plain sqlite3 inside the writer's transaction, one result per
    item, in order."""

    def __init__(self, db: Database, *,
                 write_now: Callable[[sqlite3.Connection, list[T]], list[R]],
                 max_batch: int = 500, committed: Callable[[], None] | None = None):
        self.db = db
        self.write_now = write_now
        self.max_batch = max_batch
        self.committed = committed  # called once per group that committed (not per write)
        self._queue: list[tuple[T, asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None

    async def submit(self, item: T) -> R:
        future = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)

    async def _flush(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
                try:
                    await self._commit(batch)
                except asyncio.CancelledError:
                    for _, future in batch:
                        future.cancel()  # no-op for those already answered
                    raise
        finally:
            self._flusher = None
            for _, future in self._queue:  # cancelled with work queued: nothing was written
                if not future.done():
                    future.cancel()
            self._queue.clear()

    async def _commit(self, batch: list[tuple[T, asyncio.Future]]) -> None:
        """The group in one transaction; if that fails (nothing of it was kept), each of its
        writes again alone, so that only a bad write's own caller gets an error."""
        try:
            results = await self._write([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                settle(batch[0][1], None, exc)
                return
            log.warning("a group of %d writes failed (%s): each alone", len(batch), exc)
            written = False
            for item, future in batch:
                try:
                    [result] = await self._write([item])
                except Exception as alone:
                    settle(future, None, alone)
                else:
                    written = True
                    settle(future, result, None)
            if written and self.committed is not None:
                self.committed()
            return
        if self.committed is not None:
            self.committed()
        for (_, future), result in zip(batch, results, strict=True):
            settle(future, result, None)

    async def _write(self, items: list[T]) -> list[R]:
        return await self.db.write(lambda tx: self.write_now(tx.sqlite, items))

