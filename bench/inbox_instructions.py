"""Instructions per signed inbox request on the event loop's thread, the node against
`bench/inbox_reference.py`, counted by valgrind's callgrind: a deterministic A/B figure where
wall-clock rates swing ±15% with the machine (issue 4). Not part of `make bench`.

    python -m bench.inbox_instructions [--requests N] [--connections C]

Both servers run under `valgrind --tool=callgrind --instr-atstart=no`; instrumentation is
switched on (`callgrind_control -i on`) only for the measured requests, after a warm-up, and the
dump is read per thread. Same pre-signed requests as the inbox benchmark; 127.0.0.1 only.
Needs valgrind (`apt-get install valgrind`). Prints one line per server and their ratio.
"""
from __future__ import annotations

import argparse
import asyncio
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from .federation import (
    UNBOUNDED_BACKLOG,
    SignedRequests,
    _check_accepts,
    init_node,
    start_sinks,
)
from .servers import Server, _spawn, free_port

WARMUP = 150


def _requests(path: Path) -> list[bytes]:
    data, out, pos = path.read_bytes(), [], 0
    while pos < len(data):
        newline = data.index(b"\n", pos)
        length = int(data[pos:newline])
        out.append(data[newline + 1: newline + 1 + length])
        pos = newline + 1 + length
    return out


async def _send(port: int, requests: list[bytes], connections: int) -> dict[int, int]:
    """Each request on one of `connections` keep-alive connections; statuses counted."""
    pending, statuses = iter(requests), {}

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for raw in pending:
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            statuses[status] = statuses.get(status, 0) + 1
            length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            if length and int(length.group(1)):
                await reader.readexactly(int(length.group(1)))
        writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return statuses


def _wait_listening(server: Server, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited:\n{server.log_tail()}")
        try:
            socket.create_connection(("127.0.0.1", server.port), 1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not listen within {timeout:.0f} s")


def _loop_thread_instructions(workdir: Path, name: str, pid: int) -> int:
    """Instructions of the dump's first thread (the main one: the event loop)."""
    for path in sorted(glob.glob(f"{workdir}/cg-{name}.{pid}.1-01")):
        for line in open(path, errors="replace"):
            if line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError(f"no callgrind dump for {name} in {workdir}")


def measure(requests_n: int, connections: int) -> dict[str, int]:
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install valgrind")
    from federation.keys import generate_actor_keys

    workdir = Path(tempfile.mkdtemp(prefix="thc-instr-"))
    peer = generate_actor_keys("peer", datetime.now(timezone.utc))
    key_file = workdir / "peer-public.pem"
    key_file.write_text(peer.rsa_public_pem, "ascii")
    sinks = start_sinks(workdir, 4, key_file)  # serves the signing peer's actor document
    config, port = init_node(workdir, "inbox-node", extra="\n[workers]\nautostart = false\n",
                             federation=UNBOUNDED_BACKLOG)  # as the inbox benchmark's node
    signed = SignedRequests(workdir, peer.rsa_private_pem,
                            f"{sinks.control}/users/peer#main-key", f"127.0.0.1:{port}")
    signed.extend(2 * (requests_n + WARMUP) + 2)
    raw = _requests(signed.path)
    results: dict[str, int] = {}
    try:
        for name in ("ours", "reference"):
            grind = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                     "--separate-threads=yes", f"--callgrind-out-file={workdir}/cg-{name}.%p"]
            if name == "ours":
                listen = port
                command = [sys.executable, "-m", "web.cli", "--config", str(config), "serve"]
                first = 1
            else:
                listen = free_port()
                command = [sys.executable, "-m", "bench.inbox_reference", str(listen),
                           f"http://127.0.0.1:{port}", str(key_file),
                           str(workdir / "reference.sqlite3")]
                first = 1 + requests_n + WARMUP  # its own slice: no duplicate ids
            server = _spawn(name, grind + command, listen, workdir / f"{name}.log")
            try:
                _wait_listening(server)
                _check_accepts(server, signed)
                asyncio.run(_send(listen, raw[first: first + WARMUP], connections))
                pid = str(server.process.pid)
                subprocess.run(["callgrind_control", "-i", "on", pid], capture_output=True,
                               check=True)
                measured = raw[first + WARMUP: first + WARMUP + requests_n]
                statuses = asyncio.run(_send(listen, measured, connections))
                subprocess.run(["callgrind_control", "-d", pid], capture_output=True, check=True)
                if statuses != {202: requests_n}:
                    raise RuntimeError(f"{name} answered {statuses}")
                results[name] = _loop_thread_instructions(workdir, name, server.process.pid)
            finally:
                server.stop()
    finally:
        sinks.server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox_instructions")
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 100_000 or not 1 <= args.connections <= 256:
        parser.error("--requests 1..100000, --connections 1..256")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    totals = measure(args.requests, args.connections)
    for name, total in totals.items():
        print(f"{name:9s} {total / args.requests:12,.0f} instructions per request on the loop")
    print(f"ratio ours / reference: {totals['ours'] / totals['reference']:.3f}"
          " (below 1: the node's loop does less per request)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
