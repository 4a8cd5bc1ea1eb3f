"""One inbox message being processed, as every receiver (handlers.py, participation.py,
territory_receivers.py) gets it, and the exception that records it as ignored."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from storage.repos.inbox import InboxMessage, InboxRepo

from .deps import Deps


class Ignored(Exception):
    """Nothing for us to do with this activity (recorded as `ignored`, with the reason)."""


@dataclass
class Work:
    """One message being processed; its handler commits through `transaction()`."""

    fed: Deps
    message: InboxMessage
    committed: bool = field(default=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator:
        """The handler's one write transaction; it also marks the message processed."""
        async with self.fed.db.transaction() as tx:
            yield tx
            await InboxRepo(tx.conn).finish(self.message.id, "processed", self.fed.now())
        self.committed = True
