"""Participation forms on a proposal: vote, argue, mark useful, amend, decide amendments,
answer, steer, and moderate. Each post calls one use case in one transaction, then goes back
to the page (303); a refusal re-renders the page with the translated error next to its form,
the input kept and nothing stored.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from node import services
from node.errors import DomainError, Invalid, NotFound
from node.model import AmendmentDraft, ContentKind, DebateStatus, ProposalStatus

from . import appkeys
from .pages_shared import form_error, int_param, member_or_login, render, translations
from .identity import viewer
from .pages_debate import render_moderation
from .pages_proposal import render_proposal

KINDS = {"proposition": ContentKind.PROPOSAL, "argument": ContentKind.ARGUMENT,
         "amendement": ContentKind.AMENDMENT}
VERBS = {"masquer": (services.hide_content, "masque"),
         "afficher": (services.unhide_content, "affiche")}


async def _proposal_post(request: web.Request):
    """The proposal's id, the posted form, and the signed-in member (others go to log in)."""
    proposal_id = int_param(request, "id")
    post = await request.post()
    return proposal_id, post, member_or_login(request, f"/propositions/{proposal_id}")


def _text(post, name: str) -> str:
    value = post.get(name, "")
    return value if isinstance(value, str) else ""


async def _act(
    request: web.Request, proposal_id: int, run: Callable[..., Awaitable[object]], *,
    form_key: str, done: str, anchor: str, fields: dict[str, str] | None = None,
    values: dict[str, str] | None = None, messages: dict[str, str] | None = None,
    forbidden: str | None = None,
) -> web.StreamResponse:
    """Run one use case; back to the proposal page, or the page again with the error."""
    try:
        async with request.app[appkeys.DATABASE].transaction() as tx:
            await run(tx, request.app[appkeys.CLOCK])
    except DomainError as exc:
        errors, status = form_error(request, exc, form_key=form_key, fields=fields or {},
                                    messages=messages, forbidden=forbidden)
        return await render_proposal(request, proposal_id, errors=errors, form=values or {},
                                     status=status)
    raise web.HTTPSeeOther(f"/propositions/{proposal_id}?fait={done}#{anchor}")


async def vote(request: web.Request) -> web.StreamResponse:
    """POST /propositions/{id}/vote: d'accord / mitigé / pas d'accord, changeable while open."""
    proposal_id, post, member = await _proposal_post(request)
    choice = _text(post, "choice")
    _ = translations(request).gettext
    return await _act(
        request, proposal_id,
        lambda tx, clock: services.cast_vote(tx, clock, member, proposal_id, choice),
        form_key="_vote", done="vote", anchor="vote", fields={"choice": "choice"},
        values={"choice": choice}, forbidden=_("Only members of the territory vote."))


async def post_argument(request: web.Request) -> web.StreamResponse:
    """POST /propositions/{id}/arguments: for, against or a comment."""
    proposal_id, post, member = await _proposal_post(request)
    stance, body = _text(post, "stance"), _text(post, "argument_body")
    _ = translations(request).gettext
    return await _act(
        request, proposal_id,
        lambda tx, clock: services.post_argument(tx, clock, member, proposal_id, stance, body),
        form_key="_nouvel-argument", done="argument", anchor="arguments",
        fields={"stance": "stance", "body": "argument_body"},
        values={"stance": stance, "argument_body": body},
        messages={"body": _("Your argument: between 1 and 5,000 characters.")},
        forbidden=_("Only members of the territory post arguments."))


async def mark_useful(request: web.Request) -> web.StreamResponse:
    """POST /arguments/{id}/utile: utile=oui marks the argument useful, utile=non takes it back."""
    argument_id = int_param(request, "id")
    post = await request.post()
    argument = await request.app[appkeys.DATABASE].read().arguments.get(argument_id)
    member = member_or_login(request, f"/propositions/{argument.proposal_id}")
    use_case = (services.unmark_argument_useful if _text(post, "utile") == "non"
                else services.mark_argument_useful)
    return await _act(
        request, argument.proposal_id,
        lambda tx, clock: use_case(tx, clock, member, argument_id),
        form_key=f"_argument-{argument_id}", done="utile", anchor=f"argument-{argument_id}")


# --- Amendments ----------------------------------------------------------------------------


async def _amendment_target(request: web.Request, proposal_id: int, article: str):
    """(detail, article number or None, the text it replaces) for the amendment form."""
    reader = request.app[appkeys.DATABASE].read()
    detail = await services.get_proposal_detail(reader, request.app[appkeys.CLOCK], proposal_id,
                                                viewer(request))
    if not article:
        return detail, None, detail.version.body
    found = detail.version.article(int(article)) if article.isdigit() else None
    if found is None:
        raise NotFound(f"the proposal has no article {article!r}")
    return detail, found.number, found.text


def _render_amendment_form(request, detail, number, original, form, errors, status=200):
    closed = (detail.debate.status is not DebateStatus.OPEN
              or detail.proposal.status is ProposalStatus.ANSWERED)
    return render(request, "amendment_form.html", {
        "detail": detail, "proposal": detail.proposal, "debate": detail.debate,
        "article_number": number, "original": original, "form": form, "errors": errors,
        "closed": closed,
    }, status=409 if closed and status < 400 else status)


async def amendment_form(request: web.Request) -> web.Response:
    """GET /propositions/{id}/amendements/nouveau[?article=n]: the target's text, to change."""
    proposal_id = int_param(request, "id")
    member_or_login(request, request.path_qs)
    detail, number, original = await _amendment_target(request, proposal_id,
                                                       request.query.get("article", ""))
    return _render_amendment_form(request, detail, number, original,
                                  {"text": original, "rationale": ""}, {})


async def propose_amendment(request: web.Request) -> web.StreamResponse:
    """POST /propositions/{id}/amendements"""
    proposal_id, post, member = await _proposal_post(request)
    article, text, rationale = _text(post, "article"), _text(post, "text"), _text(post, "rationale")
    detail, number, original = await _amendment_target(request, proposal_id, article)
    form = {"text": text, "rationale": rationale}
    _ = translations(request).gettext
    try:
        async with request.app[appkeys.DATABASE].transaction() as tx:
            created = await services.propose_amendment(
                tx, request.app[appkeys.CLOCK], member, proposal_id,
                AmendmentDraft(text, rationale, number))
    except DomainError as exc:
        unchanged = isinstance(exc, Invalid) and exc.code == "unchanged"
        limit = "20,000" if number is None else "10,000"
        errors, status = form_error(
            request, exc, form_key="_form",
            fields={"text": "text", "rationale": "rationale"},
            messages={"text": _("The amendment must change the text.") if unchanged
                      else _("New text: between 1 and %(limit)s characters.") % {"limit": limit}},
            forbidden=_("Only members of the territory propose amendments."))
        return _render_amendment_form(request, detail, number, original, form, errors, status)
    raise web.HTTPSeeOther(f"/propositions/{proposal_id}?fait=amendement#amendement-{created.id}")


async def _amendment(request: web.Request):
    amendment_id = int_param(request, "id")
    post = await request.post()
    amendment = await request.app[appkeys.DATABASE].read().amendments.get(amendment_id)
    member = member_or_login(request, f"/propositions/{amendment.proposal_id}")
    return amendment, post, member


async def vote_on_amendment(request: web.Request) -> web.StreamResponse:
    """POST /amendements/{id}/vote"""
    amendment, post, member = await _amendment(request)
    choice = _text(post, "choice")
    _ = translations(request).gettext
    return await _act(
        request, amendment.proposal_id,
        lambda tx, clock: services.vote_on_amendment(tx, clock, member, amendment.id, choice),
        form_key=f"_amendement-{amendment.id}", done="vote-amendement",
        anchor=f"amendement-{amendment.id}",
        forbidden=_("Only members of the territory vote."))


async def integrate_amendment(request: web.Request) -> web.StreamResponse:
    """POST /amendements/{id}/integrer: the proposal gets a new version."""
    amendment, _post, member = await _amendment(request)
    _ = translations(request).gettext
    return await _act(
        request, amendment.proposal_id,
        lambda tx, clock: services.integrate_amendment(tx, clock, member, amendment.id),
        form_key=f"_amendement-{amendment.id}", done="integre",
        anchor=f"amendement-{amendment.id}",
        forbidden=_("Only the proposal's authors and the representatives in charge decide on "
                    "amendments."))


async def reject_amendment(request: web.Request) -> web.StreamResponse:
    """POST /amendements/{id}/rejeter, with a reason."""
    amendment, post, member = await _amendment(request)
    reason = _text(post, "reason")
    key = f"rejet-{amendment.id}"
    _ = translations(request).gettext
    return await _act(
        request, amendment.proposal_id,
        lambda tx, clock: services.reject_amendment(tx, clock, member, amendment.id, reason),
        form_key=f"_amendement-{amendment.id}", done="rejete",
        anchor=f"amendement-{amendment.id}", fields={"reason": key}, values={key: reason},
        forbidden=_("Only the proposal's authors and the representatives in charge decide on "
                    "amendments."))


# --- Answer, status, moderation ------------------------------------------------------------


async def answer(request: web.Request) -> web.StreamResponse:
    """POST /propositions/{id}/reponse: a representative answers (or corrects the answer)."""
    proposal_id, post, member = await _proposal_post(request)
    kind, text = _text(post, "answer_kind"), _text(post, "answer_text")
    _ = translations(request).gettext
    return await _act(
        request, proposal_id,
        lambda tx, clock: services.answer_proposal(tx, clock, member, proposal_id, kind, text),
        form_key="_repondre", done="reponse", anchor="reponse",
        fields={"kind": "answer_kind", "text": "answer_text"},
        values={"answer_kind": kind, "answer_text": text},
        messages={"text": _("The answer: between 10 and 20,000 characters.")},
        forbidden=_("Only a representative in charge of this debate can answer its proposals."))


async def change_status(request: web.Request) -> web.StreamResponse:
    """POST /propositions/{id}/statut: moderators and those in charge open the discussion."""
    proposal_id, post, member = await _proposal_post(request)
    status = _text(post, "status")
    _ = translations(request).gettext
    return await _act(
        request, proposal_id,
        lambda tx, clock: services.change_proposal_status(tx, clock, member, proposal_id, status),
        form_key="_pilotage", done="statut", anchor="pilotage",
        forbidden=_("Only moderators and those in charge of the debate change a proposal's "
                    "status."))


async def moderate(request: web.Request) -> web.StreamResponse:
    """POST /moderation/{kind}/{id}/masquer|afficher, with a reason (kept in the history)."""
    kind = KINDS.get(request.match_info["kind"])
    verb = VERBS.get(request.match_info["verb"])
    if kind is None or verb is None:
        raise NotFound("no such moderation address")
    target_id = int_param(request, "id")
    post = await request.post()
    reader = request.app[appkeys.DATABASE].read()
    if kind is ContentKind.PROPOSAL:
        proposal = await reader.proposals.get(target_id)
    else:
        store = reader.arguments if kind is ContentKind.ARGUMENT else reader.amendments
        proposal = await reader.proposals.get((await store.get(target_id)).proposal_id)
    member = member_or_login(request, f"/propositions/{proposal.id}")
    reason = _text(post, "reason")
    use_case, done = verb
    prefix = request.match_info["verb"]
    key = f"{prefix}-{request.match_info['kind']}-{target_id}"
    _ = translations(request).gettext
    from_history = _text(post, "retour") == "moderation"
    try:
        async with request.app[appkeys.DATABASE].transaction() as tx:
            await use_case(tx, request.app[appkeys.CLOCK], member, kind, target_id, reason)
    except DomainError as exc:
        errors, status = form_error(
            request, exc, form_key=f"_moderation-{request.match_info['kind']}-{target_id}",
            fields={"reason": key}, forbidden=_("Only moderators hide or show content."))
        if from_history:
            slug = (await reader.debates.get(proposal.debate_id)).slug
            return await render_moderation(request, slug, errors=errors, form={key: reason},
                                           status=status)
        return await render_proposal(request, proposal.id, errors=errors, form={key: reason},
                                     status=status)
    if from_history:
        slug = (await reader.debates.get(proposal.debate_id)).slug
        raise web.HTTPSeeOther(f"/debats/{slug}/moderation?fait={done}")
    raise web.HTTPSeeOther(f"/propositions/{proposal.id}?fait={done}")
