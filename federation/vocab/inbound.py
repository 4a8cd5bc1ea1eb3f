"""What peers send, read into typed values: activities, actors, keys, objects, collections.
Nothing else sees a dict from the wire; what cannot be read raises MalformedActivity."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .core import (
    ACTIVITY_TYPES,
    ACTOR_TYPES,
    COLLECTION_TYPES,
    MAX_STRING_LIST,
    OBJECT_ACTIVITY_TYPES,
    MalformedActivity,
    id_of,
    ids_of,
    is_http_url,
    require_id,
    text_of,
    type_of,
    types_of,
)

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
    follow_id = require_id(raw, "Follow")
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
    activity_id = require_id(raw, "activity")
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
class KeyDocument(PublicKey):
    """A standalone key document (GoToSocial-style key ids that are their own URL)."""


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
    actor_id = require_id(raw, "actor")
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
        name=text_of(raw, "name", 500), url=id_of(raw.get("url")), public_keys=keys,
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
        id=require_id(raw, "object"), type=kind, attributed_to=id_of(raw.get("attributedTo")),
        in_reply_to=id_of(raw.get("inReplyTo")), name=text_of(raw, "name"),
        content=text_of(raw, "content", 100_000), audience=ids_of(raw.get("audience")),
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
