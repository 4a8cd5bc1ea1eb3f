"""The delivery pool running continuously against sink inboxes on their own fake hosts: its
bounds (overall and per host) hold, live hosts never wait for black-holed ones, and a new pool
takes back what a dead process left in flight."""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from federation import delivery, outbox
from storage.repos.outbox import OutboxRepo, claim_due_now
from tests.federation.harness import make_fed_node  # noqa: F401


class Sinks:
    """One server answering for many fake hosts; records activity ids and concurrency."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.received: list[tuple[str, str]] = []  # (host, path)
        self.signatures: list[str] = []
        self.answered: list[float] = []  # time.monotonic() of each answer
        self.current: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.overall = self.peak_overall = 0

    async def inbox(self, request: web.Request) -> web.Response:
        host = request.host
        self.current[host] += 1
        self.overall += 1
        self.peak[host] = max(self.peak[host], self.current[host])
        self.peak_overall = max(self.peak_overall, self.overall)
        try:
            await request.read()
            await asyncio.sleep(self.delay)
            self.received.append((host, request.path))
            self.signatures.append(request.headers.get("Signature", ""))
            self.answered.append(time.monotonic())
            return web.Response(status=202)
        finally:
            self.current[host] -= 1
            self.overall -= 1


@pytest.fixture
async def sinks(fake_dns):
    created: list[TestServer] = []

    async def start(hosts: list[str], delay: float = 0.0) -> Sinks:
        sink = Sinks(delay)
        app = web.Application()
        app.router.add_post("/{tail:.*}", sink.inbox)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        created.append(server)
        for host in hosts:
            fake_dns.register(host, server.port)
        return sink

    yield start
    for server in created:
        await server.close()


@pytest.fixture
async def black_hole(fake_dns):
    """Hosts that accept the TCP connection, read, and never answer."""
    writers = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        while await reader.read(65536):
            pass

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    def register(hosts: list[str]) -> None:
        for host in hosts:
            fake_dns.register(host, port)

    yield register
    for writer in writers:
        writer.close()
    server.close()


async def _queue(node, inboxes: list[str]) -> None:
    fed = node.fed
    activity = {"@context": "https://www.w3.org/ns/activitystreams",
                "id": fed.uris.new_activity_uri(), "type": "Announce",
                "actor": fed.uris.node_actor_uri(), "object": fed.uris.node_actor_uri()}
    async with fed.db.transaction() as tx:
        await outbox.enqueue(fed.deps, tx.conn, activity=activity, actor=fed.local.node(),
                             inboxes=inboxes)


async def _states(node) -> Counter[str]:
    return Counter(d.state for d in await OutboxRepo(node.db.read().conn).list_deliveries())


async def _until(predicate, timeout: float) -> float:
    """Wait until `predicate()` holds; return the seconds it took."""
    started = time.monotonic()
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.01)
    return time.monotonic() - started


async def test_pool_keeps_its_bounds_overall_and_per_host(make_fed_node, sinks):
    # Given 12 inboxes on one host and one inbox on each of 12 others, answering in 50 ms
    alpha = await make_fed_node("alpha", delivery_concurrency=4, delivery_per_host=2)
    hosts = [f"s{i}.test" for i in range(13)]
    sink = await sinks(hosts, delay=0.05)
    await _queue(alpha, [f"http://s0.test/users/u{i}/inbox" for i in range(12)]
                 + [f"http://{h}/inbox" for h in hosts[1:]])
    # When the pool runs continuously until everything is delivered
    await _deliver_all(alpha, 24, timeout=10)
    # Then every inbox got it once, never more than 4 at a time, never more than 2 per host
    assert len(sink.received) == len(set(sink.received)) == 24
    assert sink.peak_overall == 4
    assert max(sink.peak.values()) == 2 and sink.peak["s0.test"] == 2


async def test_deliveries_waiting_for_a_slot_are_signed_ahead(make_fed_node, sinks):
    # Given 8 inboxes answering in 100 ms and a pool of 2 slots
    alpha = await make_fed_node("alpha", delivery_concurrency=2, delivery_per_host=1)
    hosts = [f"s{i}.test" for i in range(8)]
    sink = await sinks(hosts, delay=0.1)
    signed: list[tuple[float, str]] = []  # (when, Signature header)
    fetcher = alpha.fed.fetcher
    original = fetcher.signer

    async def signer(*args):
        headers = await original(*args)
        signed.append((time.monotonic(), headers["Signature"]))
        return headers

    fetcher.signer = signer
    await _queue(alpha, [f"http://{h}/inbox" for h in hosts])
    # When the pool runs until everything is delivered
    await _deliver_all(alpha, 8, timeout=10)
    # Then each delivery was signed once, and sent with that signature
    assert sorted(s for _, s in signed) == sorted(sink.signatures) and len(set(sink.signatures)) == 8
    # and the ones waiting for a slot were signed while the first two were still in flight
    assert sum(when < min(sink.answered) for when, _ in signed) >= 3
    assert sink.peak_overall == 2  # signing ahead sends nothing: the bound holds


async def _deliver_all(node, count: int, *, timeout: float) -> None:
    """Run the pool continuously until `count` deliveries are delivered."""
    pool = asyncio.create_task(node.fed.pool.run_forever(0.05))
    try:
        await _until(lambda: _delivered(node, count), timeout=timeout)
    finally:
        pool.cancel()
        await asyncio.gather(pool, return_exceptions=True)


async def _delivered(node, count: int) -> bool:
    return (await _states(node))["delivered"] == count


async def test_live_hosts_never_wait_for_black_holed_ones(make_fed_node, sinks, black_hole,
                                                          monkeypatch):
    # Given two slots, a 5 s timeout, 4 black-holed hosts queued first and 10 live ones after
    monkeypatch.setattr(delivery, "STALL_AFTER_MAX_SECONDS", 0.2)
    alpha = await make_fed_node("alpha", delivery_concurrency=2, delivery_per_host=1,
                                fetch_timeout_seconds=5.0)
    dead = [f"dead{i}.test" for i in range(4)]
    live = [f"live{i}.test" for i in range(10)]
    black_hole(dead)
    sink = await sinks(live)
    await _queue(alpha, [f"http://{h}/inbox" for h in dead + live])
    # When the pool runs
    pool = asyncio.create_task(alpha.fed.pool.run_forever(0.05))
    try:
        await _until(lambda: _delivered(alpha, 10), timeout=4.5)
        # Then every live host got it before any dead host's attempt ended (its timeout, 5 s):
        # the stalled attempts moved out of the two slots instead of holding them
        deliveries = await OutboxRepo(alpha.db.read().conn).list_deliveries()
        assert not [d for d in deliveries if d.attempts > 1 or d.last_error is not None]
        assert sorted(h for h, _ in sink.received) == sorted(live)
        # (a dead attempt started last moves out once its own stall timer fires: ≤ 0.2 s)
        pool_ = alpha.fed.pool
        await _until(lambda: _true(pool_.stalled == 4 and pool_.active == 0), timeout=1.0)
    finally:
        pool.cancel()
        await asyncio.gather(pool, return_exceptions=True)
    # And the dead ones are still pending, leased: a restart takes them back
    assert (await _states(alpha))["pending"] == 4


async def test_a_new_pool_takes_back_deliveries_a_dead_process_left_in_flight(
        make_fed_node, sinks):
    # Given two deliveries claimed by a process that died (leased for the next 10 minutes)
    alpha = await make_fed_node("alpha")
    sink = await sinks(["s0.test", "s1.test"])
    await _queue(alpha, ["http://s0.test/inbox", "http://s1.test/inbox"])
    now = alpha.clock.now()
    assert len(await alpha.db.write(
        lambda tx: claim_due_now(tx.sqlite, now, now + timedelta(minutes=10), 5))) == 2
    # When a pool starts
    await _deliver_all(alpha, 2, timeout=5)
    # Then it delivered them at once, their first claim counted as an attempt
    assert len(sink.received) == 2
    assert [d.attempts for d in await OutboxRepo(alpha.db.read().conn).list_deliveries()] \
        == [2, 2]


async def test_a_host_that_stalled_starts_its_next_attempts_in_the_stalled_lane(
        make_fed_node, sinks, black_hole, monkeypatch):
    # Given one slot, and a black-holed host whose first attempt has stalled
    monkeypatch.setattr(delivery, "STALL_AFTER_MAX_SECONDS", 0.2)
    alpha = await make_fed_node("alpha", delivery_concurrency=1, delivery_per_host=2,
                                fetch_timeout_seconds=5.0)
    black_hole(["dead.test"])
    sink = await sinks(["live.test"])
    pool = alpha.fed.pool
    task = asyncio.create_task(pool.run_forever(0.05))
    try:
        await _queue(alpha, ["http://dead.test/inbox"])
        pool.wake()
        await _until(lambda: _true(pool.stalled == 1), timeout=2)
        # When a new activity goes to the dead host (another inbox on it) and to a live one,
        # with a stall timer now far longer than the wait below
        monkeypatch.setattr(delivery, "STALL_AFTER_MAX_SECONDS", 60.0)
        await _queue(alpha, ["http://dead.test/users/x/inbox", "http://live.test/inbox"])
        pool.wake()
        await _until(lambda: _delivered(alpha, 1), timeout=2)
        # Then the dead host's second attempt never took the slot: it went straight to the
        # stalled lane (deferred until the live work is done, at most SUSPECT_DEFER_SECONDS),
        # the live host was served at once
        await _until(lambda: _true(pool.stalled == 2 and pool.active == 0),
                     timeout=delivery.SUSPECT_DEFER_SECONDS + 1)
        assert pool.stalled == 2 and pool.active == 0
        assert [h for h, _ in sink.received] == ["live.test"]
        # And an answer from a presumed-dead host clears the presumption
        pool.suspect("live.test")
        await _queue(alpha, ["http://live.test/users/y/inbox"])
        pool.wake()
        await _until(lambda: _delivered(alpha, 2), timeout=delivery.SUSPECT_DEFER_SECONDS + 2)
        assert pool.is_suspect("dead.test") and not pool.is_suspect("live.test")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _true(value: bool) -> bool:
    return value


class _Monotonic:
    """The pool's monotonic clock, moved by the test."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_presumed_dead_host_waits_for_the_live_ones_within_a_bound(
        make_fed_node, sinks, black_hole, monkeypatch):
    # Given one slot, live hosts answering in 50 ms, and a host already presumed dead
    alpha = await make_fed_node("alpha", delivery_concurrency=1, delivery_per_host=2,
                                fetch_timeout_seconds=5.0)
    black_hole(["dead.test"])
    live = [f"live{i}.test" for i in range(4)]
    sink = await sinks(live, delay=0.05)
    pool = alpha.fed.pool
    pool.suspect("dead.test")
    # When an activity goes to the dead host first, then to the live ones
    await _queue(alpha, ["http://dead.test/inbox"] + [f"http://{h}/inbox" for h in live])
    task = asyncio.create_task(pool.run_forever(0.02))
    try:
        await _until(lambda: _true(pool.stalled == 1), timeout=3)
        # Then its attempt started only once every live host was served, in the stalled lane
        assert sorted(h for h, _ in sink.received) == live
        assert pool.active == 0
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    # And with live work that never ends in time, it still starts after the bound
    beta = await make_fed_node("beta", delivery_concurrency=1, delivery_per_host=2,
                               fetch_timeout_seconds=5.0)
    slow = await sinks(["slow.test"], delay=2.0)
    pool = beta.fed.pool
    clock = _Monotonic()
    pool.monotonic = clock
    pool.suspect("dead.test")
    await _queue(beta, ["http://slow.test/inbox", "http://dead.test/inbox"])
    task = asyncio.create_task(pool.run_forever(0.02))
    try:
        await _until(lambda: _true(pool.active == 1), timeout=1.5)
        assert pool.stalled == 0  # the live attempt runs; the bound has not passed
        clock.now += delivery.SUSPECT_DEFER_SECONDS
        pool.wake()
        await _until(lambda: _true(pool.stalled == 1), timeout=1.5)
        assert pool.active == 1 and not slow.received
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
