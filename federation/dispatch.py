"""Inbox worker: claim recorded activities, parse them, route through a table, record the
outcome. A poisonous activity ends `rejected` or `failed` with its error; it never blocks."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Awaitable, Callable

from node.errors import DomainError
from storage.repos.inbox import InboxMessage, InboxRepo

from . import handlers, participation, retry, territory_receivers, vocab, vote_batch
from .deps import Deps
from .fetch import FetchBudget, FetchError, fetch_budget
from .uris import origin_of
from .work import Ignored, Work

log = logging.getLogger(__name__)

BATCH = 50
LEASE = timedelta(minutes=5)  # far above one activity's work; a crash frees the row after it


Handler = Callable[[Work, vocab.InboundActivity], Awaitable[None]]

ANY = "*"  # a route for every object type of an activity that has no route of its own

# (activity type, object type) → handler. The object type is None when only an id was sent:
# the handler then resolves it among the activities it knows (Mitra's Accept sends the id).
# A more precise route wins over (type, ANY), e.g. ("Create", "Question").
ROUTES: dict[tuple[str, str | None], Handler] = {
    ("Follow", "Actor"): handlers.receive_follow,
    ("Accept", "Follow"): handlers.receive_accept_follow,
    ("Accept", None): handlers.receive_accept_follow,
    ("Reject", "Follow"): handlers.receive_reject_follow,
    ("Reject", None): handlers.receive_reject_follow,
    ("Undo", "Follow"): handlers.receive_undo_follow,
    ("Undo", None): handlers.receive_undo_follow,
    ("Create", ANY): handlers.receive_create_object,
    ("Update", ANY): handlers.receive_update_object,
    **{("Update", kind): handlers.receive_update_actor for kind in vocab.ACTOR_TYPES},
    ("Delete", ANY): handlers.receive_delete_object,
    # Votes and replies on our proposals (other notes fall through to the above).
    ("Create", "Note"): participation.receive_create_note,
    ("Update", "Note"): participation.receive_update_note,
    **{("Delete", kind): participation.receive_delete for kind in ("Note", "Tombstone", None)},
    ("Like", ANY): participation.receive_like,
    # A followed territory announces its debates (the Group, by id).
    ("Announce", None): territory_receivers.receive_announce,
    ("Announce", "Group"): territory_receivers.receive_announce,
    ("Undo", "Like"): participation.receive_undo_like,
}


def route(key: tuple[str, str | None]) -> Handler | None:
    return ROUTES.get(key) or ROUTES.get((key[0], ANY))


async def run_once(fed: Deps, limit: int = BATCH) -> int:
    now = fed.now()
    # One bounded statement: a write job (no transaction lent to the loop).
    messages = await fed.db.write(
        lambda tx: InboxRepo(tx.conn).claim_due(now, now + LEASE, limit))
    # Consecutive votes share one transaction (vote_batch.py); the rest one by one.
    await vote_batch.process_in_order(fed, messages, process)
    return len(messages)


async def process(fed: Deps, message: InboxMessage) -> None:
    budget = FetchBudget(fed.settings.max_fetches_per_activity)
    token = fetch_budget.set(budget)
    try:
        await _process(fed, message, budget)
    finally:
        fetch_budget.reset(token)


async def _process(fed: Deps, message: InboxMessage, budget: FetchBudget) -> None:
    work = Work(fed, message)
    sender = origin_of(message.actor)
    if sender is not None and fed.blocked(sender[1]):
        # Recorded before its domain was blocked: still never processed.
        return await _finish(fed, message, "rejected", f"domain {sender[1]} is blocked")
    try:
        activity = vocab.from_ap_activity(vocab.parse_json(message.body))
        handler = route(activity.dispatch_key)
        if handler is None:
            kind, object_type = activity.dispatch_key
            raise Ignored(f"no handler for {kind}({object_type or 'reference'})")
        await handler(work, activity)
        if budget.exceeded and not work.committed:
            # A handler that went on without what it could not fetch: still a failure.
            await _finish(fed, message, "failed", budget.reason)
        elif not work.committed:
            await _finish(fed, message, "processed", None)
    except vocab.MalformedActivity as exc:
        await _finish(fed, message, "rejected", exc.reason)
    except Ignored as exc:
        await _finish(fed, message, "failed" if budget.exceeded else "ignored",
                      budget.reason if budget.exceeded else str(exc))
    except DomainError as exc:
        await _finish(fed, message, "rejected", str(exc) or type(exc).__name__)
    except FetchError as exc:
        if exc.permanent:
            await _finish(fed, message, "failed", exc.reason)
        else:
            await _retry(fed, message, exc.reason)
    except Exception as exc:
        # Loop boundary: an unexpected error is retried with backoff, then `failed`.
        log.exception("activity %s from %s failed", message.activity_id, message.actor)
        await _retry(fed, message, f"internal error: {type(exc).__name__}")


async def _finish(fed: Deps, message: InboxMessage, state: str, error: str | None) -> None:
    async with fed.db.transaction() as tx:
        await InboxRepo(tx.conn).finish(message.id, state, fed.now(), error)


async def _retry(fed: Deps, message: InboxMessage, error: str) -> None:
    now = fed.now()
    delay = retry.next_delay(message.attempts, fed.settings, fed.rng,
                             elapsed=now - message.received_at)
    async with fed.db.transaction() as tx:
        repo = InboxRepo(tx.conn)
        if delay is None:
            await repo.finish(message.id, "failed", now,
                              f"gave up after {message.attempts} attempts: {error}")
        else:
            await repo.reschedule(message.id, now + delay, error)
