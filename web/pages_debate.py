"""The debate page (with its proposals, keyset-paginated) and its public moderation history."""
from __future__ import annotations

from aiohttp import web

from node import rules, services, tallies
from node.errors import NotFound
from node.history import ModerationAction, ModerationVerb
from node.model import ContentKind, DebateRole, DebateStatus, ProposalOrder, ProposalStatus

from . import appkeys
from .pages_shared import done_messages, labels, page_link, render, translations
from .i18n import choose_language
from .identity import viewer

PROPOSALS_PER_PAGE = 20
MODERATION_PER_PAGE = 50
# French words in the address bar, enum values inside.
ORDERS = {"recentes": ProposalOrder.NEWEST, "soutenues": ProposalOrder.MOST_SUPPORTED}
STATUSES = {"deposees": ProposalStatus.SUBMITTED, "en-discussion": ProposalStatus.IN_DISCUSSION,
            "repondues": ProposalStatus.ANSWERED}
KIND_SLUGS = {ContentKind.PROPOSAL: "proposition", ContentKind.ARGUMENT: "argument",
              ContentKind.AMENDMENT: "amendement"}


async def _public_debate(reader, slug: str):
    found = await reader.debates.find_by_slug(slug)
    if found is None or found.status is DebateStatus.DRAFT:
        raise NotFound(f"no debate with slug {slug!r}")
    return found


async def _debate_data(reader, slug: str, order_key: str, status_key: str, after: str | None):
    """What the debate page reads: the same for every viewer, and nothing of the clock."""
    found = await _public_debate(reader, slug)
    page = await services.list_proposals(
        reader, found.slug, order=ORDERS.get(order_key, ProposalOrder.NEWEST),
        statuses=(STATUSES[status_key],) if status_key in STATUSES else None,
        after=after, limit=PROPOSALS_PER_PAGE,
    )
    in_charge = await reader.debate_roles.list_for_debate(found.id)
    return found, await reader.debate_settings.get(found.id), tuple(in_charge), page


async def debate(request: web.Request) -> web.Response:
    """/debats/{slug}: description, status, rules, who is in charge, and its proposals."""
    reader = request.app[appkeys.DATABASE].read()
    templates = request.app[appkeys.TEMPLATES]
    context = await _debate_context(request, reader)
    cache = reader.cache
    if cache is None or request.method != "GET" or viewer(request) is not None:
        return templates.render(request, "debate.html", context)
    # A visitor's page is the same for every visitor (no form token: it shows no form to
    # post). Kept in the read cache, dropped at any commit; keyed on what it shows besides
    # the data: address, language and the clock's part (which proposals are overdue). Read
    # again inside the compute; if a commit changed the overdue ones meanwhile, the page is
    # served but not kept under this key.
    state = context["overdue"]
    key = ("debate html", request.path_qs,
           choose_language(request, request.app[appkeys.CONFIG].node.default_language), state)

    async def compute():
        fresh = await _debate_context(request, reader)
        return fresh["overdue"], templates.render_html(request, "debate.html", fresh)

    _, html = await cache.get(key, compute, keep=lambda value: value[0] == state,
                           size=lambda value: len(value[1]))
    return templates.respond(request, html)


async def _debate_context(request: web.Request, reader) -> dict:
    slug = request.match_info["slug"]
    order_key = request.query.get("ordre", "recentes")
    status_key = request.query.get("statut", "")
    after = request.query.get("apres") or None
    # Unknown order and status words read as the defaults: one entry for them all.
    order_key = order_key if order_key in ORDERS else "recentes"
    status_key = status_key if status_key in STATUSES else ""
    found, settings, in_charge, page = await reader.cached(
        ("debate page", slug, order_key, status_key, after),
        lambda: _debate_data(reader, slug, order_key, status_key, after))
    now = request.app[appkeys.CLOCK].now()
    here = f"/debats/{found.slug}"
    return {
        "debate": found,
        "settings": settings,
        "representatives": [r for r in in_charge if r.role is DebateRole.REPRESENTATIVE],
        "moderators": [r for r in in_charge if r.role is DebateRole.MODERATOR],
        "proposals": page.items,
        "overdue": frozenset(s.proposal.id for s in page.items
                             if tallies.is_answer_overdue(s.proposal, now)),
        "next_link": page_link(here, request.query, apres=page.next_cursor)
        if page.next_cursor else None,
        "first_link": page_link(here, request.query, apres=None)
        if request.query.get("apres") else None,
        "order": order_key,
        "status_filter": status_key,
        "may_submit": found.status is DebateStatus.OPEN,
        "labels": labels(translations(request).gettext),
    }


async def moderation_history(request: web.Request) -> web.Response:
    """/debats/{slug}/moderation: every hide and unhide with its reason (public, for
    transparency); moderators also get the buttons to show hidden content again."""
    return await render_moderation(request, request.match_info["slug"])


async def render_moderation(request: web.Request, slug: str, *, errors: dict | None = None,
                            form: dict | None = None, status: int = 200) -> web.Response:
    reader = request.app[appkeys.DATABASE].read()
    found = await _public_debate(reader, slug)
    page = await services.list_moderation(
        reader, found.slug, after=request.query.get("apres") or None, limit=MODERATION_PER_PAGE)
    member = viewer(request)
    roles = await reader.debate_roles.roles_of(found.id, member.id) if member else frozenset()
    may_moderate = member is not None and rules.may_moderate(member, roles)
    names = {}
    for action in page.items:
        if action.member_id is not None and action.member_id not in names:
            names[action.member_id] = await reader.members.get(action.member_id)
    return render(request, "moderation.html", {
        "debate": found,
        "actions": page.items,
        "names": names,
        "still_hidden": await _still_hidden(reader, page.items) if may_moderate else set(),
        "kind_slugs": {k.value: v for k, v in KIND_SLUGS.items()},
        "may_moderate": may_moderate,
        "next_link": page_link(f"/debats/{found.slug}/moderation", request.query,
                               apres=page.next_cursor) if page.next_cursor else None,
        "labels": labels(translations(request).gettext),
        "done": done_messages(translations(request).gettext).get(request.query.get("fait", "")),
        "errors": errors or {}, "form": form or {},
    }, status=status)


async def _still_hidden(reader, actions: tuple[ModerationAction, ...]) -> set[int]:
    """The ids of hide actions whose target is hidden now (so it can be shown again)."""
    stores = {ContentKind.PROPOSAL: reader.proposals, ContentKind.ARGUMENT: reader.arguments,
              ContentKind.AMENDMENT: reader.amendments}
    seen, hidden = set(), set()
    for action in actions:  # newest first: only the latest action on each target counts
        key = (action.target_kind, action.target_id)
        if key in seen:
            continue
        seen.add(key)
        if action.action is ModerationVerb.HIDE:
            target = await stores[action.target_kind].get(action.target_id)
            if target.hidden_at is not None:
                hidden.add(action.id)
    return hidden
