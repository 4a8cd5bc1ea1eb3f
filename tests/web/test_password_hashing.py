"""argon2 runs off the event loop, a bounded number at a time, and only for registrations
that can succeed: the node keeps answering while hashes run."""
from __future__ import annotations

import asyncio
import threading

import aiohttp
from yarl import URL

from tests.web.deliberation_support import add_member
from web import auth

PASSWORD = "une phrase de passe longue"


class BlockedHashes:
    """Hash functions that wait on `release`, counting who is inside at once."""

    def __init__(self):
        self.real = auth.hash_password
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.inside = self.most = self.calls = 0
        self.full = threading.Event()  # as many inside as the bound allows

    def hash(self, password: str) -> str:
        with self.lock:
            self.calls += 1
            self.inside += 1
            self.most = max(self.most, self.inside)
            if self.inside == 2:
                self.full.set()
        self.release.wait(10)
        with self.lock:
            self.inside -= 1
        return self.real(password)


async def _register(node, username: str) -> int:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(connector=node.client.connector, connector_owner=False,
                                     cookie_jar=jar) as browser:
        async with browser.get(f"{node.url}/inscription") as response:
            await response.read()
        token = jar.filter_cookies(URL(node.url)).get("thc_csrf").value
        async with browser.post(f"{node.url}/inscription", allow_redirects=False, data={
                "csrf_token": token, "username": username, "password": PASSWORD}) as response:
            await response.read()
            return response.status


async def test_the_loop_answers_while_hashes_run_and_at_most_two_run_at_once(node, monkeypatch):
    # Given hashes that block until released, two at a time (the node's bound)
    assert auth.HASH_CONCURRENCY == 2
    blocked = BlockedHashes()
    monkeypatch.setattr(auth, "hash_password", blocked.hash)
    # When six people register at once
    registrations = [asyncio.create_task(_register(node, f"membre{i}")) for i in range(6)]
    await asyncio.get_running_loop().run_in_executor(None, blocked.full.wait, 10)
    # Then, while two hashes are inside and four wait, the node answers
    async with node.client.get(f"{node.url}/healthz") as response:
        assert response.status == 200
    async with node.client.get(f"{node.url}/") as response:
        assert response.status == 200
    assert blocked.inside == 2 and not any(task.done() for task in registrations)
    # And once released, every registration completes, never more than two hashing at once
    blocked.release.set()
    assert await asyncio.gather(*registrations) == [303] * 6
    assert blocked.most == 2 and blocked.calls == 6


async def test_refused_registrations_spend_no_hash(node, monkeypatch):
    # Given a taken username and a hash that counts its calls
    await add_member(node, "anne")
    blocked = BlockedHashes()
    blocked.release.set()
    monkeypatch.setattr(auth, "hash_password", blocked.hash)
    # When registrations are refused for cheap reasons: a taken name, an invalid name
    statuses = [await _register(node, name) for name in ("anne", "Anne!", "a")]
    # Then each is refused, and no hash was computed
    assert statuses == [422, 422, 422]
    assert blocked.calls == 0
