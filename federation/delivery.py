"""Delivery worker: claim due deliveries, sign at each attempt, POST, classify, reschedule.
Signing happens per attempt because a signature carries its Date and expires (Lemmy does too)."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from storage.repos.outbox import Delivery, OutboxActivity, OutboxRepo
from storage.repos.remote import RemoteRepo

from . import retry
from .fetch import FetchError, Identity
from .retry import Outcome

if TYPE_CHECKING:
    from .context import Federation

log = logging.getLogger(__name__)


def lease_for(fed: Federation) -> timedelta:
    # Long enough for one POST (and its double knock) to finish; a crash frees it afterwards.
    return timedelta(seconds=3 * fed.settings.fetch_timeout_seconds + 30)


async def run_once(fed: Federation) -> int:
    """Attempt every due delivery once (up to the concurrency bound); return how many."""
    now = fed.now()
    async with fed.db.transaction() as tx:
        claimed = await OutboxRepo(tx.conn).claim_due(
            now, now + lease_for(fed), fed.settings.delivery_concurrency)
    if not claimed:
        return 0
    activities = await OutboxRepo(fed.db.read().conn).get_activities(
        sorted({d.activity_id for d in claimed}))
    await asyncio.gather(*(_attempt(fed, d, activities[d.activity_id]) for d in claimed))
    return len(claimed)


async def _attempt(fed: Federation, delivery: Delivery, activity: OutboxActivity) -> None:
    status = retry_after = None
    try:
        async with fed.delivery_limiter.limit(delivery.host):
            posted = await fed.fetcher.post(
                delivery.inbox, activity.body.encode(),
                sign_as=Identity(activity.key_owner, fed.uris.main_key_id(activity.actor)))
        status, retry_after = posted.status, posted.retry_after
        outcome = retry.classify_status(posted.status, delivery.attempts)
        error = None if outcome is Outcome.DELIVERED else f"HTTP {status}: {posted.excerpt}"
    except FetchError as exc:
        status, retry_after = exc.status, exc.retry_after
        outcome, error = retry.classify_error(exc.permanent), exc.reason
    except Exception as exc:
        # Loop boundary: record it on the row and go on with the others.
        log.exception("delivery %s of %s to %s failed", delivery.id, activity.ap_id, delivery.inbox)
        outcome, error = Outcome.RETRY, f"internal error: {type(exc).__name__}"
    await _record(fed, delivery, activity, outcome, status, error, retry_after)


async def _record(fed: Federation, delivery: Delivery, activity: OutboxActivity, outcome: Outcome,
                  status: int | None, error: str | None, retry_after: str | None) -> None:
    now = fed.now()
    async with fed.db.transaction() as tx:
        repo = OutboxRepo(tx.conn)
        if outcome is Outcome.RETRY:
            delay = retry.next_delay(
                delivery.attempts, fed.settings, fed.rng, elapsed=now - delivery.created_at,
                retry_after=retry.parse_retry_after(retry_after, now))
            if delay is not None:
                await repo.reschedule(delivery.id, now + delay, status, error)
                return
            outcome, error = Outcome.FAILED, f"gave up after {delivery.attempts} attempts: {error}"
        if outcome is Outcome.GONE:
            await RemoteRepo(tx.conn).mark_gone_by_inbox(delivery.inbox)
        await repo.finish(delivery.id, outcome.value, now, status, error)
    if outcome is not Outcome.DELIVERED:
        log.info("delivery of %s to %s: %s (%s)", activity.ap_id, delivery.inbox, outcome, error)
