"""Small test helpers shared by the suite (imported as tests.support)."""
from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver
from aiohttp.test_utils import TestServer

from web import appkeys
from web.config import Config


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
        self.current = now or datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs) -> None:
        self.current += timedelta(**kwargs)


async def settle(*nodes, timeout: float = 5.0) -> int:
    """Run every node's workers once (federation dispatch, delivery, NodeInfo; the domain
    workers), again and again until a full pass does no work; returns the work done."""
    import asyncio

    from web import appkeys

    total = 0
    async with asyncio.timeout(timeout):
        while True:
            done = 0
            for node in nodes:
                done += await node.app[appkeys.FEDERATION].run_once()
                done += await node.app[appkeys.WORKERS].run_once()
            total += done
            if not done:
                return total


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
