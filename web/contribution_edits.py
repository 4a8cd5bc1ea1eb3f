"""One's own contributions after the fact: edit or withdraw an argument, withdraw an amendment,
manage a proposal's co-authors; and the public list of individual votes where a debate made
votes public.

Each page is a plain form (no JavaScript): a GET shows it, a POST calls one use case in one
transaction and goes back to the proposal (303); a refusal shows the form again with the
translated error next to its field and stores nothing. The use cases check the rules again.
"""
from __future__ import annotations

from aiohttp import web

from node import rules, services
from node.errors import Conflict, DomainError, Forbidden, NotFound
from node.model import Argument, DebateStatus, Member, ProposalDetail

from . import appkeys
from .pages_shared import (
    form_error,
    int_param,
    labels,
    member_or_login,
    page_link,
    render,
    translations,
)
from .identity import viewer

VOTES_PER_PAGE = 50


def _text(post, name: str) -> str:
    value = post.get(name, "")
    return value if isinstance(value, str) else ""


async def _detail(request: web.Request, proposal_id: int, member: Member | None) -> ProposalDetail:
    return await services.get_proposal_detail(request.app[appkeys.DATABASE].read(),
                                              request.app[appkeys.CLOCK], proposal_id, member)


def _closed_message(request: web.Request, detail: ProposalDetail) -> str | None:
    """Why nothing can change here any more, or None while it can."""
    _ = translations(request).gettext
    if detail.debate.status is not DebateStatus.OPEN:
        return _("This debate is closed: nothing can change any more.")
    return None


# --- Arguments -------------------------------------------------------------------------------


async def _own_argument(request: web.Request) -> tuple[Member, Argument, ProposalDetail]:
    """The argument, when the signed-in member wrote it (others get 403, like the use case)."""
    return await _own_contribution(request, lambda db, id_: db.arguments.get(id_),
                                   "only its author changes an argument")


def _argument_state(request: web.Request, argument: Argument, detail: ProposalDetail) -> str | None:
    _ = translations(request).gettext
    if argument.withdrawn_at is not None:
        return _("This argument was withdrawn by its author.")
    if argument.hidden_at is not None:
        return _("This content was hidden by a moderator.")
    return _closed_message(request, detail)


def _render_argument(request, template: str, argument: Argument, detail: ProposalDetail, *,
                     form: dict | None = None, errors: dict | None = None,
                     status: int = 200) -> web.Response:
    closed = _argument_state(request, argument, detail)
    if closed and not errors:
        errors, status = {"_form": closed}, 409
    return render(request, template, {
        "argument": argument, "detail": detail, "proposal": detail.proposal,
        "debate": detail.debate, "form": form or {"argument_body": argument.body},
        "errors": errors or {}, "closed": bool(closed),
        "labels": labels(translations(request).gettext),
    }, status=status)


async def edit_argument_form(request: web.Request) -> web.Response:
    """GET /arguments/{id}/modifier: the argument's text, ready to change (its stance stays)."""
    _member, argument, detail = await _own_argument(request)
    return _render_argument(request, "argument_edit.html", argument, detail)


async def edit_argument(request: web.Request) -> web.StreamResponse:
    """POST /arguments/{id}/modifier"""
    post = await request.post()
    member, argument, detail = await _own_argument(request)
    body = _text(post, "argument_body")
    _ = translations(request).gettext
    try:
        async with request.app[appkeys.DATABASE].transaction() as tx:
            await services.edit_argument(tx, request.app[appkeys.CLOCK], member, argument.id, body)
    except DomainError as exc:
        errors, status = form_error(
            request, exc, form_key="_form", fields={"body": "argument_body"},
            messages={"body": _("Your argument: between 1 and 5,000 characters.")},
            forbidden=_("Only its author can change an argument."))
        return _render_argument(request, "argument_edit.html", argument, detail,
                                form={"argument_body": body}, errors=errors, status=status)
    raise web.HTTPSeeOther(f"/propositions/{detail.proposal.id}?fait=argument-modifie"
                           f"#argument-{argument.id}")


async def withdraw_argument_form(request: web.Request) -> web.Response:
    """GET /arguments/{id}/retirer: ask before withdrawing."""
    _member, argument, detail = await _own_argument(request)
    return _render_argument(request, "argument_withdraw.html", argument, detail)


async def withdraw_argument(request: web.Request) -> web.StreamResponse:
    """POST /arguments/{id}/retirer: the argument leaves the listings (it stays recorded)."""
    await request.post()
    member, argument, detail = await _own_argument(request)
    _ = translations(request).gettext
    try:
        async with request.app[appkeys.DATABASE].transaction() as tx:
            await services.withdraw_argument(tx, request.app[appkeys.CLOCK], member, argument.id)
    except DomainError as exc:
        errors, status = form_error(request, exc, form_key="_form", fields={},
                                    forbidden=_("Only its author can change an argument."))
        return _render_argument(request, "argument_withdraw.html", argument, detail,
                                errors=errors, status=status)
    raise web.HTTPSeeOther(f"/propositions/{detail.proposal.id}?fait=argument-retire#arguments")


# --- Amendments ------------------------------------------------------------------------------


async def _own_amendment(request: web.Request):
    return await _own_contribution(request, lambda db, id_: db.amendments.get(id_),
                                   "only its author withdraws an amendment")


async def _own_contribution(request: web.Request, find, refusal: str):
    """The argument or amendment `find` reads by the path's id, with the signed-in member and
    its proposal, when that member wrote it (others get 403, like the use cases)."""
    contribution_id = int_param(request, "id")
    contribution = await find(request.app[appkeys.DATABASE].read(), contribution_id)
    member = member_or_login(request, f"/propositions/{contribution.proposal_id}")
    detail = await _detail(request, contribution.proposal_id, member)
    if not rules.may_change_own(member, contribution.author):
        raise Forbidden(refusal)
    return member, contribution, detail


def _render_amendment(request, amendment, detail, *, errors=None, status=200) -> web.Response:
    _ = translations(request).gettext
    closed = _closed_message(request, detail)
    if closed is None and amendment.status.value != "proposed":
        closed = _("This amendment has already been decided.")
    if closed and not errors:
        errors, status = {"_form": closed}, 409
    return render(request, "amendment_withdraw.html", {
        "amendment": amendment, "detail": detail, "proposal": detail.proposal,
        "debate": detail.debate, "errors": errors or {}, "closed": bool(closed),
        "labels": labels(_),
    }, status=status)


async def withdraw_amendment_form(request: web.Request) -> web.Response:
    """GET /amendements/{id}/retirer: ask before withdrawing."""
    _member, amendment, detail = await _own_amendment(request)
    return _render_amendment(request, amendment, detail)


async def withdraw_amendment(request: web.Request) -> web.StreamResponse:
    """POST /amendements/{id}/retirer"""
    await request.post()
    member, amendment, detail = await _own_amendment(request)
    _ = translations(request).gettext
    try:
        async with request.app[appkeys.DATABASE].transaction() as tx:
            await services.withdraw_amendment(tx, request.app[appkeys.CLOCK], member,
                                              amendment.id)
    except DomainError as exc:
        errors, status = form_error(request, exc, form_key="_form", fields={},
                                    forbidden=_("Only its author can withdraw an amendment."))
        return _render_amendment(request, amendment, detail, errors=errors, status=status)
    raise web.HTTPSeeOther(f"/propositions/{detail.proposal.id}?fait=amendement-retire"
                           f"#amendement-{amendment.id}")


# --- Co-authors ------------------------------------------------------------------------------


def _handle(request: web.Request, value: str) -> str:
    """A member's handle as typed: anne, @anne or @anne@this-host all name the member anne."""
    value = value.strip().lstrip("@")
    host = request.app[appkeys.CONFIG].node.host
    if value.lower().endswith("@" + host.lower()):
        value = value[: -len(host) - 1]
    return value


async def _render_coauthors(request: web.Request, proposal_id: int, *, form: dict | None = None,
                            errors: dict | None = None, status: int = 200) -> web.Response:
    member = viewer(request)
    detail = await _detail(request, proposal_id, member)
    proposal = detail.proposal
    closed = _closed_message(request, detail)
    if closed is None and proposal.status not in rules.EDITABLE_PROPOSAL_STATUSES:
        closed = translations(request).gettext(
            "This proposal has been answered: it can no longer change.")
    lead = member is not None and rules.may_manage_coauthors(member, proposal)
    return render(request, "coauthors.html", {
        "detail": detail, "proposal": proposal, "debate": detail.debate,
        "lead": detail.authors[0] if detail.authors else None,
        "coauthors": [a for a in detail.authors if a.member_id != proposal.author.member_id],
        "may_add": lead and not closed and proposal.hidden_at is None,
        # The lead author removes anyone; a co-author removes only themself (leaves).
        "may_remove": (lambda ref: member is not None and not closed
                       and rules.may_remove_coauthor(member, proposal, ref.member_id)),
        "closed": closed, "max_coauthors": rules.MAX_COAUTHORS,
        "form": form or {}, "errors": errors or {},
        "done": _done(request),
    }, status=status)


def _done(request: web.Request) -> str | None:
    _ = translations(request).gettext
    return {"ajoute": _("The co-author is added: they can now edit the proposal."),
            "retire": _("The co-author is removed.")}.get(request.query.get("fait", ""))


async def coauthors(request: web.Request) -> web.Response:
    """GET /propositions/{id}/coauteurs: the authors; the forms for those who may change them."""
    return await _render_coauthors(request, int_param(request, "id"))


async def _coauthor_change(request: web.Request, use_case, done: str, field: str):
    proposal_id = int_param(request, "id")
    post = await request.post()
    member = member_or_login(request, f"/propositions/{proposal_id}/coauteurs")
    username = _handle(request, _text(post, field))
    _ = translations(request).gettext
    try:
        async with request.app[appkeys.DATABASE].transaction() as tx:
            await use_case(tx, request.app[appkeys.CLOCK], member, proposal_id, username)
    except NotFound:
        # A typed handle that names nobody is an input error, not a missing page.
        await _detail(request, proposal_id, member)  # the proposal itself must exist
        errors = {field: _("No member of this territory has this handle.")
                  if field == "username" else _("This member is not a co-author of this proposal.")}
        return await _render_coauthors(request, proposal_id, form={field: username},
                                       errors=errors, status=422)
    except DomainError as exc:
        messages = ({"username": _("A proposal has at most %(num)d co-authors.")
                     % {"num": rules.MAX_COAUTHORS}} if field == "username"
                    else {"username": _("The lead author cannot be removed.")})
        errors, status = form_error(
            request, exc, form_key="_form", fields={"username": field}, messages=messages,
            forbidden=_("Only the lead author manages co-authors; a co-author may leave."))
        if isinstance(exc, Conflict) and exc.code == "already_author":
            errors = {field: errors["_form"]}  # next to the handle typed
        return await _render_coauthors(request, proposal_id, form={field: username},
                                       errors=errors, status=status)
    raise web.HTTPSeeOther(f"/propositions/{proposal_id}/coauteurs?fait={done}")


async def add_coauthor(request: web.Request) -> web.StreamResponse:
    """POST /propositions/{id}/coauteurs: the lead author adds a member by their handle."""
    return await _coauthor_change(request, services.add_coauthor, "ajoute", "username")


async def remove_coauthor(request: web.Request) -> web.StreamResponse:
    """POST /propositions/{id}/coauteurs/retrait: the lead author removes one; one may leave."""
    return await _coauthor_change(request, services.remove_coauthor, "retire", "coauthor")


# --- Individual votes ------------------------------------------------------------------------


async def votes(request: web.Request) -> web.Response:
    """GET /propositions/{id}/votes: who voted what, where the debate made votes public.
    Elsewhere votes are private: the page says so (403) and shows the totals only."""
    proposal_id = int_param(request, "id")
    member = viewer(request)
    reader = request.app[appkeys.DATABASE].read()
    detail = await _detail(request, proposal_id, member)
    page, status = None, 200
    try:
        page = await services.list_votes(reader, proposal_id,
                                         after=request.query.get("apres") or None,
                                         limit=VOTES_PER_PAGE, viewer=member)
    except Forbidden:
        status = 403
    here = f"/propositions/{proposal_id}/votes"
    return render(request, "proposal_votes.html", {
        "detail": detail, "proposal": detail.proposal, "debate": detail.debate,
        "votes": page.items if page else (), "public": page is not None,
        "next_link": page_link(here, request.query, apres=page.next_cursor)
        if page and page.next_cursor else None,
        "first_link": here if request.query.get("apres") else None,
        "labels": labels(translations(request).gettext),
    }, status=status)


__all__ = [
    "add_coauthor", "coauthors", "edit_argument", "edit_argument_form", "remove_coauthor",
    "votes", "withdraw_amendment", "withdraw_amendment_form", "withdraw_argument",
    "withdraw_argument_form",
]
