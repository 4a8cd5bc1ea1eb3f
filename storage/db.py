"""The Database: one writer connection behind a lock, one reader connection, migrations at open.

One connection is one sqlite3 connection with one transaction state, so all writes go through
`transaction()`, which serialises them; reads elsewhere use the reader (WAL lets it see the last
commit without waiting for the writer). Reads run inline, on the loop's thread, behind
aiosqlite's interface (storage/inline.py says why); writes run on aiosqlite's thread.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, TypeVar

import aiosqlite

from .cache import ReadCache
from .inline import InlineConnection
from .migrate import migrate, schema_version
from .repos import Repos

T = TypeVar("T")

log = logging.getLogger(__name__)


class _SharedWrite:
    """`async with db.shared_transaction() as tx`: one member of the current _Group. A class
    rather than an async generator: every vote goes through it (issue 3's benchmark)."""

    __slots__ = ("db", "group")

    def __init__(self, db: "Database"):
        self.db = db
        self.group: _Group | None = None

    async def __aenter__(self) -> Transaction:
        db = self.db
        group = db._group
        if group is None or group.closed:
            group = db._group = _Group(db)
        self.group = group
        group.pending += 1
        try:
            await asyncio.shield(group.begun)
            await group.body.acquire()
            try:
                conn = db._writer_inline
                if group.broken or not conn.in_transaction:
                    group.broken = True
                    raise DatabaseError("the shared transaction was rolled back")
                await conn.execute("SAVEPOINT shared_write")
            except BaseException:
                group.body.release()
                raise
        except BaseException:
            self._leave(group)
            raise
        return db._inline_tx

    async def __aexit__(self, exc_type, exc, tb) -> bool:
        group = self.group
        conn = self.db._writer_inline
        try:
            if exc_type is not None:
                try:
                    await conn.execute("ROLLBACK TO shared_write")
                    await conn.execute("RELEASE shared_write")
                except sqlite3.Error:
                    group.broken = True  # SQLite rolled the whole transaction back
                return False  # the member's exception goes on, at once
            try:
                await conn.execute("RELEASE shared_write")
            except sqlite3.Error:
                group.broken = True
                raise
        finally:
            group.body.release()
            self._leave(group)
        await asyncio.shield(group.committed)
        return False

    @staticmethod
    def _leave(group: _Group) -> None:
        group.pending -= 1
        if group.pending == 0 and group.begun.done() and not group.closed:
            group.finish()


class DatabaseError(Exception):
    pass


async def _connect(path: Path, busy_timeout_ms: int, *, inline: bool):
    # Readers run inline, on the loop's thread, without aiosqlite's hops (storage/inline.py):
    # in WAL mode a reader never waits for a lock. The writer stays on aiosqlite's thread: a
    # write may wait up to busy_timeout for another process (the CLI, a backup), and that
    # wait must never hold the event loop.
    if inline:
        conn = InlineConnection.connect(path)
    else:
        # check_same_thread off: inside a transaction that holds the write lock, statements
        # may run on the loop's thread (Database.transaction(inline=True)); never two at once.
        conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    return conn


class Transaction(Repos):
    """The repositories bound to the writer inside one BEGIN IMMEDIATE … COMMIT."""


class _Group:
    """One shared transaction (Database.shared_transaction): its own tasks take the write lock
    and BEGIN, then COMMIT once no member is left, so no member's cancellation strands it."""

    def __init__(self, db: "Database"):
        loop = asyncio.get_running_loop()
        self.db = db
        self.pending = 0  # members that joined and have not finished their write
        self.closed = False  # committing: later writes form the next group
        self.broken = False  # SQLite rolled the transaction back under a member
        self.body = asyncio.Lock()  # one member's statements at a time
        self.begun = loop.create_future()
        self.committed = loop.create_future()
        self._begin = asyncio.create_task(self._start())
        self._commit: asyncio.Task | None = None

    async def _start(self) -> None:
        locked = False
        try:
            await self.db._write_lock.acquire()
            locked = True
            await self.db.writer.execute("BEGIN IMMEDIATE")
        except BaseException as exc:
            self.closed = True
            if locked:
                self.db._write_lock.release()
            self.begun.set_exception(exc)
            self.committed.set_exception(exc)
            self._retrieve()
            if not isinstance(exc, Exception):
                raise
            return  # the members raise it
        self.begun.set_result(None)
        if self.pending == 0:  # every member left while it waited
            self.finish()

    def finish(self) -> None:
        self.closed = True
        self._commit = asyncio.create_task(self._end())

    async def _end(self) -> None:
        conn = self.db.writer
        try:
            if self.broken or not conn.in_transaction:
                raise DatabaseError("the shared transaction was rolled back")
            await conn.commit()
            self.db._committed()
        except BaseException as exc:
            self.db._events_pending = False
            try:
                if conn.in_transaction:
                    await conn.rollback()
            finally:
                self.committed.set_exception(exc)
                self._retrieve()
            if not isinstance(exc, Exception):
                raise
        else:
            self.committed.set_result(None)
        finally:
            self.db._write_lock.release()

    def _retrieve(self) -> None:
        # No member may be left to await these futures: mark their exception as seen.
        for future in (self.begun, self.committed):
            if future.done() and not future.cancelled():
                future.exception()


class Database:
    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 5000, readers: int = 1):
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self.reader_count = max(1, readers)
        self._writer: aiosqlite.Connection | None = None
        self._writer_inline: InlineConnection | None = None
        self._inline_tx: Transaction | None = None
        self._readers: list[Repos] = []
        self._next_reader = 0
        self._write_lock = asyncio.Lock()
        self._group: _Group | None = None  # the shared transaction writes join (group commit)
        self.applied_migrations: list[str] = []
        # Write transactions this process committed: a cache of table data that remembers
        # this number knows whether anything here may have changed since (see LocalActors).
        self.commits = 0
        # Set by a commit that gave the background workers something to do: domain events
        # appended (fan-out), or what a caller signals (the inbox's records); they wait on
        # it rather than sleep a whole poll interval (federation/context.py).
        self.new_work = asyncio.Event()
        self._events_pending = False  # the open transaction appended an event

    async def open(self, *, apply_migrations: bool = True) -> "Database":
        if not self.path.parent.is_dir():
            raise DatabaseError(f"the database's directory {self.path.parent} does not exist")
        try:
            self._writer = await _connect(self.path, self.busy_timeout_ms, inline=False)
            self._writer_inline = InlineConnection(self._writer._conn)  # same sqlite3 connection
            # Repositories hold nothing but their connection: one set serves every inline write.
            self._inline_tx = Transaction(self._writer_inline, on_event=self._event_appended)
            if apply_migrations:
                self.applied_migrations = await migrate(self._writer)
            # Reads run inline (no overlap to gain): one reader is enough; more are allowed.
            for _ in range(self.reader_count):
                reader = await _connect(self.path, self.busy_timeout_ms, inline=True)
                await reader.execute("PRAGMA query_only = ON")
                self._readers.append(Repos(reader, ReadCache(reader)))
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        for repos in self._readers:
            await repos.conn.close()
        if self._writer is not None:
            await self._writer.close()
        self._readers, self._writer = [], None
        self._writer_inline = self._inline_tx = None

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise DatabaseError("the database is not open")
        return self._writer

    @asynccontextmanager
    async def transaction(self, *, inline: bool = False) -> AsyncIterator[Transaction]:
        """One write transaction; commits on success, rolls back on any exception.

        `inline`: the statements between BEGIN and COMMIT run on the loop's thread, without
        aiosqlite's hops (three per statement: they dominated a vote, issue 3). Only the
        waits stay on aiosqlite's thread: BEGIN IMMEDIATE takes the write lock (it may wait
        busy_timeout for another process) and COMMIT; once the lock is held, WAL lets nothing
        else make a statement wait. For short, bounded transactions (a vote), like readers."""
        async with self._write_lock:
            conn = self.writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield (self._inline_tx if inline
                       else Transaction(conn, on_event=self._event_appended))
            except BaseException:
                self._events_pending = False
                await conn.rollback()
                raise
            else:
                await conn.commit()
                self._committed()

    async def write_in_one_call(self, write: Callable[[sqlite3.Connection], T]) -> T:
        """`write(conn)` between BEGIN IMMEDIATE and COMMIT, the three in one call on the
        writer's thread (rolled back if `write` raises). `transaction()` costs a thread round
        trip per statement plus two; each waits for the loop to come back to it, and a busy
        loop (an inbox verifying signatures) comes back late: a batch of inbox records waited
        three turns for one (bench, issue 4). `write` is plain sqlite3, bounded and short."""
        async with self._write_lock:
            writer = self.writer

            def run() -> T:
                conn = writer._conn  # aiosqlite's own connection, on its own thread
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = write(conn)
                except BaseException:
                    conn.rollback()
                    raise
                conn.commit()
                return result

            result = await writer._execute(run)
            self._committed()
            return result

    def _event_appended(self) -> None:
        self._events_pending = True

    def _committed(self) -> None:
        self.commits += 1
        if self._events_pending:
            self._events_pending = False
            self.new_work.set()

    def shared_transaction(self) -> "_SharedWrite":
        """An inline write, committed together with the concurrent ones (group commit).

        The writes that arrive while a group waits for the write lock (or runs) join it: one
        BEGIN IMMEDIATE and one COMMIT, on aiosqlite's thread, for all of them. Each runs
        inside its own SAVEPOINT: an exception rolls back that write only and reaches its
        caller at once; a write that succeeded returns only once the group has committed (it
        raises if the commit failed), so callers keep their durability promise. Same rules as
        `transaction(inline=True)`: short, bounded statements."""
        return _SharedWrite(self)

    def read(self) -> Repos:
        """Repositories on a reader connection (round robin): committed data only."""
        if not self._readers:
            raise DatabaseError("the database is not open")
        self._next_reader = (self._next_reader + 1) % len(self._readers)
        return self._readers[self._next_reader]

    async def schema_version(self) -> int:
        return await schema_version(self.writer)

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
