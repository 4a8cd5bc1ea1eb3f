"""AS2 JSON <-> typed values, in one place: `to_ap_*` render, `from_ap_*` parse and validate.
Plain JSON with known contexts (no JSON-LD expansion, no LD signatures); nothing else sees a dict
from the wire. A `proof` (FEP-8b32) and unknown contexts are accepted and ignored."""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from node.model import Debate, Member, Role

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})
AS_MEDIA_TYPE = "application/activity+json"
AS_PROFILE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})
COLLECTION_TYPES = frozenset(
    {"Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"}
)
# Activity types of the AS2 vocabulary plus the extensions real peers send (Lemmy, Mbin).
ACTIVITY_TYPES = frozenset({
    "Accept", "Add", "Announce", "Arrive", "Block", "Create", "Delete", "Dislike", "Flag",
    "Follow", "Ignore", "Invite", "Join", "Leave", "Like", "Listen", "Move", "Offer", "Read",
    "Reject", "Remove", "TentativeAccept", "TentativeReject", "Travel", "Undo", "Update", "View",
    "Lock", "EmojiReact",
})
# Activities whose embedded object we keep (as JSON) for the handlers to verify and store.
OBJECT_ACTIVITY_TYPES = frozenset({"Create", "Update", "Delete"})
MAX_JSON_DEPTH = 32  # real payloads nest < 10 deep (Fedify's contexts are the deepest we saw)
MAX_STRING_LIST = 1000  # `to`/`cc` longer than this are truncated, not trusted


class MalformedActivity(ValueError):
    """The document is not something we can read; `reason` is short and safe to record."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# JSON with bounds


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


# NaN and Infinity are not JSON (RFC 8259), though Python reads them; refused here, they never
# reach storage (whose json_valid() CHECK would fail a whole batch). One decoder for all:
# json.loads with an argument builds a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_no_constant)
_SCAN = _DECODER.scan_once


def _loads(body: bytes | str) -> Any:
    """json.loads(body, parse_constant=_no_constant), the same text rules (bytes in UTF-8,
    -16 or -32; a byte order mark only on bytes)."""
    if isinstance(body, bytes | bytearray):
        body = body.decode(json.detect_encoding(body), "surrogatepass")
    elif body.startswith("\ufeff"):
        raise ValueError("Unexpected UTF-8 BOM")
    if body[:1] != "{":
        return _DECODER.decode(body)
    # An object with no leading space, as peers send: JSONDecoder.decode's own steps, minus
    # its Python-level wrapping (the scanner is the same).
    try:
        value, end = _SCAN(body, 0)
    except StopIteration:
        raise ValueError("Expecting value") from None
    if end != len(body) and body[end:].strip(" \t\n\r"):
        raise ValueError("Extra data")
    return value


def parse_json(body: bytes | str, *, max_depth: int = MAX_JSON_DEPTH,
               raw: bytes | None = None) -> Any:
    """Decode JSON, refusing nesting deeper than `max_depth` (checked without recursion).
    `raw`: the bytes that `body` (text) was decoded from, for the quick depth bound."""
    try:
        value = _loads(body)
    except RecursionError:  # the C decoder's own guard, far deeper than ours
        raise MalformedActivity(f"JSON nested deeper than {max_depth} levels") from None
    except (ValueError, UnicodeDecodeError):
        raise MalformedActivity("body is not valid JSON") from None
    if raw is None:
        raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return value  # fewer openings than the limit: no nesting can exceed it
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise MalformedActivity(f"JSON nested deeper than {max_depth} levels")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return value


def dumps(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


# ---------------------------------------------------------------------------------------------
# Reading helpers: AS2 allows a value, a list of values, an id or an embedded object.


def is_http_url(value: object) -> bool:
    return (isinstance(value, str) and value.startswith(("https://", "http://"))
            and len(value) <= 2048)


def types_of(obj: Any) -> tuple[str, ...]:
    value = obj.get("type") if isinstance(obj, dict) else None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def type_of(obj: Any, known: frozenset[str] | None = None) -> str | None:
    """The first type we know (or the first type at all): `type` may be a string or a list."""
    found = types_of(obj)
    if known is not None:
        for value in found:
            if value in known:
                return value
    return found[0] if found else None


def id_of(value: Any) -> str | None:
    """An id given as a string or as an embedded object's `id` (and only http(s) ids)."""
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    if isinstance(value, dict):
        value = value.get("id")
    return value if is_http_url(value) else None


def ids_of(value: Any) -> tuple[str, ...]:
    """`to`/`cc`/`audience`: normalised into a tuple of ids (strings or embedded objects)."""
    values = value if isinstance(value, list) else [value] if value is not None else []
    out = []
    for item in values[:MAX_STRING_LIST]:
        found = item if isinstance(item, str) else id_of(item)
        if isinstance(found, str) and (found in PUBLIC_ALIASES or is_http_url(found)):
            out.append(PUBLIC if found in PUBLIC_ALIASES else found)
    return tuple(out)


def _text(obj: dict, key: str, limit: int = 5000) -> str | None:
    value = obj.get(key)
    if isinstance(value, dict):  # nameMap / contentMap-like objects: take any language
        value = next((v for v in value.values() if isinstance(v, str)), None)
    return value[:limit] if isinstance(value, str) else None


def _require_id(obj: dict, what: str) -> str:
    value = obj.get("id")
    if value is None:
        raise MalformedActivity(f"{what} has no id")
    if not is_http_url(value):
        raise MalformedActivity(f"{what} id is not an http(s) URL")
    return value


# ---------------------------------------------------------------------------------------------
# Wire types: activities


@dataclass(frozen=True, slots=True)
class Follow:
    id: str
    actor: str
    object: str  # the followed actor's id
    type: str = "Follow"

    @property
    def dispatch_key(self) -> tuple[str, str | None]:
        return ("Follow", "Actor")  # the object of a Follow is an actor by definition


@dataclass(frozen=True, slots=True)
class Response:
    """Accept, Reject or Undo of another activity, the Follow we care about when embedded."""

    type: str  # 'Accept' | 'Reject' | 'Undo'
    id: str
    actor: str
    object_id: str
    object_type: str | None  # None when only the id was sent (Mitra's Accept)
    follow: Follow | None = None  # the embedded Follow, if that is what it is

    @property
    def dispatch_key(self) -> tuple[str, str | None]:
        return (self.type, self.object_type)


@dataclass(frozen=True, slots=True)
class Activity:
    """Any other activity: recorded, routed by (type, object type), ignored when unknown."""

    type: str
    id: str
    actor: str
    object_id: str | None
    object_type: str | None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    # Create/Update/Delete: the embedded object as JSON, untrusted until its origin is checked.
    object_json: str | None = None

    @property
    def dispatch_key(self) -> tuple[str, str | None]:
        return (self.type, self.object_type)


InboundActivity = Follow | Response | Activity


def from_ap_follow(raw: Any) -> Follow:
    if not isinstance(raw, dict) or type_of(raw, ACTIVITY_TYPES) != "Follow":
        raise MalformedActivity("not a Follow")
    follow_id = _require_id(raw, "Follow")
    actor = id_of(raw.get("actor"))
    target = id_of(raw.get("object"))
    if actor is None:
        raise MalformedActivity("Follow has no actor id")
    if target is None:
        raise MalformedActivity("Follow has no object id")
    return Follow(follow_id, actor, target)


def from_ap_activity(raw: Any) -> InboundActivity:
    """Parse an incoming activity; raise MalformedActivity with a short reason."""
    if not isinstance(raw, dict):
        raise MalformedActivity("activity is not a JSON object")
    kind = type_of(raw, ACTIVITY_TYPES)
    if kind is None:
        raise MalformedActivity("activity has no type")
    activity_id = _require_id(raw, "activity")
    actor = id_of(raw.get("actor"))
    if actor is None:
        raise MalformedActivity("activity has no actor id")
    if kind == "Follow":
        return from_ap_follow(raw)
    obj = raw.get("object")
    object_id = id_of(obj)
    object_type = type_of(obj) if isinstance(obj, dict) else None
    if kind in ("Accept", "Reject", "Undo"):
        if object_id is None:
            raise MalformedActivity(f"{kind} has no object id")
        follow = from_ap_follow(obj) if object_type == "Follow" else None
        return Response(kind, activity_id, actor, object_id, object_type, follow)
    if kind not in ACTIVITY_TYPES:
        raise MalformedActivity(f"{kind[:40]!r} is not an activity type")
    object_json = None
    if kind in OBJECT_ACTIVITY_TYPES and isinstance(obj, dict):
        object_json = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return Activity(kind, activity_id, actor, object_id, object_type, ids_of(raw.get("to")),
                    ids_of(raw.get("cc")), ids_of(raw.get("audience")), object_json)


# ---------------------------------------------------------------------------------------------
# Wire types: actors, objects, collections


@dataclass(frozen=True, slots=True)
class PublicKey:
    id: str
    owner: str
    pem: str


@dataclass(frozen=True, slots=True)
class ActorDocument:
    id: str
    type: str
    inbox: str
    shared_inbox: str | None
    outbox: str | None
    followers: str | None
    preferred_username: str | None
    name: str | None
    url: str | None
    public_keys: tuple[PublicKey, ...]

    def key(self, key_id: str) -> PublicKey | None:
        return next((k for k in self.public_keys if k.id == key_id), None)


@dataclass(frozen=True, slots=True)
class KeyDocument:
    """A standalone key document (GoToSocial-style key ids that are their own URL)."""

    id: str
    owner: str
    pem: str


@dataclass(frozen=True, slots=True)
class ObjectDocument:
    id: str
    type: str
    attributed_to: str | None
    in_reply_to: str | None
    name: str | None
    content: str | None
    audience: tuple[str, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CollectionDocument:
    id: str | None  # an embedded page may have none
    type: str
    total_items: int | None
    first: str | None
    next: str | None
    items: tuple[str, ...]  # ids of the items on this page (embedded ones by their id)


def _public_key(raw: Any) -> PublicKey | None:
    if not isinstance(raw, dict):
        return None
    key_id, owner, pem = raw.get("id"), id_of(raw.get("owner")), raw.get("publicKeyPem")
    if not is_http_url(key_id) or owner is None or not isinstance(pem, str) or len(pem) > 16_384:
        return None
    return PublicKey(key_id, owner, pem)


def from_ap_actor(raw: Any) -> ActorDocument:
    if not isinstance(raw, dict):
        raise MalformedActivity("actor is not a JSON object")
    kind = type_of(raw, ACTOR_TYPES)
    if kind not in ACTOR_TYPES:
        raise MalformedActivity(
            "not an actor type (Application, Group, Organization, Person, Service)")
    actor_id = _require_id(raw, "actor")
    inbox = id_of(raw.get("inbox"))
    if inbox is None:
        raise MalformedActivity("actor has no inbox")
    endpoints = raw.get("endpoints")
    shared = id_of(endpoints.get("sharedInbox")) if isinstance(endpoints, dict) else None
    keys_raw = raw.get("publicKey")
    keys_raw = keys_raw if isinstance(keys_raw, list) else [keys_raw]
    keys = tuple(k for k in (_public_key(r) for r in keys_raw[:10]) if k is not None)
    username = raw.get("preferredUsername")
    return ActorDocument(
        id=actor_id, type=kind, inbox=inbox, shared_inbox=shared,
        outbox=id_of(raw.get("outbox")), followers=id_of(raw.get("followers")),
        preferred_username=username[:200] if isinstance(username, str) else None,
        name=_text(raw, "name", 500), url=id_of(raw.get("url")), public_keys=keys,
    )


def from_ap_key(raw: Any) -> KeyDocument:
    key = _public_key(raw)
    if key is None:
        raise MalformedActivity("not a key document (id, owner, publicKeyPem)")
    return KeyDocument(key.id, key.owner, key.pem)


def from_ap_object(raw: Any) -> ObjectDocument:
    if not isinstance(raw, dict):
        raise MalformedActivity("object is not a JSON object")
    kind = type_of(raw)
    if kind is None:
        raise MalformedActivity("object has no type")
    return ObjectDocument(
        id=_require_id(raw, "object"), type=kind, attributed_to=id_of(raw.get("attributedTo")),
        in_reply_to=id_of(raw.get("inReplyTo")), name=_text(raw, "name"),
        content=_text(raw, "content", 100_000), audience=ids_of(raw.get("audience")),
        to=ids_of(raw.get("to")), cc=ids_of(raw.get("cc")),
    )


def embedded_object(activity: Activity) -> tuple[ObjectDocument, str] | None:
    """The object embedded in a Create/Update/Delete and its JSON; None for a bare id."""
    if activity.object_json is None:
        return None
    return from_ap_object(json.loads(activity.object_json)), activity.object_json


def from_ap_collection(raw: Any) -> CollectionDocument:
    if not isinstance(raw, dict):
        raise MalformedActivity("collection is not a JSON object")
    kind = type_of(raw, COLLECTION_TYPES)
    if kind not in COLLECTION_TYPES:
        raise MalformedActivity("not a collection type")
    items = raw.get("orderedItems", raw.get("items", []))
    items = items if isinstance(items, list) else [items]
    total = raw.get("totalItems")
    first = raw.get("first")
    return CollectionDocument(
        id=id_of(raw.get("id")), type=kind,
        total_items=total if type(total) is int and total >= 0 else None,
        first=id_of(first) if first is not None else None, next=id_of(raw.get("next")),
        items=tuple(i for i in (item if isinstance(item, str) else id_of(item)
                                for item in items[:MAX_STRING_LIST]) if is_http_url(i)),
    )


Document = InboundActivity | ActorDocument | KeyDocument | CollectionDocument | ObjectDocument


def from_ap_document(raw: Any) -> Document:
    """Parse any AP document by its type (used on fetched documents and fixtures)."""
    if not isinstance(raw, dict):
        raise MalformedActivity("document is not a JSON object")
    kinds = set(types_of(raw))
    if not kinds:
        raise MalformedActivity("document has no type")
    if kinds & ACTOR_TYPES:
        return from_ap_actor(raw)
    if kinds & COLLECTION_TYPES:
        return from_ap_collection(raw)
    if kinds & ACTIVITY_TYPES:
        return from_ap_activity(raw)
    if "publicKeyPem" in raw:
        return from_ap_key(raw)
    return from_ap_object(raw)


# ---------------------------------------------------------------------------------------------
# Rendering our documents


def ld_context(uris_context: str) -> list:
    # Inline term definitions, as Mastodon does, so JSON-LD processors need not fetch ours.
    return [
        AS_CONTEXT,
        SECURITY_CONTEXT,
        MULTIKEY_CONTEXT,
        {
            "thc": uris_context + "#",
            "toot": "http://joinmastodon.org/ns#",
            "schema": "http://schema.org#",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "discoverable": "toot:discoverable",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "role": "thc:role",
            "mandate": "thc:mandate",
            "status": "thc:status",
        },
    ]


def iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class ActorLinks:
    """The URLs and keys every local actor document carries."""

    id: str
    inbox: str
    outbox: str
    followers: str
    following: str
    shared_inbox: str
    context: str  # our vocabulary's context URL
    url: str  # the HTML page
    rsa_public_pem: str
    ed25519_multibase: str
    main_key_id: str
    ed25519_key_id: str


def _actor_base(kind: str, links: ActorLinks, username: str, name: str, summary: str,
                published: datetime | None, manually_approves: bool) -> dict:
    doc: dict[str, Any] = {
        "@context": ld_context(links.context),
        "id": links.id,
        "type": kind,
        "preferredUsername": username,
        "name": name,
        "summary": summary,
        "url": links.url,
        "inbox": links.inbox,
        "outbox": links.outbox,
        "followers": links.followers,
        "following": links.following,
        "endpoints": {"sharedInbox": links.shared_inbox},
        "manuallyApprovesFollowers": manually_approves,
        "discoverable": True,
        "publicKey": {"id": links.main_key_id, "owner": links.id,
                      "publicKeyPem": links.rsa_public_pem},
        # FEP-521a: the Ed25519 key for FEP-8b32 object proofs to come.
        "assertionMethod": [{"id": links.ed25519_key_id, "type": "Multikey",
                             "controller": links.id,
                             "publicKeyMultibase": links.ed25519_multibase}],
    }
    if published is not None:
        doc["published"] = iso(published)
    return doc


def _paragraph(text: str, limit: int = 500) -> str:
    """Plain text as one escaped HTML paragraph (markdown is rendered only by web/render.py)."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"<p>{html.escape(text)}</p>" if text else ""


def to_ap_application(links: ActorLinks, *, host: str, name: str,
                      manually_approves: bool) -> dict:
    """The node itself (FEP-2677 Application actor; fetchable without a signature)."""
    return _actor_base("Application", links, host, name, _paragraph(name), None, manually_approves)


def to_ap_group(debate: Debate, links: ActorLinks, moderators: str) -> dict:
    """A debate as a FEP-1b12 Group; attributedTo names its moderators collection."""
    doc = _actor_base("Group", links, debate.slug, debate.title,
                      _paragraph(debate.description), debate.created_at, False)
    doc["attributedTo"] = moderators
    doc["status"] = debate.status.value  # open, closed, concluded: what an Update(Group) tells
    # STYLE.md: THC peers get the markdown source and render it themselves.
    doc["source"] = {"content": debate.description, "mediaType": "text/markdown"}
    return doc


def to_ap_person(member: Member, links: ActorLinks) -> dict:
    """A member; a representative carries their mandate (a profile field Mastodon shows)."""
    doc = _actor_base("Person", links, member.username, member.display_name,
                      _paragraph(member.mandate), member.created_at, False)
    doc["role"] = member.role.value
    if member.role is Role.REPRESENTATIVE and member.mandate:
        doc["mandate"] = member.mandate
        doc["attachment"] = [{"type": "PropertyValue", "name": "Mandat",
                              "value": html.escape(member.mandate)}]
    return doc


def to_ap_follow(follow: Follow) -> dict:
    return {"@context": AS_CONTEXT, "id": follow.id, "type": "Follow", "actor": follow.actor,
            "object": follow.object}


def _embedded_follow(follow: Follow) -> dict:
    return {"id": follow.id, "type": "Follow", "actor": follow.actor, "object": follow.object}


def to_ap_response(response: Response) -> dict:
    """Accept / Reject / Undo of a Follow, echoing the Follow with its id (Mastodon accept.rb)."""
    if response.follow is None:
        raise ValueError("only responses to a Follow are rendered")
    to = response.follow.object if response.type == "Undo" else response.follow.actor
    return {"@context": AS_CONTEXT, "id": response.id, "type": response.type,
            "actor": response.actor, "object": _embedded_follow(response.follow), "to": [to]}


def without_context(document: dict) -> dict:
    """A document to embed in an activity: the activity carries the @context."""
    return {k: v for k, v in document.items() if k != "@context"}


def to_ap_update(activity_id: str, actor: str, document: dict, *, to: list[str],
                 cc: list[str], published: datetime) -> dict:
    """Update carrying the object's whole current document (Mastodon's Update(Person) too)."""
    return {"@context": document.get("@context", AS_CONTEXT), "id": activity_id,
            "type": "Update", "actor": actor, "object": without_context(document),
            "to": to, "cc": cc, "published": iso(published)}


def to_ap_announce(activity_id: str, actor: str, object_id: str, *, to: list[str],
                   cc: list[str], published: datetime) -> dict:
    """Announce of an object by id: receivers fetch it from its origin (nothing to trust)."""
    return {"@context": AS_CONTEXT, "id": activity_id, "type": "Announce", "actor": actor,
            "object": object_id, "to": to, "cc": cc, "published": iso(published)}


def to_ap_ordered_collection(collection_id: str, total: int, first: str) -> dict:
    # Mastodon reads totalItems and walks `first`; pages keep documents far under 1 MiB.
    return {"@context": AS_CONTEXT, "id": collection_id, "type": "OrderedCollection",
            "totalItems": total, "first": first}


def to_ap_collection_page(page_id: str, part_of: str, items: list, next_page: str | None,
                          total: int | None = None) -> dict:
    doc: dict[str, Any] = {"@context": AS_CONTEXT, "id": page_id, "type": "OrderedCollectionPage",
                           "partOf": part_of, "orderedItems": items}
    if total is not None:
        doc["totalItems"] = total
    if next_page is not None:
        doc["next"] = next_page
    return doc


# Terms of our vocabulary used by proposals (federation/proposals.py), published below.
QUESTION_TERMS = {
    "votersCount": "toot:votersCount",
    "title": "thc:title",
    "version": "thc:version",
    "articles": "thc:articles",
    "number": "thc:number",
    "text": "thc:text",
    "authors": "thc:authors",
    "answer": "thc:answer",
    "answerKind": "thc:answerKind",
    "mandate": "thc:mandate",
    "tally": "thc:tally",
    "verifiedResidents": "thc:verifiedResidents",
    "localMembers": "thc:localMembers",
    "remoteParticipants": "thc:remoteParticipants",
    "for": "thc:for",
    "mixed": "thc:mixed",
    "against": "thc:against",
    "support": "thc:support",
    "appreciations": "thc:appreciations",
    "debate": {"@id": "thc:debate", "@type": "@id"},
    # Amendments and arguments (federation/contributions.py).
    "amendmentOf": {"@id": "thc:amendmentOf", "@type": "@id"},
    "originalText": "thc:originalText",
    "rationale": "thc:rationale",
    "stance": "thc:stance",
}


def context_document(context_url: str) -> dict:
    """The JSON-LD context of our vocabulary: actors' terms and proposals' (issue 5)."""
    return {"@context": {"thc": context_url + "#", "toot": "http://joinmastodon.org/ns#",
                         "role": "thc:role", "mandate": "thc:mandate", "status": "thc:status",
                         **QUESTION_TERMS}}
