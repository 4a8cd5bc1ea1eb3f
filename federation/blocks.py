"""Domain blocks: the config's `federation.blocked_domains` merged with the `domain_blocks`
table (`thc-node block add`). A blocked domain, and each of its subdomains, is never fetched
from, delivered to, or accepted from. The merged set is read at start-up and again at each
worker pass (`refresh`), so a block added by the CLI (another process) holds within
`workers.poll_seconds`; checks themselves read no table."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from node.ports import Clock
from storage.db import Database
from storage.repos.blocks import DomainBlock, DomainBlockRepo

_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
MAX_REASON = 1000


class BadDomain(ValueError):
    """Not a domain name one can block."""


def normalise_domain(value: str) -> str:
    """'Evil.Example.' → 'evil.example'; raises BadDomain for anything else than a name."""
    domain = value.strip().lower().rstrip(".")
    if not _DOMAIN.match(domain):
        raise BadDomain(f"not a domain name: {value[:100]!r}")
    return domain


def is_blocked(host: str, blocked_domains: tuple[str, ...] | frozenset[str]) -> bool:
    """A domain block covers the domain and all its subdomains."""
    host = host.lower().rstrip(".")
    if not blocked_domains:
        return False
    if host in blocked_domains:
        return True
    # Walk the parents (a.b.evil.example → b.evil.example → evil.example → example).
    at = host.find(".")
    while at != -1:
        if host[at + 1:] in blocked_domains:
            return True
        at = host.find(".", at + 1)
    return False


@dataclass(frozen=True, slots=True)
class BlockChange:
    domain: str
    added: bool  # False: it was already blocked (the reason was updated)
    cancelled_deliveries: int


class DomainBlocks:
    def __init__(self, *, db: Database, clock: Clock, configured: Iterable[str]):
        self.db = db
        self.clock = clock
        self.configured = frozenset(configured)
        self.domains: frozenset[str] = self.configured

    def __call__(self, host: str) -> bool:
        """Whether `host` is blocked (by the config or the table)."""
        return is_blocked(host, self.domains)

    async def refresh(self) -> None:
        stored = await DomainBlockRepo(self.db.read().conn).domains()
        self.domains = self.configured | frozenset(stored)

    async def add(self, domain: str, reason: str = "") -> BlockChange:
        """Block a domain and cancel the pending deliveries to it, in one transaction."""
        domain = normalise_domain(domain)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            repo = DomainBlockRepo(tx.conn)
            added = await repo.add(domain, reason.strip()[:MAX_REASON], now)
            cancelled = await repo.cancel_deliveries(domain, now)
        await self.refresh()
        return BlockChange(domain, added, cancelled)

    async def remove(self, domain: str) -> bool:
        domain = normalise_domain(domain)
        async with self.db.transaction() as tx:
            removed = await DomainBlockRepo(tx.conn).remove(domain)
        await self.refresh()
        return removed

    async def list_all(self) -> list[tuple[DomainBlock, str]]:
        """Every block with where it comes from ('table' or 'config')."""
        stored = await DomainBlockRepo(self.db.read().conn).list_all()
        listed = [(b, "table") for b in stored]
        known = {b.domain for b in stored}
        listed += [(DomainBlock(d, "", datetime.min), "config")
                   for d in sorted(self.configured - known)]
        return sorted(listed, key=lambda item: item[0].domain)
