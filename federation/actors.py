"""Remote actors: fetch, cache (with expiry), key lookup by keyId, and signature verification.
Never trusts a key that its owner's actor document does not list (keyId → owner → actor)."""
from __future__ import annotations

import logging
import time
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import NamedTuple

from node.ports import Clock
from storage.db import Database
from storage.repos.remote import RemoteActor, RemoteRepo

from . import vocab
from .fetch import Fetcher, FetchError, Identity
from .signature_base import SignatureError, SignatureFailure, VerifiedSignature
from .signatures import parse_key_id, verify_request
from .uris import Uris, host_of, origin_of, strip_fragment

log = logging.getLogger(__name__)

# Mastodon refreshes a remote account after a day (Account#possibly_stale?); so do we.
ACTOR_TTL = timedelta(days=1)
NODEINFO_TTL = timedelta(days=7)  # software changes rarely; its name is informative only
# Which hosts lack a known software is asked at every worker pass only while there may be some:
# after an actor from a new host is stored here, else once a minute (stale entries, actors
# stored by another process). The question reads every cached actor's host.
SOFTWARE_SCAN_SECONDS = 60.0
_SCHEME_CACHE_SIZE = 4096
# Signers by key id, in memory: a busy inbox verifies the same few keys again and again, and a
# database read per request would cost more than the verification. Entries live a minute (the
# table stays the truth: a key rotation refetches and replaces the entry at once).
_KEY_CACHE_SIZE = 4096
_KEY_CACHE_SECONDS = 60.0


class SignerUnknown(Exception):
    """The signer's key could not be obtained or does not belong to who it claims."""

    def __init__(self, reason: str, *, transient: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class Verified(NamedTuple):  # a tuple: one per signed request, built in one call
    signature: VerifiedSignature
    signer: RemoteActor  # the key's owner, as its own actor document says


class RemoteActors:
    def __init__(self, *, db: Database, clock: Clock, uris: Uris, fetcher: Fetcher,
                 node_identity: Identity, signature_window_seconds: float):
        self.db = db
        self.clock = clock
        self.uris = uris
        self.fetcher = fetcher
        self.node_identity = node_identity  # actors are fetched signed, as the node
        self._by_key: OrderedDict[str, tuple[float, RemoteActor]] = OrderedDict()
        self._window = timedelta(seconds=signature_window_seconds)
        self._new_hosts = True  # at start: whatever the table holds may lack its software
        self._software_scan_due = 0.0

    def _remember_key(self, actor: RemoteActor) -> None:
        if actor.public_key_id is None:
            return
        self._by_key[actor.public_key_id] = (time.monotonic() + _KEY_CACHE_SECONDS, actor)
        self._by_key.move_to_end(actor.public_key_id)
        while len(self._by_key) > _KEY_CACHE_SIZE:
            self._by_key.popitem(last=False)

    def forget(self, ap_id: str) -> None:
        """Drop an actor's keys from memory (it is gone: the table says so from now on)."""
        for key_id in [k for k, (_, a) in self._by_key.items() if a.ap_id == ap_id]:
            del self._by_key[key_id]

    def _held_key_owner(self, key_id: str, now: datetime) -> RemoteActor | None:
        """The owner of a held key; held keys passed key_owner's checks when they were stored."""
        held = self._by_key.get(key_id)
        if held is None or held[0] <= time.monotonic() or not self._fresh(held[1], now):
            return None
        return held[1]

    def _fresh(self, actor: RemoteActor, now: datetime | None = None) -> bool:
        return (now or self.clock.now()) - actor.fetched_at < ACTOR_TTL

    async def get(self, ap_id: str, *, refresh: bool = False) -> RemoteActor:
        """The remote actor with this id, from the cache or fetched (FetchError if impossible)."""
        if self.uris.is_local(ap_id):
            raise FetchError("that actor is local", permanent=True)
        cached = await RemoteRepo(self.db.read().conn).find_actor(ap_id)
        if cached is not None and not refresh and self._fresh(cached):
            if cached.is_gone:
                raise FetchError("actor is gone", permanent=True, status=410)
            return cached
        document = await self._fetch_actor(ap_id)
        if document.id != ap_id:
            raise FetchError("actor document has another id", permanent=True)
        key = next((k for k in document.public_keys if k.owner == document.id), None)
        return await self._store(document, key)

    async def _fetch_actor(self, url: str) -> vocab.ActorDocument:
        try:
            _, raw = await self.fetcher.get_ap(url, sign_as=self.node_identity)
        except FetchError as exc:
            if exc.status == 410:
                async with self.db.transaction() as tx:
                    await RemoteRepo(tx.conn).mark_gone(url)
                self.forget(url)
            raise
        return _actor_document(raw)

    async def _store(self, document: vocab.ActorDocument,
                     key: vocab.PublicKey | None) -> RemoteActor:
        shared = document.shared_inbox
        if shared is not None and origin_of(shared) != origin_of(document.id):
            shared = None
        actor = RemoteActor(
            ap_id=document.id, type=document.type, host=host_of(document.id), inbox=document.inbox,
            shared_inbox=shared, preferred_username=document.preferred_username,
            name=document.name, public_key_id=key.id if key else None,
            public_key_pem=key.pem if key else None, fetched_at=self.clock.now(),
        )
        async with self.db.transaction() as tx:
            await RemoteRepo(tx.conn).upsert_actor(actor)
        self._new_hosts = True  # its host's software may be unknown
        self._remember_key(actor)
        return actor

    async def key_owner(self, key_id: str, *, refresh: bool = False) -> tuple[RemoteActor, bool]:
        """The actor owning `key_id`, and whether it was fetched just now (not from the cache)."""
        if not refresh:
            held = self._held_key_owner(key_id, self.clock.now())
            if held is not None:
                return held, False
        if vocab.id_of(key_id) is None:
            raise SignerUnknown("keyId is not an http(s) URL")
        if self.uris.is_local(key_id):
            raise SignerUnknown("keyId names a local key")
        if not refresh:
            cached = await RemoteRepo(self.db.read().conn).find_actor_by_key(key_id)
            if cached is not None and self._fresh(cached) and not cached.is_gone:
                self._remember_key(cached)
                return cached, False
        try:
            return await self._fetch_key_owner(key_id), True
        except FetchError as exc:
            raise SignerUnknown(f"cannot fetch the signer's key: {exc.reason}",
                                transient=not exc.permanent) from None

    async def _fetch_key_owner(self, key_id: str) -> RemoteActor:
        # Fetch the actor from the key id without its fragment (Mastodon's #main-key); a
        # standalone key document (its own URL) names its owner, which must list it back.
        _, raw = await self.fetcher.get_ap(strip_fragment(key_id),
                                               sign_as=self.node_identity)
        types = set(vocab.types_of(raw))
        if not types & vocab.ACTOR_TYPES and "publicKeyPem" in raw:
            try:
                owner_id = vocab.from_ap_key(raw).owner
            except vocab.MalformedActivity as exc:
                raise FetchError(exc.reason, permanent=True) from None
            if origin_of(owner_id) != origin_of(key_id):
                raise FetchError("key owner is on another origin", permanent=True)
            document = await self._fetch_actor(owner_id)
        else:
            document = _actor_document(raw)
        key = document.key(key_id)
        if key is None:
            raise FetchError("the owner's actor does not list this key", permanent=True)
        if key.owner != document.id:
            raise FetchError("the key's owner is not the actor that lists it", permanent=True)
        return await self._store(document, key)

    async def verify(self, *, method: str, url: str, headers, body: bytes | None,
                     key_id: str | None = None) -> Verified:
        """Verify a request's signature with its signer's key (refetched once on failure).

        Raises SignatureError (the signature) or SignerUnknown (the key could not be had).
        """
        key_id = key_id or parse_key_id(headers)  # the inbox parsed it already
        now = self.clock.now()
        actor = self._held_key_owner(key_id, now)  # the common case, without a coroutine
        if actor is not None:
            fetched_now = False
        else:
            actor, fetched_now = await self.key_owner(key_id)
        window = self._window
        for attempt in range(2):
            try:
                signature = verify_request(
                    method=method, url=url, headers=headers, body=body,
                    public_key_pem=actor.public_key_pem or "", now=now, window=window,
                )
                return Verified(signature, actor)
            except SignatureError as exc:
                # Only a cryptographic mismatch may be a rotated key (Mastodon refetches once).
                rotated = exc.failure in (SignatureFailure.INVALID, SignatureFailure.UNSUPPORTED)
                if attempt == 1 or fetched_now or not rotated:
                    raise
                actor, fetched_now = await self.key_owner(key_id, refresh=True)
        raise AssertionError("unreachable")

    async def refresh_software(self, limit: int = 4) -> int:
        """Read the NodeInfo of a few hosts whose software we do not know yet."""
        if not self._new_hosts and time.monotonic() < self._software_scan_due:
            return 0
        stale_before = self.clock.now() - NODEINFO_TTL
        hosts = await RemoteRepo(self.db.read().conn).list_hosts_without_software(
            stale_before, limit)
        if len(hosts) < limit:  # none left after these: rest until a new host appears
            self._new_hosts = False
            self._software_scan_due = time.monotonic() + SOFTWARE_SCAN_SECONDS
        for host, sample_id in hosts:
            software = version = None
            try:
                software, version = await self._nodeinfo_software(host, sample_id)
            except (FetchError, vocab.MalformedActivity) as exc:
                log.info("no NodeInfo from %s: %s", host, exc)
            async with self.db.transaction() as tx:
                await RemoteRepo(tx.conn).set_software(host, software, version,
                                                       self.clock.now())
        return len(hosts)

    async def _nodeinfo_software(self, host: str, sample_id: str) -> tuple[str | None, str | None]:
        scheme = origin_of(sample_id)[0]
        well_known = f"{scheme}://{host}/.well-known/nodeinfo"
        _, links = await self.fetcher.get_json(well_known)
        hrefs = sorted(
            (link.get("rel", ""), link.get("href"))
            for link in (links.get("links", []) if isinstance(links, dict) else [])
            if isinstance(link, dict) and str(link.get("rel", "")).startswith(
                "http://nodeinfo.diaspora.software/ns/schema/2.")
        )
        if not hrefs or vocab.id_of(hrefs[-1][1]) is None:
            return None, None
        href = hrefs[-1][1]
        if origin_of(href)[:2] != origin_of(well_known)[:2]:
            return None, None  # NodeInfo of another host says nothing about this one
        _, info = await self.fetcher.get_json(href)
        software = info.get("software") if isinstance(info, dict) else None
        if not isinstance(software, dict):
            return None, None
        name, version = software.get("name"), software.get("version")
        return (name[:100] if isinstance(name, str) else None,
                version[:100] if isinstance(version, str) else None)


class SignatureSchemes:
    """Which signature scheme each peer host gets: draft-cavage unless RFC 9421 has worked."""

    def __init__(self, *, db: Database, clock: Clock):
        self.db = db
        self.clock = clock
        self._cache: OrderedDict[str, str] = OrderedDict()

    async def get(self, host: str) -> str:
        scheme = self._cache.get(host)
        if scheme is None:
            found = await RemoteRepo(self.db.read().conn).find_host(host)
            scheme = (found.signature_scheme if found else None) or "cavage"
            self._put(host, scheme)
        return scheme

    async def remember(self, host: str, scheme: str) -> None:
        if self._cache.get(host) == scheme:
            return
        async with self.db.transaction() as tx:
            await RemoteRepo(tx.conn).set_signature_scheme(host, scheme, self.clock.now())
        self._put(host, scheme)

    def _put(self, host: str, scheme: str) -> None:
        self._cache[host] = scheme
        self._cache.move_to_end(host)
        while len(self._cache) > _SCHEME_CACHE_SIZE:
            self._cache.popitem(last=False)


def _actor_document(raw: dict) -> vocab.ActorDocument:
    """The fetched actor, refused (permanently) when malformed or its inbox is elsewhere."""
    try:
        document = vocab.from_ap_actor(raw)
    except vocab.MalformedActivity as exc:
        raise FetchError(exc.reason, permanent=True) from None
    # The inbox must belong to the actor's origin, or anyone could redirect its mail.
    if origin_of(document.inbox) != origin_of(document.id):
        raise FetchError("actor inbox is on another origin", permanent=True)
    return document
