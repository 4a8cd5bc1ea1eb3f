"""The benchmark runner counts requests and computes ratios (it never asserts on speed).

Tiny runs of the Python load client against the bare aiohttp server: a few seconds in all.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # bench/ is run from the repository, it is not an installed package
    sys.path.insert(0, str(REPO))

from bench.loadgen import PythonGenerator, parse_wrk  # noqa: E402
from bench.runner import (Settings, Target, format_table, preflight, run_rounds,  # noqa: E402
                          summarize)
from bench.scenarios import CEILING, Scenario  # noqa: E402
from bench.servers import start_ceiling, with_access_log_off  # noqa: E402


def test_rounds_count_requests_and_compute_ratios(tmp_path):
    server = start_ceiling(tmp_path)
    try:
        ceiling = Target(CEILING, server.base_url)
        missing = Target(Scenario("missing", "GET", "/nowhere", target_ratio=0.5), server.base_url)
        same = Target(Scenario("same", "GET", "/", target_ratio=0.01), server.base_url)
        preflight(same)
        settings = Settings(seconds=0.5, rounds=1, connections=4, warmup=0)
        ceiling_results, results = run_rounds(PythonGenerator(), ceiling, [same, missing],
                                              settings, progress=lambda _: None)
        rss = server.rss_kib()
    finally:
        assert server.stop() is not None
    assert server.process.poll() is not None

    [c], [ok], [bad] = ceiling_results, *results
    for r in (c, ok):
        assert r.ok > 0 and r.requests == r.ok and r.non_2xx == 0
        assert r.rps > 0 and r.seconds >= 0.5
        assert r.p50_ms is not None and r.p99_ms >= r.p50_ms
    assert bad.requests > 0 and bad.ok == 0 and bad.non_2xx == bad.requests and bad.rps == 0

    s_ok = summarize(same.scenario, [ok], ceiling_results)
    assert s_ok.ratio == ok.rps / c.rps and s_ok.passed in (True, False)
    s_bad = summarize(missing.scenario, [bad], ceiling_results)
    assert s_bad.ratio == 0 and s_bad.passed is False and s_bad.failures == bad.requests
    table = format_table([s_ok, s_bad], "python-aiohttp")
    assert "same" in table and "FAIL" in table
    assert rss.get("VmRSS", 0) > 0


def test_parse_wrk_output():
    out = """Running 3s test @ http://127.0.0.1:1/
  1 threads and 64 connections
  Latency Distribution
     50%  812.00us
     75%    1.10ms
     90%    2.00ms
     99%    1.20s
  3000 requests in 3.00s, 1.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 300
Requests/sec:   1000.00
"""
    r = parse_wrk(out)
    assert (r.requests, r.ok, r.non_2xx, r.errors, r.seconds) == (3000, 2700, 300, 3, 3.0)
    assert r.rps == 900 and r.p50_ms == 0.812 and r.p99_ms == 1200


def test_access_log_is_turned_off_under_the_server_table():
    import tomllib

    text = '[node]\nbase_url = "http://127.0.0.1:1"\n\n[server]\nhost = "127.0.0.1"\nport = 1\n'
    assert tomllib.loads(with_access_log_off(text))["server"] == {
        "host": "127.0.0.1", "port": 1, "access_log": False}


async def test_instruction_counts_client_sends_each_request_once_and_reads_each_answer(tmp_path):
    # A tiny server counting the bodies it gets; raw requests as the inbox benchmark stores them
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from bench.inbox_instructions import _requests, _send

    seen = []

    async def inbox(request):
        seen.append(await request.read())
        return web.Response(status=202, text="accepted" if len(seen) % 2 else "")

    app = web.Application()
    app.router.add_post("/inbox", inbox)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        bodies = [f'{{"n": {i}}}'.encode() for i in range(7)]
        stored = tmp_path / "requests.bin"
        with open(stored, "wb") as f:
            for body in bodies:
                raw = (f"POST /inbox HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}"
                       "\r\n\r\n").encode() + body
                f.write(f"{len(raw)}\n".encode() + raw)
        requests = _requests(stored)
        assert len(requests) == 7 and requests[3].endswith(b'{"n": 3}')
        assert await _send(server.port, requests, connections=3) == {202: 7}
        assert sorted(seen) == sorted(bodies)
    finally:
        await server.close()
