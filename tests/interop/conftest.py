"""Interoperability harness: an independent ActivityPub peer built on Fedify (peer.mjs, the npm
package @fedify/fedify 2.3.6, run with the Node 22 binary of the npm package `node`), and THC
nodes whose base URL is a real http://127.0.0.1:<port>.

The rest of the suite names nodes alpha.test and resolves them with a FakeResolver inside the
test process; the Fedify peer is another process and cannot resolve those names, so here both
sides use real loopback URLs. Both sides are told to allow private addresses (ours in the
config, Fedify's `allowPrivateAddress` in peer.mjs); all traffic stays on 127.0.0.1.

Fixtures:
- `start_peer(first_knock="draft-cavage"|"rfc9421", ed25519=True, authorized_fetch=False)`
  starts a peer on a free port, waits for its "ready" line, and stops it after the test. `fedify_peer` is one default
  peer. The returned `FedifyPeer` drives the peer's control API (see peer.mjs).
- `make_interop_node(name, **federation_settings)` starts a THC node in process (create_app +
  aiohttp TestServer) on http://127.0.0.1:<free port>, workers not autostarted: run them with
  `tests.support.settle(node)`.

Installed by `make test` (target interop-deps): npm ci in tests/interop.
"""
from __future__ import annotations

import json
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from node.clock import SystemClock
from web import appkeys
from web.app import create_app
from web.config import Config, load_config

HERE = Path(__file__).resolve().parent
NODE22 = HERE / "node_modules" / "node" / "bin" / "node"
PEER_SCRIPT = HERE / "peer.mjs"
INSTALL_HINT = "run `make test` (or `make interop-deps`) to install Node 22 and Fedify"
READY_TIMEOUT = 20.0
CONTROL_TIMEOUT = aiohttp.ClientTimeout(total=15)
AS2 = "application/activity+json"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PeerError(AssertionError):
    """A control call the peer answered with an error (Fedify's message included)."""


@dataclass
class FedifyPeer:
    port: int
    first_knock: str
    process: subprocess.Popen = field(repr=False)
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def actor_url(self) -> str:
        return f"{self.url}/users/peer"

    @property
    def key_id(self) -> str:
        return f"{self.actor_url}#main-key"

    def output(self) -> str:
        """The peer's stdout and stderr so far (Fedify's warnings and errors are there)."""
        return self.log.read_text("utf-8", errors="replace")

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        async with aiohttp.ClientSession(timeout=CONTROL_TIMEOUT) as session:
            async with session.request(method, self.url + path, json=body) as response:
                text = await response.text()
                if response.status != 200:
                    raise PeerError(f"peer {method} {path} -> {response.status}: {text}\n"
                                    f"--- peer log ---\n{self.output()[-4000:]}")
                return json.loads(text), response.headers

    async def get_actor(self) -> tuple[int, str, dict]:
        async with aiohttp.ClientSession(timeout=CONTROL_TIMEOUT) as session:
            async with session.get(self.actor_url, headers={"Accept": AS2}) as response:
                return response.status, response.content_type, await response.json(content_type=None)

    async def inbox(self) -> list[dict]:
        """Every POST to the peer's inboxes: body, headers, scheme, Fedify's status and
        verdict (`verified`), and an independent check of the HTTP signature alone."""
        body, _ = await self._call("GET", "/_control/inbox")
        return body["items"]

    async def follow(self, actor: str) -> dict:
        """Fetch `actor` (URL or handle) with a signed GET, then send it a Follow."""
        body, _ = await self._call("POST", "/_control/follow", {"actor": actor})
        return body

    async def send(self, to: str, activity: dict) -> dict:
        """Send any activity as the peer to the inbox of actor `to`."""
        body, _ = await self._call("POST", "/_control/send", {"to": to, "activity": activity})
        return body

    async def lookup(self, url: str) -> tuple[str, dict]:
        """(Fedify class name, compact JSON-LD) of the object at `url`, fetched signed."""
        body, headers = await self._call("GET", f"/_control/lookup?url={quote(url, safe='')}")
        return headers["X-Fedify-Class"], body

    async def nodeinfo(self, base_url: str) -> dict:
        """The server's NodeInfo as Fedify's strict parser reads it: {href, rel, nodeinfo}."""
        body, _ = await self._call("GET", f"/_control/nodeinfo?url={quote(base_url, safe='')}")
        return body

    async def fetches(self) -> list[dict]:
        """Under authorized fetch: each GET of the peer's actor, the key Fedify verified (or
        None) and whether it was served."""
        body, _ = await self._call("GET", "/_control/fetches")
        return body["items"]

    async def sent(self) -> list[dict]:
        body, _ = await self._call("GET", "/_control/sent")
        return body["items"]


def _start_peer_process(directory: Path, first_knock: str, ed25519: bool,
                        authorized_fetch: bool) -> FedifyPeer:
    if not NODE22.exists():
        pytest.fail(f"{NODE22} is missing: " + INSTALL_HINT)
    last = ""
    for attempt in range(3):
        port = free_port()
        log = directory / f"fedify-peer-{port}.log"
        argv = [str(NODE22), str(PEER_SCRIPT), "--port", str(port), "--first-knock", first_knock]
        if not ed25519:
            argv.append("--no-ed25519")
        if authorized_fetch:
            argv.append("--authorized-fetch")
        with log.open("wb") as out:
            process = subprocess.Popen(argv, cwd=HERE, stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=subprocess.STDOUT)
        peer = FedifyPeer(port, first_knock, process, log)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if "\nready\n" in "\n" + peer.output():
                return peer
            if process.poll() is not None:
                break
            time.sleep(0.02)
        else:
            process.kill()
            process.wait()
            pytest.fail(f"the Fedify peer was not ready in {READY_TIMEOUT} s:\n{peer.output()}")
        last = peer.output()
        if "EADDRINUSE" not in last:  # lost a race for the port: try another one
            break
    pytest.fail(f"the Fedify peer exited with {process.returncode}:\n{last}\n({INSTALL_HINT})")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def start_peer(tmp_path):
    peers: list[FedifyPeer] = []

    def factory(first_knock: str = "draft-cavage", *, ed25519: bool = True,
                authorized_fetch: bool = False) -> FedifyPeer:
        peer = _start_peer_process(tmp_path, first_knock, ed25519, authorized_fetch)
        peers.append(peer)
        return peer

    yield factory
    for peer in peers:
        _stop(peer.process)


@pytest.fixture
def fedify_peer(start_peer) -> FedifyPeer:
    return start_peer()


# -- THC nodes on real loopback URLs


@dataclass
class InteropNode:
    name: str
    config: Config
    app: web.Application
    server: TestServer
    clock: SystemClock
    client: aiohttp.ClientSession = field(repr=False)

    @property
    def url(self) -> str:
        return self.config.node.base_url.rstrip("/")

    @property
    def db(self):
        return self.app[appkeys.DATABASE]

    @property
    def fed(self):
        return self.app[appkeys.FEDERATION]


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


def write_interop_config(directory: Path, base_url: str, federation: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    settings = {"allow_private_addresses": True, **federation}
    lines = "".join(f"{key} = {_toml(value)}\n" for key, value in settings.items())
    path = directory / "config.toml"
    path.write_text(
        f'[node]\nbase_url = "{base_url}"\nname = "Territoire {directory.name}"\n\n'
        f"[federation]\n{lines}\n[workers]\nautostart = false\n",
        "utf-8",
    )
    return path


@pytest.fixture
async def make_interop_node(tmp_path):
    """`await make_interop_node("alpha", authorized_fetch=True)`: a node at
    http://127.0.0.1:<port> with a real clock (Fedify checks signatures against its own)."""
    started: list[InteropNode] = []

    async def factory(name: str, **federation: Any) -> InteropNode:
        for attempt in range(3):
            port = free_port()
            config = load_config(write_interop_config(
                tmp_path / f"{name}-{attempt}", f"http://127.0.0.1:{port}", federation))
            client = aiohttp.ClientSession()
            clock = SystemClock()
            app = create_app(config, http_client=client, clock=clock)
            server = TestServer(app, host="127.0.0.1", port=port)
            try:
                await server.start_server()
            except OSError:  # lost a race for the port
                await server.close()
                await client.close()
                continue
            node = InteropNode(name, config, app, server, clock, client)
            started.append(node)
            return node
        pytest.fail("no free port for the THC node after 3 attempts")

    yield factory
    for node in reversed(started):
        await node.server.close()
        await node.client.close()
