"""The fallback load generator, used when wrk is not available: run in its own process.

    python -m bench.pyload --url http://127.0.0.1:PORT/path --connections 64 --seconds 3 \
        [--method POST] [--body-file FILE] [--header 'Name: value' ...]
        [--replay-file FILE [--replay-offset N]]

--replay-file sends pre-built requests in turn instead of one request: the file holds raw HTTP
requests, each preceded by its length and a newline (bench/federation.py writes it); their
headers and bodies are sent to --url, from record N on.

N coroutines, each on its own keep-alive connection, send requests back to back until the
deadline; every response body is read. Prints one JSON object on stdout: requests (responses
received), ok (2xx), non_2xx, errors (connection failures and timeouts), seconds (wall time until
the last in-flight request finished), rps (ok per second), p50_ms, p99_ms.

Python is slower than wrk: with this client the generator itself is likely the bottleneck, so
ratios to the ceiling understate the gap. The runner says so when it uses it.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time

import aiohttp

REQUEST_TIMEOUT_S = 10.0
MAX_LATENCY_SAMPLES = 2_000_000  # bounds memory on very long runs


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an already sorted list, or None when it is empty."""
    if not sorted_values:
        return None
    rank = min(max(math.ceil(fraction * len(sorted_values)), 1), len(sorted_values))
    return sorted_values[rank - 1]


def read_replay(path: str, offset: int) -> list[tuple[dict[str, str], bytes]]:
    """(headers, body) of each raw request in a replay file, starting at record `offset`."""
    records = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        newline = data.index(b"\n", pos)
        length = int(data[pos:newline])
        raw = data[newline + 1:newline + 1 + length]
        pos = newline + 1 + length
        head, body = raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")[1:]
        fields = dict(line.split(": ", 1) for line in lines)
        fields.pop("Content-Length", None)
        records.append((fields, body))
    if not records:
        raise ValueError("the replay file holds no request")
    offset %= len(records)
    return records[offset:] + records[:offset]


async def run(url: str, *, connections: int, seconds: float, method: str = "GET",
              body: bytes | None = None, headers: dict[str, str] | None = None,
              replay: list[tuple[dict[str, str], bytes]] | None = None) -> dict:
    latencies: list[float] = []
    counts = {"requests": 0, "ok": 0, "non_2xx": 0, "errors": 0}
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections,
                                     ttl_dns_cache=None)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                     cookie_jar=aiohttp.DummyCookieJar(),
                                     auto_decompress=False) as session:
        start = time.perf_counter()
        deadline = start + seconds

        next_record = iter(range(10**12))

        async def worker() -> None:
            while (sent := time.perf_counter()) < deadline:
                data, fields = body, headers
                if replay:
                    fields, data = replay[next(next_record) % len(replay)]
                try:
                    async with session.request(method, url, data=data, headers=fields) as resp:
                        await resp.read()
                        status = resp.status
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                    counts["errors"] += 1
                    await asyncio.sleep(0.01)  # a refused connection must not spin the CPU
                    continue
                counts["requests"] += 1
                if 200 <= status < 300:
                    counts["ok"] += 1
                else:
                    counts["non_2xx"] += 1
                if len(latencies) < MAX_LATENCY_SAMPLES:
                    latencies.append(time.perf_counter() - sent)

        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(connections))),
                               timeout=seconds + REQUEST_TIMEOUT_S + 5)
        elapsed = time.perf_counter() - start
    latencies.sort()
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    return {**counts, "seconds": elapsed, "rps": counts["ok"] / elapsed if elapsed else 0.0,
            "p50_ms": None if p50 is None else p50 * 1000,
            "p99_ms": None if p99 is None else p99 * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pyload")
    parser.add_argument("--url", required=True)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body-file")
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("--replay-file")
    parser.add_argument("--replay-offset", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.url.startswith("http://127.0.0.1:"):
        parser.error("--url: the benchmark only loads 127.0.0.1")
    if not 1 <= args.connections <= 10_000 or not 0 < args.seconds <= 3600:
        parser.error("--connections must be 1..10000 and --seconds 0..3600")
    body = None
    if args.body_file:
        with open(args.body_file, "rb") as f:
            body = f.read()
    headers = {}
    for line in args.header:
        name, sep, value = line.partition(":")
        if not sep:
            parser.error(f"--header: expected 'Name: value', got {line!r}")
        headers[name.strip()] = value.strip()
    replay = read_replay(args.replay_file, args.replay_offset) if args.replay_file else None
    result = asyncio.run(run(args.url, connections=args.connections, seconds=args.seconds,
                             method=args.method, body=body, headers=headers or None,
                             replay=replay))
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
