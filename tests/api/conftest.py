"""Fixtures for the JSON API tests: a real node with a seeded territory and tokens.

The territory is built once per run, through the real use cases, into a database file; each
test starts its node on a copy of that file (a node restarted on its data, as in production)
and gets the same members, ids and tokens."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from storage.db import Database
from tests.support import FrozenClock, checkpointed

from .client import Api
from .world import World, build_world

KEY_INDEX = 0  # the world's node holds the pool's first node key pair


@dataclass(frozen=True)
class WorldSnapshot:
    database: Path
    members: dict[str, Any]
    ids: dict[str, int]
    tokens: dict[str, str]


class WorldSnapshots:
    def __init__(self, directory: Path):
        self.directory = directory
        self.snapshot: WorldSnapshot | None = None

    async def get(self, database_templates) -> WorldSnapshot:
        if self.snapshot is None:
            path = self.directory / "api-world.sqlite3"
            path.write_bytes((await database_templates.with_node_keys(KEY_INDEX)).read_bytes())
            database = await Database(path).open()
            try:
                # build_world needs only a node's database and clock (no HTTP, no workers)
                built = await build_world(SimpleNamespace(db=database, clock=FrozenClock()))
            finally:
                await database.close()
            self.snapshot = WorldSnapshot(checkpointed(path), built.members, built.ids, built.api.tokens)
        return self.snapshot


@pytest.fixture(scope="session")
def world_snapshots(tmp_path_factory) -> WorldSnapshots:
    return WorldSnapshots(tmp_path_factory.mktemp("api-world"))


@pytest.fixture
async def world(make_node, world_snapshots, database_templates) -> World:
    snapshot = await world_snapshots.get(database_templates)
    node = await make_node("alpha", database=(snapshot.database, KEY_INDEX))
    world = World(node, Api(node, tokens=dict(snapshot.tokens)), dict(snapshot.members),
                  dict(snapshot.ids))
    await world.api.load_document()
    return world


@pytest.fixture
def api(world):
    return world.api
