"""Migrations: from empty, re-run, rollback of a failed one, refusal of a newer schema."""
from __future__ import annotations

import sqlite3

import pytest

from storage.db import Database
from storage.migrate import Migration, MigrationError, load_migrations, migrate, schema_version


def _connect(path):
    return sqlite3.connect(path, isolation_level=None)


def test_migrate_from_empty_reaches_the_latest_version_and_rerun_does_nothing(tmp_path):
    # Given an empty file
    conn = _connect(tmp_path / "db.sqlite3")
    try:
        # When
        first = migrate(conn)
        second = migrate(conn)
        version = schema_version(conn)
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
    # Then
    assert first == [m.name for m in load_migrations()]
    assert second == []
    assert version == len(load_migrations())
    assert {"members", "debates", "api_tokens", "actor_keys", "events"} <= tables


def test_failed_migration_rolls_back_and_keeps_the_version(tmp_path):
    # Given a migration that creates a table, then fails
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);")
    conn = _connect(tmp_path / "db.sqlite3")
    try:
        # When
        with pytest.raises(MigrationError, match="0002_b.sql failed and was rolled back"):
            migrate(conn, [good, bad])
        version = schema_version(conn)
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
    # Then: the first applied, the second left no trace
    assert version == 1
    assert tables == {"a"}


async def test_database_newer_than_the_software_is_refused(tmp_path):
    # Given a database from a future version
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 999")
    # When / Then
    with pytest.raises(MigrationError, match="newer than this software"):
        await Database(path).open()


def test_migration_numbers_have_no_gap(tmp_path):
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="0002 is missing"):
        load_migrations(tmp_path)
