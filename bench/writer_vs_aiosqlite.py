"""`python -m bench.writer_vs_aiosqlite [rounds]`: vote-like write jobs through aiosqlite's
public API and through the node's writer thread (storage/writer.py), alternately.

64 tasks write 40 jobs each; a job is 2 reads and 3 writes. Through aiosqlite (public API
only): one transaction per job, statement by statement, behind a lock. Through the writer:
`Database.write`, the jobs queued together in one transaction. BENCH_BURN (seconds, default
0) keeps the loop busy for that long before each job, as a request's parsing would. The
README's "SQLite: why not aiosqlite" quotes this script's output.
"""
from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import aiosqlite

from storage.db import Database

SCHEMA = ("CREATE TABLE IF NOT EXISTS v (id INTEGER PRIMARY KEY, p INTEGER, who INTEGER,"
          " c TEXT, UNIQUE (p, who)); CREATE TABLE IF NOT EXISTS e (id INTEGER PRIMARY KEY,"
          " payload TEXT);")
FIND = "SELECT id FROM v WHERE p = ? AND who = ?"
CHOICE = "SELECT c FROM v WHERE p = ? AND who = ?"
PUT = ("INSERT INTO v (p, who, c) VALUES (?, ?, ?)"
       " ON CONFLICT (p, who) DO UPDATE SET c = excluded.c")
EVENT = "INSERT INTO e (payload) VALUES (?)"
TOUCH = "UPDATE v SET c = c WHERE p = ? AND who = ?"
TASKS, PER_TASK = 64, 40
BURN = float(os.environ.get("BENCH_BURN", "0"))


def burn() -> None:
    end = time.perf_counter() + BURN
    while time.perf_counter() < end:
        pass


async def through_aiosqlite(path: Path) -> float:
    conn = await aiosqlite.connect(path, isolation_level=None)
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.executescript(SCHEMA)
    lock = asyncio.Lock()

    async def task(t: int) -> None:
        for k in range(PER_TASK):
            burn()
            key = (k % 50, t)
            async with lock:
                await conn.execute("BEGIN IMMEDIATE")
                for sql in (FIND, CHOICE):
                    async with conn.execute(sql, key) as cur:
                        await cur.fetchone()
                await conn.execute(PUT, (*key, str(k)))
                await conn.execute(EVENT, (f"{t}:{k}",))
                await conn.execute(TOUCH, key)
                await conn.commit()

    start = time.perf_counter()
    await asyncio.gather(*(task(t) for t in range(TASKS)))
    took = time.perf_counter() - start
    await conn.close()
    return TASKS * PER_TASK / took


async def through_writer(path: Path) -> tuple[float, int]:
    db = await Database(path).open(apply_migrations=False)
    await db.write(lambda tx: tx.sqlite.executescript(f"SAVEPOINT s; {SCHEMA} RELEASE s;"))

    async def job(tx, t: int, k: int) -> None:
        key = (k % 50, t)
        for sql in (FIND, CHOICE):
            async with tx.conn.execute(sql, key) as cur:
                await cur.fetchone()
        await tx.conn.execute(PUT, (*key, str(k)))
        await tx.conn.execute(EVENT, (f"{t}:{k}",))
        await tx.conn.execute(TOUCH, key)

    async def task(t: int) -> None:
        for k in range(PER_TASK):
            burn()
            await db.write(lambda tx: job(tx, t, k))

    start = time.perf_counter()
    await asyncio.gather(*(task(t) for t in range(TASKS)))
    took = time.perf_counter() - start
    commits = db.commits
    await db.close()
    return TASKS * PER_TASK / took, commits


async def main(rounds: int) -> None:
    for i in range(rounds):
        with tempfile.TemporaryDirectory() as directory:
            public = await through_aiosqlite(Path(directory) / "a.sqlite3")
            ours, commits = await through_writer(Path(directory) / "w.sqlite3")
        print(f"round {i + 1}: aiosqlite public API {public:,.0f} jobs/s; writer thread "
              f"{ours:,.0f} jobs/s ({commits} commits for {TASKS * PER_TASK} jobs)", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
