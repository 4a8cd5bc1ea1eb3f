"""Fixtures for storage tests: a migrated temporary SQLite database."""
from __future__ import annotations

import pytest

from storage.db import Database


@pytest.fixture
async def db(tmp_path):
    database = await Database(tmp_path / "node.sqlite3").open()
    yield database
    await database.close()
