"""Group commit (storage/group_commit.py), used by the delivery pool's outcomes and the inbox's
records: concurrent writes share a transaction, each caller learns its own result only once
it is durable; a failed transaction keeps nothing of its group, whose writes are then made
again one by one, so that only the bad one fails."""
from __future__ import annotations

import asyncio
import sqlite3

import pytest

from storage.group_commit import GroupCommit
from storage.repos.inbox import InboxRepo
from tests.federation.harness import make_fed_node, make_peer, open_debate, peer_keys  # noqa: F401
from tests.support import settle


async def test_concurrent_writes_share_transactions_and_get_their_own_results(make_fed_node):
    alpha = await make_fed_node("alpha")
    batches: list[list[int]] = []

    def write(conn, items: list[int]) -> list[int]:
        batches.append(items)
        conn.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
        conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in items])
        return [i * 10 for i in items]

    commits = GroupCommit(alpha.db, write_now=write)
    before = alpha.db.commits
    # When 50 tasks submit at once
    results = await asyncio.gather(*(commits.submit(i) for i in range(50)))
    # Then each got its own result, all rows are there, in far fewer transactions than writes
    assert results == [i * 10 for i in range(50)]
    assert sorted(i for batch in batches for i in batch) == list(range(50))
    assert len(batches) < 10 and alpha.db.commits - before == len(batches)
    rows = await alpha.db.read().conn.execute_fetchall("SELECT count(*) FROM t")
    assert rows[0][0] == 50


async def test_a_failed_write_fails_alone_and_the_others_of_its_group_are_kept(make_fed_node):
    alpha = await make_fed_node("alpha")
    async with alpha.db.transaction() as tx:
        await tx.conn.execute("CREATE TABLE t (x INTEGER)")
    groups: list[list[int]] = []

    def write(conn, items: list[int]) -> list[int]:
        groups.append(items)
        conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in items])
        if 3 in items:
            raise ValueError("refused")
        return items

    commits = GroupCommit(alpha.db, write_now=write)
    # When five writes share a group and one of them fails
    results = await asyncio.gather(*(commits.submit(i) for i in range(5)),
                                   return_exceptions=True)
    # Then only that one gets the error; the others were written again, each alone, and kept
    assert len(groups[0]) > 1 and 3 in groups[0]
    assert [type(r) for r in results] == [int, int, int, ValueError, int]
    assert str(results[3]) == "refused" and results[:3] + results[4:] == [0, 1, 2, 4]
    kept = await alpha.db.read().conn.execute_fetchall("SELECT x FROM t ORDER BY x")
    assert [r[0] for r in kept] == [0, 1, 2, 4]  # nothing of the failed group, nor of 3
    # And the next write goes through
    assert await commits.submit(7) == 7


@pytest.mark.parametrize("copies", [2, 8])
async def test_the_same_activity_posted_concurrently_is_recorded_once(make_fed_node, make_peer,
                                                                       copies):
    # Given a debate and a peer
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    mallory = await make_peer("mallory")
    mallory.add_actor("mallory", peer_keys(1))
    follow = mallory.activity("mallory", "Follow", "http://alpha.test/debats/eau")
    # When the same Follow arrives several times at once (a retry racing the original)
    answers = await asyncio.gather(*(
        mallory.post("http://alpha.test/debats/eau/inbox", follow, now=alpha.clock.now())
        for _ in range(copies)))
    # Then every copy is acknowledged, one is recorded, and it is processed once
    assert [status for status, _ in answers] == [202] * copies
    [message] = await InboxRepo(alpha.db.read().conn).list_all()
    assert message.activity_id == follow["id"]
    await settle(alpha)
    assert (await InboxRepo(alpha.db.read().conn).find(follow["id"])).state == "processed"


async def test_writes_in_one_thread_call_share_transactions_and_roll_back_as_a_group(
        make_fed_node):
    alpha = await make_fed_node("alpha")
    async with alpha.db.transaction() as tx:
        await tx.conn.execute("CREATE TABLE u (x INTEGER PRIMARY KEY)")

    def write(conn, items: list[int]) -> list[int]:
        conn.executemany("INSERT INTO u VALUES (?)", [(i,) for i in items])
        return [i + 1 for i in items]

    commits = GroupCommit(alpha.db, write_now=write)
    before = alpha.db.commits
    # When 30 tasks submit at once
    assert await asyncio.gather(*(commits.submit(i) for i in range(30))) == list(range(1, 31))
    # Then every row is there, written in fewer transactions than items
    rows = await alpha.db.read().conn.execute_fetchall("SELECT count(*) FROM u")
    assert rows[0][0] == 30 and alpha.db.commits - before < 30
    # When a group holds a duplicate key, the group rolls back as a whole; written again each
    # alone, the first is stored and only the second fails
    results = await asyncio.gather(commits.submit(100), commits.submit(100),
                                   return_exceptions=True)
    assert results[0] == 101 and isinstance(results[1], sqlite3.IntegrityError)
    rows = await alpha.db.read().conn.execute_fetchall("SELECT count(*) FROM u WHERE x = 100")
    assert rows[0][0] == 1


async def test_each_committed_group_is_signalled_once_and_a_failed_one_not_at_all(
        make_fed_node):
    alpha = await make_fed_node("alpha")
    async with alpha.db.transaction() as tx:
        await tx.conn.execute("CREATE TABLE v (x INTEGER PRIMARY KEY)")

    def write(conn, items: list[int]) -> list[int]:
        conn.executemany("INSERT INTO v VALUES (?)", [(i,) for i in items])
        return items

    signals: list[int] = []
    commits = GroupCommit(alpha.db, write_now=write,
                          committed=lambda: signals.append(alpha.db.commits))
    # When 20 writes share a few groups: one signal per group, each after its commit
    before = alpha.db.commits
    await asyncio.gather(*(commits.submit(i) for i in range(20)))
    assert len(signals) == alpha.db.commits - before < 20
    assert signals == list(range(before + 1, alpha.db.commits + 1))
    # When a group fails and is written again alone, one write kept: signalled once
    signals.clear()
    await asyncio.gather(commits.submit(50), commits.submit(50), return_exceptions=True)
    assert len(signals) == 1
    # When nothing of a write is kept: no signal
    signals.clear()
    with pytest.raises(sqlite3.IntegrityError):
        await commits.submit(50)
    assert signals == []
