"""Fixtures for the JSON API tests: a real node with a seeded territory and tokens."""
from __future__ import annotations

import pytest

from .world import World, build_world


@pytest.fixture
async def world(make_node) -> World:
    node = await make_node("alpha")
    world = await build_world(node)
    await world.api.load_document()
    return world


@pytest.fixture
def api(world):
    return world.api
