"""Delivery pool: claim due deliveries under a lease, sign at each attempt, POST, classify,
record, reschedule. Scheduling is continuous: a delivery starts as soon as a slot frees, so a
live host never waits for a batch that also holds dead ones. Signing happens per attempt
because a signature carries its Date and expires (Lemmy does the same); the next deliveries
waiting for a slot are signed ahead (one pool's worth, used within
fetch.SIGNED_AHEAD_MAX_SECONDS), so that a freed slot sends at once: signing in a thread then
overlaps the slots' network waits instead of adding to each (signing is a third of a
delivery's time on a 500-host fan-out).

Bounds: at most `delivery_concurrency` deliveries are being attempted, and at most
`delivery_per_host` are in flight to any one host. An attempt still unanswered well after
inboxes usually answer (a black-holed host: it took the connection and never answers) moves to
a lane of its own, bounded at STALLED_PER_SLOT × `delivery_concurrency`, and frees its slot:
dead hosts wait out their own timeouts there instead of starving the live ones. "Well after" is
STALL_FACTOR × the median answer time of recent attempts, between STALL_AFTER_MIN_SECONDS and
STALL_AFTER_MAX_SECONDS. A host that stalled is presumed dead for SUSPECT_SECONDS (until it
answers): its next attempts start in that lane directly, holding no slot at all, once the live
work is done (SUSPECT_DEFER_SECONDS at most). Every attempt has its own total timeout
(`fetch_timeout_seconds`). Stall and suspect times are read on the pool's injected monotonic
clock.

Crash safety: a claimed row carries `locked_until`; it is finished or rescheduled in one
transaction after the attempt. A crash therefore loses nothing: the rows leased at that moment
are attempted again. Of those, only the ones being attempted — at most `delivery_concurrency`
plus the stalled lane — may already have reached their peer and reach it twice (receivers,
ours included, dedupe by activity id); the others were claimed ahead (up to one pool's worth,
so that claims are batched) and had not been sent. Outcomes are written by group commit: the
attempts that end while one transaction is being written share the next one.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from node.ports import Clock
from storage.db import Database
from storage.group_commit import GroupCommit
from storage.repos.outbox import (
    AttemptRecord,
    Delivery,
    OutboxActivity,
    OutboxRepo,
    claim_due_now,
    record_attempts_now,
)
from storage.repos.remote import mark_gone_by_inboxes_now

from . import retry
from .fetch import Fetcher, FetchError, Identity, SignedPost
from .retry import Outcome, RetrySettings
from .uris import Uris

log = logging.getLogger(__name__)

# A live inbox answers in milliseconds; Mastodon verifies a signature before answering, which
# can take a key fetch (a second or so). Past several times the usual answer time an attempt is
# probably waiting on a dead host. Bounded both ways: a burst of fast answers must not make a
# merely slow peer look dead, and nothing waits in a slot longer than the maximum.
STALL_FACTOR = 4.0
STALL_AFTER_MIN_SECONDS = 0.05
STALL_AFTER_MAX_SECONDS = 2.0
LATENCY_SAMPLES = 64  # recent answer times kept for the median
# How many stalled attempts each slot may leave behind: 4 × 16 by default, enough for the dead
# tenth of a 500-host fan-out while sockets and memory stay bounded.
STALLED_PER_SLOT = 4
# A host whose last attempt stalled (answered nothing in time) is presumed dead for a while:
# its next attempts start in the stalled lane at once instead of holding a slot until the
# timer moves them (a 500-host fan-out with 50 dead hosts otherwise lends each of them a slot
# for STALL_FACTOR × the usual answer time). Any answer from it clears the presumption; the
# table is bounded (hosts are remote input).
SUSPECT_SECONDS = 600.0
SUSPECTS_MAX = 10_000
# A presumed-dead host's attempt also waits until the pool has no live work (nothing left to
# claim, no live attempt in flight), so that its signing and sending never delay a live host's
# delivery; never longer than this, so that a busy pool still tries every host.
SUSPECT_DEFER_SECONDS = 5.0
# The lease outlives one attempt (bounded by fetch_timeout_seconds, both knocks included) and
# the write of its outcome; a pool that died leaves rows claimable after it.
LEASE_MARGIN_SECONDS = 60.0


def lease_for(fetch_timeout_seconds: float) -> timedelta:
    return timedelta(seconds=fetch_timeout_seconds + LEASE_MARGIN_SECONDS)


@dataclass(slots=True)
class _Lane:
    stalled: bool = False


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one attempt of one delivery came to, waiting to be recorded."""

    delivery: Delivery
    activity_ap_id: str
    outcome: Outcome
    status: int | None
    error: str | None
    retry_after: str | None


class PoolSettings(RetrySettings, Protocol):
    """What the pool reads of the `[federation]` settings."""

    delivery_concurrency: int
    delivery_per_host: int
    fetch_timeout_seconds: float


class DeliveryPool:
    def __init__(self, *, db: Database, fetcher: Fetcher, uris: Uris, settings: PoolSettings,
                 clock: Clock, rng: random.Random,
                 monotonic: Callable[[], float] = time.monotonic):
        self.db = db
        self.fetcher = fetcher
        self.uris = uris
        self.settings = settings
        self.clock = clock
        self.rng = rng
        # Stall and suspect timers read this clock: tests move it instead of waiting.
        self.monotonic = monotonic
        self.capacity = settings.delivery_concurrency
        self.per_host = settings.delivery_per_host
        self.stalled_max = STALLED_PER_SLOT * self.capacity
        self.active = 0  # attempts counted against `capacity`
        self.stalled = 0  # attempts moved to the stalled lane
        self.hosts: Counter[str] = Counter()  # claimed per host: both lanes and the ready queue
        # Claimed ahead, waiting for a slot: one claim per pool's worth of attempts, not per
        # attempt. Leased like the others; never sent yet, so never a repeat after a crash.
        self._ready: deque[tuple[Delivery, OutboxActivity]] = deque()
        # Claimed for presumed-dead hosts, waiting for the live work to be done: (start by, …).
        self._later: deque[tuple[float, Delivery, OutboxActivity]] = deque()
        self._latencies: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        # Signatures made ahead for the next ready deliveries (delivery id -> task), at most
        # one pool's worth: signing (a thread's CPU) runs while the slots wait on the network,
        # and a slot that frees starts sending at once instead of queueing for a signer.
        self._signed: dict[int, asyncio.Task[SignedPost]] = {}
        self._suspects: OrderedDict[str, float] = OrderedDict()  # host → presumed dead until
        self._tasks: set[asyncio.Task] = set()
        self._wake = asyncio.Event()
        # Outcomes by group commit: the attempts that end while one transaction is being
        # written share the next one.
        # In one call on the writer's thread: an outcome is an UPDATE by primary key, decided
        # on the loop, and each attempt holds its slot until its outcome is committed (the
        # kill test's bound on repeats): three thread hops there held each slot ~8 ms.
        self._recorder: GroupCommit[Decided, None] = GroupCommit(
            db, write_now=lambda conn, decided: _write_decided(conn, decided, clock.now()))

    def wake(self) -> None:
        """New deliveries may be due (or a slot freed): claim now rather than at the next poll."""
        self._wake.set()

    @property
    def in_flight(self) -> int:
        return self.active + self.stalled

    def stall_after(self) -> float:
        """Seconds after which an unanswered attempt leaves its slot (see the module doc)."""
        if not self._latencies:
            return STALL_AFTER_MAX_SECONDS
        usual = sorted(self._latencies)[len(self._latencies) // 2]
        return min(STALL_AFTER_MAX_SECONDS, max(STALL_AFTER_MIN_SECONDS, STALL_FACTOR * usual))

    # -- driving

    async def run_once(self) -> int:
        """Claim what fits now, attempt it, wait for every attempt to be recorded."""
        self._ready.extend(await self._claim(self.capacity - self.active))
        started = self._start_ready(idle=True, wait_live=False)
        if started:
            await asyncio.gather(*started, return_exceptions=True)
        return len(started)

    async def run_forever(self, poll_seconds: float) -> None:
        """Keep the pool full; wake on a freed slot, on new work, or every `poll_seconds`."""
        async with self.db.transaction() as tx:
            released = await OutboxRepo(tx.conn).release_leases()
        if released:
            # The process that held these leases is gone (one pool per database): these are
            # the deliveries that were in flight when it stopped.
            log.info("taking back %d deliveries left in flight by an earlier run", released)
        try:
            while True:
                self._wake.clear()
                self._start_ready()
                free = self.capacity - self.active
                if free > 0:  # and nothing is ready: claim these slots' worth and one more pool
                    wanted, claimed = free + self.capacity, None
                    try:
                        claimed = await self._claim(wanted)
                        self._ready.extend(claimed)
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        log.exception("claiming deliveries failed")  # loop boundary
                    # Nothing more is due: the presumed-dead hosts' turn once the live are done.
                    self._start_ready(idle=claimed is not None and len(claimed) < wanted)
                await wait_or_timeout(self._wake, poll_seconds)
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop every attempt; their rows stay leased and are taken back at the next start."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._recorder.close()
        for delivery, _ in self._ready:
            self._forget_host(delivery.host)
        self._ready.clear()
        for _, delivery, _ in self._later:
            self._forget_host(delivery.host)
        self._later.clear()
        signing = list(self._signed.values())
        self._signed.clear()
        for task in signing:
            task.cancel()
        await asyncio.gather(*signing, return_exceptions=True)

    # -- claiming

    async def _claim(self, count: int) -> list[tuple[Delivery, OutboxActivity]]:
        """Lease up to `count` due deliveries, no host beyond its bound; count their hosts."""
        if count <= 0:
            return []
        now = self.clock.now()
        busy, lease_until = dict(self.hosts), now + lease_for(self.settings.fetch_timeout_seconds)
        claimed = await self.db.write(lambda tx: claim_due_now(
            tx.sqlite, now, lease_until, count, per_host=self.per_host, busy=busy))
        if not claimed:
            return []
        # Counted at once (no await since the claim), so that a concurrent claim sees them.
        for delivery in claimed:
            self.hosts[delivery.host] += 1
        try:
            activities = await OutboxRepo(self.db.read().conn).get_activities(
                sorted({d.activity_id for d in claimed}))
        except BaseException:
            for delivery in claimed:
                self._forget_host(delivery.host)
            raise
        return [(d, activities[d.activity_id]) for d in claimed]

    def _start_ready(self, *, idle: bool = False, wait_live: bool = True) -> list[asyncio.Task]:
        """Start what the bounds allow. `idle`: nothing more is due now, so the presumed-dead
        hosts' attempts may start, once no live one is in flight (unless not `wait_live`)."""
        started = []
        now = self.monotonic()
        if any(self.is_suspect(delivery.host) for delivery, _ in self._ready):
            # Presumed dead: after the live ones (bounded wait), in the stalled lane. Set aside
            # even while every slot is taken: they will not need one.
            live = deque()
            for delivery, activity in self._ready:
                if self.is_suspect(delivery.host):
                    self._later.append((now + SUSPECT_DEFER_SECONDS, delivery, activity))
                else:
                    live.append((delivery, activity))
            self._ready = live
        while self._ready and self.active < self.capacity:
            delivery, activity = self._ready.popleft()
            self.active += 1
            started.append(self._start(delivery, activity))
        live_done = idle and not self._ready and (self.active == 0 or not wait_live)
        while self._later and (live_done or self._later[0][0] <= now):
            _, delivery, activity = self._later[0]
            if self.stalled < self.stalled_max:
                self.stalled += 1  # no slot: it would only hold one until its timeout
                started.append(self._start(delivery, activity, stalled=True))
            elif self.active < self.capacity:
                self.active += 1  # the stalled lane is full: a slot, as any attempt
                started.append(self._start(delivery, activity))
            else:
                break
            self._later.popleft()
        self._sign_ahead()
        return started

    def _sign_ahead(self) -> None:
        """Sign the next live deliveries waiting for a slot (see `_signed`)."""
        for delivery, activity in self._ready:
            if len(self._signed) >= self.capacity:
                return
            if delivery.id not in self._signed and not self.is_suspect(delivery.host):
                self._signed[delivery.id] = asyncio.create_task(self.fetcher.sign_post(
                    delivery.inbox, activity.body.encode(), sign_as=self._identity(activity)))

    def is_suspect(self, host: str) -> bool:
        """Whether `host` is presumed dead (it stalled, and has not answered since)."""
        until = self._suspects.get(host)
        if until is None:
            return False
        if until > self.monotonic():
            return True
        del self._suspects[host]
        return False

    def suspect(self, host: str) -> None:
        """Presume `host` dead for SUSPECT_SECONDS, or until it answers."""
        self._suspects[host] = self.monotonic() + SUSPECT_SECONDS
        self._suspects.move_to_end(host)
        while len(self._suspects) > SUSPECTS_MAX:
            self._suspects.popitem(last=False)

    def _start(self, delivery: Delivery, activity: OutboxActivity, *,
               stalled: bool = False) -> asyncio.Task:
        signed = self._signed.pop(delivery.id, None)
        task = asyncio.create_task(self._deliver(delivery, activity, signed, stalled=stalled),
                                   name=f"delivery-{delivery.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _release(self, delivery: Delivery, *, stalled: bool) -> None:
        if stalled:
            self.stalled -= 1
        else:
            self.active -= 1
        self._forget_host(delivery.host)
        self._wake.set()

    def _forget_host(self, host: str) -> None:
        self.hosts[host] -= 1
        if self.hosts[host] <= 0:
            del self.hosts[host]

    # -- one delivery

    async def _deliver(self, delivery: Delivery, activity: OutboxActivity,
                       signed: asyncio.Task[SignedPost] | None = None, *,
                       stalled: bool = False) -> None:
        """One delivery's task: attempt (moving to the stalled lane if it hangs), record."""
        lane = _Lane(stalled)
        started = self.monotonic()
        # No second task to watch the attempt: a timer moves it aside if it runs long.
        timer = asyncio.get_running_loop().call_later(self.stall_after(), self._stall, lane,
                                                      delivery.host)
        try:
            result = await self._attempt(delivery, activity, signed)
            timer.cancel()
            if result.status is not None:  # an answer, whatever it said
                self._latencies.append(self.monotonic() - started)
                self._suspects.pop(delivery.host, None)
            decided = decide(self.settings, self.rng, result, self.clock.now())
            await self._recorder.submit(decided)
            if decided.record.state != Outcome.DELIVERED.value:
                log.info("delivery of %s to %s: %s", activity.ap_id, delivery.inbox, decided.said)
        except Exception:
            # Loop boundary: the outcome could not be written; the row stays leased and is
            # attempted again once the lease ends.
            log.exception("recording delivery %s of %s to %s failed", delivery.id,
                          activity.ap_id, delivery.inbox)
        finally:
            timer.cancel()
            if signed is not None:
                _discard(signed)
            self._release(delivery, stalled=lane.stalled)

    def _stall(self, lane: "_Lane", host: str) -> None:
        """An attempt has waited too long: it leaves its slot to a live host, if there is room
        in the stalled lane (else it keeps the slot: the bound on attempts holds)."""
        self.suspect(host)
        if not lane.stalled and self.stalled < self.stalled_max:
            lane.stalled = True
            self.active -= 1
            self.stalled += 1
            self._wake.set()

    def _identity(self, activity: OutboxActivity) -> Identity:
        return Identity(activity.key_owner, self.uris.main_key_id(activity.actor))

    async def _attempt(self, delivery: Delivery, activity: OutboxActivity,
                       signed: asyncio.Task[SignedPost] | None = None) -> Attempt:
        status = retry_after = None
        try:
            posted = await self.fetcher.post(delivery.inbox, activity.body.encode(),
                                                 sign_as=self._identity(activity), signed=signed)
            status, retry_after = posted.status, posted.retry_after
            outcome = retry.classify_status(posted.status, delivery.attempts)
            error = None if outcome is Outcome.DELIVERED else f"HTTP {status}: {posted.excerpt}"
        except FetchError as exc:
            status, retry_after = exc.status, exc.retry_after
            outcome, error = retry.classify_error(exc.permanent), exc.reason
        except Exception as exc:
            # Loop boundary: record it on the row and go on with the others.
            log.exception("delivery %s of %s to %s failed", delivery.id, activity.ap_id,
                          delivery.inbox)
            outcome, error = Outcome.RETRY, f"internal error: {type(exc).__name__}"
        return Attempt(delivery, activity.ap_id, outcome, status, error, retry_after)


async def wait_or_timeout(event: asyncio.Event, seconds: float) -> None:
    """Until `event` is set or `seconds` have passed. asyncio.timeout, not wait_for: on 3.11
    wait_for can swallow a cancellation that arrives as the event is set, and the waiting
    loop then never stops (a test hung)."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        pass


def _discard(task: asyncio.Task) -> None:
    """A signature made ahead and not used (its attempt ended before): its outcome is read."""
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()


@dataclass(frozen=True, slots=True)
class Decided:
    """An attempt's outcome as it will be stored (retries and dead letters decided)."""

    record: AttemptRecord
    gone_inbox: str | None  # 404/410: the remote actors behind this inbox are gone
    said: str  # what it came to, for the log


def decide(settings: RetrySettings, rng: random.Random, attempt: Attempt,
           now: datetime) -> Decided:
    """Retry later (backoff, Retry-After), or finish: delivered, gone, or failed for good."""
    delivery, outcome, error = attempt.delivery, attempt.outcome, attempt.error
    if outcome is Outcome.RETRY:
        delay = retry.next_delay(
            delivery.attempts, settings, rng, elapsed=now - delivery.created_at,
            retry_after=retry.parse_retry_after(attempt.retry_after, now))
        if delay is not None:
            return Decided(AttemptRecord(delivery.id, attempt.status, error,
                                         next_attempt_at=now + delay), None, f"retry ({error})")
        # Dead letter: final, with the reason, for the operator to read.
        outcome = Outcome.FAILED
        error = f"gave up after {delivery.attempts} attempts: {error}"
    said = outcome.value if outcome is Outcome.DELIVERED else f"{outcome} ({error})"
    return Decided(AttemptRecord(delivery.id, attempt.status, error, state=outcome.value),
                   delivery.inbox if outcome is Outcome.GONE else None, said)


def _write_decided(conn, decided: list[Decided], at) -> list[None]:
    """Store outcomes in the caller's transaction (plain sqlite3, on the writer's thread)."""
    gone = [d.gone_inbox for d in decided if d.gone_inbox is not None]
    if gone:
        mark_gone_by_inboxes_now(conn, gone)
    record_attempts_now(conn, [d.record for d in decided], at)
    return [None] * len(decided)
