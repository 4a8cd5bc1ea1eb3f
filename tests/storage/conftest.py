"""Fixtures for storage tests: a migrated temporary SQLite database."""
from __future__ import annotations

import pytest

from storage.db import Database


@pytest.fixture
async def db(tmp_path, database_templates):
    """A copy of the run's migrated template (tests/storage/test_migrate.py migrates afresh)."""
    path = await database_templates.copy_migrated(tmp_path / "node.sqlite3")
    database = await Database(path).open()
    yield database
    await database.close()
