"""Our own actors (the node, debates, members): lookup by name, id or key owner, and their
AS2 documents rendered once and served from cached bytes until the entity or its keys change."""
from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from node.model import Debate, DebateStatus, Member
from storage.db import Database
from storage.repos.moderators import ModeratorRepo

from . import vocab
from .keys import NODE_OWNER, KeyStore
from .uris import FOLLOWERS, FOLLOWING, INBOX, MODERATORS, OUTBOX, ActorKind, Uris

_DOCUMENT_CACHE_SIZE = 512  # rendered actors are ~3 KiB each
# Names resolved to actors, kept so that a busy actor or WebFinger endpoint reads no table per
# request. An entry is dropped at any write this process commits (Database.commits), and after
# this delay at worst for writes from another process (the CLI); fan-out also refreshes an
# entry before it publishes a change (fanout.Context).
_LOOKUP_SECONDS = 1.0
_LOOKUP_CACHE_SIZE = 4096
MAX_MODERATORS = 100  # the moderators collection is small by nature; not paged


@dataclass(frozen=True, slots=True)
class LocalActor:
    kind: ActorKind
    name: str  # slug, username, or the host name for the node
    owner: str  # actor_keys owner: 'node', 'debate:<id>', 'member:<id>'
    ap_id: str
    entity: Debate | Member | None  # None for the node

    @property
    def inbox(self) -> str:
        return Uris.sub_uri(self.ap_id, INBOX)

    @property
    def type(self) -> str:
        return {"node": "Application", "debate": "Group", "member": "Person"}[self.kind]


class LocalActors:
    def __init__(self, *, db: Database, uris: Uris, keys: KeyStore, node_name: str,
                 manual_node_follow_approval: bool):
        self.db = db
        self.uris = uris
        self.keys = keys
        self.node_name = node_name
        self.manual_node_follow_approval = manual_node_follow_approval
        self._documents: OrderedDict[tuple, bytes] = OrderedDict()
        self._last_document: dict[tuple[str, str], tuple[LocalActor, object, bytes]] = {}
        self._found: OrderedDict[tuple[str, str],
                                 tuple[float, int, LocalActor | None]] = OrderedDict()

    def remember(self, actor: LocalActor, commits: int | None = None) -> None:
        """Serve this actor for its name until the next commit (`commits`: the count when it
        was read, if older)."""
        self._hold((actor.kind, actor.name), actor, commits)

    def _hold(self, key: tuple[str, str], actor: LocalActor | None,
              commits: int | None = None) -> None:
        commits = self.db.commits if commits is None else commits
        self._found[key] = (time.monotonic() + _LOOKUP_SECONDS, commits, actor)
        self._found.move_to_end(key)
        while len(self._found) > _LOOKUP_CACHE_SIZE:
            self._found.popitem(last=False)

    def node(self) -> LocalActor:
        return LocalActor("node", self.uris.hostname, NODE_OWNER,
                          self.uris.node_actor_uri(), None)

    def of_debate(self, debate: Debate) -> LocalActor:
        return LocalActor("debate", debate.slug, f"debate:{debate.id}",
                          self.uris.debate_uri(debate.slug), debate)

    def of_member(self, member: Member) -> LocalActor:
        return LocalActor("member", member.username, f"member:{member.id}",
                          self.uris.member_uri(member.username), member)

    async def find(self, kind: ActorKind, name: str) -> LocalActor | None:
        """A public local actor; draft debates are not public, so not actors yet."""
        if kind == "node":
            return self.node()
        held = self._found.get((kind, name))
        commits = self.db.commits  # before reading: a commit meanwhile makes it stale
        if held is not None and held[1] == commits and held[0] > time.monotonic():
            return held[2]
        repos = self.db.read()
        if kind == "debate":
            debate = await repos.debates.find_by_slug(name)
            found = (self.of_debate(debate) if debate is not None
                     and debate.status is not DebateStatus.DRAFT else None)
        else:
            member = await repos.members.find_by_username(name)
            found = self.of_member(member) if member is not None else None
        if found is None or found.name == name:  # canonical spellings only (and "no such")
            self._hold((kind, name), found, commits)
        return found

    async def find_by_uri(self, uri: str) -> LocalActor | None:
        local = self.uris.parse_actor(uri)
        if local is None:
            return None
        found = await self.find(local.kind, local.name)
        # Only the canonical spelling is an id (usernames and slugs are stored lower-case).
        return found if found is not None and found.ap_id == uri else None

    async def find_by_handle(self, name: str) -> LocalActor | None:
        """acct:name@host: members and debates share one namespace; the node is its host name."""
        name = name.lower()
        if name == self.uris.hostname:
            return self.node()
        return await self.find("member", name) or await self.find("debate", name)

    # -- documents

    async def document(self, actor: LocalActor) -> bytes:
        keys = await self.keys.get(actor.owner)
        # The actor object held by the lookup cache, with the same keys: its bytes, at once.
        last = self._last_document.get((actor.kind, actor.name))
        if last is not None and last[0] is actor and last[1] is keys:
            return last[2]
        # The entity is a dataclass read fresh: any change to it (or to the keys) is a new key.
        cache_key = (actor.kind, actor.name, repr(actor.entity), keys.created_at,
                     keys.rsa_public_pem)
        cached = self._documents.get(cache_key)
        if cached is None:
            cached = vocab.dumps(self._render(actor, keys))
            self._documents[cache_key] = cached
            while len(self._documents) > _DOCUMENT_CACHE_SIZE:
                self._documents.popitem(last=False)
        self._documents.move_to_end(cache_key)
        self._last_document[(actor.kind, actor.name)] = (actor, keys, cached)
        while len(self._last_document) > _DOCUMENT_CACHE_SIZE:
            self._last_document.pop(next(iter(self._last_document)))
        return cached

    def _render(self, actor: LocalActor, keys) -> dict:
        uris = self.uris
        links = vocab.ActorLinks(
            id=actor.ap_id, inbox=uris.sub_uri(actor.ap_id, INBOX),
            outbox=uris.sub_uri(actor.ap_id, OUTBOX),
            followers=uris.sub_uri(actor.ap_id, FOLLOWERS),
            following=uris.sub_uri(actor.ap_id, FOLLOWING),
            shared_inbox=uris.shared_inbox_uri(), context=uris.context_uri(),
            url=uris.home_uri() if actor.kind == "node" else actor.ap_id,
            rsa_public_pem=keys.rsa_public_pem, ed25519_multibase=keys.ed25519_public_multibase,
            main_key_id=uris.main_key_id(actor.ap_id),
            ed25519_key_id=uris.ed25519_key_id(actor.ap_id),
        )
        if actor.kind == "node":
            return vocab.to_ap_application(
                links, host=uris.hostname, name=self.node_name,
                manually_approves=self.manual_node_follow_approval)
        if actor.kind == "debate":
            return vocab.to_ap_group(actor.entity, links, uris.sub_uri(actor.ap_id, MODERATORS))
        return vocab.to_ap_person(actor.entity, links)

    async def moderators(self, actor: LocalActor) -> list[str]:
        repo = ModeratorRepo(self.db.read().conn)
        usernames = await repo.list_usernames(actor.entity.id, MAX_MODERATORS)
        return [self.uris.member_uri(u) for u in usernames]
