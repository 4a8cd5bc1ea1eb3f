"""The inbox benchmark's reference: the least an inbox can do and still be one. It verifies the
HTTP signature (with the signer's key, given: no fetch) and commits one row per request.

    python -m bench.inbox_reference PORT PUBLIC_BASE_URL PUBLIC_KEY_FILE DATABASE

Bare aiohttp, no middleware, access log off; SQLite through aiosqlite with the node's PRAGMAs
(WAL, synchronous NORMAL), each INSERT its own transaction (autocommit). `PUBLIC_BASE_URL` is
the URL the requests were signed for (the node's: both servers get the same signed requests).
"""
from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiosqlite
from aiohttp import web

from federation.signature_base import SignatureError
from federation.signatures import verify_request

WINDOW = timedelta(hours=1)


def make_app(base_url: str, public_key_pem: str, database: Path) -> web.Application:
    conn_key = web.AppKey("conn", aiosqlite.Connection)

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify_request(method=request.method, url=base_url + request.raw_path,
                           headers=list(request.headers.items()), body=body,
                           public_key_pem=public_key_pem, now=datetime.now(timezone.utc),
                           window=WINDOW)
        except SignatureError as exc:
            return web.Response(status=401, text=exc.reason)
        await request.app[conn_key].execute(
            "INSERT INTO inbox (body, received_at) VALUES (?, ?)",
            (body.decode("utf-8", "replace"), datetime.now(timezone.utc).isoformat()))
        return web.Response(status=202, text="accepted")

    async def database_ctx(app: web.Application):
        conn = await aiosqlite.connect(database, isolation_level=None)  # autocommit
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "busy_timeout = 5000"):
            await conn.execute(f"PRAGMA {pragma}")
        await conn.execute("CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY,"
                           " body TEXT NOT NULL, received_at TEXT NOT NULL)")
        app[conn_key] = conn
        yield
        await conn.close()

    app = web.Application(client_max_size=1_048_576)
    app.cleanup_ctx.append(database_ctx)
    app.router.add_post("/inbox", inbox)
    return app


def main(argv: list[str]) -> int:
    if len(argv) != 4 or not argv[0].isdigit():
        print("usage: python -m bench.inbox_reference PORT PUBLIC_BASE_URL PUBLIC_KEY_FILE "
              "DATABASE", file=sys.stderr)
        return 2
    port, base_url, key_file, database = int(argv[0]), argv[1].rstrip("/"), argv[2], argv[3]
    app = make_app(base_url, Path(key_file).read_text("ascii"), Path(database))
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None,
                shutdown_timeout=1.0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
