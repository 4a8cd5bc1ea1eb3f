"""`python -m bench`: load the ceiling and the demo node in alternating rounds, print medians.

Environment (all optional):
  BENCH_SECONDS      seconds per round (default 3; wrk rounds to whole seconds)
  BENCH_ROUNDS       rounds per target (default 5)
  BENCH_CONNECTIONS  concurrent keep-alive connections (default 64)
  BENCH_WARMUP       seconds of unmeasured load on each target first (default 1; 0 = none)
  BENCH_GENERATOR    auto (default: wrk, installed if possible, else Python), wrk or python
  BENCH_FEDERATION   1 (default) to run the federation benchmarks too (bench/federation.py), 0 not
  BENCH_DELIBERATION 1 (default) to seed big deliberation data and measure its pages and API
                     votes (bench/deliberation.py), 0 not; BENCH_ONLY=deliberation: only those
  BENCH_VOTES_ROUNDS votes rounds (default 3)
  BENCH_ONLY=federation: only issue 4's rows (actor GET, webfinger, inbox, fan-out);
  BENCH_FED_PARTS    inbox,votes,fanout (default): which federation benchmarks run (votes
                     needs inbox)
  BENCH_INBOX_ROUNDS, BENCH_FANOUT_FOLLOWERS, BENCH_FANOUT_HOSTS, BENCH_FANOUT_ROUNDS,
  BENCH_FANOUT_DEAD_ROUNDS, BENCH_RAW_SECONDS: see bench/README.md

Exit status: 0, 1 when a scenario misses its target ratio, 2 when the benchmark could not run.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .deliberation import (Seeded, format_deliberation, last_page_results, run_votes, seed,
                           votes_rounds)
from .federation import FedResult, FedSettings, run_fanout, run_inbox, start_sinks
from .loadgen import REPO, LoadResult, choose_generator
from .scenarios import CEILING, DELIBERATION_SCENARIOS, SCENARIOS, Scenario
from .servers import Server, drain, start_ceiling, start_node

FEDERATION_SCENARIOS = ("actor GET", "webfinger")  # BENCH_ONLY=federation keeps these
IDLE_SECONDS = 2.0  # after start, before any load: what an idle node holds
IDLE_MEMORY_TARGET = 2.0  # at most twice a bare aiohttp process (issue 4)

RESULTS_PATH = REPO / "bench" / "results" / "latest.json"
EXIT_TARGET_MISSED = 1
EXIT_CANNOT_RUN = 2


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---- settings --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    seconds: float = 3.0
    rounds: int = 5
    connections: int = 64
    warmup: float = 1.0
    generator: str = "auto"

    @classmethod
    def from_env(cls, env=os.environ) -> "Settings":
        def number(name, kind, default, low, high):
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = kind(raw)
            except ValueError:
                raise ValueError(f"{name}: expected a number, got {raw!r}") from None
            if not low <= value <= high:
                raise ValueError(f"{name}: expected {low} to {high}, got {raw}")
            return value

        return cls(seconds=number("BENCH_SECONDS", float, cls.seconds, 0.1, 600),
                   rounds=number("BENCH_ROUNDS", int, cls.rounds, 1, 100),
                   connections=number("BENCH_CONNECTIONS", int, cls.connections, 1, 4096),
                   warmup=number("BENCH_WARMUP", float, cls.warmup, 0, 60),
                   generator=env.get("BENCH_GENERATOR", "").strip() or cls.generator)


# ---- running ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A scenario on a server."""
    scenario: Scenario
    base_url: str


def preflight(target: Target) -> None:
    """One request first: a scenario that does not answer 2xx would measure error pages."""
    s = target.scenario
    request = urllib.request.Request(s.url(target.base_url), data=s.body_bytes(),
                                     method=s.method, headers=s.headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    if not 200 <= status < 300:
        raise RuntimeError(f"{s.name}: {s.method} {s.path} answered HTTP {status}, expected 2xx")


def load_once(generator, target: Target, seconds: float, connections: int) -> LoadResult:
    s = target.scenario
    result = generator.run(s.url(target.base_url), connections=connections, seconds=seconds,
                           method=s.method, body=s.body_bytes(), headers=s.headers)
    drain(target.base_url)
    return result


def run_rounds(generator, ceiling: Target, targets: list[Target], settings: Settings,
               progress=log) -> tuple[list[LoadResult], list[list[LoadResult]]]:
    """`rounds` times: the ceiling, then every target (order rotated each round), so that noise
    on the machine falls on both. Returns the ceiling's results and each target's, in order."""
    if settings.warmup > 0:
        for target in [ceiling, *targets]:
            load_once(generator, target, settings.warmup, settings.connections)
    ceiling_results: list[LoadResult] = []
    results: list[list[LoadResult]] = [[] for _ in targets]
    for r in range(settings.rounds):
        ceiling_results.append(load_once(generator, ceiling, settings.seconds,
                                         settings.connections))
        order = list(range(len(targets)))
        order = order[r % len(order):] + order[:r % len(order)] if order else order
        for i in order:
            results[i].append(load_once(generator, targets[i], settings.seconds,
                                        settings.connections))
        progress(f"round {r + 1}/{settings.rounds}: ceiling {ceiling_results[-1].rps:,.0f}/s"
                 + "".join(f", {t.scenario.name} {results[i][-1].rps:,.0f}/s"
                           for i, t in enumerate(targets)))
    return ceiling_results, results


# ---- summarising -----------------------------------------------------------------------------

def median_or_none(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(ours: float | None, ceiling: float | None) -> float | None:
    if ours is None or not ceiling:
        return None
    return ours / ceiling


@dataclass
class Summary:
    name: str
    method: str
    path: str
    rps_median: float
    ceiling_rps_median: float
    ratio: float | None
    p50_ms: float | None
    p99_ms: float | None
    spread: float | None          # (max - min) / 2 / median of the rounds' req/s
    paired_ratio: float | None    # median over rounds of (this round / that round's ceiling)
    failures: int                 # non-2xx responses and connection errors, all rounds
    target_ratio: float | None
    passed: bool | None
    rounds: list[dict] = field(default_factory=list)
    lower_is_better: bool = False  # times and sizes: PASS when ratio <= target


def summarize(scenario: Scenario, results: list[LoadResult],
              ceiling_results: list[LoadResult]) -> Summary:
    rps = [r.rps for r in results]
    ours = statistics.median(rps)
    ceiling = statistics.median(r.rps for r in ceiling_results)
    got = ratio(ours, ceiling)
    spread = (max(rps) - min(rps)) / 2 / ours if ours else None
    paired = median_or_none(ratio(r.rps, c.rps) for r, c in zip(results, ceiling_results))
    passed = None
    if scenario.target_ratio is not None:
        passed = got is not None and got >= scenario.target_ratio
    return Summary(scenario.name, scenario.method, scenario.path, ours, ceiling, got,
                   median_or_none(r.p50_ms for r in results),
                   median_or_none(r.p99_ms for r in results), spread, paired,
                   sum(r.non_2xx + r.errors for r in results), scenario.target_ratio, passed,
                   [r.to_dict() for r in results])


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def format_table(summaries: list[Summary], generator_name: str) -> str:
    header = ["scenario", "request", "generator", "ceiling req/s", "ours req/s", "spread",
              "ratio", "p50 ms", "p99 ms", "errors", "target", "result"]
    rows = []
    for s in summaries:
        rows.append([
            s.name, f"{s.method} {s.path}", generator_name, f"{s.ceiling_rps_median:,.0f}",
            f"{s.rps_median:,.0f}", "-" if s.spread is None else f"±{s.spread * 100:.0f}%",
            _fmt(s.ratio, ".2f"), _fmt(s.p50_ms, ".2f"), _fmt(s.p99_ms, ".2f"),
            str(s.failures),
            "-" if s.target_ratio is None
            else f"{'<=' if s.lower_is_better else '>='} {s.target_ratio:.2f}",
            "-" if s.passed is None else ("PASS" if s.passed else "FAIL"),
        ])
    right = {3, 4, 5, 6, 7, 8, 9}
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_memory(rss: dict[str, dict[str, int]]) -> str:
    node, bare = rss.get("node", {}).get("VmRSS"), rss.get("ceiling", {}).get("VmRSS")
    if not node or not bare:
        return "memory: VmRSS not available (no /proc?)"
    return (f"memory after the run (VmRSS): THC Node {node / 1024:.1f} MiB, bare aiohttp "
            f"{bare / 1024:.1f} MiB, ratio {node / bare:.2f}")


def summarize_federation(result: FedResult) -> Summary:
    """A federation figure as a table row: its ceiling is its own reference (see federation.py);
    the request column says what was measured."""
    return Summary(result.name, "", result.description, result.ours, result.ceiling,
                   result.ratio, None, None, result.spread, None, result.failures, result.target,
                   result.passed, result.rounds, result.lower_is_better)


def idle_memory(node: dict[str, int], bare: dict[str, int]) -> FedResult:
    ours, ceiling = node.get("VmRSS"), bare.get("VmRSS")
    ratio = ours / ceiling if ours and ceiling else None
    return FedResult("idle memory", f"VmRSS MiB {IDLE_SECONDS:g} s after start, no load; vs bare",
                     (ceiling or 0) / 1024, (ours or 0) / 1024, ratio, IDLE_MEMORY_TARGET, True,
                     None, 0, [{"node_kib": node, "bare_kib": bare}])


def write_json(report: dict, path: Path = RESULTS_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    os.replace(tmp, path)
    return path


# ---- main ------------------------------------------------------------------------------------

def main(scenarios: list[Scenario] | None = None) -> int:
    import aiohttp

    scenarios = SCENARIOS if scenarios is None else scenarios
    try:
        settings = Settings.from_env()
        fed_settings = FedSettings.from_env()
        with_federation = os.environ.get("BENCH_FEDERATION", "1").strip() != "0"
        with_deliberation = os.environ.get("BENCH_DELIBERATION", "1").strip() != "0"
        only = os.environ.get("BENCH_ONLY", "").strip()
        if only == "deliberation":  # issue 3's rows alone: pages at scale and API votes
            scenarios, with_federation, with_deliberation = DELIBERATION_SCENARIOS, False, True
        elif only == "federation":  # issue 4's rows alone: actor GET, WebFinger, inbox, fan-out
            scenarios = [s for s in scenarios if s.name in FEDERATION_SCENARIOS]
            with_federation, with_deliberation = True, False
        elif only:
            raise ValueError(f"BENCH_ONLY: expected deliberation or federation, got {only!r}")
        if not with_deliberation:
            scenarios = [s for s in scenarios if s not in DELIBERATION_SCENARIOS]
        generator = choose_generator(settings.generator, log)
    except (ValueError, RuntimeError) as exc:
        log(f"bench: {exc}")
        return EXIT_CANNOT_RUN
    per_round = max(1, round(settings.seconds)) if generator.integer_seconds else settings.seconds
    warm = (max(1, round(settings.warmup)) if generator.integer_seconds else settings.warmup) \
        if settings.warmup > 0 else 0
    estimate = (len(scenarios) + 1) * (settings.rounds * per_round + warm)
    log(f"load generator: {generator.describe()}")
    log(f"{len(scenarios)} scenario(s) + ceiling, {settings.rounds} rounds x {per_round:g} s, "
        f"{settings.connections} connections: about {estimate:.0f} s of load")

    if with_federation:
        log("then the federation benchmarks: signed inbox POSTs, remote votes, fan-out "
            "(about 5 minutes)")

    started = time.monotonic()
    servers: list[Server] = []
    federation: list[FedResult] = []
    deliberation: list[FedResult] = []
    seeded: list[Seeded] = []
    votes_info: dict = {}

    def prepare(config: Path) -> None:
        log("seeding 10,000 members, 1,000 arguments, 10,000 votes, 1,000 proposals...")
        seeded.append(seed(config, settings.connections))
        log(f"seeded in {seeded[0].seconds:.1f} s")

    with tempfile.TemporaryDirectory(prefix="thc-bench-") as tmp:
        try:
            log("starting the bare aiohttp server and a demo THC Node...")
            ceiling_server = start_ceiling(Path(tmp))
            servers.append(ceiling_server)
            node = start_node(Path(tmp), prepare if with_deliberation else None)
            servers.append(node)
            time.sleep(IDLE_SECONDS)
            federation.append(idle_memory(node.rss_kib(), ceiling_server.rss_kib()))
            ceiling = Target(CEILING, ceiling_server.base_url)
            if seeded:
                scenarios = [s.resolved(seeded[0].values) for s in scenarios]
            targets = [Target(s, node.base_url) for s in scenarios]
            for target in [ceiling, *targets]:
                preflight(target)
            ceiling_results, results = run_rounds(generator, ceiling, targets, settings)
            rss = {"node": node.rss_kib(), "ceiling": ceiling_server.rss_kib()}
            if seeded:
                deliberation += last_page_results(scenarios, results)
            if seeded and generator.name != "wrk":
                log("the API votes benchmark needs wrk (a thread per connection): skipped")
            elif seeded:
                votes, votes_info = run_votes(
                    generator, Path(tmp), node, seeded[0], seconds=settings.seconds,
                    rounds=votes_rounds(), warmup=settings.warmup, log=log)
                deliberation.append(votes)
            for server in (node, ceiling_server):
                if server.process.poll() is not None:
                    raise RuntimeError(f"{server.name} died during the run:\n{server.log_tail()}")
            for server in (node, ceiling_server):
                server.stop()
            if with_federation:
                federation += run_federation(generator, Path(tmp), settings, fed_settings,
                                             servers)
        except (RuntimeError, OSError, ValueError) as exc:
            log(f"bench: {exc}")
            return EXIT_CANNOT_RUN
        finally:
            for server in reversed(servers):
                server.stop()

    summaries = [summarize(CEILING, ceiling_results, ceiling_results)]
    summaries += [summarize(s, r, ceiling_results) for s, r in zip(scenarios, results)]
    summaries += [summarize_federation(f) for f in deliberation + federation]
    node_rss, bare_rss = rss["node"].get("VmRSS"), rss["ceiling"].get("VmRSS")
    report = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "aiohttp": aiohttp.__version__, "platform": platform.platform()},
        "generator": {"name": generator.name, "description": generator.describe()},
        "settings": {**asdict(settings), "seconds_per_round": per_round},
        "elapsed_seconds": round(time.monotonic() - started, 1),
        "ceiling": asdict(summaries[0]),
        "scenarios": [asdict(s) for s in summaries[1:]],
        "federation_settings": asdict(fed_settings) if with_federation else None,
        "rss_kib": rss,
        "rss_ratio": node_rss / bare_rss if node_rss and bare_rss else None,
        "deliberation": votes_info or None,
    }
    path = write_json(report)

    print(f"THC Node benchmark: {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
          f"aiohttp {aiohttp.__version__}")
    print(f"load generator: {generator.describe()}, {settings.connections} connections, "
          f"{settings.rounds} rounds x {per_round:g} s per target, ceiling and targets "
          f"alternating; medians")
    if generator.name != "wrk":
        print("note: the Python client is probably the bottleneck: ratios understate the gap")
    print()
    print(format_table(summaries, generator.name))
    print()
    print(format_memory(rss))
    if votes_info:
        print(format_deliberation(votes_info))
    print(f"ratio = our median req/s / the bare aiohttp median (bench/ceiling.py); "
          f"results in {path.relative_to(REPO)}")
    if federation:
        print("below the scenarios, each row has its own ceiling: signed inbox POST: req/s of "
              "bench/inbox_reference.py; fan-out: deliveries/s, ratio = our time / the time the "
              "raw signed-POST rate (bench/rawpost.py) allows; remote votes: votes/s, ratio = "
              "our time / 10,000 at the inbox reference's rate; idle memory: MiB, ratio = ours / "
              "bare aiohttp")
    missed = [s.name for s in summaries if s.passed is False]
    if missed:
        print(f"FAILED targets: {', '.join(missed)}")
        return EXIT_TARGET_MISSED
    return 0


def run_federation(generator, workdir: Path, settings: Settings, fed: FedSettings,
                   servers: list[Server]) -> list[FedResult]:
    """The federation benchmarks (bench/federation.py), sharing one sinks process."""
    from federation.keys import generate_actor_keys

    peer = generate_actor_keys("peer", datetime.now(timezone.utc))
    key_file = workdir / "peer-public.pem"
    key_file.write_text(peer.rsa_public_pem, "ascii")
    log(f"starting {fed.fanout_hosts} sink hosts...")
    sinks = start_sinks(workdir, fed.fanout_hosts, key_file)
    servers.append(sinks.server)
    # BENCH_FED_PARTS=inbox or =fanout runs one of them (while iterating on it).
    parts = os.environ.get("BENCH_FED_PARTS", "inbox,votes,fanout").split(",")
    results = []
    if "inbox" in parts:
        results = [run_inbox(generator, workdir, sinks, peer.rsa_private_pem,
                             seconds=settings.seconds, rounds=fed.inbox_rounds,
                             warmup=settings.warmup, connections=settings.connections, log=log)]
    if "inbox" in parts and "votes" in parts:
        # Issue 5: remote votes, against the inbox reference rate just measured.
        from .remote_votes import run_remote_votes

        results += run_remote_votes(workdir, sinks, results[0].ceiling, log)
    if "fanout" in parts:
        results += run_fanout(workdir, sinks, fed, log)
    return results
