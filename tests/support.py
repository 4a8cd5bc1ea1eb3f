"""Small test helpers shared by the suite (imported as tests.support)."""
from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import aiohttp
import jinja2
from aiohttp import web
from aiohttp.abc import AbstractResolver
from aiohttp.test_utils import TestServer

from federation.keys import NODE_OWNER, generate_actor_keys
from storage.db import Database
from storage.repos.keys import ActorKeys
from web import appkeys
from web.config import Config

FROZEN_NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


class FakeResolver(AbstractResolver):
    """Resolves registered test host names to 127.0.0.1 and their server's port."""

    def __init__(self):
        self.ports: dict[str, int] = {}

    def register(self, host: str, port: int) -> None:
        self.ports[host] = port

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET):
        if host not in self.ports:
            raise OSError(f"fake DNS: unknown host {host}")
        return [{"hostname": host, "host": "127.0.0.1", "port": self.ports[host],
                 "family": socket.AF_INET, "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        pass


class FrozenClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, now: datetime | None = None):
        self.current = now or FROZEN_NOW

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs) -> None:
        self.current += timedelta(**kwargs)


async def settle(*nodes, timeout: float = 60.0, max_passes: int = 1000) -> int:
    """Run every node's workers once (federation dispatch, delivery, NodeInfo; the domain
    workers), again and again until a full pass does no work; returns the work done.

    Work that never ends fails after `max_passes` passes, whatever the machine's load; the
    `timeout` only stops a pass stuck on an await, so it is generous (a shared, loaded test
    machine can take several seconds for what takes a fraction of one alone)."""
    import asyncio

    from web import appkeys

    total = 0
    async with asyncio.timeout(timeout):
        for _ in range(max_passes):
            done = 0
            for node in nodes:
                done += await node.app[appkeys.FEDERATION].run_once()
                done += await node.app[appkeys.WORKERS].run_once()
            total += done
            if not done:
                return total
    raise AssertionError(f"the workers still had work after {max_passes} passes")


@dataclass
class TestNode:
    __test__ = False
    name: str
    host: str
    config: Config
    app: web.Application
    server: TestServer
    clock: FrozenClock
    client: aiohttp.ClientSession = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    @property
    def db(self):
        return self.app[appkeys.DATABASE]


@lru_cache(maxsize=None)
def pooled_keys(index: int) -> ActorKeys:
    """The index-th key pair of a pool generated once per test run (RSA-2048 takes ~0.1 s).
    Distinct indices give distinct keys; callers set the owner."""
    return generate_actor_keys(f"pool:{index}", FROZEN_NOW)


class DatabaseTemplates:
    """Migrated SQLite files, made once per test run and copied for each test: migrating a
    fresh database costs tens of milliseconds, a file copy a fraction of one.

    `with_node_keys(i)` also holds a node key pair (the i-th of the pool), as a node's start
    would create it; the start finds it and skips RSA generation."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._migrated: Path | None = None
        self._with_node_keys: dict[int, Path] = {}

    async def migrated(self) -> Path:
        if self._migrated is None:
            path = self.directory / "migrated.sqlite3"
            database = await Database(path).open()
            await database.close()
            self._migrated = checkpointed(path)
        return self._migrated

    async def with_node_keys(self, index: int) -> Path:
        if index not in self._with_node_keys:
            path = self.directory / f"node-keys-{index}.sqlite3"
            shutil.copyfile(await self.migrated(), path)
            database = await Database(path).open()
            async with database.transaction() as tx:
                await tx.keys.add(replace(pooled_keys(index), owner=NODE_OWNER))
            await database.close()
            self._with_node_keys[index] = checkpointed(path)
        return self._with_node_keys[index]

    async def copy_migrated(self, target: Path) -> Path:
        shutil.copyfile(await self.migrated(), target)
        return target


def checkpointed(path: Path) -> Path:
    # Closing the last connection checkpoints the WAL into the main file and removes it:
    # then the main file alone is the whole database, and a plain copy is a faithful one.
    leftovers = [p for p in (Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    assert not leftovers, f"a template database was not checkpointed: {leftovers}"
    return path


class NodeDatabases:
    """For one test: gives each node it starts a migrated database with its own key pair
    (distinct within the test; the pool is reused across tests)."""

    def __init__(self, templates: DatabaseTemplates):
        self.templates = templates
        self.key_indices: set[int] = set()  # pool key pairs held by this test's nodes

    async def prepare(self, path: Path, *, copy_of: Path | None = None,
                      key_index: int | None = None) -> None:
        """`copy_of`: start from that database instead (a snapshot made with the pool's
        `key_index`-th node key pair, e.g. by `DatabaseTemplates.with_node_keys`)."""
        if path.exists():  # a node restarted on its database keeps it
            return
        if copy_of is None:
            key_index = next(i for i in range(len(self.key_indices) + 1)
                             if i not in self.key_indices)
            copy_of = await self.templates.with_node_keys(key_index)
        assert key_index is not None and key_index not in self.key_indices, \
            "two nodes of one test would share a key pair"
        self.key_indices.add(key_index)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy_of, path)


class CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's compiled templates kept in memory for the whole run: compiling the templates
    costs ~0.9 s of CPU per app, and every test builds its own app. Jinja checks each entry
    against its template's source before using it; every app's Environment has the same
    options (web/templates.py), so their compiled code is the same."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def share_compiled_templates(app: web.Application) -> web.Application:
    """Give a freshly built app (no template loaded yet) the run's compiled templates."""
    environment = app[appkeys.TEMPLATES].env
    assert not environment.cache, "set a bytecode cache before the first template loads"
    environment.bytecode_cache = COMPILED_TEMPLATES
    return app
