"""What the deliberation pages share: translated labels, domain errors turned into translated
form errors, sign-in for form posts, and keyset page links. It renders nothing by itself.

Handlers: pages_debate (debate, moderation history), pages_proposal (proposal, versions),
proposal_form (submit and edit), proposal_actions (votes, arguments, amendments, answers,
moderation), contribution_edits (edit or withdraw one's own contributions, co-authors).
"""
from __future__ import annotations

import gettext
from urllib.parse import quote, urlencode

from aiohttp import web

from node.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from node.model import Member

from . import appkeys
from .i18n import choose_language
from .identity import viewer

# Query parameters that only tune one rendering: never carried over into page links.
TRANSIENT_PARAMS = frozenset({"fait", "lang"})


def translations(request: web.Request) -> gettext.NullTranslations:
    lang = choose_language(request, request.app[appkeys.CONFIG].node.default_language)
    return request.app[appkeys.TRANSLATIONS].get(lang)


def render(request: web.Request, name: str, context: dict, *, status: int = 200) -> web.Response:
    return request.app[appkeys.TEMPLATES].render(request, name, context, status=status)


def labels(_) -> dict[str, dict[str, str]]:
    """Every enum value the pages show, translated (keys are the enums' values)."""
    return {
        "debate_status": {"draft": _("Draft"), "open": _("Open"), "closed": _("Closed"),
                          "concluded": _("Concluded")},
        "proposal_status": {"submitted": _("Submitted"), "in_discussion": _("In discussion"),
                            "answered": _("Answered")},
        "answer_kind": {"adopted": _("Adopted"), "adopted_with_changes": _("Adopted with changes"),
                        "rejected": _("Rejected"), "needs_study": _("Needs further study")},
        "choice": {"for": _("Agree"), "mixed": _("Mixed"), "against": _("Disagree")},
        "stance": {"for": _("For"), "against": _("Against"), "neutral": _("Comment")},
        "class": {"verified_resident": _("Verified residents"),
                  "local_member": _("Other members of the territory"),
                  "remote": _("Fediverse participants")},
        "amendment_status": {"proposed": _("Open to votes"), "integrated": _("Integrated"),
                             "rejected": _("Rejected"), "withdrawn": _("Withdrawn")},
        "content_kind": {"proposal": _("Proposal"), "argument": _("Argument"),
                         "amendment": _("Amendment")},
        "moderation_verb": {"hide": _("Hidden"), "unhide": _("Shown again")},
        "history": {
            "submitted": _("Submitted"),
            "edited": _("New version written by its authors"),
            "status_changed": _("Status changed"),
            "coauthor_added": _("Co-author added"),
            "coauthor_removed": _("Co-author removed"),
            "threshold_reached": _("Support threshold reached: the answer deadline starts"),
            "amendment_integrated": _("Amendment integrated: new version"),
            "answered": _("Answered by a representative"),
            "answer_revised": _("Answer corrected"),
        },
    }


def done_messages(_) -> dict[str, str]:
    """What a successful form post says once back on the page (`?fait=<key>`)."""
    return {
        "proposition": _("Your proposal is published."),
        "version": _("The new version is published."),
        "vote": _("Your vote is recorded."),
        "argument": _("Your argument is published."),
        "utile": _("Your mark is recorded."),
        "amendement": _("Your amendment is published."),
        "vote-amendement": _("Your vote on the amendment is recorded."),
        "integre": _("The amendment is integrated: the proposal has a new version."),
        "rejete": _("The amendment is rejected."),
        "reponse": _("The answer is published."),
        "statut": _("The proposal is now in discussion."),
        "masque": _("The content is hidden."),
        "affiche": _("The content is shown again."),
        "argument-modifie": _("Your argument is updated."),
        "argument-retire": _("Your argument is withdrawn."),
        "amendement-retire": _("Your amendment is withdrawn."),
    }


def conflict_messages(_) -> dict[str, str]:
    """Translated sentences for the `code` of the Conflicts the deliberation use cases raise
    (node.errors carry English sentences for programs; people get one of these instead)."""
    return {
        "debate_not_open": _("This debate is not open yet."),
        "debate_closed": _("This debate is closed: nothing can change any more."),
        "hidden": _("This content was hidden by a moderator."),
        "proposal_answered": _("This proposal has been answered: it can no longer change."),
        "amendment_decided": _("This amendment has already been decided."),
        "text_changed": _("The text changed since this amendment was written: "
                          "it cannot be integrated any more."),
        "article_gone": _("The article this amendment changes no longer exists."),
        "already_hidden": _("This content is already hidden."),
        "not_hidden": _("This content is not hidden."),
        "argument_withdrawn": _("This argument was withdrawn by its author."),
        "already_author": _("This member is already an author of this proposal."),
    }


def _conflict_message(_, exc: Conflict) -> str:
    return conflict_messages(_).get(exc.code or "", _(
        "This conflicts with the current state: reload the page and try again."))


def invalid_messages(_) -> dict[str, str]:
    """Messages for `Invalid.field` values the deliberation use cases raise."""
    return {
        "title": _("Title: between 3 and 200 characters."),
        "choice": _("Choose agree, mixed or disagree."),
        "stance": _("Choose for, against or comment."),
        "kind": _("Choose the kind of answer."),
        "reason": _("Reason: between 3 and 1,000 characters."),
        "rationale": _("Why: between 3 and 5,000 characters."),
        "article_number": _("Choose the text or one of its articles."),
        "status": _("This change of status is not possible."),
        "after": _("This page link is not valid."),
        "articles": _("Articles: at most 100, each with a text; in all, the text and the "
                      "articles hold at most 100,000 characters."),
        "sources": _("Sources: at most 20 different links starting with http:// or https://."),
    }


def form_error(
    request: web.Request, exc: DomainError, *, form_key: str, fields: dict[str, str],
    messages: dict[str, str] | None = None, forbidden: str | None = None,
) -> tuple[dict[str, str], int]:
    """A domain error as ({form field or form key: translated message}, HTTP status).

    `fields` maps the domain's field names to this form's field names; `messages` gives
    this form's own wording for some domain fields (e.g. the length of an argument).
    NotFound is not handled here: it is the middleware's 404 page.
    """
    _ = translations(request).gettext
    if isinstance(exc, Invalid):
        known = {**invalid_messages(_), **(messages or {})}
        field = exc.field or ""
        message = known.get(field, _("Some information is not valid."))
        return {fields.get(field, form_key): message}, 422
    if isinstance(exc, Forbidden):
        if exc.code == "own_argument":
            return {form_key: _("You cannot mark your own argument as useful.")}, 403
        return {form_key: forbidden or _("You are not allowed to do this.")}, 403
    if isinstance(exc, Conflict):
        return {form_key: _conflict_message(_, exc)}, 409
    raise exc  # NotFound and anything new: the error middleware's translated page


def member_or_login(request: web.Request, back: str) -> Member:
    """The signed-in member; anyone else goes to the sign-in form, then back to `back` (a
    page, never the form's POST address)."""
    member = viewer(request)
    if member is None:
        raise web.HTTPSeeOther(f"/connexion?suivant={quote(back, safe='/')}")
    return member


def page_link(path: str, query, **changes: str | None) -> str:
    """`path?…`: the page at `path` with the query's parameters, some changed (None drops
    one). Always with the path: a form's error page is served at the form's address."""
    params = {k: v for k, v in query.items() if k not in TRANSIENT_PARAMS}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return f"{path}?{urlencode(params)}" if params else path


def int_param(request: web.Request, name: str) -> int:
    """A numeric path parameter (the routes only match digits); too large is not found."""
    value = int(request.match_info[name])
    if value > 2**63 - 1:
        raise NotFound(f"no {name} {value}")
    return value


__all__ = [
    "done_messages", "form_error", "int_param", "labels", "member_or_login", "page_link",
    "render", "translations",
]
