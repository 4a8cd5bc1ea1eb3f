"""Our AS2 documents over GET: actors, their collections (keyset-paged), activities, and our
context. Under authorized fetch every one of them but the Application actor needs a signature."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from aiohttp import web

from node.errors import NotFound
from storage.repos.follows import FollowRepo
from storage.repos.outbox import OutboxRepo

from . import vocab
from .actors import SignerUnknown
from .deps import Deps
from .local_actors import LocalActor
from .signature_base import SignatureError
from .uris import FOLLOWERS, MODERATORS, OUTBOX, ActorKind, hostname_of

PAGE_SIZE = 40  # ids per collection page: documents stay a few KiB (Mastodon caps at 1 MiB)
AS2_HEADERS = {"Content-Type": vocab.AS_MEDIA_TYPE}


class RequestRefused(Exception):
    """A GET we refuse (authorized fetch); `reason` goes back as short text/plain."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def require_signature(fed: Deps, request: web.Request) -> None:
    """Authorized fetch (Mastodon's secure mode): a valid signature from an allowed domain."""
    url = fed.uris.base + request.raw_path
    try:
        verified = await fed.remote.verify(method=request.method, url=url,
                                           headers=list(request.headers.items()), body=None)
    except (SignatureError, SignerUnknown) as exc:
        raise RequestRefused(401, f"a valid signature is required: {exc.reason}") from None
    host = hostname_of(verified.signer.ap_id)
    if fed.blocked(host):
        raise RequestRefused(403, f"domain {host} is blocked")


async def _actor(fed: Deps, request: web.Request, kind: ActorKind) -> LocalActor:
    name = request.match_info.get("slug") or request.match_info.get("username") or ""
    actor = await fed.local.find(kind, name)
    if actor is None or (kind != "node" and actor.name != name):
        raise NotFound("no such actor")
    # The Application actor stays public: peers fetch it to verify our signed GETs (FEP-2677).
    if fed.settings.authorized_fetch and kind != "node":
        await require_signature(fed, request)
    return actor


async def actor_document(fed: Deps, request: web.Request, kind: ActorKind) -> web.Response:
    actor = await _actor(fed, request, kind)
    return web.Response(body=await fed.local.document(actor), headers=AS2_HEADERS)


async def collection(fed: Deps, request: web.Request, kind: ActorKind,
                     what: str) -> web.Response:
    """followers / following / outbox: an OrderedCollection whose `first` starts the pages."""
    actor = await _actor(fed, request, kind)
    collection_id = fed.uris.sub_uri(actor.ap_id, what)
    read = fed.db.read().conn
    if what == OUTBOX:
        total = await OutboxRepo(read).count_public(actor.ap_id)
    elif what == FOLLOWERS:
        total = await FollowRepo(read).count_followers(actor.owner)
    else:
        total = await FollowRepo(read).count_following(actor.owner)
    if "page" not in request.query:
        document = vocab.to_ap_ordered_collection(collection_id, total,
                                                  f"{collection_id}?page=true")
        return web.Response(body=vocab.dumps(document), headers=AS2_HEADERS)
    after = request.query.get("after")
    if what == OUTBOX:
        page = await OutboxRepo(read).list_public_page(actor.ap_id, after=after, limit=PAGE_SIZE)
        items: list = [json.loads(a.body) for a in page.items]
    elif what == FOLLOWERS:
        page = await FollowRepo(read).list_followers_page(actor.owner, after=after,
                                                          limit=PAGE_SIZE)
        items = [f.follower_ap_id for f in page.items]
    else:
        page = await FollowRepo(read).list_following_page(actor.owner, after=after,
                                                          limit=PAGE_SIZE)
        items = [f.target_ap_id for f in page.items]
    query = {"page": "true", **({"after": after} if after else {})}
    page_id = f"{collection_id}?{urlencode(query)}"
    next_id = (f"{collection_id}?{urlencode({'page': 'true', 'after': page.next_cursor})}"
               if page.next_cursor else None)
    document = vocab.to_ap_collection_page(page_id, collection_id, items, next_id, total)
    return web.Response(body=vocab.dumps(document), headers=AS2_HEADERS)


async def moderators(fed: Deps, request: web.Request) -> web.Response:
    """A debate's moderators (FEP-1b12 Group attributedTo): small, so not paged."""
    actor = await _actor(fed, request, "debate")
    items = await fed.local.moderators(actor)
    document = {"@context": vocab.AS_CONTEXT, "id": fed.uris.sub_uri(actor.ap_id, MODERATORS),
                "type": "OrderedCollection", "totalItems": len(items), "orderedItems": items}
    return web.Response(body=vocab.dumps(document), headers=AS2_HEADERS)


async def activity(fed: Deps, request: web.Request) -> web.Response:
    """Every activity id we emit dereferences (Mastodon fetches an announced Create's id)."""
    if fed.settings.authorized_fetch:
        await require_signature(fed, request)
    found = await OutboxRepo(fed.db.read().conn).find_activity(
        fed.uris.activity_uri(request.match_info["uuid"]))
    if found is None:
        raise NotFound("no such activity")
    return web.Response(body=found.body.encode(), headers=AS2_HEADERS)


async def context(fed: Deps, request: web.Request) -> web.Response:
    return web.Response(body=vocab.dumps(vocab.context_document(fed.uris.context_uri())),
                        headers={"Content-Type": "application/ld+json",
                                 "Access-Control-Allow-Origin": "*"})
