"""Background workers of the node itself (federation runs its own: federation/service.py);
each does one unit of work per pass, and `run_once` lets tests drive them."""
from __future__ import annotations

import asyncio
import logging

from node import services
from node.ports import Clock

log = logging.getLogger(__name__)


class Workers:
    def __init__(self, database, clock: Clock, poll_seconds: float):
        self.database = database
        self.clock = clock
        self.poll_seconds = poll_seconds

    async def run_once(self) -> int:
        """One pass over every worker; returns how many items were processed."""
        async with self.database.transaction() as tx:
            closed = await services.close_due_debates(tx, self.clock)
        for debate in closed:
            log.info("debate %s closed: its closing date passed", debate.slug)
        return len(closed)

    async def run_forever(self) -> None:
        while True:
            try:
                done = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                # Catch only at the loop boundary: log, wait, and go on.
                log.exception("worker pass failed")
                done = 0
            if not done:
                await asyncio.sleep(self.poll_seconds)
