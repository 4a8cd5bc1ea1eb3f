"""What a peer sends about its territory, checked, cleaned and bounded before anything is stored.

Pure standard library. Every field of remote content is untrusted: text is normalised and
stripped of control and bidi-override characters, URLs must be on the territory's own origin,
counts and times are bounded. A refusal raises node.errors.Invalid or Forbidden.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from enum import StrEnum

from .errors import Forbidden, Invalid
from .model import AnswerKind, ChoiceCounts, DebateStatus, ProposalStatus, Tally
from .network import (
    MAX_BODY,
    MAX_CLOCK_SKEW,
    MAX_COUNT,
    MAX_NAME,
    MAX_SLUG,
    MAX_SUMMARY,
    MAX_THEME,
    MAX_THEMES,
    MAX_TITLE,
    MAX_URL,
    RemoteDebateInfo,
    RemoteProposalInfo,
    RemoteTerritory,
    TerritoryInfo,
)
from .origins import host_of, origin_of

_EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
# Characters never kept from remote text: controls but tab and newline, lone surrogates (they
# cannot be encoded), bidirectional overrides (they disguise text), byte-order marks.
_DROPPED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]"
)
_SPACES = re.compile(r"\s+")
_THEME = re.compile(r"^[^\W_][\w-]{0,%d}$" % (MAX_THEME - 1))
_HASHTAG = re.compile(r"(?<![\w#&])#([^\W_][\w-]{0,%d})(?![\w-])" % (MAX_THEME - 1))


def clean_text(value: object, what: str, *, max_length: int, single_line: bool = False,
               required: bool = False) -> str:
    """Remote text made safe to store: a string, NFC, without control or bidi-override
    characters, within `max_length` (refused beyond, never cut silently)."""
    if not isinstance(value, str):
        raise Invalid(f"{what} must be text", field=what)
    if len(value) > 4 * max_length:  # refuse before spending work on a huge input
        raise Invalid(f"{what} is longer than {max_length} characters", field=what)
    text = unicodedata.normalize("NFC", _DROPPED.sub("", value.replace("\r\n", "\n")))
    text = _SPACES.sub(" ", text).strip() if single_line else text.strip()
    if len(text) > max_length:
        raise Invalid(f"{what} is longer than {max_length} characters", field=what)
    if required and not text:
        raise Invalid(f"{what} is empty", field=what)
    return text


def check_url(value: object, what: str) -> str:
    """An absolute http(s) URL, bounded, without credentials, spaces or control characters."""
    if not isinstance(value, str) or not value:
        raise Invalid(f"{what} must be a URL", field=what)
    if len(value) > MAX_URL:
        raise Invalid(f"{what} is longer than {MAX_URL} characters", field=what)
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cs", "Cf") for c in value):
        raise Invalid(f"{what} contains spaces or control characters", field=what)
    if origin_of(value) is None:
        raise Invalid(f"{what} must be an absolute http or https URL", field=what)
    return value


def check_same_origin(url: str, reference: str, what: str) -> None:
    """A territory speaks only for its own origin: ids and links on another host are refused."""
    if origin_of(url) != origin_of(reference):
        raise Forbidden(f"{what} is not on the territory's own origin")


def check_count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise Invalid(f"{what} must be a whole number between 0 and {MAX_COUNT}", field=what)
    return value


def check_moment(value: object, what: str, now: datetime) -> datetime:
    """A timezone-aware time, in UTC, not before 2000 nor later than now plus the skew."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise Invalid(f"{what} must be a time with a time zone", field=what)
    moment = value.astimezone(timezone.utc)
    if moment < _EARLIEST or moment > now + MAX_CLOCK_SKEW:
        raise Invalid(f"{what} is out of range", field=what)
    return moment


def normalize_theme(value: object) -> str | None:
    """A hashtag as compared and stored: without '#', NFC, case-folded; None if not one."""
    if not isinstance(value, str) or len(value) > MAX_THEME + 1:
        return None
    theme = unicodedata.normalize("NFC", value.strip().removeprefix("#")).casefold()
    return theme if _THEME.match(theme) else None


def hashtags_in(text: str) -> tuple[str, ...]:
    """The hashtags written in a text (a local proposal's themes), in order, at most 20."""
    found: list[str] = []
    for match in _HASHTAG.finditer(text):
        theme = normalize_theme(match.group(1))
        if theme and theme not in found:
            found.append(theme)
            if len(found) == MAX_THEMES:
                break
    return tuple(found)


def _check_tally(value: object) -> Tally:
    if not isinstance(value, Tally):
        raise Invalid("the tally must be counts by participant class", field="tally")
    classes = (value.verified_residents, value.local_members, value.remote)
    if not all(isinstance(c, ChoiceCounts) for c in classes):
        raise Invalid("the tally must be counts by participant class", field="tally")
    return Tally(*(
        ChoiceCounts(check_count(c.for_votes, "tally"), check_count(c.mixed_votes, "tally"),
                     check_count(c.against_votes, "tally"))
        for c in classes
    ))


def _parse_enum(enum: type[StrEnum], value: object, what: str):
    try:
        return enum(value)
    except ValueError:
        raise Invalid(f"{what} is not one of {', '.join(e.value for e in enum)}",
                      field=what) from None


def validate_territory(info: TerritoryInfo) -> tuple[TerritoryInfo, str]:
    """The territory's fields checked and cleaned, with its host."""
    ap_id = check_url(info.ap_id, "ap_id")
    base_url = check_url(info.base_url, "base_url").rstrip("/")
    if origin_of(base_url) != origin_of(ap_id):
        raise Invalid("base_url must be the actor's own origin", field="base_url")
    users = None if info.users is None else check_count(info.users, "users")
    proposals = None if info.proposals is None else check_count(info.proposals, "proposals")
    clean = TerritoryInfo(
        ap_id=ap_id, base_url=base_url,
        name=clean_text(info.name, "name", max_length=MAX_NAME, single_line=True, required=True),
        summary=clean_text(info.summary, "summary", max_length=MAX_SUMMARY),
        users=users, proposals=proposals,
    )
    return clean, host_of(base_url)


def validate_debate(info: RemoteDebateInfo, territory: RemoteTerritory) -> RemoteDebateInfo:
    ap_id = check_url(info.ap_id, "ap_id")
    url = ap_id if info.url is None else check_url(info.url, "url")
    check_same_origin(ap_id, territory.ap_id, "the debate's id")
    check_same_origin(url, territory.ap_id, "the debate's page")
    return RemoteDebateInfo(
        ap_id=ap_id,
        slug=clean_text(info.slug, "slug", max_length=MAX_SLUG, single_line=True, required=True),
        title=clean_text(info.title, "title", max_length=MAX_TITLE, single_line=True,
                         required=True),
        status=_parse_enum(DebateStatus, info.status, "status"),
        url=url,
    )


def validate_proposal(info: RemoteProposalInfo, territory: RemoteTerritory,
                      now: datetime) -> RemoteProposalInfo:
    """Every field of a remote proposal checked, cleaned and bounded, or Invalid/Forbidden."""
    ap_id = check_url(info.ap_id, "ap_id")
    debate_ap_id = check_url(info.debate_ap_id, "debate_ap_id")
    url = ap_id if info.url is None else check_url(info.url, "url")
    for value, what in ((ap_id, "the proposal's id"), (debate_ap_id, "its debate's id"),
                        (url, "the proposal's page")):
        check_same_origin(value, territory.ap_id, what)
    published_at = check_moment(info.published_at, "published_at", now)
    updated_at = check_moment(info.updated_at, "updated_at", now)
    if updated_at < published_at:
        raise Invalid("updated_at is before published_at", field="updated_at")
    answer_kind = (None if info.answer_kind is None
                   else _parse_enum(AnswerKind, info.answer_kind, "answer_kind"))
    answered_at = (None if info.answered_at is None
                   else check_moment(info.answered_at, "answered_at", now))
    if (answer_kind is None) != (answered_at is None):
        raise Invalid("an answer needs both its kind and its time", field="answer_kind")
    answer_text = clean_text(info.answer_text, "answer_text", max_length=MAX_BODY)
    if answer_text and answer_kind is None:
        raise Invalid("an answer's text needs its kind", field="answer_text")
    if not isinstance(info.themes, (tuple, list)) or len(info.themes) > MAX_THEMES:
        raise Invalid(f"themes must be a list of at most {MAX_THEMES} hashtags", field="themes")
    themes: list[str] = []
    for raw in info.themes:
        theme = normalize_theme(raw)
        if theme is None:
            raise Invalid("a theme is not a valid hashtag", field="themes")
        if theme not in themes:
            themes.append(theme)
    tallied_at = (None if info.tallied_at is None
                  else check_moment(info.tallied_at, "tallied_at", now))
    return RemoteProposalInfo(
        ap_id=ap_id, debate_ap_id=debate_ap_id,
        title=clean_text(info.title, "title", max_length=MAX_TITLE, single_line=True,
                         required=True),
        published_at=published_at, updated_at=updated_at,
        summary=clean_text(info.summary, "summary", max_length=MAX_SUMMARY),
        body=clean_text(info.body, "body", max_length=MAX_BODY),
        status=_parse_enum(ProposalStatus, info.status, "status"),
        answer_kind=answer_kind, answered_at=answered_at,
        tally=_check_tally(info.tally), themes=tuple(themes), url=url, tallied_at=tallied_at,
        answer_text=answer_text,
    )
