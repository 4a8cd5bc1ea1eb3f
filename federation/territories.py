"""Territories follow territories: our Application actor following another node's (the admin
area and `thc-node follow`), the list of those followed, and which followed territory an
actor speaks for. What they send is received by territory_receivers.py; their existing
proposals are read by backfill.py."""
from __future__ import annotations

from urllib.parse import urlsplit

from node.errors import Invalid
from storage.repos.follows import Following, Recipient
from storage.repos.territories import FollowedTerritory, TerritoryRepo

from . import follows, vocab, webfinger
from .deps import Deps
from .fetch import FetchError
from .keys import NODE_OWNER
from .nodeinfo import APPLICATION_REL
from .uris import origin_of


async def resolve_territory(fed: Deps, target: str) -> str:
    """The Application actor a URL or `@name@host` names, checked to be a territory.

    A bare origin (https://host/) is read as the node behind it (FEP-2677 NodeInfo link).
    Raises Invalid with a reason a person can act on.
    """
    target = target.strip()
    if not target or len(target) > 500:
        raise Invalid("give a territory's address: https://… or @name@host", field="target")
    try:
        if target.lower().startswith(("http://", "https://")):
            if vocab.id_of(target) is None or origin_of(target) is None:
                raise Invalid("this address is not a valid URL", field="target")
            ap_id = target
            if urlsplit(target).path in ("", "/"):
                ap_id = await _application_of_origin(fed, target)
        else:
            ap_id = await webfinger.resolve(fed, target)
        if fed.uris.is_local(ap_id):
            raise Invalid("this is this node's own address", field="target")
        actor = await fed.remote.get(ap_id)
    except webfinger.WebFingerError as exc:
        raise Invalid(f"cannot find this territory: {exc}", field="target") from None
    except FetchError as exc:
        raise Invalid(f"cannot reach this territory: {exc.reason}", field="target") from None
    if actor.type != "Application":
        raise Invalid(f"this is a {actor.type} actor, not a territory (an Application actor)",
                      field="target")
    return actor.ap_id


async def _application_of_origin(fed: Deps, url: str) -> str:
    scheme, _, _ = origin_of(url)
    base = f"{scheme}://{urlsplit(url).netloc}"
    _, links = await fed.fetcher.get_json(f"{base}/.well-known/nodeinfo")
    for link in links.get("links", []) if isinstance(links, dict) else []:
        if isinstance(link, dict) and link.get("rel") == APPLICATION_REL:
            href = vocab.id_of(link.get("href"))
            if href is not None and origin_of(href) == origin_of(base):
                return href
    raise Invalid("this address names no territory (no Application actor in its NodeInfo)",
                  field="target")


async def follow_territory(fed: Deps, target: str) -> Following:
    """Our Application actor follows another territory's: a signed Follow, pending until its
    Accept (the other side may approve node follows by hand)."""
    return await follows.follow(fed, fed.local.node(), await resolve_territory(fed, target))


async def unfollow_territory(fed: Deps, target: str) -> bool:
    """Undo our Follow; what was received stays in the network view (it is public)."""
    return await follows.unfollow(fed, fed.local.node(), await resolve_territory(fed, target))


async def followed_territories(fed: Deps) -> list[FollowedTerritory]:
    return await list_followed(fed.db)


async def list_followed(database) -> list[FollowedTerritory]:
    """The territories followed or asked, with their backfill (also for the CLI, offline)."""
    return await TerritoryRepo(database.read().conn).list_followed(NODE_OWNER)


def is_territory(recipient: Recipient) -> bool:
    """Fan-out filter: the Application actors among our node's followers (other territories)."""
    return recipient.type == "Application"


async def territory_of(fed: Deps, actor: str) -> str | None:
    """The followed territory (accepted) whose origin `actor` speaks for, or None."""
    origin = origin_of(actor)
    if origin is None:
        return None
    for territory in await TerritoryRepo(fed.db.read().conn).accepted_territories(NODE_OWNER):
        if origin_of(territory) == origin:
            return territory
    return None
