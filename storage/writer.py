"""The writer: one thread owning the database's one writing sqlite3 connection.

Every write is a job queued to this thread. Jobs queued together share one transaction
(group commit): BEGIN IMMEDIATE, each job inside its own SAVEPOINT (a job that raises is
rolled back alone and its caller gets the exception), one COMMIT; each caller is answered only
once its job is durable. The connection is created on this thread and sqlite3 checks that no
other thread uses it. A wait for another process's lock (busy_timeout: the CLI, a backup)
blocks this thread, never the event loop.

A job, `job(tx)`, is plain code run on this thread. It may be an async function over the
repositories (`tx.votes.put(...)`): their statements complete at once here (storage/inline.py),
so the coroutine is driven to its end without a loop; one that waits on anything else is
refused. A job queued `alone` gets a transaction of its own: Database.transaction() is such a
job, which lends the connection to an async body on the loop (storage/lent.py), and a body
that already ran could not be run again if a group's transaction were lost.

Results go back to the loop through `call_soon_threadsafe`, one call per group.
"""
from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

MAX_BATCH = 500  # jobs per transaction: bounds how long one COMMIT keeps the others waiting


class DatabaseError(Exception):
    pass


class WriterClosed(DatabaseError):
    """The writer is closed (or was never opened): nothing was written."""


class Job:
    __slots__ = ("run", "future", "alone")

    def __init__(self, run: Callable[[Any], Any], future: asyncio.Future, alone: bool):
        self.run = run
        self.future = future
        self.alone = alone


class Call:
    """Work on the connection outside any transaction (opening, migrations)."""

    __slots__ = ("run", "future")

    def __init__(self, run: Callable[[sqlite3.Connection], Any], future: asyncio.Future):
        self.run = run
        self.future = future


_STOP = object()


def run_to_end(result: Any) -> Any:
    """A job's value: itself, or a coroutine's, driven here without a loop. The repositories'
    statements complete at once on this thread: a coroutine that suspends awaited something
    else (the network, a sleep), which has no place inside a write."""
    if not asyncio.iscoroutine(result):
        return result
    try:
        result.send(None)
    except StopIteration as done:
        return done.value
    result.close()
    raise RuntimeError("a write job awaited something other than the database")


def settle(future: asyncio.Future, value: Any, error: BaseException | None) -> None:
    """Called on the loop (through call_soon_threadsafe) with what the writer's thread found."""
    if future.done():  # its caller went away (cancelled)
        return
    if error is None:
        future.set_result(value)
    else:
        future.set_exception(error)


class Writer:
    """The thread and its queue. `transaction` builds the object a job receives, over the
    connection (called once, on this thread); `on_group` runs on the loop after each group,
    with whether it committed something and whether a committed job appended events."""

    def __init__(self, connect: Callable[[], sqlite3.Connection],
                 transaction: Callable[[sqlite3.Connection, Callable[[], None]], Any],
                 on_group: Callable[[bool, bool], None], loop: asyncio.AbstractEventLoop):
        self._connect = connect
        self._make_transaction = transaction
        self._on_group = on_group
        self._loop = loop
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._conn: sqlite3.Connection | None = None
        self._tx: Any = None
        self._job_events = False  # the running job appended an event (this thread only)
        self._open = False
        self._thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
        self._stopped = loop.create_future()

    # -- from the loop

    async def start(self) -> None:
        self._open = True
        self._thread.start()
        await self.call(lambda conn: None)  # raises what connecting raised

    def submit(self, run: Callable[[Any], Any], *, alone: bool = False) -> asyncio.Future:
        """Queue `run(tx)`; the future has its value once committed, or its exception."""
        future = self._loop.create_future()
        self._put(Job(run, future, alone))
        return future

    async def call(self, run: Callable[[sqlite3.Connection], Any]) -> Any:
        future = self._loop.create_future()
        self._put(Call(run, future))
        return await future

    async def close(self) -> None:
        if not self._open:
            return
        self._open = False
        self._queue.put(_STOP)
        await asyncio.shield(self._stopped)

    def _put(self, item: Any) -> None:
        if not self._open:
            raise WriterClosed("the database is not open")
        self._queue.put(item)

    def _answer(self, future: asyncio.Future, value: Any = None,
                error: BaseException | None = None) -> None:
        self._loop.call_soon_threadsafe(settle, future, value, error)

    # -- on the writer's thread

    def _events_appended(self) -> None:
        self._job_events = True

    def _run(self) -> None:
        failure: BaseException | None = None
        try:
            self._conn = self._connect()
            self._tx = self._make_transaction(self._conn, self._events_appended)
        except BaseException as exc:  # reported to every caller, starting with start()
            failure = exc
        carry = None
        while True:
            item = carry if carry is not None else self._queue.get()
            carry = None
            if item is _STOP:
                break
            if failure is not None:
                self._answer(item.future, error=failure)
            elif isinstance(item, Job):
                batch = [item]
                while not item.alone and len(batch) < MAX_BATCH:
                    try:
                        following = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if not isinstance(following, Job) or following.alone:
                        carry = following
                        break
                    batch.append(following)
                self._commit_group(batch)
            else:
                self._call(item)
        self._drain()

    def _drain(self) -> None:
        closed = WriterClosed("the database was closed")
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                self._answer(item.future, error=closed)
        if self._conn is not None:
            self._conn.close()
        self._loop.call_soon_threadsafe(settle, self._stopped, None, None)

    def _call(self, call: Call) -> None:
        try:
            value = call.run(self._conn)
        except BaseException as exc:  # the thread must outlive any job
            self._answer(call.future, error=exc)
        else:
            self._answer(call.future, value)

    def _commit_group(self, jobs: list[Job]) -> None:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except Exception as exc:
            for job in jobs:
                self._answer(job.future, error=exc)
            return
        alone = len(jobs) == 1  # no savepoint needed: a failure rolls back everything
        done: list[tuple[Job, Any, BaseException | None]] = []
        events = False
        for index, job in enumerate(jobs):
            self._job_events = False
            try:
                if not alone:
                    conn.execute("SAVEPOINT job")
                value = run_to_end(job.run(self._tx))
                if not conn.in_transaction:  # ended under the job, which went on regardless
                    raise DatabaseError("the transaction was rolled back under this write")
                if not alone:
                    conn.execute("RELEASE job")
            except BaseException as exc:  # the thread must outlive any job
                done.append((job, None, exc))
                if not conn.in_transaction:
                    # SQLite rolled the whole transaction back (disk full, I/O error): the
                    # jobs that had succeeded lost their work; they run again, without this one.
                    again = [j for j, _, error in done if error is None] + jobs[index + 1:]
                    self._answer(job.future, error=exc)
                    if again:
                        self._commit_group(again)
                    return
                if not alone:
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
            else:
                done.append((job, value, None))
                events = events or self._job_events
        kept = any(error is None for _, _, error in done)
        try:
            if kept:
                conn.commit()
            else:
                conn.rollback()
        except Exception as exc:
            if conn.in_transaction:
                conn.rollback()
            kept, events = False, False
            done = [(job, None, error or exc) for job, _, error in done]
        self._loop.call_soon_threadsafe(
            self._finish_group, [(job.future, value, error) for job, value, error in done],
            kept, events)

    def _finish_group(self, done: list, kept: bool, events: bool) -> None:
        # On the loop: the database's counters first, then the callers, who may read them.
        self._on_group(kept, events)
        for future, value, error in done:
            settle(future, value, error)
