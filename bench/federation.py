"""Federation benchmarks (issue 4), each a ratio to a ceiling measured in the same run:

- signed inbox POSTs accepted per second, against `bench.inbox_reference` (verify the signature,
  commit one row): the same pre-signed requests, unique activity ids, loaded alternately;
- fan-out of one activity to N followers on H hosts through shared inboxes, timed from the
  domain event's commit to the last live inbox's receipt, against the time the raw signed-POST
  rate of the same run (`bench.rawpost`) allows for the same deliveries; then the same with a
  tenth of the hosts black-holed (they take the connection and never answer).

Every process listens on 127.0.0.1; sinks are `bench.sinks` (one process, one port per host).
"""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .loadgen import REPO, LoadResult, subprocess_env
from .servers import Server, _run, _spawn, free_port, thc_node_command, with_access_log_off

AS2 = "application/activity+json"
SINK_START_TIMEOUT_S = 60.0
FANOUT_TIMEOUT_S = 120.0


def _int_env(name: str, default: int, low: int, high: int, env=os.environ) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    value = int(raw)
    if not low <= value <= high:
        raise ValueError(f"{name}: expected {low} to {high}, got {raw}")
    return value


@dataclass(frozen=True)
class FedSettings:
    inbox_rounds: int = 7  # rounds alternate; a single pair spread 0.8-1.3 on a shared machine
    fanout_followers: int = 10_000
    fanout_hosts: int = 500
    fanout_rounds: int = 5  # medians of five: one round of a run swung 0.66-1.29 s
    fanout_dead_rounds: int = 5
    raw_seconds: float = 2.0
    fanout_warmup: bool = True  # one unmeasured fan-out first (first contact with every host)

    @classmethod
    def from_env(cls, env=os.environ) -> "FedSettings":
        raw = env.get("BENCH_RAW_SECONDS", "").strip()
        return cls(inbox_rounds=_int_env("BENCH_INBOX_ROUNDS", cls.inbox_rounds, 1, 50, env),
                   fanout_followers=_int_env("BENCH_FANOUT_FOLLOWERS", cls.fanout_followers,
                                             10, 200_000, env),
                   fanout_hosts=_int_env("BENCH_FANOUT_HOSTS", cls.fanout_hosts, 10, 2000, env),
                   fanout_rounds=_int_env("BENCH_FANOUT_ROUNDS", cls.fanout_rounds, 1, 20, env),
                   fanout_dead_rounds=_int_env("BENCH_FANOUT_DEAD_ROUNDS",
                                               cls.fanout_dead_rounds, 0, 20, env),
                   raw_seconds=float(raw) if raw else cls.raw_seconds,
                   fanout_warmup=env.get("BENCH_WARMUP", "1").strip() not in ("0", "0.0"))


@dataclass
class FedResult:
    """One federation figure: ours against its ceiling (the same units), with its rounds."""

    name: str
    description: str
    ceiling: float  # the reference's median (req/s, or deliveries/s)
    ours: float  # our median, same unit
    ratio: float | None  # ours / ceiling, or for times: our time / the reference's time
    target: float | None
    lower_is_better: bool
    spread: float | None
    failures: int
    rounds: list[dict] = field(default_factory=list)

    @property
    def passed(self) -> bool | None:
        if self.target is None or self.ratio is None:
            return None
        return self.ratio <= self.target if self.lower_is_better else self.ratio >= self.target


def _spread(values: list[float]) -> float | None:
    if not values:
        return None
    middle = statistics.median(values)
    return (max(values) - min(values)) / 2 / middle if middle else None


def _get_json(url: str, timeout: float = 10) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def _post_json(url: str, document: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(document).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


# ---- the processes ---------------------------------------------------------------------------

@dataclass
class Sinks:
    server: Server
    ports: list[int]

    @property
    def control(self) -> str:
        return self.server.base_url

    def stats(self) -> dict:
        return _get_json(self.control + "/stats")

    def reset(self) -> None:
        _post_json(self.control + "/reset", {})

    def set_dead(self, ports: list[int]) -> None:
        _post_json(self.control + "/dead", {"ports": ports})


def start_sinks(workdir: Path, hosts: int, peer_key_file: Path) -> Sinks:
    port = free_port()
    ready = workdir / "sinks.json"
    env_key = {"PEER_PUBLIC_KEY_FILE": str(peer_key_file)}
    log_path = workdir / "sinks.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.sinks", str(port), str(hosts), str(ready)], cwd=REPO,
            env={**subprocess_env(), **env_key}, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT)
    server = Server("sinks", process, port, log_path)
    deadline = time.monotonic() + SINK_START_TIMEOUT_S
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"the sinks did not start:\n{server.log_tail()}")
        time.sleep(0.1)
    server.wait_ready("/stats")
    return Sinks(server, json.loads(ready.read_text("utf-8"))["ports"])


def init_node(workdir: Path, name: str, *, extra: str = "",
              federation: dict[str, int] | None = None) -> tuple[Path, int]:
    """`thc-node init` with private addresses allowed, access log off, `federation` settings
    added to its [federation] table, `extra` appended."""
    import tomllib

    port = free_port()
    config = workdir / name / "config.toml"
    _run([*thc_node_command(), "--config", str(config), "init", "--base-url",
          f"http://127.0.0.1:{port}", "--name", "Bench", "--allow-private-addresses"])
    text = with_access_log_off(config.read_text("utf-8"))
    lines = "".join(f"{key} = {value}\n" for key, value in (federation or {}).items())
    if lines:
        if "\n[federation]\n" not in text:
            raise RuntimeError(f"no [federation] table in {config}")
        text = text.replace("\n[federation]\n", "\n[federation]\n" + lines, 1)
    config.write_text(text + extra, "utf-8")
    parsed = tomllib.loads(config.read_text("utf-8"))  # the edits must leave valid TOML
    if any(parsed["federation"].get(key) != value for key, value in (federation or {}).items()):
        raise RuntimeError(f"could not set {federation} in {config}")
    return config, port


def serve_node(config: Path, port: int, name: str) -> Server:
    server = _spawn(name, [*thc_node_command(), "--config", str(config), "serve"], port,
                    config.parent / "node.log")
    server.wait_ready("/healthz")
    return server


# ---- signed inbox POSTs ----------------------------------------------------------------------

UNBOUNDED_BACKLOG = {"max_inbox_backlog": 100_000_000, "max_inbox_backlog_per_host": 100_000_000}

_SIGNING_KEY: tuple[str, str, str] | None = None  # (pem, key id, host) in each worker


def _init_signer(pem: str, key_id: str, host: str) -> None:
    global _SIGNING_KEY
    _SIGNING_KEY = (pem, key_id, host)


def _signed_request(index: int) -> bytes:
    """One raw HTTP request: a Create(Note) with a unique id, signed for the node's /inbox."""
    from federation.signatures import sign_request_cavage

    pem, key_id, host = _SIGNING_KEY
    actor = key_id.split("#", 1)[0]
    body = json.dumps({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor}/activities/{index}", "type": "Create", "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {"id": f"{actor}/notes/{index}", "type": "Note", "attributedTo": actor,
                   "content": f"<p>Note {index}: un avis sur le projet.</p>",
                   "to": ["https://www.w3.org/ns/activitystreams#Public"]},
    }, separators=(",", ":")).encode()
    headers = {"Content-Type": AS2}
    headers.update(sign_request_cavage(method="POST", url=f"http://{host}/inbox", headers=headers,
                                       body=body, key_id=key_id, private_key_pem=pem,
                                       now=datetime.now(timezone.utc)))
    headers["Content-Length"] = str(len(body))
    head = "POST /inbox HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode() + b"\r\n" + body


class SignedRequests:
    """Pre-signed requests (signing costs ~1 ms each: it cannot happen inside the load)."""

    def __init__(self, workdir: Path, pem: str, key_id: str, host: str):
        self.path = workdir / "signed-requests.bin"
        self.args = (pem, key_id, host)
        self.count = 0
        self.path.write_bytes(b"")

    def extend(self, count: int) -> None:
        workers = max(1, os.cpu_count() or 1)
        with ProcessPoolExecutor(workers, initializer=_init_signer, initargs=self.args) as pool:
            raw = list(pool.map(_signed_request, range(self.count, self.count + count),
                                chunksize=256))
        with open(self.path, "ab") as f:
            for request in raw:
                f.write(f"{len(request)}\n".encode() + request)
        self.count += count


_REPLAY_LUA = """
local records, index = {}, 0
init = function(args)
  local f = assert(io.open([==[%(path)s]==], "rb"))
  local data = f:read("*a")
  f:close()
  local pos = 1
  while pos <= #data do
    local nl = string.find(data, "\\n", pos, true)
    local len = tonumber(string.sub(data, pos, nl - 1))
    records[#records + 1] = string.sub(data, nl + 1, nl + len)
    pos = nl + len + 1
  end
  index = %(offset)d %% #records
end
request = function()
  index = index + 1
  if index > #records then index = 1 end
  return records[index]
end
"""


def replay(generator, url: str, requests: SignedRequests, offset: int, seconds: float,
           connections: int) -> LoadResult:
    """Load `url` with the pre-signed requests from `offset` on (wrk, else the Python client)."""
    if generator.name == "wrk":
        with tempfile.TemporaryDirectory(prefix="thc-bench-") as tmp:
            script = Path(tmp) / "replay.lua"
            script.write_text(_REPLAY_LUA % {"path": requests.path, "offset": offset}, "utf-8")
            whole = max(1, round(seconds))
            cmd = [generator.path, "-t", "1", "-c", str(connections), "-d", f"{whole}s",
                   "--latency", "--timeout", "10s", "-s", str(script), url]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=whole + 60)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        from .loadgen import parse_wrk

        return parse_wrk(done.stdout)
    cmd = [sys.executable, "-m", "bench.pyload", "--url", url, "--connections", str(connections),
           "--seconds", str(seconds), "--method", "POST", "--replay-file", str(requests.path),
           "--replay-offset", str(offset)]
    done = subprocess.run(cmd, cwd=REPO, env=subprocess_env(), capture_output=True, text=True,
                          timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"bench.pyload failed: {done.stderr.strip()[-2000:]}")
    data = json.loads(done.stdout)
    return LoadResult(**{k: data[k] for k in LoadResult.__dataclass_fields__})


def run_inbox(generator, workdir: Path, sinks: Sinks, peer_pem: str, *, seconds: float,
              rounds: int, warmup: float, connections: int, log) -> FedResult:
    """Signed inbox POSTs accepted per second: the node against the reference."""
    # Workers off: nothing recorded is ever processed here, so the backlog bound (10,000 waiting
    # per server by default) would refuse the one signing peer long before the rounds end.
    config, port = init_node(workdir, "inbox-node", extra="\n[workers]\nautostart = false\n",
                             federation=UNBOUNDED_BACKLOG)
    node_url = f"http://127.0.0.1:{port}"
    key_id = f"{sinks.control}/users/peer#main-key"
    ref_port = free_port()
    servers: list[Server] = []
    try:
        servers.append(serve_node(config, port, "THC Node (inbox)"))
        key_file = workdir / "peer-public.pem"
        ref = _spawn("inbox reference", [sys.executable, "-m", "bench.inbox_reference",
                                         str(ref_port), node_url, str(key_file),
                                         str(workdir / "reference.sqlite3")],
                     ref_port, workdir / "reference.log")
        servers.append(ref)
        requests = SignedRequests(workdir, peer_pem, key_id, f"127.0.0.1:{port}")
        log("signing inbox requests in advance...")
        requests.extend(4000)
        for server in servers:  # up, and the node has fetched and cached the peer's key
            _check_accepts(server, requests)
        offsets = {"ref": 1, "ours": 1}
        targets = {"ref": f"{ref.base_url}/inbox", "ours": f"{node_url}/inbox"}
        warm = {name: replay(generator, url, requests, offsets[name], max(warmup, 1.0),
                             connections) for name, url in targets.items()}
        for name in targets:
            offsets[name] += warm[name].requests + connections
        best = max(r.rps for r in warm.values())
        needed = int(best * 1.5 * (seconds + 1) * rounds) + max(offsets.values())
        if needed > requests.count:
            log(f"signing {needed - requests.count} more inbox requests...")
            requests.extend(needed - requests.count)
        results: dict[str, list[LoadResult]] = {"ref": [], "ours": []}
        for r in range(rounds):
            order = ["ref", "ours"] if r % 2 == 0 else ["ours", "ref"]
            for name in order:
                result = replay(generator, targets[name], requests, offsets[name], seconds,
                                connections)
                offsets[name] += result.requests + connections
                results[name].append(result)
            log(f"inbox round {r + 1}/{rounds}: reference {results['ref'][-1].rps:,.0f}/s, "
                f"THC Node {results['ours'][-1].rps:,.0f}/s")
        wrapped = max(offsets.values()) > requests.count
        for server in servers:
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} died during the run:\n{server.log_tail()}")
    finally:
        for server in reversed(servers):
            server.stop()
    ref_rps = statistics.median(r.rps for r in results["ref"])
    ours_rps = statistics.median(r.rps for r in results["ours"])
    stored = _count_rows(config.parent / "thc-node.sqlite3", "inbox_messages")
    description = "POST /inbox, signed Create(Note), unique ids; vs verify + 1 row"
    if wrapped:
        description += " (requests reused)"
    return FedResult(
        "signed inbox POST", description, ref_rps, ours_rps, ours_rps / ref_rps, 1.0, False,
        _spread([r.rps for r in results["ours"]]),
        sum(r.non_2xx + r.errors for r in results["ours"]),
        [{"reference": a.to_dict(), "ours": b.to_dict()}
         for a, b in zip(results["ref"], results["ours"])] + [{"stored_by_node": stored}])


def _check_accepts(server: Server, requests: SignedRequests) -> None:
    """One signed request (index 0) must answer 202: signature, key fetch and storage work."""
    with open(requests.path, "rb") as f:
        length = int(f.readline())
        raw = f.read(length)
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")[1:]
    headers = dict(line.split(": ", 1) for line in lines)
    headers.pop("Content-Length", None)
    request = urllib.request.Request(server.base_url + "/inbox", data=body, method="POST",
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode()
    if status != 202:
        raise RuntimeError(f"{server.name}: a signed inbox POST answered {status}: {text}")


def _count_rows(database: Path, table: str) -> int | None:
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


# ---- fan-out ---------------------------------------------------------------------------------

async def _prepare_fanout(database: Path, slugs: list[str], ports: list[int],
                          followers: int) -> None:
    """Open debates, each followed by the same `followers` remote actors spread over the sink
    hosts (each host with its shared inbox), with keys and known software, as a node that has
    been federating for a while would have them."""
    from federation.keys import generate_actor_keys
    from node import services
    from node.clock import SystemClock
    from node.model import DebateStatus, NewDebate, Operator
    from storage.db import Database
    from storage.repos.keys import KeyRepo

    clock = SystemClock()
    db = await Database(database).open()
    try:
        async with db.transaction() as tx:
            for slug in slugs:
                debate = await services.create_debate(tx, clock, Operator(),
                                                      NewDebate(slug, f"Débat {slug}", ""))
                await services.change_debate_status(tx, clock, Operator(), slug,
                                                    DebateStatus.OPEN)
                await KeyRepo(tx.conn).add(generate_actor_keys(f"debate:{debate.id}",
                                                               clock.now()))
            ids = {slug: (await tx.debates.find_by_slug(slug)).id for slug in slugs}
        accepted = (clock.now() + timedelta(milliseconds=5)).isoformat(timespec="microseconds")
        actors, hosts = [], []
        for i in range(followers):
            port = ports[i % len(ports)]
            actor = f"http://127.0.0.1:{port}/users/u{i}"
            actors.append((actor, f"127.0.0.1:{port}", f"{actor}/inbox",
                           f"http://127.0.0.1:{port}/inbox", accepted))
        hosts = [(f"127.0.0.1:{port}", accepted, accepted) for port in ports]
        async with db.transaction() as tx:
            await tx.conn.executemany(
                "INSERT INTO remote_actors (ap_id, type, host, inbox, shared_inbox, fetched_at)"
                " VALUES (?, 'Person', ?, ?, ?, ?)", actors)
            await tx.conn.executemany(
                "INSERT INTO remote_hosts (host, software, software_version,"
                " nodeinfo_fetched_at, updated_at) VALUES (?, 'thc-node', '0.1.0', ?, ?)", hosts)
            for slug in slugs:
                await tx.conn.executemany(
                    "INSERT INTO followers (local_actor, follower_ap_id, follow_ap_id, state,"
                    " created_at, accepted_at) VALUES (?, ?, ?, 'accepted', ?, ?)",
                    [(f"debate:{ids[slug]}", a[0], f"{a[0]}#follow-{slug}", accepted, accepted)
                     for a in actors])
        await asyncio.sleep(0.01)  # the events to come are after every acceptance
    finally:
        await db.close()


async def _close_debate(database: Path, slug: str) -> float:
    """The domain change, as the CLI or a web form makes it (another process, same database):
    returns the time its event was committed (time.time())."""
    from node import services
    from node.clock import SystemClock
    from node.model import DebateStatus, Operator
    from storage.db import Database

    db = await Database(database).open(apply_migrations=False)
    try:
        async with db.transaction() as tx:
            await services.change_debate_status(tx, SystemClock(), Operator(), slug,
                                                DebateStatus.CLOSED)
        return time.time()
    finally:
        await db.close()


def _leased(database: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM deliveries WHERE state = 'pending'"
                            " AND locked_until IS NOT NULL").fetchone()[0]
    finally:
        conn.close()


def _raw_rate(workdir: Path, inboxes: list[str], *, seconds: float, concurrency: int,
              key_file: Path, key_id: str, body_file: Path) -> dict:
    targets = workdir / "raw-targets.json"
    targets.write_text(json.dumps(inboxes), "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bench.rawpost", "--targets", str(targets), "--seconds",
         str(seconds), "--concurrency", str(concurrency), "--key-file", str(key_file),
         "--key-id", key_id, "--body-file", str(body_file)],
        cwd=REPO, env=subprocess_env(), capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"bench.rawpost failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout)


def run_fanout(workdir: Path, sinks: Sinks, settings: FedSettings, log) -> list[FedResult]:
    """Fan-out of one activity to every follower, clean and with black-holed hosts."""
    import tomllib

    warmup = 1 if settings.fanout_warmup else 0
    rounds = warmup + settings.fanout_rounds + settings.fanout_dead_rounds
    slugs = [f"fanout-{i}" for i in range(1, rounds + 1)]
    ports = sinks.ports[:settings.fanout_hosts]
    config, port = init_node(workdir, "fanout-node",
                             extra="\n[workers]\nautostart = true\npoll_seconds = 0.05\n")
    database = config.parent / "thc-node.sqlite3"
    federation = tomllib.loads(config.read_text("utf-8")).get("federation", {})
    concurrency = federation.get("delivery_concurrency", 16)
    timeout = federation.get("fetch_timeout_seconds", 10.0)
    log(f"fan-out: {settings.fanout_followers:,} followers on {len(ports)} hosts, "
        f"{rounds} debates...")
    asyncio.run(_prepare_fanout(database, slugs, ports, settings.fanout_followers))
    # The reference signs as the node's debates do: an RSA-2048 key, a body of the same size.
    from federation.keys import generate_actor_keys

    key = generate_actor_keys("raw", datetime.now(timezone.utc))
    key_file = workdir / "raw-key.pem"
    key_file.write_text(key.rsa_private_pem, "ascii")
    node = serve_node(config, port, "THC Node (fan-out)")
    clean: list[dict] = []
    dead: list[dict] = []
    try:
        body = _group_update_body(node.base_url + "/debats/" + slugs[0])
        body_file = workdir / "raw-body.json"
        body_file.write_bytes(body)
        dead_ports = ports[: len(ports) // 10]
        for i, slug in enumerate(slugs):
            black_holed = i >= warmup + settings.fanout_rounds
            if black_holed:
                deadline = time.monotonic() + timeout + 30
                while _leased(database) and time.monotonic() < deadline:
                    time.sleep(0.2)  # the previous round's dead hosts have timed out
            live = [p for p in ports if not (black_holed and p in dead_ports)]
            raw = _raw_rate(workdir, [f"http://127.0.0.1:{p}/inbox" for p in live],
                            seconds=settings.raw_seconds, concurrency=concurrency,
                            key_file=key_file, key_id=f"{node.base_url}/debats/raw#main-key",
                            body_file=body_file)
            sinks.set_dead(dead_ports if black_holed else [])
            sinks.reset()
            committed = asyncio.run(_close_debate(database, slug))
            deadline = time.monotonic() + FANOUT_TIMEOUT_S
            while (stats := sinks.stats())["received"] < len(live):
                if time.monotonic() > deadline or node.process.poll() is not None:
                    raise RuntimeError(f"fan-out round {i + 1}: {stats['received']} of "
                                       f"{len(live)} inboxes reached:\n{node.log_tail()}")
                time.sleep(0.02)
            took = stats["last"] - committed
            allowed = len(live) / raw["rps"]
            # Commit → first receipt: the fixed cost (event noticed, audience resolved, rows
            # queued, first claim) apart from the sending itself.
            first = stats["first"] - committed
            entry = {"deliveries": len(live), "seconds": took, "first_seconds": first,
                     "raw_rps": raw["rps"],
                     "raw_seconds_allowed": allowed, "ratio": took / allowed,
                     "received": stats["received"], "raw": raw}
            if i >= warmup:
                (dead if black_holed else clean).append(entry)
            label = " (warm-up)" if i < warmup else " (10% black-holed)" if black_holed else ""
            log(f"fan-out round {i + 1}/{rounds}{label}: "
                f"{len(live)} inboxes in {took:.2f} s (first after {first:.2f} s); "
                f"raw signed POSTs {raw['rps']:,.0f}/s "
                f"allow {allowed:.2f} s: ratio {took / allowed:.2f}")
        sinks.set_dead([])
    finally:
        node.stop()
    followers, hosts = settings.fanout_followers, len(ports)
    # The raw rate of the run: the median of its measures (one before each round, so the
    # machine's noise falls on both sides), as the bare aiohttp ceiling is for the scenarios.
    raw_rps = statistics.median(e["raw_rps"] for e in clean + dead)
    results = [_fanout_result(
        "fan-out", f"1 activity -> {followers:,} followers, {hosts} hosts (shared inboxes)",
        clean, raw_rps)]
    if dead:
        results.append(_fanout_result(
            "fan-out, 10% dead", f"the same, {len(dead_ports)} hosts black-holed", dead,
            raw_rps))
    return results


def _fanout_result(name: str, description: str, entries: list[dict],
                   raw_rps: float) -> FedResult:
    took = statistics.median(e["seconds"] for e in entries)
    deliveries = entries[0]["deliveries"]
    ratio = took / (deliveries / raw_rps)
    return FedResult(name, description + "; time vs raw signed POSTs", raw_rps,
                     deliveries / took, ratio, 1.5, True,
                     _spread([e["ratio"] for e in entries]),
                     sum(e["deliveries"] - e["received"] for e in entries if
                         e["received"] < e["deliveries"]), entries)


def _group_update_body(group: str) -> bytes:
    """About the size of an Update(Group) the node sends (its Group document embedded)."""
    return json.dumps({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": group.rsplit("/", 2)[0] + "/activites/00000000-0000-0000-0000-000000000000",
        "type": "Update", "actor": group,
        "object": {"id": group, "type": "Group", "name": "Débat", "summary": "<p>" + "x" * 200
                   + "</p>", "inbox": group + "/inbox", "outbox": group + "/outbox",
                   "followers": group + "/followers", "publicKey": {
                       "id": group + "#main-key", "owner": group, "publicKeyPem": "k" * 450}},
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [group + "/followers"],
    }, separators=(",", ":")).encode()
