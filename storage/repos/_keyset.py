"""Keyset pagination for the deliberation lists: cursors of one or two integers, and pages.

A cursor names the last row seen ("<id>" or "<score>.<id>"), so each page costs the same
whatever its depth (no OFFSET).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from node.errors import Invalid
from node.model import Page

T = TypeVar("T")


def encode(*parts: int) -> str:
    return ".".join(str(part) for part in parts)


def decode(cursor: str | None, size: int) -> tuple[int, ...] | None:
    """The cursor's integers, None for the first page; a malformed cursor is invalid input."""
    if cursor is None:
        return None
    parts = cursor.split(".")
    if len(parts) != size or not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
        raise Invalid("the page cursor is not valid", field="after")
    return tuple(int(p) for p in parts)


def page(items: Sequence[T], limit: int, key: Callable[[T], tuple[int, ...]]) -> Page[T]:
    """`items` were fetched with LIMIT limit + 1: one more means another page follows."""
    kept = tuple(items[:limit])
    return Page(kept, encode(*key(kept[-1])) if len(items) > limit else None)
