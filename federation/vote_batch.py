"""Remote votes in batches: the inbox worker's consecutive votes, applied in one transaction.

A burst of Mastodon votes (`Create(Note{name, inReplyTo})` on our polls) would otherwise cost
one write transaction each. Here the claimed messages are taken in arrival order; each run of
consecutive votes (a burst is mostly on one question; a run may span several) is checked
first, outside any transaction, as receive_create_note checks one, then applied by ONE write
job (storage/writer.py: one transaction), each vote in its own SAVEPOINT, with the inbox messages' new states: a vote the
node refuses (debate closed, hidden proposal...) is rolled back alone and its message ends
`rejected` with the reason, in the same transaction. Every other message, and any vote that
meets an unexpected error, goes through the worker's one-by-one path (dispatch.process), in
order, so its outcome is exactly the usual one.

Only votes whose Note is embedded by its own origin are batched: they need no fetch, so the
write lock is never held across the network.
"""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from node.errors import DomainError
from storage.repos.inbox import InboxMessage, InboxRepo
from storage.savepoint import savepoint

from . import participation, vocab
from .deps import Deps
from .uris import origin_of
from .work import Work

log = logging.getLogger(__name__)

OneByOne = Callable[[Deps, InboxMessage], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class QueuedVote:
    """A claimed message that is a vote: checked (`vote`), or refused before any write."""

    message: InboxMessage
    vote: participation.RemoteVote | None
    refused: str | None = None  # why it does not count (the message ends `rejected`)


async def process_in_order(fed: Deps, messages: list[InboxMessage],
                           one_by_one: OneByOne) -> None:
    """Every message, in order: runs of consecutive votes in one transaction each, the rest
    through `one_by_one`."""
    run: list[QueuedVote] = []
    for message in messages:
        queued = await queued_vote(fed, message)
        if queued is not None:
            run.append(queued)
            continue
        if run:
            await apply_votes(fed, run, one_by_one)
            run = []
        await one_by_one(fed, message)
    if run:
        await apply_votes(fed, run, one_by_one)


def _embedded_vote(fed: Deps, message: InboxMessage) -> vocab.Activity | None:
    """The activity when it looks like a vote the batch can take (no fetch needed). Plain
    dict checks first: receive_create_note's own checks follow in `queued_vote`."""
    sender = origin_of(message.actor)
    if sender is None or fed.blocked(sender[1]):
        return None  # the one-by-one path records why
    try:
        raw = vocab.parse_json(message.body)
        note = raw.get("object") if isinstance(raw, dict) else None
        if not isinstance(note, dict) or not isinstance(note.get("name"), str):
            return None
        content = note.get("content")
        if content is not None and (not isinstance(content, str) or content.strip()):
            return None  # a reply: an argument, not a vote
        activity = vocab.from_ap_activity(raw)
    except vocab.MalformedActivity:
        return None
    if not isinstance(activity, vocab.Activity) or activity.dispatch_key != ("Create", "Note"):
        return None
    note_id = note.get("id")
    if not isinstance(note_id, str) or origin_of(note_id) != origin_of(activity.actor):
        return None  # another origin's copy is fetched: one by one
    return activity


async def queued_vote(fed: Deps, message: InboxMessage) -> QueuedVote | None:
    """The message as a checked vote, or refused with its reason; None when it is anything
    else (or meets an unexpected error): the one-by-one path then takes it."""
    activity = _embedded_vote(fed, message)
    if activity is None:
        return None
    try:
        vote = await participation.vote_of(Work(fed, message), activity)
    except DomainError as exc:
        return QueuedVote(message, None, str(exc) or type(exc).__name__)
    except Exception:
        return None
    return QueuedVote(message, vote) if vote is not None else None


async def apply_votes(fed: Deps, run: list[QueuedVote], one_by_one: OneByOne) -> None:
    """The run in one transaction, a savepoint per vote. A vote that fails otherwise than by
    a refusal goes to `one_by_one` with the votes after it (after this commit); a transaction
    that cannot commit sends the whole run there."""
    again: list[InboxMessage] = []

    async def job(tx) -> None:
        # On the writer's thread: every await below completes at once (storage/writer.py).
        inbox = InboxRepo(tx.conn)
        processed: list[int] = []
        for index, queued in enumerate(run):
            message, refused = queued.message, queued.refused
            if queued.vote is not None:
                try:
                    async with savepoint(tx.conn):
                        await participation.apply_vote(tx, fed.clock, queued.vote)
                    processed.append(message.id)
                    continue
                except DomainError as exc:
                    refused = str(exc) or type(exc).__name__
                except sqlite3.Error:
                    raise  # the transaction itself may be gone: the whole run again
                except Exception:
                    # Not ours to judge here: the usual path retries or fails it, and the
                    # votes after it follow it there, so that arrival order holds.
                    log.exception("vote %s from %s: processed alone", message.activity_id,
                                  message.actor)
                    again.extend(later.message for later in run[index:])
                    break
            await inbox.finish(message.id, "rejected", fed.now(), refused)
        # Same transaction as the votes: a vote and its message's state commit together.
        await inbox.finish_many(processed, "processed", fed.now())

    try:
        await fed.db.write(job)
    except Exception:
        log.exception("a batch of %d votes rolled back: each is processed alone", len(run))
        again[:] = [queued.message for queued in run]
    for message in again:
        await one_by_one(fed, message)
