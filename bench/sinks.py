"""Sink inboxes for the federation benchmarks: many "hosts" (one port each) on 127.0.0.1, in one
process, plus a control port.

    python -m bench.sinks CONTROL_PORT HOSTS READY_FILE

Every sink port answers POST with 202 after reading the body (then closes the connection), and
records the time; a port
marked dead accepts the connection and never answers (a black-holed host). READY_FILE receives
{"ports": [...]} once every port listens. The control port serves:

    GET  /stats              {"received": n, "first": t, "last": t, "ports": k} (time.time())
    POST /reset              forget what was received
    POST /dead               body {"ports": [...]}: these ports stop answering
    GET  /users/peer         the actor document of the benchmark's signing peer
                             (its key from the PEER_PUBLIC_KEY_FILE environment variable)
    POST /voter-keys         body {"keys": [public PEM, ...]}: every sink port then serves
                             GET /users/v<N>, a voter's actor document (bench/remote_votes.py),
                             keyId /users/v<N>#main-key with key N mod len(keys)
    POST /watch              body {"path": "/users/follower/inbox"}: keep what that path receives
    GET  /watched            [{"at": t, "body": {...}}, ...] received on the watched path (last 200)
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

from aiohttp import web

AS2 = "application/activity+json"


class State:
    def __init__(self):
        self.received = 0
        self.first: float | None = None
        self.last: float | None = None
        self.by_port: dict[int, int] = {}
        self.dead: set[int] = set()
        self.voter_keys: list[str] = []
        self.watch: str | None = None
        self.watched: list[tuple[float, bytes]] = []


def sink_app(state: State) -> web.Application:
    async def inbox(request: web.Request) -> web.StreamResponse:
        port = request.transport.get_extra_info("sockname")[1] if request.transport else 0
        if port in state.dead:
            await asyncio.Event().wait()  # took the connection; never answers
        body = await request.read()
        now = time.time()
        if request.path == state.watch:
            state.watched = [*state.watched[-199:], (now, body)]
        state.received += 1
        state.first = state.first or now
        state.last = now
        state.by_port[port] = state.by_port.get(port, 0) + 1
        response = web.Response(status=202)
        # No keep-alive: a fan-out reaches each host once, so every POST is a new connection,
        # for the node and for the reference alike (nothing warm carried from round to round).
        response.force_close()
        return response

    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404)

    async def voter(request: web.Request) -> web.Response:
        number = request.match_info["n"]
        if not state.voter_keys or not number.isdigit():
            return web.Response(status=404)
        actor = f"http://{request.host}/users/v{number}"
        return web.json_response({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": actor, "type": "Person", "preferredUsername": f"v{number}",
            "inbox": f"{actor}/inbox", "endpoints": {"sharedInbox": f"http://{request.host}/inbox"},
            "publicKey": {"id": f"{actor}#main-key", "owner": actor,
                          "publicKeyPem": state.voter_keys[int(number) % len(state.voter_keys)]},
        }, content_type=AS2)

    app = web.Application(handler_args={"max_field_size": 16384})
    app.router.add_post("/{tail:.*}", inbox)
    app.router.add_get("/users/v{n}", voter)
    app.router.add_get("/{tail:.*}", missing)
    return app


def control_app(state: State, base: str) -> web.Application:
    async def stats(request: web.Request) -> web.Response:
        return web.json_response({"received": state.received, "first": state.first,
                                  "last": state.last, "ports": len(state.by_port)})

    async def reset(request: web.Request) -> web.Response:
        state.received, state.first, state.last, state.by_port = 0, None, None, {}
        return web.json_response({"ok": True})

    async def dead(request: web.Request) -> web.Response:
        state.dead = set((await request.json())["ports"])
        return web.json_response({"dead": len(state.dead)})

    async def peer(request: web.Request) -> web.Response:
        pem = Path(os.environ["PEER_PUBLIC_KEY_FILE"]).read_text("ascii")
        actor = f"{base}/users/peer"
        return web.json_response({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": actor, "type": "Person", "preferredUsername": "peer",
            "inbox": f"{actor}/inbox",
            "publicKey": {"id": f"{actor}#main-key", "owner": actor, "publicKeyPem": pem},
        }, content_type=AS2)

    async def voter_keys(request: web.Request) -> web.Response:
        state.voter_keys = list((await request.json())["keys"])
        return web.json_response({"keys": len(state.voter_keys)})

    async def watch(request: web.Request) -> web.Response:
        state.watch, state.watched = (await request.json())["path"], []
        return web.json_response({"ok": True})

    async def watched(request: web.Request) -> web.Response:
        return web.json_response([{"at": at, "body": json.loads(body)}
                                  for at, body in state.watched])

    app = web.Application(client_max_size=4 * 1_048_576)
    app.router.add_post("/voter-keys", voter_keys)
    app.router.add_post("/watch", watch)
    app.router.add_get("/watched", watched)
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    app.router.add_post("/dead", dead)
    app.router.add_get("/users/peer", peer)
    return app


async def serve(control_port: int, hosts: int, ready_file: Path) -> None:
    state = State()
    runners = []
    control = web.AppRunner(control_app(state, f"http://127.0.0.1:{control_port}"),
                            access_log=None)
    await control.setup()
    await web.TCPSite(control, "127.0.0.1", control_port).start()
    runners.append(control)
    sinks = web.AppRunner(sink_app(state), access_log=None, handler_cancellation=True)
    await sinks.setup()
    runners.append(sinks)
    ports = []
    for _ in range(hosts):
        site = web.TCPSite(sinks, "127.0.0.1", 0, backlog=256)
        await site.start()
        ports.append(site._server.sockets[0].getsockname()[1])  # port 0: the kernel's choice
    tmp = ready_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"ports": ports}), "utf-8")
    os.replace(tmp, ready_file)
    try:
        await asyncio.Event().wait()
    finally:
        for runner in runners:
            await runner.cleanup()


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not argv[0].isdigit() or not argv[1].isdigit():
        print("usage: python -m bench.sinks CONTROL_PORT HOSTS READY_FILE", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(int(argv[0]), int(argv[1]), Path(argv[2])))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
