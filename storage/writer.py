"""The writer: one thread owning the database's one writing sqlite3 connection.

Every write is a job queued to this thread. Jobs queued together share one transaction
(group commit): BEGIN IMMEDIATE, each job inside its own SAVEPOINT (a job that raises is
rolled back alone and its caller gets the exception), one COMMIT; each caller is answered only
once its job is durable. The connection is created on this thread and sqlite3 checks that no
other thread uses it. A wait for another process's lock (busy_timeout: the CLI, a backup)
blocks this thread, never the event loop.

Two kinds of queued work:
- a job, `job(tx)`: plain code run on this thread, batched with its neighbours. It may be an
  async function over the repositories (`tx.votes.put(...)`): their statements complete at
  once here (storage/inline.py), so the coroutine is driven to its end without a loop; one
  that waits on anything else is refused.
- a lent transaction (Database.transaction()): the async body runs on the loop and sends each
  statement here, one thread round trip per statement; it has a transaction of its own,
  since a body that already ran cannot be run again if its group had to be.

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
    __slots__ = ("run", "future")

    def __init__(self, run: Callable[[Any], Any], future: asyncio.Future):
        self.run = run
        self.future = future


class Call:
    """Work on the connection outside any transaction (opening, migrations)."""

    __slots__ = ("run", "future")

    def __init__(self, run: Callable[[sqlite3.Connection], Any], future: asyncio.Future):
        self.run = run
        self.future = future


class Lend:
    """A transaction whose statements come one by one from the loop (Database.transaction)."""

    __slots__ = ("requests", "begun", "events")

    def __init__(self, begun: asyncio.Future):
        self.requests: queue.SimpleQueue = queue.SimpleQueue()
        self.begun = begun
        self.events = False  # set on the loop when the body appends an event

    def event_appended(self) -> None:
        self.events = True


COMMIT, ROLLBACK = "commit", "rollback"
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


def _settle(future: asyncio.Future, value: Any, error: BaseException | None) -> None:
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

    async def submit(self, run: Callable[[Any], Any]) -> Any:
        future = self._loop.create_future()
        self._put(Job(run, future))
        return await future

    async def call(self, run: Callable[[sqlite3.Connection], Any]) -> Any:
        future = self._loop.create_future()
        self._put(Call(run, future))
        return await future

    def lend(self) -> Lend:
        lend = Lend(self._loop.create_future())
        self._put(lend)
        return lend

    def request(self, lend: Lend, kind: Any) -> asyncio.Future:
        """Queue a statement (a function of the connection), COMMIT or ROLLBACK on `lend`."""
        future = self._loop.create_future()
        lend.requests.put((kind, future))
        return future

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
        self._loop.call_soon_threadsafe(_settle, future, value, error)

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
                self._answer(item.begun if isinstance(item, Lend) else item.future, error=failure)
            elif isinstance(item, Job):
                batch = [item]
                while len(batch) < MAX_BATCH:
                    try:
                        following = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if not isinstance(following, Job):
                        carry = following
                        break
                    batch.append(following)
                self._commit_group(batch)
            elif isinstance(item, Lend):
                self._serve(item)
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
                self._answer(item.begun if isinstance(item, Lend) else item.future, error=closed)
        if self._conn is not None:
            self._conn.close()
        self._loop.call_soon_threadsafe(_settle, self._stopped, None, None)

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
            _settle(future, value, error)

    def _serve(self, lend: Lend) -> None:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except Exception as exc:
            self._answer(lend.begun, error=exc)
            began = False
        else:
            self._answer(lend.begun)
            began = True
        while True:  # the loop side always ends with COMMIT or ROLLBACK, even when cancelled
            kind, future = lend.requests.get()
            if kind == COMMIT or kind == ROLLBACK:
                try:
                    if began and kind == COMMIT:
                        if not conn.in_transaction:  # SQLite rolled it back under a statement
                            raise sqlite3.OperationalError("the transaction was rolled back")
                        conn.commit()
                    elif conn.in_transaction:
                        conn.rollback()
                except Exception as exc:
                    if conn.in_transaction:
                        conn.rollback()
                    self._answer(future, error=exc)
                else:
                    committed = began and kind == COMMIT
                    self._loop.call_soon_threadsafe(
                        self._finish_group, [(future, None, None)], committed,
                        committed and lend.events)
                return
            try:
                value = kind(conn)
            except BaseException as exc:  # the thread must outlive any job
                self._answer(future, error=exc)
            else:
                self._answer(future, value)
