"""The proposal page (its one canonical URL, /propositions/{id}) and its earlier versions.

`render_proposal` is also what the proposal_actions forms re-render, with their errors and the
input kept, when a post is refused.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import timedelta

from aiohttp import web

from node import rules, services, tallies
from node.diff import DiffKind, amendment_diff
from node.model import (
    Amendment,
    DebateRole,
    DebateStatus,
    Member,
    ProposalDetail,
    ProposalStatus,
)

from . import appkeys
from .pages_shared import done_messages, int_param, labels, page_link, render, translations
from .i18n import choose_language
from .identity import viewer
from .request_keys import CSRF_TOKEN

ARGUMENTS_PER_COLUMN = 10
AMENDMENTS_PER_PAGE = 10
HISTORY_PER_PAGE = 20
# An unchanged run longer than this shows its first and last lines around a "… n lines" mark.
DIFF_CONTEXT = 2
# The page's own cursors, one per list.
CURSOR_PARAMS = ("pour", "contre", "commentaires", "amendements", "historique")


@dataclass(frozen=True, slots=True)
class Permissions:
    """What the viewer may do here: which forms and buttons the page shows. The use cases
    check again on every post; this only avoids offering what would be refused."""

    is_open: bool
    take_part: bool  # vote, argue, amend, mark useful
    edit: bool
    answer: bool
    decide: bool  # integrate or reject amendments
    moderate: bool
    steer: bool  # move into discussion


async def _permissions(reader, detail: ProposalDetail, member: Member | None,
                       in_charge) -> Permissions:
    debate, proposal = detail.debate, detail.proposal
    is_open = debate.status is DebateStatus.OPEN
    if member is None:
        return Permissions(is_open, False, False, False, False, False, False)
    roles = await reader.debate_roles.roles_of(debate.id, member.id)
    visible = proposal.hidden_at is None
    editable = proposal.status is not ProposalStatus.ANSWERED
    take_part = is_open and visible and rules.may_take_part(member)
    may_answer = visible and debate.status is not DebateStatus.DRAFT and rules.may_answer(
        member, roles, any(r.role is DebateRole.REPRESENTATIVE for r in in_charge))
    return Permissions(
        is_open=is_open,
        take_part=take_part,
        edit=take_part and editable and rules.may_edit_proposal(member, detail.authors),
        answer=may_answer,
        decide=take_part and editable and rules.may_decide_amendment(
            member, detail.authors, may_answer),
        moderate=rules.may_moderate(member, roles),
        steer=take_part and proposal.status is ProposalStatus.SUBMITTED
        and rules.may_steer_debate(member, roles),
    )


def diff_lines(amendment: Amendment) -> list[tuple[str, object]]:
    """The amendment's diff as (kind, line) rows; long unchanged runs become ("skip", n)."""
    rows: list[tuple[str, object]] = []
    for op in amendment_diff(amendment):
        lines = list(op.lines)
        if op.kind is DiffKind.EQUAL and len(lines) > 2 * DIFF_CONTEXT + 1:
            rows += [("equal", line) for line in lines[:DIFF_CONTEXT]]
            rows.append(("skip", len(lines) - 2 * DIFF_CONTEXT))
            rows += [("equal", line) for line in lines[-DIFF_CONTEXT:]]
        else:
            rows += [(op.kind.value, line) for line in lines]
    return rows


def _days_left(left: timedelta | None) -> int | None:
    return None if left is None else math.ceil(left / timedelta(days=1))


async def _proposal_reads(reader, clock, proposal_id: int, member: Member | None,
                          after_for, after_against, after_neutral, after_amendment,
                          after_history):
    """What the page reads that depends on the data, the cursors and the viewer's right to
    see it, not on the clock (but detail.is_overdue, recomputed by the caller)."""
    detail = await services.get_proposal_detail(reader, clock, proposal_id, member)
    columns = await services.arguments_side_by_side(
        reader, proposal_id, limit=ARGUMENTS_PER_COLUMN, after_for=after_for,
        after_against=after_against, after_neutral=after_neutral, viewer=member)
    amendments = await services.list_amendments(
        reader, proposal_id, after=after_amendment, limit=AMENDMENTS_PER_PAGE, viewer=member)
    history = await services.list_history(
        reader, proposal_id, after=after_history, limit=HISTORY_PER_PAGE, viewer=member)
    in_charge = tuple(await reader.debate_roles.list_for_debate(detail.debate.id))
    counts = tuple((k.value, v) for k, v in
                   (await reader.arguments.count_listed(proposal_id)).items())
    return detail, columns, amendments, history, in_charge, counts


async def proposal_context(request: web.Request, proposal_id: int, reader=None) -> dict:
    """Everything proposal.html shows, for this viewer and these page cursors."""
    reader = reader or request.app[appkeys.DATABASE].read()
    clock = request.app[appkeys.CLOCK]
    member, query = viewer(request), request.query
    cursors = tuple(query.get(k) or None for k in CURSOR_PARAMS)
    detail, columns, amendments, history, in_charge, counts = await reader.cached(
        ("proposal page", proposal_id, member.id if member else None, cursors),
        lambda: _proposal_reads(reader, clock, proposal_id, member, *cursors))
    # The one part that follows the clock, not the data: never taken from the cache.
    detail = replace(detail, is_overdue=tallies.is_answer_overdue(detail.proposal, clock.now()))
    participant = await reader.participants.find_local(member.id) if member else None
    shown = (*columns.for_arguments.items, *columns.against_arguments.items,
             *columns.neutral_arguments.items)
    marked = set()
    amendment_votes = {}
    if participant is not None:
        marked = {a.id for a in shown if await reader.arguments.has_mark(a.id, participant.id)}
        for summary in amendments.items:
            amendment_votes[summary.amendment.id] = await reader.amendments.find_vote(
                summary.amendment.id, participant.id)
    now = clock.now()

    here = f"/propositions/{proposal_id}"

    def more(param: str, cursor: str | None) -> str | None:
        return page_link(here, query, **{param: cursor}) if cursor else None

    _ = translations(request).gettext
    may = await _permissions(reader, detail, member, in_charge)
    return {
        "detail": detail, "debate": detail.debate, "proposal": detail.proposal,
        "version": detail.version, "settings": detail.settings,
        "columns": columns,
        "argument_counts": dict(counts),
        "amendments": amendments.items,
        "diffs": {s.amendment.id: diff_lines(s.amendment) for s in amendments.items},
        "history": history.items,
        "representatives": [r for r in in_charge if r.role is DebateRole.REPRESENTATIVE],
        "may": may,
        # Everything an argument item shows besides the argument, the language and the mark
        # (web.templates.FragmentCache): who looks, with which rights and form token.
        "item_key": (member.id, may, request.get(CSRF_TOKEN, "")) if member else (None, may),
        "my_vote": (await reader.votes.find_choice_of_member(proposal_id, member.id)
                    if member else None),
        "marked": marked,
        "amendment_votes": amendment_votes,
        "days_left": _days_left(tallies.answer_time_left(detail.proposal, now)),
        "links": {
            "for": more("pour", columns.for_arguments.next_cursor),
            "against": more("contre", columns.against_arguments.next_cursor),
            "neutral": more("commentaires", columns.neutral_arguments.next_cursor),
            "amendments": more("amendements", amendments.next_cursor),
            "history": more("historique", history.next_cursor),
            "restart": page_link(here, query, pour=None, contre=None, commentaires=None,
                                 amendements=None, historique=None)
            if any(query.get(k) for k in ("pour", "contre", "commentaires", "amendements",
                                          "historique")) else None,
        },
        "labels": labels(_),
        "done": done_messages(_).get(query.get("fait", "")),
    }


async def render_proposal(request: web.Request, proposal_id: int, *, errors: dict | None = None,
                          form: dict | None = None, status: int = 200) -> web.Response:
    reader = request.app[appkeys.DATABASE].read()
    context = await proposal_context(request, proposal_id, reader)
    cache = reader.cache
    if (errors or form or status != 200 or request.method != "GET" or cache is None
            or viewer(request) is not None):
        if errors or form:  # items show the errors and input: rendered afresh
            context["item_key"] = None
        return render(request, "proposal.html",
                      {**context, "errors": errors or {}, "form": form or {}}, status=status)
    # A visitor's page is the same for every visitor: it shows no form, hence no form token
    # (tests/web check it). Kept in the read cache, dropped at any commit; keyed on what it
    # shows besides the data: address (cursors, language switch), language, and the clock's
    # part (overdue, days left). The entry is rendered from data read inside the compute; if
    # a commit changed the clock's part meanwhile, it is served but not kept under this key.
    templates = request.app[appkeys.TEMPLATES]
    state = _clock_state(context)
    key = ("proposal html", proposal_id, request.path_qs,
           choose_language(request, request.app[appkeys.CONFIG].node.default_language), state)

    async def compute():
        fresh = await proposal_context(request, proposal_id, reader)
        return _clock_state(fresh), templates.render_html(
            request, "proposal.html", {**fresh, "errors": {}, "form": {}})

    _, html = await cache.get(key, compute, keep=lambda value: value[0] == state,
                           size=lambda value: len(value[1]))
    return templates.respond(request, html)


def _clock_state(context: dict) -> tuple:
    return context["detail"].is_overdue, context["days_left"]


async def proposal(request: web.Request) -> web.Response:
    """/propositions/{id}: the proposal, its tallies, arguments, amendments and answer."""
    return await render_proposal(request, int_param(request, "id"))


async def proposal_version(request: web.Request) -> web.Response:
    """/propositions/{id}/versions/{n}: an earlier (or the current) version, readable for good."""
    proposal_id, number = int_param(request, "id"), int_param(request, "n")
    reader = request.app[appkeys.DATABASE].read()
    member = viewer(request)
    detail = await services.get_proposal_detail(reader, request.app[appkeys.CLOCK], proposal_id,
                                                member)
    version = await services.get_proposal_version(reader, proposal_id, number, member)
    return render(request, "proposal_version.html", {
        "detail": detail, "debate": detail.debate, "proposal": detail.proposal,
        "version": version, "labels": labels(translations(request).gettext),
    })
