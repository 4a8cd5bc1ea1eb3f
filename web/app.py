"""The composition root: `create_app(config)` opens storage, starts workers, builds the app."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

from federation.keys import generate_actor_keys
from federation.response_cache import HeldResponses
from federation.service import FederationService
from node.clock import SystemClock
from node.ports import Clock
from storage.db import Database, DatabaseError
from storage.migrate import MigrationError

from . import appkeys
from .config import Config
from .i18n import Translations
from .account import setup_limiters
from .auth import PASSWORD_HASHING, PasswordHashing
from .csrf import csrf_middleware
from .identity import identity_middleware
from .middlewares import (
    edge_headers,
    error_middleware,
    federation_middleware,
    request_id_middleware,
    security_headers_middleware,
)
from .routes import setup_routes
from .templates import Templates
from .workers import Workers

log = logging.getLogger(__name__)

NODE_KEY_OWNER = "node"
# What the CLI reports in one line: storage failures that are the operator's to fix.
STORAGE_ERRORS = (DatabaseError, MigrationError, sqlite3.Error)
USER_AGENT = "thc-node/0.1"


async def open_database(config: Config) -> Database:
    """Open (and migrate) the node's database; used by the app and by the CLI."""
    return await Database(
        config.storage.database_path, busy_timeout_ms=config.storage.busy_timeout_ms
    ).open()


async def ensure_node_keys(database: Database, clock: Clock) -> bool:
    """Create the node's own key pairs if missing; return True when it did."""
    async with database.transaction() as tx:
        if await tx.keys.find(NODE_KEY_OWNER) is not None:
            return False
        await tx.keys.add(generate_actor_keys(NODE_KEY_OWNER, clock.now()))
        return True


def create_app(
    config: Config, *, http_client: aiohttp.ClientSession | None = None, clock: Clock | None = None,
    resolver: AbstractResolver | None = None,
) -> web.Application:
    """The node's application. An injected `http_client` comes with the `resolver` its
    connector uses (federation checks destinations with it); without one, both are made here."""
    https = config.node.base_url.startswith("https://")
    app = web.Application(
        middlewares=[
            # Federation routes stop here (signed or public: no session, no CSRF form).
            federation_middleware(
                https, None if config.federation.authorized_fetch else HeldResponses()),
            request_id_middleware,
            security_headers_middleware(https),
            error_middleware,
            identity_middleware(secure_cookie=https),
            csrf_middleware(config.node.base_url, secure_cookie=https),
        ],
        client_max_size=config.server.max_request_bytes,
    )
    app.on_response_prepare.append(edge_headers)
    app[appkeys.CONFIG] = config
    app[appkeys.CLOCK] = clock or SystemClock()
    app[appkeys.TRANSLATIONS] = Translations.load(config.node.default_language)
    app[appkeys.TEMPLATES] = Templates(config, app[appkeys.TRANSLATIONS])
    setup_limiters(app)
    app[PASSWORD_HASHING] = PasswordHashing()
    app.on_cleanup.append(_close_hashing)
    app.cleanup_ctx.append(_database_ctx)
    app.cleanup_ctx.append(_http_client_ctx(http_client, resolver))
    app.cleanup_ctx.append(_federation_ctx)
    app.cleanup_ctx.append(_workers_ctx)
    setup_routes(app)
    return app


async def _close_hashing(app: web.Application) -> None:
    app[PASSWORD_HASHING].close()


async def _database_ctx(app: web.Application):
    database = await open_database(app[appkeys.CONFIG])
    if database.applied_migrations:
        log.info("applied migrations: %s", ", ".join(database.applied_migrations))
    if await ensure_node_keys(database, app[appkeys.CLOCK]):
        log.info("generated the node's key pairs")
    app[appkeys.DATABASE] = database
    yield
    await database.close()


def _http_client_ctx(injected: aiohttp.ClientSession | None,
                    resolver: AbstractResolver | None):
    async def ctx(app: web.Application):
        # Made on the running loop (aiohttp's resolvers take it when they are built).
        app[appkeys.RESOLVER] = resolver or DefaultResolver()
        # One client for every outgoing request; federation wraps it with its SSRF guard.
        client = injected or aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=app[appkeys.RESOLVER]),
            headers={"User-Agent": USER_AGENT},
            timeout=aiohttp.ClientTimeout(total=app[appkeys.CONFIG].federation.fetch_timeout_seconds),
        )
        app[appkeys.HTTP_CLIENT] = client
        yield
        if injected is None:
            await client.close()

    return ctx


async def _federation_ctx(app: web.Application):
    config = app[appkeys.CONFIG]
    federation = FederationService(
        settings=config.federation, base_url=config.node.base_url, node_name=config.node.name,
        registration_open=config.node.registration == "open", database=app[appkeys.DATABASE],
        clock=app[appkeys.CLOCK], session=app[appkeys.HTTP_CLIENT],
        resolver=app[appkeys.RESOLVER], language=config.node.default_language,
    )
    await federation.blocked.refresh()  # domain blocks hold from the first request
    app[appkeys.FEDERATION] = federation
    # Every federation worker (federation/service.py); tests drive them with run_once().
    task = (asyncio.create_task(federation.run_forever(config.workers.poll_seconds))
            if config.workers.autostart else None)
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _workers_ctx(app: web.Application):
    config = app[appkeys.CONFIG]
    workers = Workers(app[appkeys.DATABASE], app[appkeys.CLOCK], config.workers.poll_seconds)
    app[appkeys.WORKERS] = workers
    task = asyncio.create_task(workers.run_forever()) if config.workers.autostart else None
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
