"""Atom feeds (RFC 4287): a debate's proposals, the network view, a network search.

Built with xml.etree, which escapes text and attributes; characters XML 1.0 forbids are
dropped first (etree would write them and produce a document no reader can parse). Every URL
is absolute; entries are identified by tag: URIs (RFC 4151) for ours and by their ActivityPub
id for remote ones, both permanent. Feeds are always newest first, whatever the page's sort.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from urllib.parse import urlsplit

from aiohttp import web

from node import network_validation, services
from node.errors import NotFound
from node.model import DebateStatus, ProposalSummary
from node.network import NetworkItem, NetworkOrder

from . import appkeys
from .pages_network import (
    filter_values,
    item_url,
    local_proposal_path,
    parse_query,
    status_line,
    translations,
    with_filters,
)

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
SUMMARY_CHARS = 500
# The year in our tag: URIs; fixed, so that an entry's id never changes (RFC 4151 §2.1).
TAG_YEAR = "2026"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    url: str
    published: datetime
    updated: datetime
    author: str
    summary: str
    categories: tuple[str, ...] = ()


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _time(value: datetime) -> str:
    """RFC 3339, in UTC, as Atom's date constructs want it."""
    return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS - 1].rstrip() + "…"


def render_feed(*, feed_id: str, title: str, self_url: str, alternate_url: str,
                updated: datetime, lang: str, author: str, entries: Iterable[Entry]) -> bytes:
    """An Atom feed document, UTF-8, with its XML declaration."""
    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, tag, attrs)
        if text is not None:
            element.text = _text(text)
        return element

    # Plain names under a default namespace declared by hand: etree refuses unprefixed
    # attributes (rel, href) beside a default_namespace.
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": lang})
    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    sub(feed, "updated", _time(updated))
    sub(sub(feed, "author"), "name", author)
    sub(feed, "link", rel="self", type="application/atom+xml", href=_text(self_url))
    sub(feed, "link", rel="alternate", type="text/html", href=_text(alternate_url))
    sub(feed, "generator", "THC Node")
    for item in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", item.id)
        sub(entry, "title", item.title)
        sub(entry, "link", rel="alternate", type="text/html", href=_text(item.url))
        sub(entry, "published", _time(item.published))
        sub(entry, "updated", _time(item.updated))
        sub(sub(entry, "author"), "name", item.author)
        for term in item.categories:
            sub(entry, "category", term=_text(term))
        sub(entry, "summary", item.summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def local_entry_id(base_url: str, proposal_id: int) -> str:
    """tag:<host>,<year>:proposition:<id>: the same in the debate feed and the network feed."""
    return f"tag:{urlsplit(base_url).hostname},{TAG_YEAR}:proposition:{proposal_id}"


def _response(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/atom+xml", charset="utf-8",
                        headers={"Cache-Control": "max-age=300"})


def _network_entry(item: NetworkItem, base_url: str, local_name: str, trans) -> Entry:
    line = status_line(item.status, item.answer_kind, item.total_votes, trans.gettext,
                       trans.ngettext)
    return Entry(
        id=item.ap_id or local_entry_id(base_url, item.proposal_id), title=item.title,
        url=item.url or base_url + item_url(item), published=item.published_at,
        updated=item.updated_at, author=item.territory_name or local_name,
        summary=f"{line} — {_excerpt(item.summary)}", categories=item.themes,
    )


async def network_feed(request: web.Request) -> web.Response:
    """/reseau/flux.atom, with the page's filters (q, territoire, statut, du, au, theme)."""
    config = request.app[appkeys.CONFIG]
    base, (lang, trans) = config.node.base_url, translations(request)
    values = {k: v for k, v in filter_values(request).items() if k != "tri"}
    query = replace(parse_query(values)[0], order=NetworkOrder.NEWEST)
    found = await services.search_network(request.app[appkeys.DATABASE].read(), query,
                                         limit=FEED_SIZE)
    entries = [_network_entry(i, base, config.node.name, trans) for i in found.items]
    _ = trans.gettext
    title = _("Network of territories") + " · " + config.node.name
    if values["q"]:
        title = _("Search: %(terms)s") % {"terms": values["q"]} + " · " + title
    self_url = base + with_filters("/reseau/flux.atom", values)
    return _response(render_feed(
        feed_id=self_url, title=title, self_url=self_url,
        alternate_url=base + with_filters("/reseau", values),
        updated=max((e.updated for e in entries), default=request.app[appkeys.CLOCK].now()),
        lang=lang, author=config.node.name, entries=entries,
    ))


def _debate_entry(summary: ProposalSummary, base_url: str, trans) -> Entry:
    proposal = summary.proposal
    line = status_line(proposal.status, proposal.answer_kind, summary.tally.all.total,
                       trans.gettext, trans.ngettext)
    return Entry(
        id=local_entry_id(base_url, proposal.id), title=proposal.title,
        url=base_url + local_proposal_path(proposal.id), published=proposal.created_at,
        updated=proposal.updated_at, author=proposal.author.display_name,
        summary=f"{line} — {_excerpt(proposal.body)}",
        categories=network_validation.hashtags_in(f"{proposal.title}\n{proposal.body}"),
    )


async def debate_feed(request: web.Request) -> web.Response:
    """/debats/{slug}/flux.atom: the debate's visible proposals, newest first."""
    config, reader = request.app[appkeys.CONFIG], request.app[appkeys.DATABASE].read()
    debate = await services.get_debate(reader, request.match_info["slug"])
    if debate.status is DebateStatus.DRAFT:
        raise NotFound(f"no debate with slug {debate.slug!r}")
    (lang, trans), base = translations(request), config.node.base_url
    found = await services.list_proposals(reader, debate.slug, limit=FEED_SIZE)
    entries = [_debate_entry(s, base, trans) for s in found.items]
    self_url = f"{base}/debats/{debate.slug}/flux.atom"
    return _response(render_feed(
        feed_id=self_url, title=f"{debate.title} · {config.node.name}", self_url=self_url,
        alternate_url=f"{base}/debats/{debate.slug}",
        updated=max([debate.updated_at, *(e.updated for e in entries)]), lang=lang,
        author=config.node.name, entries=entries,
    ))
