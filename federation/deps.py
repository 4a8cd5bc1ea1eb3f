"""What a federation request handler, receiver or worker pass may use: the node's settings,
its database and clock, and the collaborators built once by federation/service.py.

A frozen record of values, not an object that builds or runs anything: the modules that take
it import only this leaf and the collaborators it lists, so the federation package stays a
graph without cycles."""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from node.ports import Clock
from storage.db import Database
from storage.group_commit import GroupCommit
from storage.repos.inbox import NewInboxMessage

from .actors import RemoteActors, SignatureSchemes
from .backlog import InboxBacklog
from .blocks import DomainBlocks
from .fetch import Fetcher, Identity
from .jrd_cache import JrdCache
from .local_actors import LocalActors
from .settings import Settings
from .uris import Uris


@dataclass(frozen=True, slots=True)
class Deps:
    settings: Settings
    db: Database
    clock: Clock
    rng: random.Random
    uris: Uris
    node_name: str
    language: str  # [node] default_language: poll options are in it
    registration_open: bool
    node_identity: Identity  # who signs the node's own fetches
    fetcher: Fetcher
    blocked: DomainBlocks  # blocked(host): config and table merged
    schemes: SignatureSchemes
    remote: RemoteActors
    local: LocalActors
    jrd_cache: JrdCache
    backlog: InboxBacklog
    # The inbox records verified activities by group commit; each group committed wakes the
    # workers (dispatch) before their next poll.
    inbox_commits: GroupCommit[NewInboxMessage, bool]
    wake_delivery: Callable[[], None]  # deliveries were queued: claim them now, not at a poll

    def now(self) -> datetime:
        return self.clock.now()
