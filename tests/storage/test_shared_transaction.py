"""Inline write transactions and group commit (Database.shared_transaction), issue 3's votes."""
from __future__ import annotations

import asyncio
import sqlite3

import pytest

from storage.db import Database


@pytest.fixture
async def db(tmp_path):
    database = await Database(tmp_path / "node.sqlite3").open()
    async with database.transaction() as tx:
        await tx.conn.execute("CREATE TABLE items (name TEXT PRIMARY KEY)")
        await tx.conn.execute("CREATE TABLE counter (n INTEGER)")
        await tx.conn.execute("INSERT INTO counter VALUES (0)")
    yield database
    await database.close()


async def _names(db) -> set[str]:
    return {r[0] for r in await db.read().conn.execute_fetchall("SELECT name FROM items")}


async def test_concurrent_shared_writes_commit_together_and_answer_after_the_commit(db):
    seen_after: list[bool] = []

    async def write(i: int) -> None:
        async with db.shared_transaction() as tx:
            await tx.conn.execute("INSERT INTO items VALUES (?)", (f"n{i}",))
        # Answered only once committed: a reader (another connection) sees it already.
        seen_after.append(f"n{i}" in await _names(db))

    before = db.commits
    await asyncio.gather(*(write(i) for i in range(40)))
    assert await _names(db) == {f"n{i}" for i in range(40)}
    assert all(seen_after) and len(seen_after) == 40
    assert db.commits - before < 40  # shared: fewer commits than writes


async def test_a_failing_shared_write_rolls_back_only_itself(db):
    async def write(i: int) -> None:
        async with db.shared_transaction() as tx:
            await tx.conn.execute("INSERT INTO items VALUES (?)", (f"n{i}",))
            if i % 3 == 0:
                raise ValueError(f"refused {i}")

    results = await asyncio.gather(*(write(i) for i in range(12)), return_exceptions=True)
    failed = {i for i, r in enumerate(results) if isinstance(r, ValueError)}
    assert failed == {0, 3, 6, 9}
    assert await _names(db) == {f"n{i}" for i in range(12) if i % 3}


async def test_a_constraint_error_in_one_shared_write_spares_the_others(db):
    async def write(name: str) -> None:
        async with db.shared_transaction() as tx:
            await tx.conn.execute("INSERT INTO items VALUES (?)", (name,))

    results = await asyncio.gather(write("a"), write("a"), write("b"), return_exceptions=True)
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert results[0] is None and results[2] is None
    assert await _names(db) == {"a", "b"}


async def test_shared_and_ordinary_transactions_never_lose_an_update(db):
    async def bump(shared: bool) -> None:
        context = db.shared_transaction() if shared else db.transaction()
        async with context as tx:
            async with tx.conn.execute("SELECT n FROM counter") as cur:
                n = (await cur.fetchone())[0]
            await asyncio.sleep(0)  # give other tasks every chance to interleave
            await tx.conn.execute("UPDATE counter SET n = ?", (n + 1,))

    await asyncio.gather(*(bump(i % 2 == 0) for i in range(60)))
    rows = await db.read().conn.execute_fetchall("SELECT n FROM counter")
    assert rows[0][0] == 60


async def test_an_inline_transaction_rolls_back_on_error(db):
    with pytest.raises(RuntimeError):
        async with db.transaction(inline=True) as tx:
            await tx.conn.execute("INSERT INTO items VALUES ('gone')")
            raise RuntimeError("boom")
    async with db.transaction(inline=True) as tx:
        await tx.conn.execute("INSERT INTO items VALUES ('kept')")
    assert await _names(db) == {"kept"}


async def test_waiting_for_another_process_lock_does_not_hold_the_loop(db):
    # Another connection (the CLI, a backup) holds the write lock for a while.
    other = sqlite3.connect(db.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> None:
        async with db.shared_transaction() as tx:
            await tx.conn.execute("INSERT INTO items VALUES ('late')")

    clock = asyncio.create_task(ticker())
    writing = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writing.done() and ticks >= 10  # the loop kept running while it waited
    await asyncio.to_thread(other.commit)
    await asyncio.wait_for(writing, 5)
    clock.cancel()
    other.close()
    assert await _names(db) == {"late"}


async def test_a_shared_write_that_cannot_take_the_lock_fails_clearly_and_the_next_works(tmp_path):
    db = await Database(tmp_path / "busy.sqlite3", busy_timeout_ms=100).open()
    try:
        async with db.transaction() as tx:
            await tx.conn.execute("CREATE TABLE items (name TEXT PRIMARY KEY)")
        other = sqlite3.connect(db.path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")

        async def write(name: str) -> None:
            async with db.shared_transaction() as tx:
                await tx.conn.execute("INSERT INTO items VALUES (?)", (name,))

        results = await asyncio.gather(write("a"), write("b"), return_exceptions=True)
        assert all(isinstance(r, sqlite3.OperationalError) for r in results)
        other.rollback()
        other.close()
        await write("c")
        assert await _names(db) == {"c"}
    finally:
        await db.close()


async def test_a_write_in_one_call_commits_its_statements_together(db):
    def write(conn: sqlite3.Connection) -> int:
        conn.executemany("INSERT INTO items VALUES (?)", [("a",), ("b",)])
        return conn.execute("SELECT count(*) FROM items").fetchone()[0]

    before = db.commits
    assert await db.write_in_one_call(write) == 2
    assert await _names(db) == {"a", "b"}  # committed: another connection sees them
    assert db.commits == before + 1


async def test_a_write_in_one_call_that_fails_leaves_nothing_and_the_writer_usable(db):
    def write(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO items VALUES ('half')")
        conn.execute("INSERT INTO items VALUES ('half')")  # primary key: fails

    with pytest.raises(sqlite3.IntegrityError):
        await db.write_in_one_call(write)
    assert await _names(db) == set()
    async with db.transaction() as tx:  # no transaction left open on the writer
        await tx.conn.execute("INSERT INTO items VALUES ('after')")
    assert await _names(db) == {"after"}
