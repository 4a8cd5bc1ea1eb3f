"""The ground every AS2 module stands on: known contexts and types, bounded JSON in and out,
reading ids and texts from untrusted dicts, our JSON-LD context and time format."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

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


def text_of(obj: dict, key: str, limit: int = 5000) -> str | None:
    value = obj.get(key)
    if isinstance(value, dict):  # nameMap / contentMap-like objects: take any language
        value = next((v for v in value.values() if isinstance(v, str)), None)
    return value[:limit] if isinstance(value, str) else None


def require_id(obj: dict, what: str) -> str:
    value = obj.get("id")
    if value is None:
        raise MalformedActivity(f"{what} has no id")
    if not is_http_url(value):
        raise MalformedActivity(f"{what} id is not an http(s) URL")
    return value


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


def without_context(document: dict) -> dict:
    """A document to embed in an activity: the activity carries the @context."""
    return {k: v for k, v in document.items() if k != "@context"}
