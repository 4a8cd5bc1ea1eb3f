"""Every URL pattern of a node, declared once: used for routing and for building AP ids.
No I/O here; `Uris` turns names into absolute URLs and local URLs back into names."""
from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from node.origins import DEFAULT_PORTS, authority_of
from node.origins import origin_of as parse_origin

ActorKind = Literal["node", "debate", "member"]

# Route templates (aiohttp syntax). Actor sub-resources hang off the actor's own path.
NODE_ACTOR_PATH = "/actor"
DEBATE_PATH = "/debats/{slug}"
MEMBER_PATH = "/membres/{username}"
ACTOR_PATHS: dict[ActorKind, str] = {
    "node": NODE_ACTOR_PATH, "debate": DEBATE_PATH, "member": MEMBER_PATH,
}
INBOX, OUTBOX, FOLLOWERS, FOLLOWING, MODERATORS = (
    "inbox", "outbox", "followers", "following", "moderators",
)
ACTOR_COLLECTIONS = (OUTBOX, FOLLOWERS, FOLLOWING)
SHARED_INBOX_PATH = "/inbox"
ACTIVITY_PATH = "/activites/{uuid}"
CONTEXT_PATH = "/ns/thc"
WEBFINGER_PATH = "/.well-known/webfinger"
HOST_META_PATH = "/.well-known/host-meta"
NODEINFO_WELL_KNOWN_PATH = "/.well-known/nodeinfo"
NODEINFO_PATH = "/nodeinfo/2.1"
# Our public proposals as a paged collection of current Questions, beside the Application
# actor (a THC convention: a follower reads it once to backfill; the outbox holds activities).
PROPOSALS = "proposals"
PROPOSALS_PATH = f"{NODE_ACTOR_PATH}/{PROPOSALS}"
# Objects: a proposal is the page /propositions/{id} and its Question; a reply by the Group in
# a poll's thread is a note; arguments and amendments have their own URLs.
PROPOSAL_PATH = "/propositions/{id}"
NOTE_PATH = "/notes/{uuid}"
ARGUMENT_PATH = "/arguments/{id}"
ARGUMENT_CREATE_PATH = ARGUMENT_PATH + "/create"
AMENDMENT_PATH = "/amendements/{id}"

_NAME = r"[a-z0-9_-]{1,60}"
_LOCAL_PATH = re.compile(
    rf"^(?:(?P<node>/actor)|/debats/(?P<debate>{_NAME})|/membres/(?P<member>{_NAME}))$"
)

# Pure, and asked for the same few URLs many times a request.
origin_of = functools.lru_cache(maxsize=4096)(parse_origin)


@functools.lru_cache(maxsize=1024)
def _origin_prefix(url: str) -> str | None:
    """`scheme://host[:port]/` when `url` spells its origin that way (lower case, no userinfo,
    the port only when not the default): every URL that starts with it has that origin, as
    the authority ends at the first slash."""
    origin = origin_of(url)
    if origin is None:
        return None
    prefix = f"{origin[0]}://{authority_of(origin)}/"
    return prefix if url.startswith(prefix) else None


def same_origin(url: str, other: str) -> bool:
    """Whether `url` is an http(s) URL with `other`'s origin. `other` is the one asked about
    often (an actor); `url` may be seen once (an activity id): the common case is a prefix
    test, without parsing `url` or filling origin_of's cache with it."""
    prefix = _origin_prefix(other)
    if prefix is not None and url.startswith(prefix):
        return True
    mine = parse_origin(url)
    return mine is not None and mine == origin_of(other)


def host_of(url: str) -> str:
    """The netloc used as a peer's name: lower-case host, with its port when not the default."""
    origin = origin_of(url)
    if origin is None:
        raise ValueError(f"not an absolute http(s) URL: {url[:200]!r}")
    scheme, host, port = origin  # authority_of, inlined: this runs per inbox request
    return host if port == DEFAULT_PORTS[scheme] else f"{host}:{port}"


def hostname_of(url: str) -> str:
    origin = origin_of(url)
    if origin is None:
        raise ValueError(f"not an absolute http(s) URL: {url[:200]!r}")
    return origin[1]


def strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def numeric_route(path: str) -> str:
    """A path template as an aiohttp route whose {id} matches digits only."""
    return path.replace("{id}", r"{id:\d+}")


def _id_in(url: str | None, prefix: str) -> int | None:
    if not url or not url.startswith(prefix):
        return None
    rest = url[len(prefix):]
    return int(rest) if rest.isascii() and rest.isdigit() and len(rest) < 16 else None


@dataclass(frozen=True, slots=True)
class LocalName:
    """A local actor named by one of our URLs."""

    kind: ActorKind
    name: str  # the slug or username; '' for the node


class Uris:
    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")
        self.origin = origin_of(self.base)
        if self.origin is None:
            raise ValueError(f"base URL is not an absolute http(s) URL: {base_url!r}")
        self.host = host_of(self.base)  # the handle host, with its port when it has one
        self.hostname = self.origin[1]

    def is_local(self, url: str) -> bool:
        return origin_of(url) == self.origin

    # -- actors and their sub-resources

    def node_actor_uri(self) -> str:
        return self.base + NODE_ACTOR_PATH

    def debate_uri(self, slug: str) -> str:
        return self.base + DEBATE_PATH.format(slug=slug)

    def member_uri(self, username: str) -> str:
        return self.base + MEMBER_PATH.format(username=username)

    def actor_uri(self, kind: ActorKind, name: str) -> str:
        return {"node": lambda _: self.node_actor_uri(), "debate": self.debate_uri,
                "member": self.member_uri}[kind](name)

    @staticmethod
    def sub_uri(actor_uri: str, what: str) -> str:
        """inbox, outbox, followers, following (and moderators for a debate)."""
        return f"{actor_uri}/{what}"

    @staticmethod
    def main_key_id(actor_uri: str) -> str:
        return actor_uri + "#main-key"

    @staticmethod
    def ed25519_key_id(actor_uri: str) -> str:
        return actor_uri + "#ed25519-key"

    def shared_inbox_uri(self) -> str:
        return self.base + SHARED_INBOX_PATH

    def activity_uri(self, uuid: str) -> str:
        return self.base + ACTIVITY_PATH.format(uuid=uuid)

    def new_activity_uri(self) -> str:
        """A fresh id for an activity we send."""
        return self.activity_uri(str(uuid.uuid4()))

    def context_uri(self) -> str:
        return self.base + CONTEXT_PATH

    def webfinger_uri(self) -> str:
        return self.base + WEBFINGER_PATH

    def nodeinfo_uri(self) -> str:
        return self.base + NODEINFO_PATH

    def home_uri(self) -> str:
        return self.base + "/"

    # -- deliberation objects

    def proposal_uri(self, proposal_id: int) -> str:
        return self.base + PROPOSAL_PATH.format(id=proposal_id)

    def proposal_id_of(self, url: str | None) -> int | None:
        """Our proposal's id from its URL, or None when the URL is not one of our proposals."""
        return _id_in(url, self.base + PROPOSAL_PATH.format(id=""))

    def note_uri(self, activity_id: str) -> str:
        """A Group reply's own URL, /notes/<uuid of its Create>: every id we emit
        dereferences (INTEROP.md)."""
        return self.base + NOTE_PATH.format(uuid=activity_id.rsplit("/", 1)[-1])

    def argument_uri(self, argument_id: int) -> str:
        return self.base + ARGUMENT_PATH.format(id=argument_id)

    def amendment_uri(self, amendment_id: int) -> str:
        return self.base + AMENDMENT_PATH.format(id=amendment_id)

    def amendment_id_of(self, url: str | None) -> int | None:
        """Our amendment's id from its URL, or None when the URL is not one of our amendments."""
        return _id_in(url, self.base + AMENDMENT_PATH.format(id=""))

    def parse_actor(self, url: str) -> LocalName | None:
        """The local actor an id names, or None (another origin, or not an actor URL)."""
        if not self.is_local(url):
            return None
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            return None
        match = _LOCAL_PATH.match(parts.path)
        if match is None:
            return None
        if match["node"]:
            return LocalName("node", "")
        if match["debate"]:
            return LocalName("debate", match["debate"])
        return LocalName("member", match["member"])
