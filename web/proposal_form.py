"""Submitting and editing a proposal: title, body, articles and sources, without JavaScript.

Articles and sources are repeated fieldsets; "add an article" (or a source) posts the form
and gets it back with one more empty fieldset, everything typed kept. Every error re-renders
the form with 422, each message next to its field, and stores nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from node import content_rules, rules, services
from node.errors import DomainError, Invalid, NotFound
from node.model import Article, Debate, DebateStatus, Proposal, ProposalDraft, Source

from . import appkeys
from .pages_shared import form_error, int_param, member_or_login, render, translations

ADD_ARTICLE, ADD_SOURCE = "ajouter-article", "ajouter-source"


@dataclass
class DraftForm:
    """The form as typed: strings only, one dict per fieldset."""

    title: str = ""
    body: str = ""
    articles: list[dict] = field(default_factory=list)  # {"number", "title", "text"}
    sources: list[dict] = field(default_factory=list)  # {"url", "title"}

    @classmethod
    def blank(cls) -> DraftForm:
        return cls(articles=[_blank_article(1)], sources=[{"url": "", "title": ""}])

    @classmethod
    def of(cls, proposal: Proposal, articles, sources) -> DraftForm:
        form = cls(proposal.title, proposal.body,
                   [{"number": str(a.number), "title": a.title, "text": a.text} for a in articles],
                   [{"url": s.url, "title": s.title} for s in sources])
        form.add_article()
        form.sources.append({"url": "", "title": ""})
        return form

    @classmethod
    def parse(cls, post) -> DraftForm:
        def text(name: str) -> str:
            value = post.get(name, "")
            return value if isinstance(value, str) else ""

        form = cls(text("title"), text("body"))
        for i in range(1, _count(text("article_count"), content_rules.MAX_ARTICLES) + 1):
            form.articles.append({"number": text(f"article_{i}_number") or str(i),
                                  "title": text(f"article_{i}_title"),
                                  "text": text(f"article_{i}_text")})
        for i in range(1, _count(text("source_count"), content_rules.MAX_SOURCES) + 1):
            form.sources.append({"url": text(f"source_{i}_url"),
                                 "title": text(f"source_{i}_title")})
        return form

    def add_article(self) -> None:
        if len(self.articles) < content_rules.MAX_ARTICLES:
            numbers = [int(a["number"]) for a in self.articles if a["number"].isdigit()]
            self.articles.append(_blank_article(max(numbers, default=0) + 1))

    def add_source(self) -> None:
        if len(self.sources) < content_rules.MAX_SOURCES:
            self.sources.append({"url": "", "title": ""})

    def check(self, _) -> tuple[ProposalDraft | None, dict[str, str]]:
        """The draft, or the errors of every field at once (the use case checks again)."""
        errors: dict[str, str] = {}
        title, body = self.title.strip(), self.body.strip()
        if not rules.MIN_TITLE <= len(title) <= rules.MAX_TITLE:
            errors["title"] = _("Title: between 3 and 200 characters.")
        if not 1 <= len(body) <= content_rules.MAX_PROPOSAL_BODY:
            errors["body"] = _("Text: between 1 and 20,000 characters.")
        articles, seen_numbers = [], set()
        for i, article in enumerate(self.articles, start=1):
            a_title, a_text = article["title"].strip(), article["text"].strip()
            if not a_title and not a_text:
                continue  # an empty fieldset is no article
            number = int(article["number"]) if article["number"].isdigit() else 0
            if not 1 <= number <= content_rules.MAX_ARTICLE_NUMBER or number in seen_numbers:
                number = max(seen_numbers, default=0) + 1
            seen_numbers.add(number)
            if len(a_title) > content_rules.MAX_ARTICLE_TITLE:
                errors[f"article_{i}_title"] = _("Title of the article: at most 200 characters.")
            if not 1 <= len(a_text) <= content_rules.MAX_ARTICLE_TEXT:
                errors[f"article_{i}_text"] = _(
                    "Text of the article: between 1 and 10,000 characters.")
            articles.append(Article(number, a_title, a_text))
        sources, seen_urls = [], set()
        for i, source in enumerate(self.sources, start=1):
            url, s_title = source["url"].strip(), source["title"].strip()
            if not url and not s_title:
                continue
            try:
                url = content_rules.check_url(url)
            except Invalid:
                errors[f"source_{i}_url"] = _("Link: an address starting with http:// or https://.")
            else:
                if url in seen_urls:
                    errors[f"source_{i}_url"] = _("This link is already listed.")
                seen_urls.add(url)
            if len(s_title) > content_rules.MAX_SOURCE_TITLE:
                errors[f"source_{i}_title"] = _("Title of the source: at most 200 characters.")
            sources.append(Source(url, s_title))
        if "body" not in errors and len(body) + sum(len(a.text) for a in articles) > \
                content_rules.MAX_PROPOSAL_TOTAL:
            errors["body"] = _("In all, the text and its articles hold at most 100,000 characters.")
        if errors:
            return None, errors
        return ProposalDraft(title, body, tuple(articles), tuple(sources)), {}


def _blank_article(number: int) -> dict:
    return {"number": str(number), "title": "", "text": ""}


def _count(value: str, limit: int) -> int:
    return min(int(value), limit) if value.isdigit() else 1


async def _open_debate(request: web.Request) -> Debate:
    debate = await services.get_debate(request.app[appkeys.DATABASE].read(),
                                       request.match_info["slug"])
    if debate.status is DebateStatus.DRAFT:
        raise NotFound(f"no debate with slug {debate.slug!r}")
    return debate


def _render(request, debate: Debate, proposal: Proposal | None, form: DraftForm, errors,
            status=200) -> web.Response:
    action = (f"/debats/{debate.slug}/propositions/nouvelle" if proposal is None
              else f"/propositions/{proposal.id}/modifier")
    return render(request, "proposal_form.html", {
        "debate": debate, "proposal": proposal, "form": form, "errors": errors,
        "action": action, "closed": debate.status is not DebateStatus.OPEN,
    }, status=status if debate.status is DebateStatus.OPEN else 409)


async def new_proposal_form(request: web.Request) -> web.Response:
    """GET /debats/{slug}/propositions/nouvelle"""
    debate = await _open_debate(request)
    member_or_login(request, request.path)
    return _render(request, debate, None, DraftForm.blank(), {})


async def submit_proposal(request: web.Request) -> web.StreamResponse:
    """POST /debats/{slug}/propositions/nouvelle"""
    debate = await _open_debate(request)
    post = await request.post()
    member = member_or_login(request, request.path)
    form = DraftForm.parse(post)
    if (response := _extended(request, post, debate, None, form)) is not None:
        return response
    _ = translations(request).gettext
    draft, errors = form.check(_)
    if draft is not None:
        try:
            async with request.app[appkeys.DATABASE].transaction() as tx:
                created = await services.submit_proposal(tx, request.app[appkeys.CLOCK], member,
                                                         debate.slug, draft)
        except DomainError as exc:
            errors, status = _errors(request, exc)
            return _render(request, debate, None, form, errors, status)
        raise web.HTTPSeeOther(f"/propositions/{created.id}?fait=proposition")
    return _render(request, debate, None, form, errors, 422)


async def _editable(request: web.Request):
    reader = request.app[appkeys.DATABASE].read()
    member = member_or_login(request, request.path)
    detail = await services.get_proposal_detail(reader, request.app[appkeys.CLOCK],
                                                int_param(request, "id"), member)
    rules.require(rules.may_edit_proposal(member, detail.authors),
                  "only the proposal's authors can edit it")
    return member, detail


async def edit_proposal_form(request: web.Request) -> web.Response:
    """GET /propositions/{id}/modifier: the current version, ready to change."""
    _member, detail = await _editable(request)
    form = DraftForm.of(detail.proposal, detail.version.articles, detail.version.sources)
    errors = {}
    if detail.proposal.status not in rules.EDITABLE_PROPOSAL_STATUSES:
        errors = {"_form": translations(request).gettext(
            "This proposal has been answered: it can no longer change.")}
        return _render(request, detail.debate, detail.proposal, form, errors, 409)
    return _render(request, detail.debate, detail.proposal, form, errors)


async def edit_proposal(request: web.Request) -> web.StreamResponse:
    """POST /propositions/{id}/modifier: a new version (no change, no version)."""
    post = await request.post()
    member, detail = await _editable(request)
    form = DraftForm.parse(post)
    if (response := _extended(request, post, detail.debate, detail.proposal, form)) is not None:
        return response
    draft, errors = form.check(translations(request).gettext)
    if draft is not None:
        try:
            async with request.app[appkeys.DATABASE].transaction() as tx:
                await services.edit_proposal(tx, request.app[appkeys.CLOCK], member,
                                             detail.proposal.id, draft)
        except DomainError as exc:
            errors, status = _errors(request, exc)
            return _render(request, detail.debate, detail.proposal, form, errors, status)
        raise web.HTTPSeeOther(f"/propositions/{detail.proposal.id}?fait=version")
    return _render(request, detail.debate, detail.proposal, form, errors, 422)


def _extended(request, post, debate, proposal, form: DraftForm) -> web.Response | None:
    """The form again with one more article or source fieldset, when that was the button."""
    action = post.get("action")
    if action == ADD_ARTICLE:
        form.add_article()
    elif action == ADD_SOURCE:
        form.add_source()
    else:
        return None
    return _render(request, debate, proposal, form, {})


def _errors(request, exc: DomainError) -> tuple[dict[str, str], int]:
    _ = translations(request).gettext
    return form_error(
        request, exc, form_key="_form",
        fields={"title": "title", "body": "body"},
        messages={"body": _("Text: between 1 and 20,000 characters.")},
        forbidden=_("Only the proposal's authors can change it."),
    )
