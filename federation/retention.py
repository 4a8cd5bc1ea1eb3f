"""Retention: what the federation tables may forget, and when (config `[federation]`
*_retention_days). Run by web/workers.py; each table is trimmed in short transactions of
BATCH rows so that the inbox and the delivery pool never wait long for the write lock."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from storage.db import Database
from storage.repos.inbox import InboxRepo
from storage.repos.outbox import OutboxRepo
from storage.repos.remote import RemoteRepo

log = logging.getLogger(__name__)

BATCH = 500  # rows per transaction: a few milliseconds of the write lock
MAX_BATCHES = 200  # per table and pass: a backlog is worked off over several passes


class Settings(Protocol):
    inbox_retention_days: float
    seen_ids_retention_days: float
    delivery_retention_days: float
    remote_actor_retention_days: float


@dataclass(frozen=True, slots=True)
class Purged:
    inbox: int = 0
    seen_ids: int = 0
    deliveries: int = 0
    remote_actors: int = 0

    @property
    def total(self) -> int:
        return self.inbox + self.seen_ids + self.deliveries + self.remote_actors


async def _drain(db: Database, step) -> int:
    total = 0
    for _ in range(MAX_BATCHES):
        async with db.transaction() as tx:
            done = await step(tx.conn)
        total += done
        if done < BATCH:
            break
    return total


async def run(db: Database, settings: Settings, now: datetime) -> Purged:
    """One retention pass over the inbox, the seen ids, deliveries and remote actors."""
    days = lambda n: timedelta(days=n)  # noqa: E731
    inbox_cutoff = now - days(settings.inbox_retention_days)
    # An id is remembered for seen_ids_retention_days after its row goes.
    forget_after = now + days(settings.seen_ids_retention_days)
    purged = Purged(
        inbox=await _drain(db, lambda c: InboxRepo(c).purge_finished(inbox_cutoff, forget_after,
                                                                     BATCH)),
        seen_ids=await _drain(db, lambda c: InboxRepo(c).forget_seen(now, BATCH)),
        deliveries=await _drain(db, lambda c: OutboxRepo(c).purge_delivered(
            now - days(settings.delivery_retention_days), BATCH)),
        remote_actors=await _drain(db, lambda c: RemoteRepo(c).purge_unused_actors(
            now - days(settings.remote_actor_retention_days), BATCH)),
    )
    if purged.total:
        log.info("retention: %d inbox records, %d seen ids, %d deliveries, %d remote actors",
                 purged.inbox, purged.seen_ids, purged.deliveries, purged.remote_actors)
    return purged
