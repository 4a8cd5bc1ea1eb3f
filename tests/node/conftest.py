"""Fixtures for node tests: a migrated temporary SQLite database and a frozen clock."""
from __future__ import annotations

import pytest

from storage.db import Database
from tests.support import FrozenClock


@pytest.fixture
async def db(tmp_path, database_templates):
    """A copy of the run's migrated template (tests/storage/test_migrate.py migrates afresh)."""
    path = await database_templates.copy_migrated(tmp_path / "node.sqlite3")
    database = await Database(path).open()
    yield database
    await database.close()


@pytest.fixture
def clock():
    return FrozenClock()
