"""Whole answers to public document GETs (actors, WebFinger), held by raw path and query.

The documents themselves are already cached as bytes (local_actors.py, webfinger.py); what a
busy peer still paid for was the way there: the handler, the actor lookup, the response
built header by header. A held answer is replayed as is while nothing has changed: until the
next commit of this process (Database.commits), and HOLD_SECONDS at most (the CLI writes from
another process), as the lookups themselves are held. Only 200 answers of handlers marked
`holdable`, never under authorized fetch (each GET must then prove who asks)."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from multidict import CIMultiDict, CIMultiDictProxy

HOLD_SECONDS = 1.0
HELD_MAX = 1024
MAX_KEY_LENGTH = 1024  # a path and query longer than this is remote input not worth holding
HOLDABLE = "federation_holdable"

H = TypeVar("H", bound=Callable)


def holdable(handler: H) -> H:
    """Mark a GET handler whose 200 answer depends only on the URL and the database."""
    setattr(handler, HOLDABLE, True)
    return handler


class HeldResponses:
    def __init__(self, *, seconds: float = HOLD_SECONDS, size: int = HELD_MAX):
        self.seconds = seconds
        self.size = size
        self._held: dict[str, tuple[float, int, bytes, CIMultiDictProxy[str]]] = {}

    def get(self, key: str, commits: int) -> tuple[bytes, CIMultiDictProxy[str]] | None:
        held = self._held.get(key)
        if held is None or held[1] != commits or held[0] <= time.monotonic():
            return None
        return held[2], held[3]

    def hold(self, key: str, commits: int, body: bytes, headers: CIMultiDict[str]) -> None:
        if len(key) > MAX_KEY_LENGTH:
            return
        if len(self._held) >= self.size:
            self._held.clear()  # bounded; the next requests hold what is asked now
        kept = CIMultiDict((name, value) for name, value in headers.items()
                           if name not in ("Content-Length", "Date", "Server"))
        self._held[key] = (time.monotonic() + self.seconds, commits, body,
                           CIMultiDictProxy(kept))
