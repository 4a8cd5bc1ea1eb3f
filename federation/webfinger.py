"""WebFinger (RFC 7033): our /.well-known/webfinger and host-meta, and `resolve(handle)`.
Answers only for our own host and exact names; the JRD round-trips as Mastodon checks it."""
from __future__ import annotations

import re
from collections import OrderedDict
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

from aiohttp import web

from . import vocab
from .deps import Deps
from .fetch import FetchError
from .local_actors import LocalActor
from .uris import host_of

JRD_TYPE = "application/jrd+json"
PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
AS_TYPE_PROPERTY = "https://www.w3.org/ns/activitystreams#type"
_HANDLE = re.compile(r"^@?([^@\s/?#]{1,100})@([a-z0-9.-]{1,253}(?::[0-9]{1,5})?)$", re.IGNORECASE)
_JRD_HEADERS = {"Content-Type": JRD_TYPE, "Access-Control-Allow-Origin": "*"}


class WebFingerError(Exception):
    """A handle that cannot be resolved to an actor, with the reason."""


def parse_handle(handle: str) -> tuple[str, str]:
    """'name@host', '@name@host' or 'acct:name@host' → (name, host)."""
    handle = handle.strip()
    if handle.lower().startswith("acct:"):
        handle = handle[5:]
    match = _HANDLE.match(handle)
    if match is None:
        raise WebFingerError(f"not a handle: {handle[:100]!r}")
    return match[1], match[2].lower()


def jrd(fed: Deps, subject: str, actor: LocalActor) -> dict:
    document = {
        "subject": subject,
        "aliases": [actor.ap_id],
        "links": [
            {"rel": "self", "type": vocab.AS_MEDIA_TYPE, "href": actor.ap_id},
            {"rel": PROFILE_PAGE, "type": "text/html",
             "href": fed.uris.home_uri() if actor.kind == "node" else actor.ap_id},
        ],
    }
    if actor.kind in ("debate", "node"):
        # Lemmy marks group actors so clients know a Group before fetching it.
        document["properties"] = {AS_TYPE_PROPERTY: actor.type}
    return document


async def find_resource(fed: Deps, resource: str) -> tuple[str, LocalActor] | None:
    """(subject, actor) for `acct:name@ourhost`, an actor URL of ours, or our origin (FEP-d556)."""
    if resource.lower().startswith("acct:"):
        try:
            name, host = parse_handle(resource)
        except WebFingerError:
            return None
        if host != fed.uris.host.lower():
            return None
        actor = await fed.local.find_by_handle(name)
        if actor is None:
            return None
        return f"acct:{actor.name}@{fed.uris.host}", actor
    if resource in (fed.uris.base, fed.uris.home_uri()):
        return resource, fed.local.node()  # FEP-d556: the server's origin names its actor
    actor = await fed.local.find_by_uri(resource)
    return (resource, actor) if actor is not None else None


# `resource` by raw query string: the same few are asked again and again (Mastodon asks for
# each actor it meets), and parsing a query string into a MultiDict is a good part of the
# cost of an answer that is itself held as bytes. Exactly request.query's reading.
_RESOURCE_BY_QUERY: OrderedDict[str, str] = OrderedDict()
_QUERY_CACHE_SIZE = 1024


def _resource_of(request: web.Request) -> str:
    query = request.query_string
    resource = _RESOURCE_BY_QUERY.get(query)
    if resource is None:
        resource = request.query.get("resource", "")[:600]
        if len(query) <= 1000:
            _RESOURCE_BY_QUERY[query] = resource
            while len(_RESOURCE_BY_QUERY) > _QUERY_CACHE_SIZE:
                _RESOURCE_BY_QUERY.popitem(last=False)
    return resource


async def webfinger(fed: Deps, request: web.Request) -> web.Response:
    resource = _resource_of(request)
    if not resource:
        return web.Response(status=400, text="the resource parameter is required")
    commits = fed.db.commits  # before reading: a commit meanwhile makes the answer stale
    held, body = fed.jrd_cache.answer(resource, commits)
    if not held:
        found = await find_resource(fed, resource)
        if found is not None:
            subject, actor = found
            body = fed.jrd_cache.get((subject, actor.ap_id, actor.kind),
                                     lambda: jrd(fed, subject, actor))
        fed.jrd_cache.hold(resource, commits, body)
    if body is None:
        return web.Response(status=404, text="no such resource here")
    # Browser-based clients query WebFinger across origins (Mastodon allows it too).
    return web.Response(body=body, headers=_JRD_HEADERS)


async def host_meta(fed: Deps, request: web.Request) -> web.Response:
    template = quoteattr(fed.uris.webfinger_uri() + "?resource={uri}")
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
           f'  <Link rel="lrdd" template={template}/>\n</XRD>\n')
    return web.Response(text=xml, content_type="application/xrd+xml",
                        headers={"Access-Control-Allow-Origin": "*"})


# -- client


async def resolve(fed: Deps, handle: str) -> str:
    """The actor id of `name@host`, checked both ways as Mastodon does it.

    The JRD's subject must be the handle and its `self` link the actor; when the actor's own
    preferredUsername@host differs, that handle must WebFinger back to the same actor
    (resolve_account_service.rb).
    """
    name, host = parse_handle(handle)
    actor_id = await _lookup(fed, name, host)
    try:
        actor = await fed.remote.get(actor_id)
    except FetchError as exc:
        raise WebFingerError(f"cannot fetch {actor_id}: {exc.reason}") from None
    if actor.preferred_username is None:
        raise WebFingerError("the actor has no preferredUsername")
    actor_host = host_of(actor.ap_id)
    if (actor.preferred_username.lower(), actor_host) != (name.lower(), host):
        try:
            back = await _lookup(fed, actor.preferred_username, actor_host)
        except WebFingerError as exc:
            raise WebFingerError(
                f"the actor's own handle does not point back to it ({exc})") from None
        if back != actor.ap_id:
            raise WebFingerError("the actor's own handle does not point back to it")
    return actor.ap_id


async def _lookup(fed: Deps, name: str, host: str) -> str:
    if fed.uris.host.lower() == host:
        raise WebFingerError("that handle is local")
    resource = f"acct:{name}@{host}"
    scheme = "http" if fed.fetcher.allow_http else "https"
    url = f"{scheme}://{host}/.well-known/webfinger?resource={quote(resource, safe=':@')}"
    try:
        _, document = await fed.fetcher.get_json(url)
    except FetchError as exc:
        raise WebFingerError(f"WebFinger of {resource} failed: {exc.reason}") from None
    if not isinstance(document, dict) or not isinstance(document.get("subject"), str):
        raise WebFingerError("the WebFinger answer is not a JRD")
    if document["subject"].lower() != resource.lower():
        raise WebFingerError("the WebFinger subject is not the handle asked for")
    links = document.get("links") if isinstance(document.get("links"), list) else []
    for link in links:
        if (isinstance(link, dict) and link.get("rel") == "self"
                and fetch_is_as2(link.get("type")) and vocab.id_of(link.get("href"))):
            return link["href"]
    raise WebFingerError("the JRD has no ActivityPub self link")


def fetch_is_as2(media_type: object) -> bool:
    if not isinstance(media_type, str):
        return False
    base = media_type.split(";", 1)[0].strip().lower()
    return base in ("application/activity+json", "application/ld+json")
