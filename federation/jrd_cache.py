"""Rendered WebFinger answers (JRDs), held per resource so that a busy endpoint reads no table."""
from __future__ import annotations

import time
from collections import OrderedDict

from . import vocab

_JRD_CACHE_SIZE = 1024
_ANSWER_SECONDS = 1.0


class JrdCache:
    """Rendered JRDs by resource; a JRD depends only on the actor's kind, name and id.

    Answers are also held by the `resource` asked (subject and JRD, or None for "no such"), so
    that a busy WebFinger endpoint parses nothing and reads no table: valid until the next
    commit of this process, and _ANSWER_SECONDS at most (the CLI writes from another process),
    as local_actors.py holds names."""

    def __init__(self):
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._answers: OrderedDict[str, tuple[float, int, bytes | None]] = OrderedDict()

    def answer(self, resource: str, commits: int) -> tuple[bool, bytes | None]:
        """(held, body): body None means "no such resource" was the answer."""
        held = self._answers.get(resource)
        if held is not None and held[1] == commits and held[0] > time.monotonic():
            return True, held[2]
        return False, None

    def hold(self, resource: str, commits: int, body: bytes | None) -> None:
        self._answers[resource] = (time.monotonic() + _ANSWER_SECONDS, commits, body)
        self._answers.move_to_end(resource)
        while len(self._answers) > _JRD_CACHE_SIZE:
            self._answers.popitem(last=False)

    def get(self, key: tuple, render) -> bytes:
        body = self._items.get(key)
        if body is None:
            body = self._items[key] = vocab.dumps(render())
            while len(self._items) > _JRD_CACHE_SIZE:
                self._items.popitem(last=False)
        self._items.move_to_end(key)
        return body
