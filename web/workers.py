"""Background workers: each does one unit of work per pass; `run_once` lets tests drive them."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from federation import retention, territories
from node import services
from node.ports import Clock

log = logging.getLogger(__name__)

RETENTION_EVERY = timedelta(hours=1)  # ages are counted in days: hourly is plenty


class Workers:
    def __init__(self, database, clock: Clock, poll_seconds: float, federation=None):
        self.database = database
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.federation = federation  # for the territories' backfill (issue 5)
        self.next_retention: datetime | None = None  # None: at the first pass

    async def run_once(self) -> int:
        """One pass over every worker; returns how many items were processed."""
        async with self.database.transaction() as tx:
            closed = await services.close_due_debates(tx, self.clock)
        for debate in closed:
            log.info("debate %s closed: its closing date passed", debate.slug)
        done = len(closed)
        if self.federation is not None:
            # Followed territories' existing proposals, one page per territory and pass.
            done += await territories.run_once(self.federation)
            done += await self.run_retention()
        return done

    async def run_retention(self, *, force: bool = False) -> int:
        """Forget old federation rows (federation/retention.py), at most once an hour."""
        now = self.clock.now()
        if not force and self.next_retention is not None and now < self.next_retention:
            return 0
        self.next_retention = now + RETENTION_EVERY
        fed = self.federation
        return (await retention.run(fed.db, fed.settings, now)).total

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
