"""The votes benchmark's reference: the least a vote endpoint can do and still store a vote.
It reads the request and commits one row per request.

    python -m bench.vote_reference PORT DATABASE

Bare aiohttp, no middleware, access log off; SQLite through aiosqlite with the node's PRAGMAs
(WAL, synchronous NORMAL), each INSERT its own transaction (autocommit): "the single-commit
SQLite rate" that issue 3 measures votes against. Any `PUT` path answers 200 with a small JSON
body, so the node's vote requests replay here unchanged; `GET /healthz` says it is up.
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import aiosqlite
from aiohttp import web


def make_app(database: Path) -> web.Application:
    conn_key = web.AppKey("conn", aiosqlite.Connection)

    async def vote(request: web.Request) -> web.Response:
        body = await request.read()
        await request.app[conn_key].execute(
            "INSERT INTO votes (path, authorization, body, received_at) VALUES (?, ?, ?, ?)",
            (request.path, request.headers.get("Authorization", ""),
             body.decode("utf-8", "replace"), datetime.now(timezone.utc).isoformat()))
        return web.json_response({"status": "recorded"})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def database_ctx(app: web.Application):
        conn = await aiosqlite.connect(database, isolation_level=None)  # autocommit
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "busy_timeout = 5000"):
            await conn.execute(f"PRAGMA {pragma}")
        await conn.execute("CREATE TABLE IF NOT EXISTS votes (id INTEGER PRIMARY KEY,"
                           " path TEXT NOT NULL, authorization TEXT NOT NULL, body TEXT NOT NULL,"
                           " received_at TEXT NOT NULL)")
        app[conn_key] = conn
        yield
        await conn.close()

    app = web.Application(client_max_size=65_536)
    app.cleanup_ctx.append(database_ctx)
    app.router.add_get("/healthz", healthz)
    app.router.add_put("/{tail:.*}", vote)
    return app


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[0].isdigit():
        print("usage: python -m bench.vote_reference PORT DATABASE", file=sys.stderr)
        return 2
    web.run_app(make_app(Path(argv[1])), host="127.0.0.1", port=int(argv[0]), access_log=None,
                print=None, shutdown_timeout=1.0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
