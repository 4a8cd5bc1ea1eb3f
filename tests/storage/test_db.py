"""The Database: pragmas, serialised transactions, rollback, online backup."""
from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timezone

import pytest

from node.accounts import NewMember
from node.model import Role
from storage.db import Database, DatabaseError

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


async def test_database_uses_wal_and_foreign_keys(db):
    def pragma(name: str):
        return lambda tx: tx.sqlite.execute(f"PRAGMA {name}").fetchone()[0]

    assert await db.write(pragma("journal_mode")) == "wal"
    assert await db.write(pragma("foreign_keys")) == 1
    assert await db.write(pragma("synchronous")) == 1  # NORMAL


async def test_transaction_rolls_back_everything_on_error(db):
    # When a transaction fails after a write
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.members.add(NewMember("anne", "Anne", Role.CITIZEN), NOW)
            raise RuntimeError("boom")
    # Then nothing was kept, and the next transaction works
    assert await db.read().members.count() == 0
    async with db.transaction() as tx:
        await tx.members.add(NewMember("anne", "Anne", Role.CITIZEN), NOW)
    assert await db.read().members.count() == 1


async def test_concurrent_transactions_do_not_interleave(db):
    # Given many tasks each reading a count then writing count+1 in one transaction
    async with db.transaction() as tx:
        await tx.conn.execute("CREATE TABLE counter (n INTEGER)")
        await tx.conn.execute("INSERT INTO counter VALUES (0)")

    async def bump():
        async with db.transaction() as tx:
            async with tx.conn.execute("SELECT n FROM counter") as cur:
                n = (await cur.fetchone())[0]
            await asyncio.sleep(0)  # give other tasks every chance to interleave
            await tx.conn.execute("UPDATE counter SET n = ?", (n + 1,))

    # When
    await asyncio.gather(*(bump() for _ in range(50)))
    # Then no update was lost
    async with db.read().conn.execute("SELECT n FROM counter") as cur:
        assert (await cur.fetchone())[0] == 50


async def test_backup_opens_as_a_usable_database(db, tmp_path):
    # Given a member
    async with db.transaction() as tx:
        await tx.members.add(NewMember("anne", "Anne", Role.CITIZEN), NOW)
    target = tmp_path / "backup.sqlite3"
    # When
    await db.backup(target)
    # Then the copy passes an integrity check and opens through our own Database
    with sqlite3.connect(target) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy = await Database(target).open()
    try:
        assert copy.applied_migrations == []
        member = await copy.read().members.find_by_username("anne")
        assert member is not None and member.display_name == "Anne"
        async with copy.transaction() as tx:
            await tx.members.add(NewMember("bruno", "Bruno", Role.CITIZEN), NOW)
        assert await copy.read().members.count() == 2
    finally:
        await copy.close()


async def test_backup_refuses_to_overwrite(db, tmp_path):
    target = tmp_path / "exists.sqlite3"
    target.write_bytes(b"keep me")
    with pytest.raises(DatabaseError, match="already exists"):
        await db.backup(target)
    assert target.read_bytes() == b"keep me"


async def test_open_fails_clearly_when_the_directory_is_missing(tmp_path):
    with pytest.raises(DatabaseError, match="does not exist"):
        await Database(tmp_path / "absent" / "node.sqlite3").open()


async def test_a_commit_that_appends_events_signals_new_work_and_others_do_not(db):
    from node.events import MemberAdmitted

    def event() -> MemberAdmitted:
        return MemberAdmitted(occurred_at=NOW, by="operator", member_id=1, username="anne",
                              role="citizen")

    # A write without events, one whose events were rolled back: no new work
    async with db.transaction() as tx:
        await tx.members.add(NewMember("anne", "Anne", Role.CITIZEN), NOW)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.events.append(event())
            raise RuntimeError("boom")
    await db.write(lambda tx: tx.sqlite.execute("SELECT 1"))

    async def append_then_fail(tx) -> None:
        await tx.events.append(event())
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await db.write(append_then_fail)
    assert not db.new_work.is_set()
    # Events appended and committed, in a transaction: new work
    async with db.transaction() as tx:
        await tx.events.append(event())
        assert not db.new_work.is_set()  # not before the commit: nothing to see yet
    assert db.new_work.is_set()
    # And in a write job, alone or among others (one of them failing)
    for jobs in (1, 3):
        db.new_work.clear()

        async def append(tx, fail: bool) -> None:
            await tx.events.append(event())
            assert not db.new_work.is_set()  # not before the commit
            if fail:
                raise RuntimeError("refused")

        results = await asyncio.gather(*(db.write(lambda tx, i=i: append(tx, i == 1))
                                         for i in range(jobs)), return_exceptions=True)
        assert db.new_work.is_set()
        assert sum(isinstance(r, RuntimeError) for r in results) == (jobs > 1)
    # And the next commit without events leaves a cleared signal cleared
    db.new_work.clear()
    async with db.transaction() as tx:
        await tx.members.add(NewMember("bea", "Béa", Role.CITIZEN), NOW)
    assert not db.new_work.is_set()
    assert len(await db.read().events.list_after()) == 4  # 1 + 1 + 2 (the failed one rolled back)
