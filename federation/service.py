"""The federation side of one node, assembled: every collaborator built with only what it uses,
and the one place that runs the federation background work (inbox dispatch, fan-out, delivery,
NodeInfo discovery, territories' backfill, retention). Built by web/app.py and web/cli.py.
No globals: two nodes in one process each have their own `FederationService`."""
from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import datetime, timedelta

import aiohttp
from aiohttp.abc import AbstractResolver

from node.ports import Clock
from storage.db import Database
from storage.group_commit import GroupCommit
from storage.repos.inbox import add_many_now

from . import backfill, dispatch, fanout, retention
from .actors import RemoteActors, SignatureSchemes
from .backlog import InboxBacklog
from .blocks import DomainBlocks
from .delivery import DeliveryPool, wait_or_timeout
from .deps import Deps
from .fetch import Fetcher, Identity, sign_headers
from .jrd_cache import JrdCache
from .keys import NODE_OWNER, KeyStore
from .local_actors import LocalActors
from .settings import SOFTWARE_NAME, Settings, software_version
from .uris import Uris

log = logging.getLogger(__name__)

RETENTION_EVERY = timedelta(hours=1)  # ages are counted in days: hourly is plenty


class FederationService:
    def __init__(self, *, settings: Settings, base_url: str, node_name: str,
                 registration_open: bool, database: Database, clock: Clock,
                 session: aiohttp.ClientSession, rng: random.Random | None = None,
                 language: str = "fr", monotonic=time.monotonic,
                 resolver: AbstractResolver | None = None):
        self.settings = settings
        self.db = database
        self.clock = clock
        self.uris = uris = Uris(base_url)
        rng = rng or random.Random()
        self.keys = KeyStore(database, clock)
        self.schemes = SignatureSchemes(db=database, clock=clock)
        self.blocked = DomainBlocks(db=database, clock=clock,
                                    configured=settings.blocked_domains)
        self.node_identity = Identity(NODE_OWNER, uris.main_key_id(uris.node_actor_uri()))
        self.fetcher = Fetcher(
            session, settings,
            user_agent=f"{SOFTWARE_NAME}/{software_version()} (+{uris.home_uri()})",
            # A node published over plain http is a development node: its peers are too.
            allow_http=uris.origin[0] == "http",
            signer=self._sign, scheme_for=self.schemes.get, remember_scheme=self.schemes.remember,
            blocked=self.blocked, resolver=resolver,
        )
        self.remote = RemoteActors(
            db=database, clock=clock, uris=uris, fetcher=self.fetcher,
            node_identity=self.node_identity,
            signature_window_seconds=settings.signature_window_seconds)
        self.local = LocalActors(
            db=database, uris=uris, keys=self.keys, node_name=node_name,
            manual_node_follow_approval=settings.manual_node_follow_approval)
        self.pool = DeliveryPool(db=database, fetcher=self.fetcher, uris=uris, settings=settings,
                                 clock=clock, rng=rng, monotonic=monotonic)
        self.backlog = InboxBacklog(database, per_host=settings.max_inbox_backlog_per_host,
                                    total=settings.max_inbox_backlog, monotonic=monotonic)
        self.deps = Deps(
            settings=settings, db=database, clock=clock, rng=rng, uris=uris,
            node_name=node_name, language=language, registration_open=registration_open,
            node_identity=self.node_identity, fetcher=self.fetcher, blocked=self.blocked,
            schemes=self.schemes, remote=self.remote, local=self.local, jrd_cache=JrdCache(),
            backlog=self.backlog,
            inbox_commits=GroupCommit(
                database, write_now=lambda conn, messages: add_many_now(conn, messages,
                                                                         clock.now()),
                committed=database.new_work.set),
            wake_delivery=self.pool.wake,
        )
        self.next_retention: datetime | None = None  # None: at the first pass

    async def _sign(self, method: str, url: str, headers: dict[str, str], body: bytes | None,
                    identity: Identity, scheme: str) -> dict[str, str]:
        keys = await self.keys.get(identity.owner)
        # RSA signing is most of a delivery's CPU, and `cryptography` releases the GIL while
        # it signs: in a worker thread, the event loop meanwhile sends, receives and records.
        return await asyncio.to_thread(
            sign_headers, method, url, headers, body, key_id=identity.key_id,
            private_key_pem=keys.rsa_private_pem, scheme=scheme, now=self.clock.now())

    async def run_retention(self, *, force: bool = False) -> int:
        """Forget old federation rows (retention.py), at most once an hour unless `force`."""
        now = self.clock.now()
        if not force and self.next_retention is not None and now < self.next_retention:
            return 0
        self.next_retention = now + RETENTION_EVERY
        return (await retention.run(self.db, self.settings, now)).total

    async def _pass(self) -> int:
        """One pass of every federation worker but the delivery pool."""
        await self.blocked.refresh()  # the CLI may have added one
        done = await dispatch.run_once(self.deps)
        done += await fanout.run_once(self.deps)
        done += await self.remote.refresh_software()
        # Followed territories' existing proposals, one page per territory and pass.
        done += await backfill.run_once(self.deps)
        done += await self.run_retention()
        return done

    async def run_once(self) -> int:
        """One pass of every federation worker, the delivery pool drained once (tests drive
        the node with this); returns how many units of work were done."""
        done = await self._pass()
        done += await self.pool.run_once()
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
                    done = await self._pass()
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
