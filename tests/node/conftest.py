"""Fixtures for node tests: a migrated temporary SQLite database and a frozen clock."""
from __future__ import annotations

import pytest

from storage.db import Database
from tests.support import FrozenClock


@pytest.fixture
async def db(tmp_path):
    database = await Database(tmp_path / "node.sqlite3").open()
    yield database
    await database.close()


@pytest.fixture
def clock():
    return FrozenClock()
