"""The Database: one writer thread (every write), reader connections (every read), migrations.

Writes go to the writer (storage/writer.py), a thread owning the one writing sqlite3
connection: `write(job)` queues a job that runs there, committed together with the jobs queued
with it (group commit); `transaction()` lends the writer to an async body on the loop for one
transaction of its own. Reads use the readers, inline on the loop's thread (storage/inline.py):
WAL lets them see the last commit without waiting for the writer, and the read cache
(storage/cache.py) follows PRAGMA data_version.
"""
from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, TypeVar

from .cache import ReadCache
from .inline import InlineConnection
from .lent import COMMIT, ROLLBACK, Lend, LentConnection
from .migrate import Migration, migrate, schema_version
from .repos import Repos
from .writer import DatabaseError, Writer

T = TypeVar("T")

def _connect(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    # Autocommit: transactions are explicit (BEGIN IMMEDIATE on the writer's thread).
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    return conn


def _seen(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()  # retrieved: nobody awaits a rolled-back body's job


class Transaction(Repos):
    """The repositories bound to the writer inside one transaction. In a `write` job, `sqlite`
    is the writer's sqlite3 connection itself, for jobs written in plain sqlite3."""

    def __init__(self, conn, on_event, sqlite: sqlite3.Connection | None = None):
        super().__init__(conn, on_event=on_event)
        self.sqlite = sqlite


class Database:
    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 5000, readers: int = 1):
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self.reader_count = max(1, readers)
        self._writer: Writer | None = None
        self._readers: list[Repos] = []
        self._next_reader = 0
        self.applied_migrations: list[str] = []
        # Write transactions this process committed: a cache of table data that remembers
        # this number knows whether anything here may have changed since (see LocalActors).
        self.commits = 0
        # Set by a commit that gave the background workers something to do: domain events
        # appended (fan-out), or what a caller signals (the inbox's records); they wait on
        # it rather than sleep a whole poll interval.
        self.new_work = asyncio.Event()

    async def open(self, *, apply_migrations: bool = True) -> "Database":
        if not self.path.parent.is_dir():
            raise DatabaseError(f"the database's directory {self.path.parent} does not exist")
        path, busy = self.path, self.busy_timeout_ms
        self._writer = Writer(
            lambda: _connect(path, busy),
            lambda conn, on_event: Transaction(InlineConnection(conn), on_event, conn),
            self._group_written, asyncio.get_running_loop())
        try:
            await self._writer.start()
            if apply_migrations:
                self.applied_migrations = await self._writer.call(migrate)
            # Reads run inline (no overlap to gain): one reader is enough; more are allowed.
            for _ in range(self.reader_count):
                reader = InlineConnection(_connect(path, busy))
                await reader.execute("PRAGMA query_only = ON")
                self._readers.append(Repos(reader, ReadCache(reader)))
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        for repos in self._readers:
            await repos.conn.close()
        self._readers = []
        if self._writer is not None:
            writer, self._writer = self._writer, None
            await writer.close()

    def _open_writer(self) -> Writer:
        if self._writer is None:
            raise DatabaseError("the database is not open")
        return self._writer

    async def write(self, job: Callable[[Transaction], T | Awaitable[T]]) -> T:
        """`job(tx)` on the writer's thread, in a transaction; its value once committed.

        The jobs queued together share one transaction (group commit), each in its own
        SAVEPOINT: a job that raises is rolled back alone, and its caller gets the exception.
        `job` may be an async function over `tx`'s repositories, or plain sqlite3 on
        `tx.sqlite`; either way it runs without the loop, so it must be short and bounded
        and await nothing but `tx` (the vote, the inbox's record, a delivery's outcome)."""
        return await self._open_writer().submit(job)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One write transaction whose body runs on the loop; commits on success, rolls back
        on any exception. A write job queued alone that lends the writer to the body
        (storage/lent.py): each statement is one round trip to the writer's thread, which
        the transaction holds until it ends. For the writes that are neither hot nor a `write`
        job (they await other things between statements)."""
        lend = Lend(asyncio.get_running_loop())
        done = self._open_writer().submit(lend.serve, alone=True)
        ended = False
        try:
            await asyncio.wait((lend.begun, done), return_when=asyncio.FIRST_COMPLETED)
            if not lend.begun.done():
                await done  # BEGIN IMMEDIATE failed (busy), or the writer closed: raises
            yield Transaction(LentConnection(lend), lend.event_appended)
            ended = True
            lend.end(COMMIT)
            await done
        finally:
            if not ended:
                lend.end(ROLLBACK)
                done.add_done_callback(_seen)  # BodyFailed: the body's own error goes on
        if lend.events:
            self.new_work.set()

    def _group_written(self, kept: bool, events: bool) -> None:
        if kept:
            self.commits += 1
        if events:
            self.new_work.set()

    async def migrate(self, migrations: list[Migration] | None = None) -> list[str]:
        """Apply pending migrations (all, or up to the given list's last) on the writer."""
        return await self._open_writer().call(lambda conn: migrate(conn, migrations))

    def read(self) -> Repos:
        """Repositories on a reader connection (round robin): committed data only."""
        if not self._readers:
            raise DatabaseError("the database is not open")
        self._next_reader = (self._next_reader + 1) % len(self._readers)
        return self._readers[self._next_reader]

    async def schema_version(self) -> int:
        return await self._open_writer().call(schema_version)

    async def ping(self) -> bool:
        rows = await self.read().conn.execute_fetchall("SELECT 1")
        return rows[0][0] == 1

    async def backup(self, target: Path | str) -> None:
        """Online backup through SQLite's backup API; the node may keep running meanwhile.

        It runs in a worker thread on connections of its own (a large copy must not stall
        the loop), from one read snapshot (WAL: writers go on)."""
        target = Path(target)
        if target.exists():
            raise DatabaseError(f"{target} already exists: choose a new file name")

        def copy() -> None:
            source, dest = sqlite3.connect(self.path), sqlite3.connect(target)
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()

        try:
            await asyncio.to_thread(copy)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
