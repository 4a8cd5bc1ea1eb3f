"""Write jobs (Database.write): group commit on the writer's thread, each job rolled back alone
on failure and answered once durable; the writer's connection is the writer thread's own."""
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


async def test_concurrent_write_jobs_commit_together_and_answer_after_the_commit(db):
    seen_after: list[bool] = []

    async def write(i: int) -> None:
        await db.write(lambda tx: tx.conn.execute("INSERT INTO items VALUES (?)", (f"n{i}",)))
        # Answered only once committed: a reader (another connection) sees it already.
        seen_after.append(f"n{i}" in await _names(db))

    before = db.commits
    await asyncio.gather(*(write(i) for i in range(40)))
    assert await _names(db) == {f"n{i}" for i in range(40)}
    assert all(seen_after) and len(seen_after) == 40
    assert db.commits - before < 40  # grouped: fewer commits than writes


async def test_a_failing_job_rolls_back_only_itself(db):
    async def job(tx, i: int) -> None:
        await tx.conn.execute("INSERT INTO items VALUES (?)", (f"n{i}",))
        if i % 3 == 0:
            raise ValueError(f"refused {i}")

    async def write(i: int) -> None:
        await db.write(lambda tx: job(tx, i))

    results = await asyncio.gather(*(write(i) for i in range(12)), return_exceptions=True)
    failed = {i for i, r in enumerate(results) if isinstance(r, ValueError)}
    assert failed == {0, 3, 6, 9}
    assert await _names(db) == {f"n{i}" for i in range(12) if i % 3}


async def test_a_constraint_error_in_one_job_spares_the_others_of_its_group(db):
    async def write(name: str) -> None:
        await db.write(lambda tx: tx.sqlite.execute("INSERT INTO items VALUES (?)", (name,)))

    before = db.commits
    async with db.transaction():  # holds the writer while the three jobs queue up
        writes = [asyncio.create_task(write(name)) for name in ("a", "a", "b")]
        await asyncio.sleep(0)
    results = await asyncio.gather(*writes, return_exceptions=True)
    assert db.commits == before + 2  # the transaction, then the three jobs in one
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert results[0] is None and results[2] is None
    assert await _names(db) == {"a", "b"}


async def test_write_jobs_and_transactions_never_lose_an_update(db):
    async def job(tx) -> None:
        async with tx.conn.execute("SELECT n FROM counter") as cur:
            n = (await cur.fetchone())[0]
        await tx.conn.execute("UPDATE counter SET n = ?", (n + 1,))

    async def bump(as_job: bool) -> None:
        if as_job:
            await db.write(job)
            return
        async with db.transaction() as tx:
            async with tx.conn.execute("SELECT n FROM counter") as cur:
                n = (await cur.fetchone())[0]
            await asyncio.sleep(0)  # give other tasks every chance to interleave
            await tx.conn.execute("UPDATE counter SET n = ?", (n + 1,))

    await asyncio.gather(*(bump(i % 2 == 0) for i in range(60)))
    rows = await db.read().conn.execute_fetchall("SELECT n FROM counter")
    assert rows[0][0] == 60


async def test_a_job_that_awaits_anything_but_the_database_is_refused_and_leaves_nothing(db):
    async def job(tx) -> None:
        await tx.conn.execute("INSERT INTO items VALUES ('gone')")
        await asyncio.sleep(0)  # no loop on the writer's thread

    with pytest.raises(RuntimeError, match="awaited something other than the database"):
        await db.write(job)
    await db.write(lambda tx: tx.conn.execute("INSERT INTO items VALUES ('kept')"))
    assert await _names(db) == {"kept"}


async def test_the_writer_connection_belongs_to_the_writer_thread(db):
    # A job's transaction object smuggled out to the loop: its connection refuses this thread.
    tx = await db.write(lambda tx: tx)
    with pytest.raises(sqlite3.ProgrammingError, match="thread"):
        tx.sqlite.execute("SELECT 1")


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
        await db.write(lambda tx: tx.conn.execute("INSERT INTO items VALUES ('late')"))

    clock = asyncio.create_task(ticker())
    writing = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writing.done() and ticks >= 10  # the loop kept running while it waited
    await asyncio.to_thread(other.commit)
    await asyncio.wait_for(writing, 5)
    clock.cancel()
    other.close()
    assert await _names(db) == {"late"}


async def test_a_write_that_cannot_take_the_lock_fails_clearly_and_the_next_works(tmp_path):
    db = await Database(tmp_path / "busy.sqlite3", busy_timeout_ms=100).open()
    try:
        async with db.transaction() as tx:
            await tx.conn.execute("CREATE TABLE items (name TEXT PRIMARY KEY)")
        other = sqlite3.connect(db.path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")

        async def write(name: str) -> None:
            await db.write(lambda tx: tx.conn.execute("INSERT INTO items VALUES (?)", (name,)))

        results = await asyncio.gather(write("a"), write("b"), return_exceptions=True)
        assert all(isinstance(r, sqlite3.OperationalError) for r in results)
        other.rollback()
        other.close()
        await write("c")
        assert await _names(db) == {"c"}
    finally:
        await db.close()


async def test_a_plain_sqlite3_job_commits_its_statements_together(db):
    def write(tx) -> int:
        conn = tx.sqlite
        conn.executemany("INSERT INTO items VALUES (?)", [("a",), ("b",)])
        return conn.execute("SELECT count(*) FROM items").fetchone()[0]

    before = db.commits
    assert await db.write(write) == 2
    assert await _names(db) == {"a", "b"}  # committed: another connection sees them
    assert db.commits == before + 1


async def test_a_job_that_fails_leaves_nothing_and_the_writer_usable(db):
    def write(tx) -> None:
        conn = tx.sqlite
        conn.execute("INSERT INTO items VALUES ('half')")
        conn.execute("INSERT INTO items VALUES ('half')")  # primary key: fails

    with pytest.raises(sqlite3.IntegrityError):
        await db.write(write)
    assert await _names(db) == set()
    async with db.transaction() as tx:  # no transaction left open on the writer
        await tx.conn.execute("INSERT INTO items VALUES ('after')")
    assert await _names(db) == {"after"}


async def test_jobs_whose_transaction_sqlite_rolled_back_are_written_again(db):
    # Given three jobs in one group, the second of which loses the whole transaction (as
    # SQLite does on a full disk or an I/O error) and fails
    def lose_it(tx) -> None:
        tx.sqlite.execute("INSERT INTO items VALUES ('lost')")
        tx.sqlite.execute("ROLLBACK")
        raise sqlite3.OperationalError("disk I/O error")

    def insert(name: str):
        return lambda tx: tx.sqlite.execute("INSERT INTO items VALUES (?)", (name,))

    async with db.transaction():  # holds the writer while the three queue up
        jobs = [asyncio.create_task(db.write(job)) for job in (insert("a"), lose_it, insert("c"))]
        await asyncio.sleep(0)
    results = await asyncio.gather(*jobs, return_exceptions=True)
    # Then only that one fails; the first, whose work was lost with it, was written again
    assert results[0] is not None and isinstance(results[1], sqlite3.OperationalError)
    assert await _names(db) == {"a", "c"}


async def test_a_transaction_given_up_while_waiting_for_the_lock_leaves_the_writer_usable(db):
    other = sqlite3.connect(db.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    async def write() -> None:
        async with db.transaction() as tx:
            await tx.conn.execute("INSERT INTO items VALUES ('never')")

    # When a transaction waiting for another process's lock is cancelled
    waiting = asyncio.create_task(write())
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.to_thread(other.commit)
    other.close()
    # Then its body never ran, and the next writes of both kinds go through
    async with db.transaction() as tx:
        await tx.conn.execute("INSERT INTO items VALUES ('t')")
    await db.write(lambda tx: tx.sqlite.execute("INSERT INTO items VALUES ('j')"))
    assert await _names(db) == {"t", "j"}


async def test_writes_after_close_fail_clearly(tmp_path):
    from storage.db import DatabaseError

    db = await Database(tmp_path / "closed.sqlite3").open()
    await db.close()
    with pytest.raises(DatabaseError, match="not open"):
        await db.write(lambda tx: None)
    with pytest.raises(DatabaseError, match="not open"):
        async with db.transaction():
            pass


async def test_a_transaction_lost_under_its_body_is_reported_not_committed_silently(db):
    from storage.db import DatabaseError

    with pytest.raises(DatabaseError, match="rolled back"):
        async with db.transaction() as tx:
            await tx.conn.execute("INSERT INTO items VALUES ('gone')")
            await tx.conn.execute("ROLLBACK")  # as SQLite does itself on an I/O error
    with pytest.raises(DatabaseError, match="rolled back"):
        await db.write(lambda tx: tx.sqlite.execute("ROLLBACK"))
    assert await _names(db) == set()
