"""Federation test harness: real nodes with chosen [federation] settings, hostile peers on
their own fake host names, and builders for debates and members.

Import the fixture into a test module with `from tests.federation.harness import make_fed_node`.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from federation.keys import generate_actor_keys
from federation.service import FederationService
from federation.signatures import sign_request_cavage, sign_request_rfc9421
from node import services
from node.accounts import NewMember
from node.model import DebateStatus, NewDebate, Operator, Role
from storage.repos.keys import ActorKeys, KeyRepo
from tests.support import FakeResolver, FrozenClock, TestNode, share_compiled_templates
from web import appkeys
from web.app import create_app
from web.config import Config, load_config

AS2 = "application/activity+json"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)  # strings and lists of strings are valid TOML this way


@dataclass
class FedNode(TestNode):
    __test__ = False

    @property
    def fed(self) -> FederationService:
        return self.app[appkeys.FEDERATION]


def write_fed_config(directory: Path, base_url: str, federation: dict[str, Any],
                     language: str = "fr") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"{key} = {_toml(value)}\n" for key, value in federation.items())
    path = directory / "config.toml"
    path.write_text(
        f'[node]\nbase_url = "{base_url}"\nname = "Territoire {directory.name}"\n'
        f'default_language = "{language}"\n\n'
        f"[federation]\n{lines}\n[workers]\nautostart = false\n",
        "utf-8",
    )
    return path


@pytest.fixture
async def make_fed_node(tmp_path, fake_dns, node_databases):
    """Start a real node `<name>.test` with [federation] overrides (private addresses allowed
    unless overridden): `await make_fed_node("alpha", authorized_fetch=True)`."""
    started: list[FedNode] = []

    async def factory(name: str, *, port: int | None = None, language: str = "fr",
                      **federation: Any) -> FedNode:
        # `port` puts a port in the base URL (handles become name@host:port); the fake DNS
        # still sends every connection to the test server's real port.
        host = f"{name}.test"
        authority = f"{host}:{port}" if port else host
        settings = {"allow_private_addresses": True, **federation}
        config = load_config(write_fed_config(tmp_path / name, f"http://{authority}", settings,
                                              language))
        await node_databases.prepare(config.storage.database_path)
        client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=fake_dns))
        clock = FrozenClock()
        app = share_compiled_templates(create_app(config, http_client=client, clock=clock,
                                                     resolver=fake_dns))
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        fake_dns.register(host, server.port)
        node = FedNode(name, authority, config, app, server, clock, client)
        started.append(node)
        return node

    yield factory
    for node in reversed(started):
        await node.server.close()
        await node.client.close()


# -- builders


async def open_debate(node, slug: str, title: str = "L'eau potable", description: str = ""):
    async with node.db.transaction() as tx:
        await services.create_debate(tx, node.clock, Operator(),
                                     NewDebate(slug, title, description or f"Débat {slug}."))
        return await services.change_debate_status(tx, node.clock, Operator(), slug,
                                                   DebateStatus.OPEN)


async def add_member(node, username: str, *, role: Role = Role.CITIZEN, mandate: str = "",
                     display_name: str = "", keys: ActorKeys | None = None):
    """Admit a member; `keys` gives them a pre-generated key pair (saves RSA time in bulk)."""
    async with node.db.transaction() as tx:
        member = await services.admit_member(
            tx, node.clock, Operator(),
            NewMember(username, display_name or username.capitalize(), role, mandate))
        if keys is not None:
            await KeyRepo(tx.conn).add(replace(keys, owner=f"member:{member.id}"))
        return member


# -- hostile peers


@lru_cache(maxsize=None)
def peer_keys(index: int) -> ActorKeys:
    """Key pairs for hostile peers, generated once per test session (RSA is slow)."""
    return generate_actor_keys(f"peer:{index}", datetime(2026, 1, 1))


class Peer:
    """A small aiohttp server on its own fake host name, publishing actors with its own keys
    and recording every request it receives."""

    def __init__(self, fake_dns: FakeResolver, name: str):
        self.fake_dns = fake_dns
        self.host = f"{name}.test"
        self.url = f"http://{self.host}"
        self.actors: dict[str, dict] = {}
        self.keys: dict[str, ActorKeys] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.inbox_status = 202
        self.get_status: int | None = None  # set to answer every GET with this status
        self.documents: dict[str, dict] = {}  # more AS2 documents by path (key documents…)
        self.webfinger: dict[str, dict] = {}  # JRDs by resource
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server: TestServer | None = None
        self.session: aiohttp.ClientSession | None = None

    def actor_uri(self, user: str) -> str:
        return f"{self.url}/users/{user}"

    def add_actor(self, user: str, keys: ActorKeys, *, type: str = "Person",
                  published_pem: str | None = None, owner: str | None = None,
                  key_id: str | None = None, username: str | None = None) -> str:
        actor_id = self.actor_uri(user)
        self.keys[user] = keys
        self.actors[f"/users/{user}"] = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": actor_id, "type": type, "preferredUsername": username or user,
            "inbox": f"{actor_id}/inbox", "outbox": f"{actor_id}/outbox",
            "publicKey": {"id": key_id or f"{actor_id}#main-key", "owner": owner or actor_id,
                          "publicKeyPem": published_pem or keys.rsa_public_pem},
        }
        return actor_id

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs, dict(request.headers)))
        if request.method == "GET" and self.get_status is not None:
            return web.Response(status=self.get_status)
        if request.method == "GET" and request.path in self.actors:
            return web.json_response(self.actors[request.path], content_type=AS2)
        if request.method == "GET" and request.path in self.documents:
            return web.json_response(self.documents[request.path], content_type=AS2)
        if request.path == "/.well-known/webfinger":
            jrd = self.webfinger.get(request.query.get("resource", ""))
            if jrd is not None:
                return web.json_response(jrd, content_type="application/jrd+json")
        if request.method == "POST" and request.path.endswith("/inbox"):
            await request.read()
            return web.Response(status=self.inbox_status)
        return web.Response(status=404)

    async def start(self) -> "Peer":
        self.server = TestServer(self.app, host="127.0.0.1")
        await self.server.start_server()
        self.fake_dns.register(self.host, self.server.port)
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=self.fake_dns))
        return self

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        if self.server is not None:
            await self.server.close()

    def gets(self) -> list[str]:
        return [path for method, path, _ in self.requests if method == "GET"]

    def activity(self, user: str, kind: str, obj: Any, *, activity_id: str | None = None) -> dict:
        actor = self.actor_uri(user)
        return {"@context": "https://www.w3.org/ns/activitystreams",
                "id": activity_id or f"{actor}/activities/{uuid.uuid4()}",
                "type": kind, "actor": actor, "object": obj}

    async def post(self, url: str, document: Any = None, *, user: str = "mallory",
                   body: bytes | None = None, now: datetime, scheme: str = "cavage",
                   key: ActorKeys | None = None, key_id: str | None = None, sign: bool = True,
                   extra_headers: dict[str, str] | None = None,
                   content_type: str = AS2) -> tuple[int, str]:
        """POST signed by `user` (or by `key` under `key_id`); returns (status, text)."""
        assert self.session is not None
        body = body if body is not None else json.dumps(document).encode()
        headers = {"Content-Type": content_type}
        if sign:
            signer = sign_request_rfc9421 if scheme == "rfc9421" else sign_request_cavage
            keys = key or self.keys[user]
            headers.update(signer(method="POST", url=url, headers=headers, body=body,
                                  key_id=key_id or f"{self.actor_uri(user)}#main-key",
                                  private_key_pem=keys.rsa_private_pem, now=now))
        headers.update(extra_headers or {})
        async with self.session.post(url, data=body, headers=headers) as response:
            self.last_headers = response.headers
            return response.status, await response.text()


@pytest.fixture
async def make_peer(fake_dns):
    peers: list[Peer] = []

    async def factory(name: str) -> Peer:
        peer = await Peer(fake_dns, name).start()
        peers.append(peer)
        return peer

    yield factory
    for peer in peers:
        await peer.close()
