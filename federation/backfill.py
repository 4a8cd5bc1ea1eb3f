"""The backfill of a followed territory: its collection of public proposals read one page per
worker pass (federation/service.py runs it), bounded in pages and items (INTEROP security
rule 6: collection walks are bounded), retried with backoff, then `failed`."""
from __future__ import annotations

import logging
from datetime import timedelta

from node import services
from node.errors import DomainError
from storage.repos.territories import Backfill, TerritoryRepo

from . import retry
from . import territory_ingest as ingest
from . import vocab
from .deps import Deps
from .fetch import FetchError
from .keys import NODE_OWNER
from .uris import PROPOSALS, origin_of

log = logging.getLogger(__name__)

# Backfill bounds (INTEROP security rule 6: collection walks are bounded): at most this many
# pages and items per territory, one page per worker pass, a lease far above one page's work.
MAX_BACKFILL_PAGES = 50
MAX_BACKFILL_ITEMS = 1000
BACKFILL_LEASE = timedelta(minutes=5)
BACKFILLS_PER_PASS = 2


async def run_once(fed: Deps) -> int:
    """Start the backfill of newly accepted territories and read one page of each due one."""
    now = fed.now()
    async with fed.db.transaction() as tx:
        repo = TerritoryRepo(tx.conn)
        started = await repo.start_backfills(NODE_OWNER, now)
        jobs = await repo.claim_due(now, now + BACKFILL_LEASE, BACKFILLS_PER_PASS)
    for job in jobs:
        await _step(fed, job)
    return started + len(jobs)


async def _step(fed: Deps, job: Backfill) -> None:
    try:
        await _read_page(fed, job)
    except FetchError as exc:
        if exc.permanent:
            await _finish(fed, job, "failed", exc.reason)
        else:
            await _reschedule(fed, job, exc.reason)
    except (vocab.MalformedActivity, DomainError) as exc:
        await _finish(fed, job, "failed", str(exc) or type(exc).__name__)
    except Exception as exc:
        # Loop boundary: logged, retried with backoff, then `failed`.
        log.exception("backfill of %s failed", job.territory_ap_id)
        await _reschedule(fed, job, f"internal error: {type(exc).__name__}")


async def _read_page(fed: Deps, job: Backfill) -> None:
    territory = job.territory_ap_id
    url = job.next_url or f"{territory}/{PROPOSALS}"
    if origin_of(url) != origin_of(territory):
        return await _finish(fed, job, "failed", "the next page is on another origin")
    _, raw = await fed.fetcher.get_ap(url, sign_as=fed.node_identity)
    page = vocab.from_ap_collection(raw)
    if page.type in ("OrderedCollection", "Collection") and page.first is not None \
            and not raw.get("orderedItems") and not raw.get("items"):
        # The collection itself: its first page is where the walk starts. Counted as a page,
        # so that collections pointing at each other cannot walk forever.
        async with fed.db.transaction() as tx:
            repo = TerritoryRepo(tx.conn)
            await repo.advance(job.id, next_url=page.first, pages=job.pages + 1,
                               items=job.items)
            if job.pages + 1 >= MAX_BACKFILL_PAGES:
                await repo.finish(job.id, "done", fed.now(), "stopped at the backfill bound")
        return None
    entries = raw.get("orderedItems", raw.get("items", []))
    entries = entries if isinstance(entries, list) else []
    room = MAX_BACKFILL_ITEMS - job.items
    infos = []
    for entry in entries[:max(room, 0)]:
        # Items served by the territory's origin are its word; other origins' are skipped.
        if vocab.is_thc_question(entry) and origin_of(str(entry.get("id"))) == origin_of(territory):
            try:
                infos.append(vocab.from_ap_thc_question(entry))
            except DomainError as exc:
                log.info("backfill of %s: item skipped: %s", territory, exc)
    pending = await ingest.prepare(fed, territory, infos)
    pages, items = job.pages + 1, job.items + len(infos)
    next_url = page.next
    async with fed.db.transaction() as tx:
        await ingest.write(tx, fed, territory, pending)
        for info in infos:
            try:
                await services.upsert_remote_proposal(tx, fed.clock, territory, info)
            except DomainError as exc:
                # Refused before any write (node.network validates first): skip this one.
                log.info("backfill of %s: %s refused: %s", territory, info.ap_id, exc)
        repo = TerritoryRepo(tx.conn)
        if next_url is None or pages >= MAX_BACKFILL_PAGES or items >= MAX_BACKFILL_ITEMS:
            await repo.advance(job.id, next_url=None, pages=pages, items=items)
            await repo.finish(job.id, "done", fed.now(),
                              None if next_url is None else "stopped at the backfill bound")
        else:
            await repo.advance(job.id, next_url=next_url, pages=pages, items=items)
    return None


async def _finish(fed: Deps, job: Backfill, state: str, error: str | None) -> None:
    async with fed.db.transaction() as tx:
        await TerritoryRepo(tx.conn).finish(job.id, state, fed.now(), error)


async def _reschedule(fed: Deps, job: Backfill, error: str) -> None:
    now = fed.now()
    delay = retry.next_delay(job.attempts + 1, fed.settings, fed.rng,
                             elapsed=now - job.created_at)
    if delay is None:
        return await _finish(fed, job, "failed", f"gave up after {job.attempts + 1} attempts: "
                                                  f"{error}")
    async with fed.db.transaction() as tx:
        await TerritoryRepo(tx.conn).reschedule(job.id, now + delay, error)
    return None
