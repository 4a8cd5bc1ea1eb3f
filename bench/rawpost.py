"""The fan-out benchmark's reference: how fast this machine can sign and POST, with nothing else.

    python -m bench.rawpost --targets FILE --seconds S --concurrency N --key-file PEM \
        --key-id URL --body-file FILE

N coroutines sign each request (draft-cavage, RSA, the node's own signer) and POST the same
body to the next inbox of the list, back to back, until the deadline, over one aiohttp client
with its default connector (as the node's). No database, no queue, no retry. Prints one JSON
object: requests, ok (2xx), errors, seconds, rps (ok per second).
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from datetime import datetime, timezone

import aiohttp

from federation.signatures import sign_request_cavage

CONTENT_TYPE = "application/activity+json"


async def run(targets: list[str], *, seconds: float, concurrency: int, key_pem: str,
              key_id: str, body: bytes) -> dict:
    counts = {"requests": 0, "ok": 0, "errors": 0}
    cycle = itertools.cycle(targets)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        start = time.perf_counter()
        deadline = start + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                url = next(cycle)
                headers = {"Content-Type": CONTENT_TYPE, "Accept": CONTENT_TYPE}
                headers.update(sign_request_cavage(
                    method="POST", url=url, headers=headers, body=body, key_id=key_id,
                    private_key_pem=key_pem, now=datetime.now(timezone.utc)))
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        counts["requests"] += 1
                        counts["ok"] += 200 <= response.status < 300
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                    counts["errors"] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {**counts, "seconds": elapsed, "rps": counts["ok"] / elapsed if elapsed else 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rawpost")
    parser.add_argument("--targets", required=True, help="JSON list of inbox URLs")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--key-file", required=True)
    parser.add_argument("--key-id", required=True)
    parser.add_argument("--body-file", required=True)
    args = parser.parse_args(argv)
    with open(args.targets, encoding="utf-8") as f:
        targets = json.load(f)
    if not targets or not all(t.startswith("http://127.0.0.1:") for t in targets):
        parser.error("--targets: a non-empty list of http://127.0.0.1:PORT/... URLs")
    with open(args.key_file, encoding="ascii") as f:
        key_pem = f.read()
    with open(args.body_file, "rb") as f:
        body = f.read()
    result = asyncio.run(run(targets, seconds=args.seconds, concurrency=args.concurrency,
                             key_pem=key_pem, key_id=args.key_id, body=body))
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
