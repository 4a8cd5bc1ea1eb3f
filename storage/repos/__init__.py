"""Repositories, one module per table family; `Repos` bundles them on one connection."""
from __future__ import annotations

import aiosqlite

from .debates import DebateRepo
from .events import EventRepo
from .keys import KeyRepo
from .members import MemberRepo
from .tokens import TokenRepo


class Repos:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn
        self.members = MemberRepo(conn)
        self.debates = DebateRepo(conn)
        self.tokens = TokenRepo(conn)
        self.events = EventRepo(conn)
        self.keys = KeyRepo(conn)


__all__ = ["Repos", "DebateRepo", "EventRepo", "KeyRepo", "MemberRepo", "TokenRepo"]
