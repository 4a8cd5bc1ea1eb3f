"""Fan-out: domain events → activities → one delivery row per inbox (STYLE.md "Outbound" 2).

Each event is published at most once: one transaction stores its activities, their deliveries,
and moves the fan-out cursor past it. Building an activity (reading the entity, rendering its
document, creating keys on first need) happens before that transaction, on the reader; only
the audience is resolved inside it. Private events (node.events.PRIVATE_EVENT_TYPES) never
leave the node, and an activity nobody would receive is not even stored.

What each event publishes is one table, PUBLISHERS: event type → publisher. A publisher reads
what it needs through `Context` and returns `Publication`s: who signs, the activity, its
audience (followers of local actors, remote actors by id, shared or personal inboxes, a filter
on the recipients' software), and optionally a debounce window: an update of the same object
not yet sent by then is rewritten in place (same id), so a burst of changes sends one.

What goes out, by event:
- A debate is an actor once it leaves draft. DebateCreated publishes nothing (a draft is
  private and has no followers); the move out of draft makes the node's Application actor
  `Announce` the Group, by id, to the node's followers: a followed territory learns of its new
  debates, and receivers fetch the Group from its origin (nothing embedded to trust). Mastodon
  ignores an Announce of an actor, so its users see nothing odd.
- DebateStatusChanged → Update(Group) to the debate's followers: the Group carries its status.
- MemberRoleChanged → Update(Person) to the member's followers: role and mandate are on it.
- DebateSettingsChanged publishes nothing: the Group document does not carry the settings.
- ProposalSubmitted → Create(Question) by the debate's Group to its followers.
- VoteCast / VoteWithdrawn → Update(Question) with the new totals and no `updated`, to the
  followers and the remote voters, debounced a minute per question; never who voted what.
- ProposalStatusChanged / ProposalAnswered → Create(Note) by the Group in the poll's thread
  (a move to `answered` says nothing itself: the answer's reply says it).
- ArgumentPosted by a member → Announce(Create(Note)) by the Group to group-aware followers
  only (`where=`); AmendmentProposed → Create(Question) by the Group to every follower, its
  votes and decision → Update(Question) debounced (contributions.py).
- ContentHidden / ContentUnhidden of a proposal → Delete / Create again (moderation.py).
The documents themselves are rendered by vocab.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from node.events import (
    PRIVATE_EVENT_TYPES,
    DebateStatusChanged,
    Event,
    MemberRoleChanged,
    ProposalStatusChanged,
    event_from_payload,
)
from node.model import DebateStatus, ProposalStatus
from storage.repos.follows import FollowRepo, Recipient
from storage.repos.outbox import FanoutRepo, OutboxRepo
from storage.repos.poll_voters import remote_voter_inboxes
from storage.repos.remote import RemoteRepo

from . import contributions, moderation, outbox, proposals, tally_updates, territories, vocab
from .deps import Deps
from .publication import TALLY_DEBOUNCE, Audience, Context, Publication, Publisher

log = logging.getLogger(__name__)

BATCH = 100  # events per pass: one transaction, a few milliseconds


# -- publishers


async def publish_debate_status(ctx: Context, event: DebateStatusChanged) -> list[Publication]:
    group = await ctx.debate(event.debate_id)
    if group is None:
        return []
    update = await ctx.update_actor(group, event)
    if event.old_status != DebateStatus.DRAFT.value:
        # Followed territories too: their network view shows the debate's status.
        # (Leaving draft, they get the Announce below instead.)
        update = Publication(group, update.activity,
                             Audience(followers_of=(group, ctx.node())), group.ap_id)
    publications = [update]
    if event.old_status == DebateStatus.DRAFT.value:
        node = ctx.node()
        announce = vocab.to_ap_announce(ctx.new_id(), node.ap_id, group.ap_id,
                                        to=[vocab.PUBLIC], cc=[ctx.followers(node)],
                                        published=event.occurred_at)
        publications.append(Publication(node, announce, Audience(followers_of=(node,)),
                                        group.ap_id))
    return publications


async def publish_member_role(ctx: Context, event: MemberRoleChanged) -> list[Publication]:
    person = await ctx.member(event.member_id)
    return [await ctx.update_actor(person, event)] if person is not None else []


# Proposals: polls by the debate's Group (federation/proposals.py renders them).

async def publish_proposal_submitted(ctx: Context, event: Event) -> list[Publication]:
    group, found = await ctx.proposal(event.proposal_id, event.debate_id)
    if found is None:
        return []
    _, question = found
    create = vocab.to_ap_create(ctx.new_id(), question, published=event.occurred_at)
    # The debate's followers and the node's (followed territories), once per shared inbox.
    return [Publication(group, create, Audience(followers_of=(group, ctx.node())),
                        question["id"])]


async def publish_tally(ctx: Context, event: Event) -> list[Publication]:
    """Update(Question) with the new totals, to followers and remote voters, debounced: one a
    minute per question, its totals read once, when the minute is over (tally_updates.py)."""
    if not ctx.first_in_pass(("tally", event.proposal_id)):
        return []
    group = await ctx.debate(event.debate_id)
    if group is None:
        return []
    question_id = ctx.fed.uris.proposal_uri(event.proposal_id)
    if await tally_updates.waiting(ctx.read.conn, actor=group.ap_id, question_id=question_id):
        return []  # this window's Update is stored; its audience is read when it closes
    voters = await remote_voter_inboxes(ctx.read.conn, "proposal", event.proposal_id)
    audience = Audience(followers_of=(group, ctx.node()), inboxes=voters)
    update = vocab.to_ap_pending_update(ctx.new_id(), group.ap_id, question_id)
    return [Publication(group, update, audience, question_id, is_public=False,
                        debounce=TALLY_DEBOUNCE, render_at_window_end=True)]


async def publish_question_update(ctx: Context, event: Event) -> list[Publication]:
    """Territories: an edit, a status change or an answer is an Update(Question) with a newer
    `updated` (vocab.to_ap_territory_update), to the node's followers that are territories
    (an edit also to the debate's followers: for Mastodon too it is an edit)."""
    if (isinstance(event, ProposalStatusChanged)
            and event.new_status == ProposalStatus.ANSWERED.value):
        return []  # the ProposalAnswered update carries the answer
    group, found = await ctx.proposal(event.proposal_id, event.debate_id)
    if found is None:
        return []
    detail, question = found
    update = vocab.to_ap_territory_update(ctx.new_id(), detail, question)
    if type(event).__name__ == "ProposalEdited":
        audience = Audience(followers_of=(group, ctx.node()))
    else:
        audience = Audience(followers_of=(ctx.node(),), where=territories.is_territory)
    return [Publication(group, update, audience, question["id"])]


def _each(*publishers: Publisher) -> Publisher:
    """Several publishers for one event type, their publications in order."""
    async def publish(ctx: Context, event: Event) -> list[Publication]:
        return [p for publisher in publishers for p in await publisher(ctx, event)]
    return publish


async def publish_proposal_reply(ctx: Context, event: Event) -> list[Publication]:
    """Answers and status changes: a Note by the Group in the poll's thread."""
    group, found = await ctx.proposal(event.proposal_id, event.debate_id)
    if found is None:
        return []
    detail, _ = found
    if isinstance(event, ProposalStatusChanged):
        if event.new_status == ProposalStatus.ANSWERED.value:
            return []  # the ProposalAnswered reply says it, with the answer
        text = proposals.status_text(detail, ProposalStatus(event.new_status))
    else:
        text = proposals.answer_text(detail)
    activity_id = ctx.new_id()
    note = vocab.to_ap_reply(ctx.fed.uris.note_uri(activity_id), uris=ctx.fed.uris,
                             detail=detail, text=text, published=event.occurred_at)
    create = vocab.to_ap_reply_create(activity_id, note)
    return [Publication(group, create, Audience(followers_of=(group,)), note["id"])]


PUBLISHERS: dict[str, Publisher] = {
    "DebateStatusChanged": publish_debate_status,
    "MemberRoleChanged": publish_member_role,
    "ProposalSubmitted": publish_proposal_submitted,
    "VoteCast": publish_tally,
    "VoteWithdrawn": publish_tally,
    "ProposalStatusChanged": _each(publish_proposal_reply, publish_question_update),
    "ProposalAnswered": _each(publish_proposal_reply, publish_question_update),
    "ProposalEdited": publish_question_update,
    # Contributions (federation/contributions.py): arguments to group-aware followers only,
    # amendments put to a vote as polls to every follower.
    "ArgumentPosted": contributions.publish_argument,
    "AmendmentProposed": contributions.publish_amendment_proposed,
    "AmendmentVoteCast": contributions.publish_amendment_tally,
    "AmendmentIntegrated": contributions.publish_amendment_tally,
    "AmendmentRejected": contributions.publish_amendment_tally,
    "AmendmentWithdrawn": contributions.publish_amendment_tally,
    # Moderation (federation/moderation.py): a hidden proposal is deleted, shown again created.
    "ContentHidden": moderation.publish_content_hidden,
    "ContentUnhidden": moderation.publish_content_unhidden,
}
assert not PUBLISHERS.keys() & PRIVATE_EVENT_TYPES, "a private event type is published"

# publish_tally's key (first_in_pass) from the raw payload: after a question's first vote in a
# pass, its other votes are skipped before their events are even rebuilt (a burst of votes).
_ONCE_PER_PASS: dict[str, Callable[[dict], tuple]] = {
    "VoteCast": lambda data: ("tally", data["proposal_id"]),
    "VoteWithdrawn": lambda data: ("tally", data["proposal_id"]),
}


# -- the worker


@dataclass(frozen=True, slots=True)
class _Planned:
    event_id: int
    event_type: str
    occurred_at: datetime
    publications: tuple[Publication, ...] = ()
    error: str | None = None


async def run_once(fed: Deps, *, publishers: dict[str, Publisher] | None = None,
                   limit: int = BATCH) -> int:
    """Publish the next events after the cursor; returns how many events it went past."""
    publishers = PUBLISHERS if publishers is None else publishers
    await tally_updates.release_due(fed, TALLY_DEBOUNCE)  # windows closed since the last pass
    read = FanoutRepo(fed.db.read().conn)
    cursor = await read.cursor()
    rows = await read.list_events_after(cursor, limit)
    if not rows:
        return 0
    ctx = Context(fed)
    planned = [await _plan(ctx, publishers, *row) for row in rows]
    stored = 0
    try:
        async with fed.db.transaction() as tx:
            repo = FanoutRepo(tx.conn)
            if not await repo.move_cursor(cursor, rows[-1][0]):
                raise _CursorMoved()
            for plan in planned:
                if plan.error is not None:
                    await repo.add_failure(plan.event_id, plan.event_type, plan.error,
                                           fed.now())
                    continue
                for publication in plan.publications:
                    stored += await _store(fed, tx.conn, plan, publication)
    except _CursorMoved:
        # Another worker published these events meanwhile: our copies went with the rolled
        # back transaction, theirs stand. Exactly once either way.
        log.warning("fan-out cursor moved during a pass: events after %s published elsewhere",
                    cursor)
    if stored:
        fed.wake_delivery()
    return len(rows)


class _CursorMoved(Exception):
    """The cursor is no longer where this pass read it."""


async def _plan(ctx: Context, publishers: dict[str, Publisher], event_id: int, event_type: str,
                payload: str, occurred_at: datetime) -> _Planned:
    if event_type in PRIVATE_EVENT_TYPES or event_type not in publishers:
        return _Planned(event_id, event_type, occurred_at)
    try:
        data = json.loads(payload)
        once = _ONCE_PER_PASS.get(event_type)
        if (once is not None and publishers[event_type] is publish_tally
                and once(data) in ctx.once):
            return _Planned(event_id, event_type, occurred_at)  # this pass's Update has it
        event = event_from_payload(event_type, data)
        publications = await publishers[event_type](ctx, event)
    except (sqlite3.Error, OSError):
        raise  # the database or the disk: transient, the whole batch waits for the next pass
    except Exception as exc:
        # A publisher bug or an unreadable event: recorded, skipped, never blocking the rest.
        log.exception("cannot publish event %s (%s)", event_id, event_type)
        return _Planned(event_id, event_type, occurred_at,
                        error=f"{type(exc).__name__}: {exc}")
    return _Planned(event_id, event_type, occurred_at, tuple(publications))


async def _inboxes(conn, audience: Audience, at: datetime) -> list[str]:
    """The audience's inboxes. Followers as of the event: one accepted after it fetched the
    current state when it followed."""
    owners = [actor.owner for actor in audience.followers_of]
    repo = FollowRepo(conn)
    if audience.where is None:
        found = await repo.list_follower_inboxes(owners, accepted_before=at,
                                                 shared=audience.shared)
        recipients: list[Recipient] = []
    else:
        found = []
        recipients = await repo.list_follower_recipients(owners, accepted_before=at)
    if audience.actors:
        recipients += [Recipient(a.ap_id, a.inbox, a.shared_inbox, a.host, a.software, a.type)
                       for a in await RemoteRepo(conn).find_actors(list(audience.actors))
                       if not a.is_gone]
    if audience.where is not None:
        recipients = [r for r in recipients if audience.where(r)]
    return found + outbox.inboxes_of(recipients, shared=audience.shared) + list(audience.inboxes)


async def _store(fed: Deps, conn, plan: _Planned, publication: Publication) -> int:
    """Store one publication and its deliveries; 0 when it has nobody to go to."""
    audience = publication.audience
    targets = outbox.deliverable(fed, await _inboxes(conn, audience, plan.occurred_at))
    if not targets:
        return 0  # no audience: nothing to store, nothing to serve
    activity, actor = publication.activity, publication.actor
    if publication.render_at_window_end:
        await tally_updates.hold(fed, conn, activity=activity, actor=actor, targets=targets,
                                 object_ap_id=publication.object_ap_id, event_id=plan.event_id)
        return 0  # nothing is due before the window closes
    send_at = None
    if publication.debounce is not None and publication.object_ap_id is not None:
        repo = OutboxRepo(conn)
        waiting = await repo.find_unsent(actor=actor.ap_id, type=activity["type"],
                                         object_ap_id=publication.object_ap_id)
        if waiting is not None:
            # Not sent to anyone yet: the newer content replaces it under the same id.
            await repo.replace_body(waiting.id,
                                    vocab.dumps({**activity, "id": waiting.ap_id}).decode())
            await repo.add_deliveries(waiting.id, targets, fed.now(),
                                      await repo.first_send_at(waiting.id))
            return 0
        send_at = fed.now() + publication.debounce
    await outbox.enqueue_targets(fed, conn, activity=activity, actor=actor, targets=targets,
                                 is_public=publication.is_public, event_id=plan.event_id,
                                 object_ap_id=publication.object_ap_id, send_at=send_at)
    return 1
