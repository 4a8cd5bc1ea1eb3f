"""The network view's page (/reseau): territories, their debates and proposals, search and
filters. Parse the query string, call the network use cases, render; no SQL and no rules here."""
from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlencode

from aiohttp import web

from node import network_search, services
from node.model import AnswerKind, DebateStatus, ProposalStatus
from node.network import MAX_QUERY, NetworkItem, NetworkQuery

from . import appkeys
from .i18n import choose_language

PAGE_SIZE = 20
_CONTROLS = re.compile("[\x00-\x1f\x7f]")
# Query-string names (French, like the page's path) → node.network_search.parse_network_query's.
FILTERS = {"q": "q", "territoire": "territory", "statut": "status", "du": "since",
           "au": "until", "theme": "theme", "tri": "order"}
# A local proposal's one canonical page (web/pages_proposal.py).
LOCAL_PROPOSAL_PATH = "/propositions/{id}"


def filter_values(request: web.Request) -> dict[str, str]:
    """The filters as typed (bounded, without control characters), by query-string name."""
    return {name: _CONTROLS.sub("", request.query.get(name, "")[:MAX_QUERY])
            for name in FILTERS}


def parse_query(values: dict[str, str]) -> tuple[NetworkQuery, frozenset[str]]:
    return network_search.parse_network_query(**{FILTERS[name]: v for name, v in values.items()})


def with_filters(path: str, values: dict[str, str], **extra: str) -> str:
    """`path` with the non-empty filters (and `extra`) as its query string."""
    params = {k: v for k, v in {**values, **extra}.items() if v}
    return f"{path}?{urlencode(params)}" if params else path


def local_proposal_path(proposal_id: int) -> str:
    return LOCAL_PROPOSAL_PATH.format(id=proposal_id)


def item_url(item: NetworkItem) -> str:
    """Where an item leads: its origin page (remote) or its page here (local, a path)."""
    if item.url is not None:
        return item.url
    return local_proposal_path(item.proposal_id)


def labels(_: Callable[[str], str]) -> dict[str, dict[str, str]]:
    """Every enum value the network view shows, translated (one place for page and feeds)."""
    return {
        "status": {ProposalStatus.SUBMITTED: _("Submitted"),
                   ProposalStatus.IN_DISCUSSION: _("In discussion"),
                   ProposalStatus.ANSWERED: _("Answered")},
        "answer": {AnswerKind.ADOPTED: _("Adopted"),
                   AnswerKind.ADOPTED_WITH_CHANGES: _("Adopted with changes"),
                   AnswerKind.REJECTED: _("Rejected"), AnswerKind.NEEDS_STUDY: _("Needs study")},
        "debate": {DebateStatus.DRAFT: _("Draft"), DebateStatus.OPEN: _("Open"),
                   DebateStatus.CLOSED: _("Closed"), DebateStatus.CONCLUDED: _("Concluded")},
    }


def status_line(status: ProposalStatus, answer_kind: AnswerKind | None, votes: int,
                _: Callable[[str], str], ngettext: Callable[[str, str, int], str]) -> str:
    """'Answered: adopted · 12 votes', for feed summaries."""
    names = labels(_)
    line = names["status"][status]
    if answer_kind is not None:
        line = _("%(status)s: %(answer)s") % {"status": line,
                                               "answer": names["answer"][answer_kind]}
    return line + " · " + ngettext("%(num)d vote", "%(num)d votes", votes) % {"num": votes}


def translations(request: web.Request):
    """The request's language and its gettext catalogue (what templates get as _)."""
    lang = choose_language(request, request.app[appkeys.CONFIG].node.default_language)
    return lang, request.app[appkeys.TRANSLATIONS].get(lang)


async def page(request: web.Request) -> web.Response:
    config, reader = request.app[appkeys.CONFIG], request.app[appkeys.DATABASE].read()
    _ = translations(request)[1].gettext
    values = filter_values(request)
    query, invalid = parse_query(values)
    found = await services.search_network(reader, query, after=request.query.get("apres"),
                                         limit=PAGE_SIZE)
    territories = await services.list_territories(
        reader, local_name=config.node.name, local_base_url=config.node.base_url)
    feed_values = {k: v for k, v in values.items() if k != "tri"}
    return request.app[appkeys.TEMPLATES].render(request, "network.html", {
        "values": values, "query": query, "invalid": invalid, "items": found.items,
        "territories": territories, "themes": await services.list_themes(reader),
        "debates": await services.list_network_debates(reader, query),
        "next_url": found.next_cursor and with_filters(
            "/reseau", values, apres=found.next_cursor),
        "is_first_page": "apres" not in request.query,
        "first_url": with_filters("/reseau", values),
        "feed_url": with_filters("/reseau/flux.atom", feed_values),
        "feed_title": _("Proposals of the network (Atom feed)"),
        "item_url": item_url, "labels": labels,
    })
