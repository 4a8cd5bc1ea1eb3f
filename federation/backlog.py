"""The inbox's backlog bound: activities recorded and not yet processed, per sending host and
in all. Any server may sign as many valid activities as it likes; recording all of them would
let one peer fill the disk and keep every other peer's activities waiting behind its own. Past
the bound the inbox answers 429 (that host) or 503 (everyone) with `Retry-After`, before the
signature is checked: Mastodon retries both later with backoff, and so does our delivery.

The counts live in memory (the inbox's hot path reads a dict). A new record raises its host's
count; dispatch lowers the true count without telling us, so the counts only ever err high,
and they are recounted from the database before anything is refused (at most once a second).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from storage.repos.inbox import InboxRepo

if TYPE_CHECKING:
    from storage.db import Database

RETRY_AFTER_SECONDS = 60
RECOUNT_EVERY_SECONDS = 1.0


def authority(url: str) -> str:
    """host[:port] of an http(s) URL, computed exactly as InboxRepo.backlog_by_host does in SQL
    (a find and a split: this runs for every inbox request)."""
    return url[url.find("://") + 3:].split("/", 1)[0]


class BacklogFull(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class InboxBacklog:
    def __init__(self, db: Database, *, per_host: int, total: int, monotonic):
        self.db = db
        self.per_host = per_host
        self.total_cap = total
        self.monotonic = monotonic  # a clock for the recount's pace (time.monotonic)
        self.by_host: dict[str, int] = {}
        self.total = 0
        self._counted_at: float | None = None  # None: never counted (counted at first use)

    def room_for(self, host: str) -> bool:
        """By the counts in memory (never low): True means `admit` has nothing to check."""
        return (self._counted_at is not None and self.total < self.total_cap
                and self.by_host.get(host, 0) < self.per_host)

    async def admit(self, host: str) -> None:
        """Raise BacklogFull when `host`, or the node, has as much waiting as it may."""
        if self.room_for(host):
            return
        if (self._counted_at is None
                or self.monotonic() - self._counted_at >= RECOUNT_EVERY_SECONDS):
            await self.recount()
        if self.total >= self.total_cap:
            raise BacklogFull(503, f"{self.total} activities are waiting to be processed here:"
                                   " try again later")
        if self.by_host.get(host, 0) >= self.per_host:
            raise BacklogFull(429, f"{self.by_host[host]} activities from {host} are waiting to"
                                   " be processed here: try again later")

    def recorded(self, host: str) -> None:
        self.by_host[host] = self.by_host.get(host, 0) + 1
        self.total += 1

    async def recount(self) -> None:
        counts = await InboxRepo(self.db.read().conn).backlog_by_host()
        self.by_host = counts
        self.total = sum(counts.values())
        self._counted_at = self.monotonic()
