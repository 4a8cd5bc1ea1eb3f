"""Numbered SQL migrations, tracked in PRAGMA user_version; each applies in one transaction.

Plain sqlite3: they run on the writer's thread (Database.open, Database.migrate)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import sqlite3

_NAME_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path | None = None) -> list[Migration]:
    """The migrations in order; numbering must start at 1 with no gap."""
    source = directory if directory is not None else resources.files("storage") / "migrations"
    found = []
    for entry in source.iterdir():
        match = _NAME_RE.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {expected:04d} is missing before {migration.name}")
    return found


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Apply pending migrations; return the names applied. Needs an autocommit connection."""
    migrations = load_migrations() if migrations is None else migrations
    current = schema_version(conn)
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise MigrationError(
            f"the database is at schema version {current}, newer than this software ({latest}): "
            "upgrade thc-node or restore a matching backup"
        )
    applied = []
    for migration in migrations[current:]:
        # user_version lives in the database header and is transactional, so a failed
        # migration leaves both the schema and the version as they were.
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{migration.sql}\n;"
                               f"PRAGMA user_version = {migration.version};\nCOMMIT;")
        except Exception as exc:
            if conn.in_transaction:
                conn.rollback()
            raise MigrationError(
                f"migration {migration.name} failed and was rolled back: {exc}") from exc
        applied.append(migration.name)
    return applied
