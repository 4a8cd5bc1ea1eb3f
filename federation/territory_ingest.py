"""What a followed territory tells us, fetched and written into the network view: its name
and NodeInfo figures, its debates' Groups (each from its own origin), refreshed at most every
REFRESH_AFTER. Shared by the receivers (territory_receivers.py) and the backfill (backfill.py):
network reads first (`prepare`), then one write in the caller's transaction (`write`)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from node import network, services
from node.errors import Invalid
from node.network import RemoteDebateInfo, RemoteProposalInfo, TerritoryInfo
from storage.repos.network import NetworkRepo

from . import vocab
from .deps import Deps
from .fetch import FetchError
from .uris import origin_of

log = logging.getLogger(__name__)

# A territory's name and NodeInfo figures, and a debate's Group, are fetched again at most
# this often while its proposals keep arriving (the NodeInfo document says 30 min max-age).
REFRESH_AFTER = timedelta(hours=1)


@dataclass
class Pending:
    """What one ingestion must write: the territory and debates refreshed, then proposals."""

    territory: TerritoryInfo | None = None
    debates: dict[str, RemoteDebateInfo] | None = None


async def territory_info(fed: Deps, territory: str) -> TerritoryInfo | None:
    """The territory's name and NodeInfo figures when unknown or stale; None when fresh."""
    known = await NetworkRepo(fed.db.read().conn).find_territory(territory)
    if known is not None and fed.now() - known.last_seen_at < REFRESH_AFTER:
        return None
    actor = await fed.remote.get(territory, refresh=known is not None)
    scheme, _, _ = origin_of(territory)
    base = f"{scheme}://{actor.host}"
    users = posts = None
    try:
        users, posts = await _nodeinfo_figures(fed, base)
    except (FetchError, vocab.MalformedActivity) as exc:
        log.info("no NodeInfo figures from %s: %s", base, exc)
    name = (actor.name or actor.preferred_username or actor.host)[:network.MAX_NAME]
    return TerritoryInfo(ap_id=territory, base_url=base, name=name, users=users, proposals=posts)


async def _nodeinfo_figures(fed: Deps, base: str) -> tuple[int | None, int | None]:
    _, links = await fed.fetcher.get_json(f"{base}/.well-known/nodeinfo")
    hrefs = sorted(
        (str(link.get("rel")), vocab.id_of(link.get("href")))
        for link in (links.get("links", []) if isinstance(links, dict) else [])
        if isinstance(link, dict)
        and str(link.get("rel", "")).startswith("http://nodeinfo.diaspora.software/ns/schema/2.")
    )
    if not hrefs or hrefs[-1][1] is None or origin_of(hrefs[-1][1]) != origin_of(base):
        return None, None
    _, info = await fed.fetcher.get_json(hrefs[-1][1])
    usage = info.get("usage") if isinstance(info, dict) else None
    usage = usage if isinstance(usage, dict) else {}
    users = usage.get("users", {}).get("total") if isinstance(usage.get("users"), dict) else None

    def count(value: Any) -> int | None:
        ok = type(value) is int and 0 <= value <= network.MAX_COUNT
        return value if ok else None

    return count(users), count(usage.get("localPosts"))


async def debate_info(fed: Deps, group: str, *,
                       force: bool = False) -> RemoteDebateInfo | None:
    """The debate's Group as its origin serves it, when unknown or stale (or `force`); None
    when fresh."""
    known = await NetworkRepo(fed.db.read().conn).find_debate(group)
    if not force and known is not None and fed.now() - known.updated_at < REFRESH_AFTER:
        return None
    _, raw = await fed.fetcher.get_ap(group, sign_as=fed.node_identity)
    try:
        document = vocab.from_ap_actor(raw)
    except vocab.MalformedActivity as exc:
        raise Invalid(f"the debate is not an actor: {exc.reason}", field="debate") from None
    if document.type != "Group":
        raise Invalid("the debate is not a Group", field="debate")
    status = raw.get("status") if isinstance(raw.get("status"), str) else "open"
    return RemoteDebateInfo(ap_id=document.id, slug=document.preferred_username or "",
                            title=document.name or document.preferred_username or "",
                            status=status, url=document.url or document.id)


async def prepare(fed: Deps, territory: str, infos: list[RemoteProposalInfo]) -> Pending:
    """Network reads before the write transaction: the territory, and each unknown debate."""
    pending = Pending(await territory_info(fed, territory), {})
    for info in infos:
        group = info.debate_ap_id
        if group in pending.debates or origin_of(group) != origin_of(territory):
            continue  # another origin's debate is refused by node.network, never fetched
        debate = await debate_info(fed, group)
        if debate is not None:
            pending.debates[group] = debate
    return pending


async def write(tx, fed: Deps, territory: str, pending: Pending) -> None:
    if pending.territory is not None:
        await services.upsert_territory(tx, fed.clock, pending.territory)
    for debate in (pending.debates or {}).values():
        await services.upsert_remote_debate(tx, fed.clock, territory, debate)
