"""What a proposal, an argument, an answer, a reason or an amendment may contain, and how an
amendment is applied to the text it changes.

Pure rules: each check returns the cleaned value or raises node.errors.Invalid (Conflict when an
amendment no longer fits the current text). Who may write them is in node/rules.py.
"""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from .errors import Conflict, Invalid
from .model import Amendment, AmendmentDraft, Article, ProposalDraft, ProposalVersion, Source
from .rules import MAX_TITLE, MIN_TITLE, check_text
from .text import normalise_text

MAX_PROPOSAL_BODY = 20_000
MAX_ARTICLES = 100
MAX_ARTICLE_NUMBER = 9_999
MAX_ARTICLE_TITLE = 200
MAX_ARTICLE_TEXT = 10_000
# Every version stores a full copy: cap a proposal's whole text (body and articles) too.
MAX_PROPOSAL_TOTAL = 100_000
MAX_SOURCES = 20
MAX_SOURCE_TITLE = 200
MAX_URL = 2_000
MAX_ARGUMENT = 5_000
MIN_RATIONALE, MAX_RATIONALE = 3, 5_000
MIN_ANSWER, MAX_ANSWER = 10, 20_000
MIN_REASON, MAX_REASON = 3, 1_000


def check_url(url: str, *, field: str = "url") -> str:
    """An absolute http(s) URL with a host, no credentials, no spaces or control characters."""
    url = normalise_text(url, field=field).strip()
    if not url or len(url) > MAX_URL:
        raise Invalid(f"a link has 1 to {MAX_URL} characters", field=field)
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise Invalid("a link cannot contain spaces or control characters", field=field)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise Invalid("this link is not a valid URL", field=field) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("a link must start with http:// or https:// and name a host", field=field)
    if parts.username is not None or parts.password is not None:
        raise Invalid("a link cannot carry a user name or password", field=field)
    return url


def check_articles(articles: Iterable[Article]) -> tuple[Article, ...]:
    articles = tuple(articles)
    if len(articles) > MAX_ARTICLES:
        raise Invalid(f"a proposal has at most {MAX_ARTICLES} articles", field="articles")
    seen: set[int] = set()
    checked = []
    for article in articles:
        number = article.number
        if not isinstance(number, int) or isinstance(number, bool) or not (
            1 <= number <= MAX_ARTICLE_NUMBER
        ):
            raise Invalid(
                f"article numbers go from 1 to {MAX_ARTICLE_NUMBER}", field="articles"
            )
        if number in seen:
            raise Invalid(f"article {number} appears twice", field="articles")
        seen.add(number)
        title = check_text(article.title, field="article_title", min_len=0,
                           max_len=MAX_ARTICLE_TITLE)
        text = check_text(article.text, field="article_text", min_len=1, max_len=MAX_ARTICLE_TEXT)
        checked.append(Article(number, title, text))
    return tuple(sorted(checked, key=lambda a: a.number))


def check_sources(sources: Iterable[Source]) -> tuple[Source, ...]:
    sources = tuple(sources)
    if len(sources) > MAX_SOURCES:
        raise Invalid(f"a proposal has at most {MAX_SOURCES} sources", field="sources")
    checked, urls = [], set()
    for source in sources:
        url = check_url(source.url, field="sources")
        if url in urls:
            raise Invalid("the same source is listed twice", field="sources")
        urls.add(url)
        title = check_text(source.title, field="source_title", min_len=0,
                           max_len=MAX_SOURCE_TITLE)
        checked.append(Source(url, title))
    return tuple(checked)


def check_proposal_draft(draft: ProposalDraft) -> ProposalDraft:
    title = check_text(draft.title, field="title", min_len=MIN_TITLE, max_len=MAX_TITLE)
    body = check_text(draft.body, field="body", min_len=1, max_len=MAX_PROPOSAL_BODY)
    articles = check_articles(draft.articles)
    sources = check_sources(draft.sources)
    if len(body) + sum(len(a.text) for a in articles) > MAX_PROPOSAL_TOTAL:
        raise Invalid(
            f"a proposal's body and articles hold at most {MAX_PROPOSAL_TOTAL} characters",
            field="articles",
        )
    return ProposalDraft(title, body, articles, sources)


def check_argument_body(body: str) -> str:
    return check_text(body, field="body", min_len=1, max_len=MAX_ARGUMENT)


def check_answer_text(text: str) -> str:
    return check_text(text, field="text", min_len=MIN_ANSWER, max_len=MAX_ANSWER)


def check_reason(reason: str) -> str:
    return check_text(reason, field="reason", min_len=MIN_REASON, max_len=MAX_REASON)


def amendment_target_text(version: ProposalVersion, article_number: int | None) -> str:
    """The text an amendment replaces: the body, or one article's text."""
    if article_number is None:
        return version.body
    article = version.article(article_number)
    if article is None:
        raise Invalid(f"the proposal has no article {article_number}", field="article_number")
    return article.text


def check_amendment_draft(draft: AmendmentDraft, version: ProposalVersion) -> AmendmentDraft:
    original = amendment_target_text(version, draft.article_number)
    limit = MAX_PROPOSAL_BODY if draft.article_number is None else MAX_ARTICLE_TEXT
    text = check_text(draft.text, field="text", min_len=1, max_len=limit)
    if text == original:
        raise Invalid("the amendment does not change the text", field="text", code="unchanged")
    rationale = check_text(draft.rationale, field="rationale", min_len=MIN_RATIONALE,
                           max_len=MAX_RATIONALE)
    return AmendmentDraft(text, rationale, draft.article_number)


def apply_amendment(
    version: ProposalVersion, amendment: Amendment
) -> tuple[str, tuple[Article, ...]]:
    """The body and articles of the version that integrates `amendment` into `version`.

    Refuses when the target changed since the amendment was written: integrating would
    silently undo that change, so its author must rewrite it against the current text.
    """
    try:
        current = amendment_target_text(version, amendment.article_number)
    except Invalid:
        raise Conflict(f"article {amendment.article_number} no longer exists",
                       code="article_gone") from None
    if current != amendment.original_text:
        raise Conflict("the text changed since this amendment was written", code="text_changed")
    if amendment.article_number is None:
        return amendment.text, version.articles
    articles = tuple(
        Article(a.number, a.title, amendment.text) if a.number == amendment.article_number else a
        for a in version.articles
    )
    return version.body, articles
