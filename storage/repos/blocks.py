"""Domain blocks kept as data (beside the config's list), and the deliveries a block cancels."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..connection import Connection
from ._sql import to_datetime, to_text

BLOCKED_ERROR = "cancelled: the domain is blocked"


@dataclass(frozen=True, slots=True)
class DomainBlock:
    domain: str  # lower-case, no trailing dot; covers its subdomains
    reason: str
    created_at: datetime


class DomainBlockRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def add(self, domain: str, reason: str, at: datetime) -> bool:
        """Block `domain`; False when it was already blocked (a new reason replaces the old)."""
        async with self.conn.execute(
            "INSERT INTO domain_blocks (domain, reason, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (domain) DO UPDATE SET reason = CASE excluded.reason WHEN '' THEN reason"
            " ELSE excluded.reason END"
            " RETURNING created_at", (domain, reason, to_text(at)),
        ) as cur:
            row = await cur.fetchone()
        return row[0] == to_text(at)

    async def remove(self, domain: str) -> bool:
        async with self.conn.execute(
            "DELETE FROM domain_blocks WHERE domain = ? RETURNING domain", (domain,)
        ) as cur:
            return await cur.fetchone() is not None

    async def list_all(self) -> list[DomainBlock]:
        async with self.conn.execute(
            "SELECT domain, reason, created_at FROM domain_blocks ORDER BY domain"
        ) as cur:
            return [DomainBlock(r[0], r[1], to_datetime(r[2])) for r in await cur.fetchall()]

    async def domains(self) -> tuple[str, ...]:
        async with self.conn.execute("SELECT domain FROM domain_blocks ORDER BY domain") as cur:
            return tuple(r[0] for r in await cur.fetchall())

    async def cancel_deliveries(self, domain: str, at: datetime) -> int:
        """End the pending deliveries to `domain` and its subdomains (a host may carry a port);
        a delivery being attempted right now is refused by the fetcher's own check."""
        async with self.conn.execute(
            "UPDATE deliveries SET state = 'failed', last_error = ?1, finished_at = ?2,"
            " locked_until = NULL WHERE state = 'pending' AND (host = ?3 OR host GLOB ?3 || ':*'"
            " OR host GLOB '*.' || ?3 OR host GLOB '*.' || ?3 || ':*') RETURNING id",
            (BLOCKED_ERROR, to_text(at), domain),
        ) as cur:
            return len(await cur.fetchall())
