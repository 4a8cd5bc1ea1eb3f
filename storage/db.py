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
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import aiosqlite

from .cache import ReadCache
from .inline import InlineConnection
from .migrate import migrate, schema_version
from .repos import Repos

log = logging.getLogger(__name__)


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
        conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    return conn


class Transaction(Repos):
    """The repositories bound to the writer inside one BEGIN IMMEDIATE … COMMIT."""


class Database:
    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 5000, readers: int = 1):
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self.reader_count = max(1, readers)
        self._writer: aiosqlite.Connection | None = None
        self._readers: list[Repos] = []
        self._next_reader = 0
        self._write_lock = asyncio.Lock()
        self.applied_migrations: list[str] = []
        # Write transactions this process committed: a cache of table data that remembers
        # this number knows whether anything here may have changed since (see LocalActors).
        self.commits = 0

    async def open(self, *, apply_migrations: bool = True) -> "Database":
        if not self.path.parent.is_dir():
            raise DatabaseError(f"the database's directory {self.path.parent} does not exist")
        try:
            self._writer = await _connect(self.path, self.busy_timeout_ms, inline=False)
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

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise DatabaseError("the database is not open")
        return self._writer

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One write transaction; commits on success, rolls back on any exception."""
        async with self._write_lock:
            conn = self.writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(conn)
            except BaseException:
                await conn.rollback()
                raise
            else:
                await conn.commit()
                self.commits += 1

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
