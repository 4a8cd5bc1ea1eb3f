"""Password hashing (argon2id, argon2-cffi's RFC 9106 low-memory profile).

A hash costs tens of milliseconds of CPU on purpose: the server runs them in a thread pool
(argon2's C code releases the GIL), at most `concurrency` at a time, so the event loop keeps
answering while they run and a burst of sign-ins queues instead of taking every core.
The synchronous functions serve the CLI, the demo loader and tests.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Hashes running at once: two cores' worth; more would only slow each other.
HASH_CONCURRENCY = 2


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class PasswordHashing:
    """Hashes and checks off the event loop, `concurrency` at a time (a semaphore in front of
    a pool of as many threads: waiting requests hold no thread)."""

    def __init__(self, concurrency: int = HASH_CONCURRENCY, *,
                 hash_fn: Callable[[str], str] | None = None,
                 check_fn: Callable[[str, str], bool] | None = None):
        self.concurrency = concurrency
        self._hash, self._check = hash_fn, check_fn  # None: this module's, looked up per call
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="argon2")
        self._slots = asyncio.Semaphore(concurrency)

    async def hash(self, password: str) -> str:
        return await self._run(self._hash or hash_password, password)

    async def check(self, password_hash: str, password: str) -> bool:
        return await self._run(self._check or check_password, password_hash, password)

    async def _run(self, fn, *args):
        async with self._slots:
            return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


PASSWORD_HASHING = web.AppKey("password_hashing", PasswordHashing)


def password_hashing(request: web.Request) -> PasswordHashing:
    return request.app[PASSWORD_HASHING]
