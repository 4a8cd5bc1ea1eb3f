"""What fan-out publishers work with: the `Context` they read through, and the `Publication`s
(activity, signer, `Audience`, debounce) they return. Shared by fanout.py, which runs them, and
the modules that publish (contributions.py, moderation.py)."""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from node.errors import NotFound
from node.events import Event
from node.model import DebateStatus
from storage.repos.follows import Recipient

from . import proposals, vocab
from .deps import Deps
from .local_actors import LocalActor
from .uris import FOLLOWERS, Uris

TALLY_DEBOUNCE = timedelta(minutes=1)  # at most one Update(Question) a minute per question


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

    def __init__(self, fed: Deps):
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
        return self.fed.uris.new_activity_uri()

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

    async def proposal(self, proposal_id: int, debate_id: int):
        """(the debate's Group, (detail, Question)), or (None, None) when nothing may go out:
        the debate is a draft or gone, the proposal hidden or gone."""
        group = await self.debate(debate_id)
        if group is None:
            return None, None
        try:
            return group, await proposals.current_question(self.fed, proposal_id)
        except NotFound:
            return None, None

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
