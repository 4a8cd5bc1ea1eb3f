"""A fan-out survives SIGKILL: `thc-node serve` (workers autostarted) delivers one activity to
200 inboxes on local sink servers, is killed mid-way, restarted; every inbox gets the activity,
and the only repeats are deliveries that were in flight at the kill (at most the concurrency
bound). The followers are written into the node's SQLite tables before it starts."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from federation import delivery
from node import services
from node.clock import SystemClock
from node.model import DebateStatus, NewDebate, Operator
from storage.db import Database
from storage.repos.follows import FollowRepo
from storage.repos.remote import RemoteActor, RemoteRepo

HOSTS = 20
INBOXES_PER_HOST = 10  # 200 inboxes, personal ones: one delivery each
CONCURRENCY = 8
SINK_DELAY = 0.1  # seconds before each answer: 80 deliveries/s, a kill lands mid-way
KILL_AFTER = 60  # deliveries received


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sinks:
    def __init__(self):
        self.received: list[tuple[str, str]] = []  # (inbox URL, activity id)
        self.runners: list[web.AppRunner] = []
        self.ports: list[int] = []

    async def inbox(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        await asyncio.sleep(SINK_DELAY)
        self.received.append((f"http://{request.host}{request.path}", body["id"]))
        return web.Response(status=202)

    async def start(self, count: int) -> None:
        app = web.Application()
        app.router.add_post("/users/{user}/inbox", self.inbox)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=False)
        await runner.setup()
        self.runners.append(runner)
        for _ in range(count):
            port = _free_port()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            self.ports.append(port)

    async def stop(self) -> None:
        for runner in self.runners:
            await runner.cleanup()

    def inboxes(self) -> list[str]:
        return [f"http://127.0.0.1:{port}/users/u{i}/inbox"
                for port in self.ports for i in range(INBOXES_PER_HOST)]


def _write_config(directory: Path, port: int) -> Path:
    path = directory / "config.toml"
    path.write_text(
        f'[node]\nbase_url = "http://127.0.0.1:{port}"\nname = "Kill"\n\n'
        f'[server]\nhost = "127.0.0.1"\nport = {port}\naccess_log = false\n\n'
        f'[storage]\ndata_dir = "{directory}"\n\n'
        f"[federation]\nallow_private_addresses = true\ndelivery_concurrency = {CONCURRENCY}\n"
        "delivery_per_host = 2\nfetch_timeout_seconds = 5.0\n\n"
        "[workers]\nautostart = true\npoll_seconds = 0.05\n",
        "utf-8")
    return path


async def _prepare(database: Path, inboxes: list[str]) -> None:
    """An open debate followed by one remote actor per inbox, then closed: one event whose
    fan-out is an Update(Group) to 200 inboxes."""
    clock = SystemClock()
    db = await Database(database).open()
    try:
        async with db.transaction() as tx:
            await services.create_debate(tx, clock, Operator(), NewDebate("eau", "L'eau", ""))
            await services.change_debate_status(tx, clock, Operator(), "eau", DebateStatus.OPEN)
            accepted = clock.now() + timedelta(milliseconds=1)
            for inbox in inboxes:
                actor = inbox.removesuffix("/inbox")
                await RemoteRepo(tx.conn).upsert_actor(RemoteActor(
                    ap_id=actor, type="Person", host=actor.split("/")[2], inbox=inbox,
                    shared_inbox=None, preferred_username=None, name=None, public_key_id=None,
                    public_key_pem=None, fetched_at=accepted))
                await FollowRepo(tx.conn).put_follower("debate:1", actor, actor + "#follow",
                                                       "accepted", accepted)
        await asyncio.sleep(0.01)  # the event comes after every follower was accepted
        async with db.transaction() as tx:
            await services.change_debate_status(tx, clock, Operator(), "eau",
                                                DebateStatus.CLOSED)
    finally:
        await db.close()


def _serve(config: Path, log: Path) -> subprocess.Popen:
    thc = Path(sys.executable).parent / "thc-node"
    with open(log, "ab") as out:
        return subprocess.Popen([str(thc), "--config", str(config), "serve"],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


async def _until(predicate, timeout: float, process: subprocess.Popen, log: Path) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            if process.poll() is not None:
                raise AssertionError(f"the node exited:\n{log.read_text()[-3000:]}")
            await asyncio.sleep(0.01)


def _query(database: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def test_sigkill_mid_fan_out_loses_nothing_and_repeats_only_what_was_in_flight(tmp_path):
    # Given 200 follower inboxes on 20 sink hosts and a node whose debate just closed
    sinks = Sinks()
    await sinks.start(HOSTS)
    port = _free_port()
    config, log, database = (_write_config(tmp_path, port), tmp_path / "node.log",
                             tmp_path / "thc-node.sqlite3")
    await _prepare(database, sinks.inboxes())
    node = _serve(config, log)
    try:
        # When the node has delivered part of the fan-out, it is killed with SIGKILL
        await _until(lambda: len(sinks.received) >= KILL_AFTER, 20, node, log)
        os.kill(node.pid, signal.SIGKILL)
        node.wait(timeout=10)
        in_flight = {row[0] for row in _query(
            database, "SELECT inbox FROM deliveries WHERE state = 'pending'"
                      " AND locked_until IS NOT NULL")}
        delivered_at_kill = _query(
            database, "SELECT count(*) FROM deliveries WHERE state = 'delivered'")[0][0]
        assert 0 < delivered_at_kill < 200, "the kill must land mid-way"
        # And restarted
        node = _serve(config, log)
        await _until(lambda: len({inbox for inbox, _ in sinks.received}) == 200, 20, node, log)
        await _until(lambda: _query(database, "SELECT count(*) FROM deliveries"
                                              " WHERE state = 'delivered'")[0][0] == 200,
                     10, node, log)
    finally:
        if node.poll() is None:
            node.send_signal(signal.SIGTERM)
            node.wait(timeout=15)
        await sinks.stop()
    # Then the event was fanned out once: one activity, one delivery per inbox
    [(activity_id, kind)] = _query(database, "SELECT ap_id, type FROM outbox_activities")
    assert kind == "Update"
    assert _query(database, "SELECT count(*) FROM deliveries")[0][0] == 200
    # And every inbox got that activity
    counts = Counter(inbox for inbox, _ in sinks.received)
    assert set(counts) == set(sinks.inboxes())
    assert {received for _, received in sinks.received} == {activity_id}
    # And the only repeats are deliveries in flight at the kill (leased: being attempted, or
    # claimed ahead and not yet sent), no more than the pool's bound on attempts: the slots,
    # plus the lane of attempts stalled on dead hosts (empty here: sinks answer in 0.1 s)
    repeated = {inbox for inbox, n in counts.items() if n > 1}
    assert repeated <= in_flight, (repeated - in_flight, in_flight)
    bound = CONCURRENCY * (1 + delivery.STALLED_PER_SLOT)
    assert len(repeated) <= bound and max(counts.values()) <= 2, (repeated, counts)
    assert len(in_flight) <= CONCURRENCY + bound  # a pool's worth is claimed ahead, at most
