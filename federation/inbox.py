"""The inbox's HTTP edge: check → parse → backlog → policy → verify → ownership → record → 202.
Every check finishes before anything is written; processing is dispatch.py's job."""
from __future__ import annotations

import asyncio
import functools
import json
import logging
from typing import Any, NamedTuple

from aiohttp import web

from storage.repos.inbox import NewInboxMessage

from . import vocab
from .actors import SignerUnknown, Verified
from .backlog import RETRY_AFTER_SECONDS, BacklogFull, authority
from .deps import Deps
from .local_actors import LocalActor
from .signature_base import SignatureError, header_fields
from .signatures import parse_key_id
from .uris import ActorKind, host_of, origin_of, same_origin

log = logging.getLogger(__name__)

# Peers differ: Mastodon sends activity+json, others ld+json with a profile, a few plain json.
ACCEPTED_MEDIA_TYPES = ("application/activity+json", "application/ld+json", "application/json")


class InboxRejected(Exception):
    """Refused at the edge; `reason` goes back to the peer as short text/plain."""

    def __init__(self, status: int, reason: str, retry_after: int | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after  # seconds, sent as Retry-After (a full backlog)


class Envelope(NamedTuple):
    """What the HTTP edge passes between its steps (a tuple: built once per request)."""

    recipient: LocalActor | None  # None: the shared inbox
    body: bytes
    activity: dict[str, Any]
    activity_id: str
    actor: str
    activity_type: str  # the first type we know, else the first one given
    text: str  # what is stored: the body itself when it is UTF-8 (see parse_json)


async def check_request(fed: Deps, request: web.Request, kind: ActorKind | None,
                        name: str) -> tuple[LocalActor | None, bytes]:
    """Recipient exists (first, so no key is fetched for nothing), media type, size."""
    recipient = None
    if kind is not None:
        recipient = await fed.local.find(kind, name)
        if recipient is None:
            raise InboxRejected(404, "no such inbox")
    if _media_type(request.headers.get("Content-Type", "")) not in ACCEPTED_MEDIA_TYPES:
        raise InboxRejected(415, "expected application/activity+json")
    limit = fed.settings.max_inbox_bytes
    length = request.content_length
    if length is not None:
        if length > limit:
            raise InboxRejected(413, f"body larger than {limit} bytes")
        # Announced and within the limit: what has arrived (usually all of it), then the rest.
        try:
            body = request.content.read_nowait(length)
            if len(body) < length:
                body += await request.content.readexactly(length - len(body))
            return recipient, body
        except asyncio.IncompleteReadError:
            raise InboxRejected(400, "body shorter than its Content-Length") from None
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise InboxRejected(413, f"body larger than {limit} bytes")
        chunks.append(chunk)
    return recipient, b"".join(chunks)


@functools.lru_cache(maxsize=64)  # peers send the same few Content-Type values
def _media_type(content_type: str) -> str:
    """The media type of a Content-Type value, lower case, without its parameters."""
    return content_type.partition(";")[0].strip().lower()


def parse_json(body: bytes) -> tuple[dict[str, Any], str, str, str, str]:
    """A JSON object (bounded depth) with an id, a type and an actor.

    Returns (document, id, actor, type, text): `type` is the first one we know, `text` what
    is stored — the verified bytes themselves (the digest bound them) when they are UTF-8, as
    peers send; else the document re-serialised (JSON may also come as UTF-16 or -32)."""
    text = None
    # UTF-8, as peers send, unless one of the first two bytes is a NUL (UTF-16 and -32, as
    # json.detect_encoding reads them) or it starts with a byte order mark (not JSON text).
    if body[:1] != b"\x00" and body[1:2] != b"\x00":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if text.startswith("\ufeff"):
                text = None
    try:
        document = vocab.parse_json(body if text is None else text, raw=body)
    except vocab.MalformedActivity as exc:
        raise InboxRejected(400, exc.reason) from None
    if type(document) is not dict:
        raise InboxRejected(400, "activity is not a JSON object")
    activity_id = document.get("id")
    if type(activity_id) is not str or not vocab.is_http_url(activity_id):
        raise InboxRejected(400, "activity has no http(s) id")
    given = document.get("type")
    kinds = (given,) if type(given) is str else vocab.types_of(document)  # a string, mostly
    if not kinds:
        raise InboxRejected(400, "activity has no type")
    actor = document.get("actor")
    if type(actor) is not str or not vocab.is_http_url(actor):
        actor = vocab.id_of(actor)  # an embedded actor, or a list of one
        if actor is None:
            raise InboxRejected(400, "activity has no actor id")
    kind = kinds[0] if kinds[0] in vocab.ACTIVITY_TYPES else vocab.type_of(
        document, vocab.ACTIVITY_TYPES)
    if text is None:
        # ASCII escapes: a lone surrogate (which some decoders let through) stays valid UTF-8.
        text = json.dumps(document, separators=(",", ":"))
    return document, activity_id, actor, kind[:64], text


def check_policy(fed: Deps, actor: str, activity_id: str, key_id: str) -> None:
    """Blocked domains (and their subdomains) are refused before anything is fetched."""
    if not fed.blocked.domains:
        return  # nothing is blocked: nothing to look up
    # An activity id on the actor's origin has the actor's domain: checked once.
    urls = (actor, key_id) if same_origin(activity_id, actor) else (actor, activity_id, key_id)
    for url in urls:
        origin = origin_of(url)
        if origin is not None and fed.blocked(origin[1]):
            raise InboxRejected(403, f"domain {origin[1]} is blocked")


async def verify_signature(fed: Deps, request: web.Request, body: bytes,
                           key_id: str | None = None, headers=None) -> Verified:
    """The signature holds for this request, with the key its owner's actor publishes.

    On the loop: a worker thread for the RSA check (it releases the GIL) measured slower, as
    the worker waits for the GIL after each check while the busy loop holds it (bench/)."""
    url = fed.uris.base + request.raw_path  # path as received; host must be ours (signed)
    try:
        return await fed.remote.verify(method=request.method, url=url,
                                       headers=headers or list(request.headers.items()),
                                       body=body, key_id=key_id)
    except SignatureError as exc:
        raise InboxRejected(401, exc.reason) from None
    except SignerUnknown as exc:
        # A peer that is down may sign again later; either way we cannot verify now.
        raise InboxRejected(401, exc.reason) from None


def check_ownership(fed: Deps, verified: Verified, activity_id: str, actor: str) -> None:
    """The key's owner is the actor; the activity id shares the actor's origin (FEP-fe34)."""
    if fed.uris.is_local(actor):
        raise InboxRejected(401, "actor is local: local activities never come from outside")
    if verified.signer.ap_id != actor:
        raise InboxRejected(401, "key owner is not the activity's actor")
    if not same_origin(activity_id, actor):
        raise InboxRejected(401, "activity id and actor have different origins")


async def record(fed: Deps, envelope: Envelope, verified: Verified) -> bool:
    """Store the verified activity once; False when its id was already recorded."""
    message = NewInboxMessage(
        activity_id=envelope.activity_id,
        activity_type=envelope.activity_type,
        actor=envelope.actor,
        recipient=envelope.recipient.owner if envelope.recipient else None,
        key_id=verified.signature.key_id,
        signature_scheme=verified.signature.scheme,
        body=envelope.text,
    )
    # Group commit (storage/group_commit.py): answered once durable, sharing the transaction
    # with the records of concurrent requests.
    added = await fed.inbox_commits.submit(message)
    if verified.signature.scheme == "rfc9421":
        # A peer that signs RFC 9421 verifies it too: answer in kind from now on.
        await fed.schemes.remember(host_of(verified.signer.ap_id), "rfc9421")
    return added


async def receive(fed: Deps, request: web.Request, kind: ActorKind | None,
                  name: str = "") -> None:
    """Run the whole edge pipeline; raise InboxRejected on the first failed step."""
    recipient, body = await check_request(fed, request, kind, name)
    activity, activity_id, actor, activity_type, text = parse_json(body)
    # The host as claimed, not yet verified: only verified records raise a count, so a forger
    # can get no one refused but itself.
    host = authority(actor)
    if not fed.backlog.room_for(host):
        try:
            await fed.backlog.admit(host)
        except BacklogFull as exc:
            raise InboxRejected(exc.status, exc.reason, RETRY_AFTER_SECONDS) from None
    headers = header_fields(request.headers.items())  # read once for both steps
    try:
        key_id = parse_key_id(headers)
    except SignatureError as exc:
        raise InboxRejected(401, exc.reason) from None
    # Policy before the signature: nothing is fetched from a blocked domain.
    check_policy(fed, actor, activity_id, key_id)
    verified = await verify_signature(fed, request, body, key_id, headers)
    # At this point the request is authentic: its key's owner signed this exact body.
    check_ownership(fed, verified, activity_id, actor)
    # At this point the actor is the signer and the activity is theirs to send.
    envelope = Envelope(recipient, body, activity, activity_id, actor, activity_type, text)
    if await record(fed, envelope, verified):
        fed.backlog.recorded(host)
    else:
        log.debug("duplicate activity %s ignored", activity_id)
