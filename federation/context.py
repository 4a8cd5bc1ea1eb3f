"""The federation side of one node: its settings and collaborators, built by web/app.py.
No globals: two nodes in one process each have their own `Federation`."""
from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import datetime
from importlib import metadata
from typing import Protocol

import aiohttp

from node.ports import Clock
from storage.db import Database
from storage.group_commit import GroupCommit
from storage.repos.inbox import NewInboxMessage, add_many_now

from . import dispatch, fanout
from .actors import RemoteActors, SignatureSchemes
from .backlog import InboxBacklog
from .blocks import DomainBlocks
from .delivery import DeliveryPool, wait_or_timeout
from .fetch import Fetcher, Identity, sign_headers
from .keys import NODE_OWNER, KeyStore
from .local_actors import LocalActors
from .uris import Uris
from .webfinger import JrdCache

log = logging.getLogger(__name__)

SOFTWARE_NAME = "thc-node"


def software_version() -> str:
    try:
        return metadata.version(SOFTWARE_NAME)
    except metadata.PackageNotFoundError:
        return "0.0.0"


class Settings(Protocol):
    """What federation reads of the `[federation]` settings (web.config.FederationSettings)."""

    allow_private_addresses: bool
    blocked_domains: tuple[str, ...]
    authorized_fetch: bool
    manual_node_follow_approval: bool
    delivery_concurrency: int
    delivery_per_host: int
    retry_base_seconds: float
    retry_factor: float
    retry_max_delay_seconds: float
    retry_max_attempts: int
    retry_give_up_after_hours: float
    max_inbox_bytes: int
    max_inbox_backlog: int
    max_inbox_backlog_per_host: int
    max_fetch_bytes: int
    max_redirects: int
    fetch_timeout_seconds: float
    signature_window_seconds: int
    max_fetches_per_activity: int
    inbox_retention_days: float
    seen_ids_retention_days: float
    delivery_retention_days: float
    remote_actor_retention_days: float


class Federation:
    def __init__(self, *, settings: Settings, base_url: str, node_name: str,
                 registration_open: bool, database: Database, clock: Clock,
                 session: aiohttp.ClientSession, rng: random.Random | None = None,
                 language: str = "fr"):
        self.settings = settings
        self.node_name = node_name
        self.language = language  # [node] default_language: poll options are in it
        self.registration_open = registration_open
        self.db = database
        self.clock = clock
        self.rng = rng or random.Random()
        self.uris = Uris(base_url)
        self.keys = KeyStore(database, clock)
        self.schemes = SignatureSchemes(self)
        self.blocked = DomainBlocks(self)  # fed.blocked(host): config and table merged
        self.node_identity = Identity(NODE_OWNER, self.uris.main_key_id(self.uris.node_actor_uri()))
        self.fetcher = Fetcher(
            session, settings,
            user_agent=f"{SOFTWARE_NAME}/{software_version()} (+{self.uris.home_uri()})",
            # A node published over plain http is a development node: its peers are too.
            allow_http=self.uris.origin[0] == "http",
            signer=self._sign, scheme_for=self.schemes.get, remember_scheme=self.schemes.remember,
            blocked=self.blocked,
        )
        self.remote = RemoteActors(self)
        self.local = LocalActors(self)
        self.pool = DeliveryPool(self)
        # The inbox records verified activities by group commit (inbox.record).
        # Each group committed wakes the workers (dispatch) before their next poll.
        self.inbox_commits: GroupCommit[NewInboxMessage, bool] = GroupCommit(
            database, write_now=lambda conn, messages: add_many_now(conn, messages, self.now()),
            committed=database.new_work.set)
        self.jrd_cache = JrdCache()
        self.backlog = InboxBacklog(database, per_host=settings.max_inbox_backlog_per_host,
                                    total=settings.max_inbox_backlog, monotonic=time.monotonic)

    def now(self) -> datetime:
        return self.clock.now()

    async def _sign(self, method: str, url: str, headers: dict[str, str], body: bytes | None,
                    identity: Identity, scheme: str) -> dict[str, str]:
        keys = await self.keys.get(identity.owner)
        # RSA signing is most of a delivery's CPU, and `cryptography` releases the GIL while
        # it signs: in a worker thread, the event loop meanwhile sends, receives and records.
        return await asyncio.to_thread(
            sign_headers, method, url, headers, body, key_id=identity.key_id,
            private_key_pem=keys.rsa_private_pem, scheme=scheme, now=self.now())

    def wake_delivery(self) -> None:
        """Deliveries were queued: let the pool claim them now rather than at its next poll."""
        self.pool.wake()

    async def run_once(self) -> int:
        """One pass of every federation worker, the delivery pool drained once (tests drive
        the node with this); returns how many units of work were done."""
        await self.blocked.refresh()
        done = await dispatch.run_once(self)
        done += await fanout.run_once(self)
        done += await self.pool.run_once()
        done += await self.remote.refresh_software()
        return done

    async def run_forever(self, poll_seconds: float) -> None:
        """The delivery pool runs continuously beside a loop over the other workers, which
        passes again as soon as this process commits new work (inbox records, domain
        events: db.new_work), else every `poll_seconds` (other processes' writes: the CLI)."""
        pool = asyncio.create_task(self.pool.run_forever(poll_seconds), name="delivery-pool")
        new_work = self.db.new_work
        try:
            while True:
                new_work.clear()  # before the pass: what commits during it wakes the next one
                try:
                    await self.blocked.refresh()  # the CLI may have added one
                    done = await dispatch.run_once(self)
                    done += await fanout.run_once(self)
                    done += await self.remote.refresh_software()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # Loop boundary: each row already carries its own error; this is the rest.
                    log.exception("federation worker pass failed")
                    done = 0
                if pool.done() and not pool.cancelled():
                    # The pool only ends on an error it could not handle: log it, restart it.
                    log.error("delivery pool stopped: %r; restarting it", pool.exception())
                    pool = asyncio.create_task(self.pool.run_forever(poll_seconds),
                                               name="delivery-pool")
                if not done:
                    await wait_or_timeout(new_work, poll_seconds)
        finally:
            pool.cancel()
            await asyncio.gather(pool, return_exceptions=True)
