"""Group commit: small writes from concurrent tasks share one transaction.

Each `submit` returns once its write is committed (or raises what its own write raised: a
failed group is rolled back and written again one by one), so callers keep their durability
promise (an inbox answers 202 only after the commit); the writes that arrive while one
transaction runs share the next one. One aiosqlite call costs a
thread round trip; a transaction costs three: batching is what keeps a busy node's writer
ahead of one-commit-per-request designs.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from storage.db import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Writes = (connection inside the transaction, items) -> one result per item, in order.
Writes = Callable[[object, list[T]], Awaitable[list[R]]]


class GroupCommit(Generic[T, R]):
    def __init__(self, db: Database, write: Writes | None = None, *,
                 write_now: Callable[[sqlite3.Connection, list[T]], list[R]] | None = None,
                 max_batch: int = 500, inline: bool = False,
                 committed: Callable[[], None] | None = None):
        if (write is None) == (write_now is None):
            raise ValueError("give write (async, in a transaction) or write_now (plain sqlite3)")
        self.db = db
        self.write = write
        # write_now: the whole transaction in one call on the writer's thread (no hop per
        # statement): Database.write_in_one_call.
        self.write_now = write_now
        self.max_batch = max_batch
        self.inline = inline  # statements on the loop's thread: Database.transaction(inline=)
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
                _answer(batch[0][1], error=exc)
                return
            log.warning("a group of %d writes failed (%s): each alone", len(batch), exc)
            written = False
            for item, future in batch:
                try:
                    [result] = await self._write([item])
                except Exception as alone:
                    _answer(future, error=alone)
                else:
                    written = True
                    _answer(future, result)
            if written and self.committed is not None:
                self.committed()
            return
        if self.committed is not None:
            self.committed()
        for (_, future), result in zip(batch, results, strict=True):
            _answer(future, result)

    async def _write(self, items: list[T]) -> list[R]:
        if self.write_now is not None:
            return await self.db.write_in_one_call(lambda conn: self.write_now(conn, items))
        async with self.db.transaction(inline=self.inline) as tx:
            return await self.write(tx.conn, items)


def _answer(future: asyncio.Future, result: object = None, *,
            error: BaseException | None = None) -> None:
    if future.done():  # its caller went away (cancelled)
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)
