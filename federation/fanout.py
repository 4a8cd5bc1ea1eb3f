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

Decisions (issue 4):
- A debate is an actor once it leaves draft. DebateCreated publishes nothing (a draft is
  private and has no followers); the move out of draft makes the node's Application actor
  `Announce` the Group, by id, to the node's followers: a followed territory learns of its new
  debates, and receivers fetch the Group from its origin (nothing embedded to trust). Mastodon
  ignores an Announce of an actor, so its users see nothing odd.
- DebateStatusChanged → Update(Group) to the debate's followers: the Group carries its status.
- MemberRoleChanged → Update(Person) to the member's followers: role and mandate are on it.
- DebateSettingsChanged publishes nothing yet: the Group document does not carry the
  settings, so the Update would say nothing new to anyone (issue 5 may add them).
Issue 5 (proposals as polls, federation/proposals.py renders them):
- ProposalSubmitted → Create(Question) by the debate's Group to its followers.
- VoteCast / VoteWithdrawn → Update(Question) with the new totals and no `updated`, to the
  followers and the remote voters, debounced a minute per question; never who voted what.
- ProposalStatusChanged / ProposalAnswered → Create(Note) by the Group in the poll's thread
  (a move to `answered` says nothing itself: the answer's reply says it).
- ArgumentPosted by a member → Announce(Create(Note)) by the Group to group-aware followers
  only (`where=`); AmendmentProposed → Create(Question) by the Group to every follower, its
  votes and decision → Update(Question) debounced (federation/contributions.py).
"""
from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from node.errors import NotFound
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
from storage.repos.remote import RemoteRepo

from . import contributions, moderation, outbox, proposals, tally_updates, territories, vocab
from .local_actors import LocalActor
from .uris import FOLLOWERS, Uris

if TYPE_CHECKING:
    from .context import Federation

log = logging.getLogger(__name__)

BATCH = 100  # events per pass: one transaction, a few milliseconds


@dataclass(frozen=True, slots=True)
class Audience:
    """Who receives an activity. Followers are the accepted, not-gone ones."""

    followers_of: tuple[LocalActor, ...] = ()
    actors: tuple[str, ...] = ()  # remote actor ids, addressed directly (known actors only)
    shared: bool = True  # a server's shared inbox when it has one; False: personal inboxes
    # Keep only some recipients, e.g. group-aware software for Announce(Create(…)).
    where: Callable[[Recipient], bool] | None = None
    # Inboxes already chosen, reduced in SQL (a poll's remote voters: 2,000 voters on 20
    # servers are 20 shared inboxes, read per vote without building 2,000 actors).
    inboxes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Publication:
    """One activity to store and deliver."""

    actor: LocalActor  # who sends and signs it
    activity: dict  # rendered with vocab.to_ap_*, its id from Context.new_id()
    audience: Audience
    object_ap_id: str | None = None  # what it is about (required to debounce)
    is_public: bool = True  # listed in the actor's outbox
    debounce: timedelta | None = None  # hold it this long; a later one rewrites it meanwhile
    # Rendered when its debounce window closes (tally_updates.py); until then, a placeholder.
    render_at_window_end: bool = False


class Context:
    """What a publisher may read: current entities as local actors, their documents."""

    def __init__(self, fed: Federation):
        self.fed = fed
        self.read = fed.db.read()
        self.once: set[tuple] = set()  # what a pass publishes once (tallies: see first_in_pass)

    def first_in_pass(self, key: tuple) -> bool:
        """True the first time in this pass. A tally read now already counts every vote of the
        pass's events (they were committed before it read them): one Update per question per
        pass, not one per vote (10,000 votes in a burst would rebuild it 10,000 times)."""
        if key in self.once:
            return False
        self.once.add(key)
        return True

    def new_id(self) -> str:
        return outbox.new_activity_id(self.fed)

    def node(self) -> LocalActor:
        return self.fed.local.node()

    async def debate(self, debate_id: int) -> LocalActor | None:
        """The debate's Group, or None while it is a draft (not an actor) or when gone."""
        try:
            debate = await self.read.debates.get(debate_id)
        except NotFound:
            return None
        if debate.status is DebateStatus.DRAFT:
            return None
        return self._fresh(self.fed.local.of_debate(debate))

    async def member(self, member_id: int) -> LocalActor | None:
        try:
            return self._fresh(self.fed.local.of_member(await self.read.members.get(member_id)))
        except NotFound:
            return None

    def _fresh(self, actor: LocalActor) -> LocalActor:
        # Before anything is published, the actor's URL serves what is about to be announced.
        self.fed.local.remember(actor)
        return actor

    async def document(self, actor: LocalActor) -> dict:
        """The actor's current AS2 document (cached bytes, keys created on first need)."""
        return json.loads(await self.fed.local.document(actor))

    @staticmethod
    def followers(actor: LocalActor) -> str:
        return Uris.sub_uri(actor.ap_id, FOLLOWERS)

    async def update_actor(self, actor: LocalActor, event: Event) -> Publication:
        """Update(actor) with its whole current document, to its followers."""
        activity = vocab.to_ap_update(
            self.new_id(), actor.ap_id, await self.document(actor), to=[vocab.PUBLIC],
            cc=[self.followers(actor)], published=event.occurred_at)
        return Publication(actor, activity, Audience(followers_of=(actor,)), actor.ap_id)


Publisher = Callable[[Context, Event], Awaitable[list[Publication]]]


# -- publishers


async def publish_debate_status(ctx: Context, event: DebateStatusChanged) -> list[Publication]:
    group = await ctx.debate(event.debate_id)
    if group is None:
        return []
    update = await ctx.update_actor(group, event)
    if event.old_status != DebateStatus.DRAFT.value:
        # Followed territories too (issue 5): their network view shows the debate's status.
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


# Proposals (issue 5): polls by the debate's Group (federation/proposals.py renders them).
TALLY_DEBOUNCE = timedelta(minutes=1)  # at most one Update(Question) a minute per question


async def _proposal(ctx: Context, proposal_id: int, debate_id: int):
    group = await ctx.debate(debate_id)
    if group is None:
        return None, None
    try:
        return group, await proposals.current_question(ctx.fed, proposal_id)
    except NotFound:
        return None, None  # hidden or gone: nothing goes out


async def publish_proposal_submitted(ctx: Context, event: Event) -> list[Publication]:
    group, found = await _proposal(ctx, event.proposal_id, event.debate_id)
    if found is None:
        return []
    _, question = found
    create = proposals.to_ap_create(ctx.new_id(), question, published=event.occurred_at)
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
    question_id = proposals.proposal_uri(ctx.fed.uris, event.proposal_id)
    if await tally_updates.waiting(ctx.read.conn, actor=group.ap_id, question_id=question_id):
        return []  # this window's Update is stored; its audience is read when it closes
    voters = await proposals.remote_voter_inboxes(ctx.read.conn, event.proposal_id)
    audience = Audience(followers_of=(group, ctx.node()), inboxes=voters)
    update = tally_updates.placeholder(ctx.new_id(), group.ap_id, question_id)
    return [Publication(group, update, audience, question_id, is_public=False,
                        debounce=TALLY_DEBOUNCE, render_at_window_end=True)]


async def publish_question_update(ctx: Context, event: Event) -> list[Publication]:
    """Issue 5, territories: an edit, a status change or an answer is an Update(Question) with
    a newer `updated` (federation/territories.py), to the node's followers that are territories
    (an edit also to the debate's followers: for Mastodon too it is an edit)."""
    if (isinstance(event, ProposalStatusChanged)
            and event.new_status == ProposalStatus.ANSWERED.value):
        return []  # the ProposalAnswered update carries the answer
    group, found = await _proposal(ctx, event.proposal_id, event.debate_id)
    if found is None:
        return []
    detail, question = found
    update = territories.to_ap_update_question(ctx.new_id(), detail, question)
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
    group, found = await _proposal(ctx, event.proposal_id, event.debate_id)
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
    note = proposals.to_ap_reply(proposals.reply_note_id(ctx.fed.uris, activity_id),
                                 uris=ctx.fed.uris, detail=detail,
                                 text=text, published=event.occurred_at)
    create = {"@context": vocab.AS_CONTEXT, "id": activity_id, "type": "Create",
              "actor": group.ap_id, "object": note, "to": note["to"], "cc": note["cc"],
              "published": note["published"]}
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


async def run_once(fed: Federation, *, publishers: dict[str, Publisher] | None = None,
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


async def _store(fed: Federation, conn, plan: _Planned, publication: Publication) -> int:
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
