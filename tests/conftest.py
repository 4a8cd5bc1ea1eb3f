"""Test harness: real nodes on 127.0.0.1, each with its own SQLite file and host name.

`fake_dns` maps names such as alpha.test to the loopback port of a running test server, so
nodes talk real HTTP to each other under distinct origins (an origin check comparing bare
hosts, or forgetting the port, cannot pass by accident).
"""
from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from web import appkeys
from web.app import create_app
from web.config import Config, load_config

from .support import (
    DatabaseTemplates,
    FakeResolver,
    FrozenClock,
    NodeDatabases,
    TestNode,
    share_compiled_templates,
)


def write_config(directory: Path, base_url: str, extra: str = "", node_extra: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.toml"
    path.write_text(
        f'[node]\nbase_url = "{base_url}"\nname = "Territoire {directory.name}"\n{node_extra}\n'
        '[federation]\nallow_private_addresses = true\n\n'
        "[workers]\nautostart = false\n" + extra,
        "utf-8",
    )
    return path


@pytest.fixture
def fake_dns() -> FakeResolver:
    return FakeResolver()


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory) -> DatabaseTemplates:
    """Migrated databases made once per run (lazily, by the first test that needs one)."""
    return DatabaseTemplates(tmp_path_factory.mktemp("database-templates"))


@pytest.fixture
def node_databases(database_templates) -> NodeDatabases:
    """Each node a test starts gets a copy of a migrated database holding its own keys."""
    return NodeDatabases(database_templates)


@pytest.fixture
async def make_node(tmp_path, fake_dns, node_databases):
    """Start a real node named `<name>.test`: its own config file, SQLite file and port."""
    started: list[TestNode] = []
    sessions: list[aiohttp.ClientSession] = []

    async def factory(name: str, *, extra_config: str = "", node_config: str = "",
                      database: tuple[Path, int] | None = None) -> TestNode:
        """`extra_config` adds sections after [federation]/[workers]; `node_config` adds
        [node] keys, e.g. 'registration = "invitation"'; `database` starts the node on a copy
        of that file, made with that index of the node key pool (tests.support)."""
        host = f"{name}.test"
        config = load_config(write_config(tmp_path / name, f"http://{host}", extra_config, node_config))
        copy_of, key_index = database or (None, None)
        await node_databases.prepare(config.storage.database_path, copy_of=copy_of,
                                     key_index=key_index)
        http_client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=fake_dns))
        sessions.append(http_client)
        clock = FrozenClock()
        app = share_compiled_templates(create_app(config, http_client=http_client, clock=clock,
                                                     resolver=fake_dns))
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        fake_dns.register(host, server.port)
        node = TestNode(name, host, config, app, server, clock, http_client)
        started.append(node)
        return node

    yield factory
    for node in reversed(started):
        await node.server.close()
    for session in sessions:
        await session.close()


@pytest.fixture
async def node(make_node) -> TestNode:
    return await make_node("alpha")
