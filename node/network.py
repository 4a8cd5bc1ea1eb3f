"""The network view (issue 5): the THC territories this node knows, their debates and
proposals, and the use cases that ingest them and search them.

Pure standard library. Federation calls the ingestion use cases with data it has already
verified (signature, ownership) and parsed (no JSON here); they still treat every field as
untrusted: each is validated and bounded here before anything is written, and a refusal raises
a node.errors exception before any write. Ingestion appends no domain event on purpose: the
event log is this territory's own history (the source of fan-out, the transparency log and open
data), and re-announcing what a peer told us would echo its content back into the network.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Protocol

from .errors import Conflict, Forbidden, Invalid, NotFound
from .model import AnswerKind, ChoiceCounts, DebateStatus, Page, ProposalStatus, Tally
from .origins import authority_of, origin_of
from .ports import Clock

# --- Bounds ----------------------------------------------------------------------------------
# Caps per peer: a hostile or broken node must not be able to fill our disk or our pages.
# A territory has a few dozen debates and at most a few thousand proposals in practice.
MAX_TERRITORIES = 1_000
MAX_DEBATES_PER_TERRITORY = 1_000
MAX_PROPOSALS_PER_TERRITORY = 10_000
# Text bounds: the same as for local content where there is one (0002_deliberation.sql).
MAX_URL = 2_000
MAX_NAME = 200
MAX_TITLE = 200
MAX_SLUG = 100
MAX_SUMMARY = 2_000
MAX_BODY = 20_000
MAX_THEMES = 20
MAX_THEME = 50
MAX_COUNT = 1_000_000_000
# Peers' clocks drift; a date further in the future than this is refused, because an
# `updated_at` in year 9999 would make every later, genuine update look stale forever.
MAX_CLOCK_SKEW = timedelta(hours=1)
_EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
# Search: a handful of terms is plenty for people, and bounds the FTS query's cost.
MAX_SEARCH_TERMS = 8
MAX_SEARCH_TERM = 50
MAX_QUERY = 200


# --- Domain types ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RemoteTerritory:
    """A THC node this node knows, by its Application actor."""

    id: int
    ap_id: str
    base_url: str
    host: str
    name: str
    summary: str
    users: int | None  # NodeInfo usage.users.total, when known
    proposals: int | None  # NodeInfo usage.localPosts, when known
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class RemoteDebate:
    id: int
    ap_id: str
    territory_id: int
    slug: str
    title: str
    status: DebateStatus
    url: str
    first_seen_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RemoteProposal:
    id: int
    ap_id: str
    territory_id: int
    debate_id: int | None  # None only for a tombstone received before its proposal
    title: str
    summary: str
    body: str  # markdown source, as the origin sent it; rendered locally like ours
    status: ProposalStatus
    answer_kind: AnswerKind | None
    answered_at: datetime | None
    tally: Tally  # as the origin counted it
    themes: tuple[str, ...]
    url: str
    published_at: datetime
    updated_at: datetime
    tallied_at: datetime
    deleted_at: datetime | None
    received_at: datetime
    answer_text: str = ""  # the answer's markdown source, as the origin sent it


# What federation hands in (parsed from the wire, not yet trusted).


@dataclass(frozen=True, slots=True)
class TerritoryInfo:
    ap_id: str  # the node's Application actor
    base_url: str  # same origin as ap_id
    name: str
    summary: str = ""
    users: int | None = None
    proposals: int | None = None


@dataclass(frozen=True, slots=True)
class RemoteDebateInfo:
    ap_id: str  # the debate's Group actor
    slug: str  # its preferredUsername
    title: str
    status: DebateStatus | str = DebateStatus.OPEN
    url: str | None = None  # its page; defaults to ap_id


@dataclass(frozen=True, slots=True)
class RemoteProposalInfo:
    ap_id: str
    debate_ap_id: str  # a debate upserted before (upsert_remote_debate)
    title: str
    published_at: datetime
    updated_at: datetime
    summary: str = ""
    body: str = ""  # markdown source (AP `source`), never the peer's HTML
    status: ProposalStatus | str = ProposalStatus.SUBMITTED
    answer_kind: AnswerKind | str | None = None
    answered_at: datetime | None = None
    tally: Tally = field(default_factory=Tally)
    themes: tuple[str, ...] = ()  # hashtags, with or without '#'
    url: str | None = None  # its page; defaults to ap_id
    # When the tally was counted. None: now (when received). A tally may change without a
    # newer `updated_at` (Update(Question) never bumps it, see issue 5), so it has its own clock.
    tallied_at: datetime | None = None
    answer_text: str = ""  # the answer's markdown source; only with an answer


class Ingested(StrEnum):
    """What an ingestion did."""

    CREATED = "created"
    UPDATED = "updated"
    TALLIED = "tallied"  # only the tally was newer
    STALE = "stale"  # nothing newer than what is stored: nothing written
    DELETED = "deleted"  # a tombstone: recorded now, or already there (the input is ignored)


@dataclass(frozen=True, slots=True)
class IngestResult:
    outcome: Ingested
    proposal: RemoteProposal


# What the network view reads.


class NetworkOrder(StrEnum):
    NEWEST = "newest"  # by publication date
    PARTICIPATION = "participation"  # by total votes, all classes


LOCAL = "local"  # the territory filter's value for this node


@dataclass(frozen=True, slots=True)
class NetworkQuery:
    terms: tuple[str, ...] = ()  # normalised search terms (search_terms), matched as prefixes
    local_only: bool = False
    territory_id: int | None = None  # a remote territory
    status: ProposalStatus | None = None
    since: date | None = None  # published on or after
    until: date | None = None  # published on or before
    theme: str | None = None  # a normalised hashtag
    order: NetworkOrder = NetworkOrder.NEWEST


@dataclass(frozen=True, slots=True)
class NetworkItem:
    """A proposal in the network view, local or remote."""

    key: int  # unique across both kinds: 2 × id (local), 2 × id + 1 (remote)
    is_local: bool
    proposal_id: int
    territory_id: int | None  # None: this node
    territory_name: str  # '' for this node (the web layer knows its name)
    territory_host: str
    debate_slug: str
    debate_title: str
    debate_url: str | None  # remote only
    title: str
    summary: str  # the remote summary, or the start of the local body (markdown source)
    status: ProposalStatus
    answer_kind: AnswerKind | None
    answered_at: datetime | None
    tally: Tally
    themes: tuple[str, ...]
    url: str | None  # remote only: the origin page
    published_at: datetime
    updated_at: datetime
    ap_id: str | None = None  # remote only
    answer_text: str = ""  # the latest answer's markdown source ('' without an answer)

    @property
    def total_votes(self) -> int:
        return self.tally.all.total


@dataclass(frozen=True, slots=True)
class TerritorySummary:
    """A territory as the network view lists it; id None is this node."""

    id: int | None
    name: str
    host: str
    base_url: str
    users: int | None
    proposals: int | None
    known_debates: int
    known_proposals: int
    last_seen_at: datetime | None


@dataclass(frozen=True, slots=True)
class NetworkDebate:
    id: int
    is_local: bool
    territory_id: int | None
    slug: str
    title: str
    status: DebateStatus
    url: str | None  # remote only
    proposal_count: int


# --- Ports -----------------------------------------------------------------------------------


class NetworkStore(Protocol):
    async def find_territory(self, ap_id: str) -> RemoteTerritory | None: ...
    async def get_territory(self, territory_id: int) -> RemoteTerritory: ...
    async def count_territories(self) -> int: ...
    async def add_territory(self, info: TerritoryInfo, host: str,
                            at: datetime) -> RemoteTerritory: ...
    async def update_territory(self, territory_id: int, info: TerritoryInfo, host: str,
                               at: datetime) -> RemoteTerritory: ...
    async def find_debate(self, ap_id: str) -> RemoteDebate | None: ...
    async def count_debates(self, territory_id: int) -> int: ...
    async def add_debate(self, territory_id: int, info: RemoteDebateInfo,
                         at: datetime) -> RemoteDebate: ...
    async def update_debate(self, debate_id: int, info: RemoteDebateInfo,
                            at: datetime) -> RemoteDebate: ...
    async def find_proposal(self, ap_id: str) -> RemoteProposal | None: ...
    async def count_proposals(self, territory_id: int) -> int: ...
    async def add_proposal(self, territory_id: int, debate_id: int, info: RemoteProposalInfo,
                           tallied_at: datetime, at: datetime) -> RemoteProposal: ...
    async def update_proposal(self, proposal_id: int, debate_id: int, info: RemoteProposalInfo,
                              tallied_at: datetime, at: datetime) -> RemoteProposal: ...
    async def update_tally(self, proposal_id: int, tally: Tally,
                           tallied_at: datetime) -> RemoteProposal: ...
    async def add_tombstone(self, territory_id: int, ap_id: str, deleted_at: datetime,
                            at: datetime) -> RemoteProposal: ...
    async def tombstone(self, proposal_id: int, deleted_at: datetime) -> RemoteProposal: ...
    async def search(self, query: NetworkQuery, *, after: str | None,
                     limit: int) -> Page[NetworkItem]: ...
    async def list_territories(self) -> tuple[TerritorySummary, ...]: ...
    async def local_figures(self) -> tuple[int, int, int]: ...
    async def list_debates(self, *, local: bool, territory_id: int | None,
                           limit: int) -> tuple[NetworkDebate, ...]: ...
    async def list_themes(self, limit: int) -> tuple[tuple[str, int], ...]: ...


class NetworkReader(Protocol):
    network: NetworkStore


class NetworkTx(NetworkReader, Protocol):
    """A write transaction that holds the network store (storage's Transaction does)."""


# --- Validation (pure) -----------------------------------------------------------------------

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


def host_of(url: str) -> str:
    """The host as the network view shows it, with its port when it is not the default."""
    origin = origin_of(url)
    return authority_of(origin) if origin is not None else ":0"


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


# --- Search terms (pure) ---------------------------------------------------------------------

# Words that match nearly every proposal: dropped from queries (all terms must match).
_STOP_WORDS = frozenset(
    "a au aux avec ce ces d dans de des du en et il la le les l ou par pour qu que qui sa se "
    "ses sur un une the of and or to in on for with".split()
)
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents, as the FTS index folds them (unicode61 remove_diacritics)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    """A light French stem, for prefix matching: plural and feminine endings dropped.

    SQLite has no French stemmer, so the query side folds the common inflections and the
    index matches the rest as a prefix: écoles → ecole* finds école; chevaux → cheva*
    finds cheval; vertes → vert* finds vert. It over-matches a little (ecol* would also
    find écologie), which suits browsing better than missing a proposal.
    """
    if len(word) > 5 and word.endswith("aux"):
        return word[:-2]
    if len(word) > 3 and word[-1] in "sx":
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def search_terms(query: str) -> tuple[str, ...]:
    """What a search box's text becomes: folded, stemmed words, no operators, no stop words.

    Only letters and digits survive, so nothing a person types can be read as FTS syntax.
    """
    terms: list[str] = []
    for word in _WORD.findall(fold(query[:MAX_QUERY])):
        if len(word) < 2 or word in _STOP_WORDS or len(word) > MAX_SEARCH_TERM:
            continue
        term = stem(word)
        if term not in terms:
            terms.append(term)
        if len(terms) == MAX_SEARCH_TERMS:
            break
    return tuple(terms)


def parse_network_query(
    *, q: str = "", territory: str = "", status: str = "", since: str = "", until: str = "",
    theme: str = "", order: str = "",
) -> tuple[NetworkQuery, frozenset[str]]:
    """A network query from a form's raw values; invalid filters are left out and named, so a
    page can show what it ignored instead of failing."""
    invalid: set[str] = set()
    local_only, territory_id = False, None
    if territory == LOCAL:
        local_only = True
    elif territory:
        if territory.isdigit() and len(territory) <= 18:
            territory_id = int(territory)
        else:
            invalid.add("territory")
    status_value = None
    if status:
        try:
            status_value = ProposalStatus(status)
        except ValueError:
            invalid.add("status")

    def day(value: str, name: str) -> date | None:
        if not value:
            return None
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
        except ValueError:
            pass
        invalid.add(name)
        return None

    since_value, until_value = day(since, "since"), day(until, "until")
    if since_value and until_value and since_value > until_value:
        invalid.add("until")
        until_value = None
    theme_value = None
    if theme:
        theme_value = normalize_theme(theme)
        if theme_value is None:
            invalid.add("theme")
    try:
        order_value = NetworkOrder(order) if order else NetworkOrder.NEWEST
    except ValueError:
        order_value = NetworkOrder.NEWEST
        invalid.add("order")
    query = NetworkQuery(
        terms=search_terms(q) if isinstance(q, str) else (), local_only=local_only,
        territory_id=territory_id, status=status_value, since=since_value, until=until_value,
        theme=theme_value, order=order_value,
    )
    return query, frozenset(invalid)


# --- Ingestion use cases ---------------------------------------------------------------------


async def upsert_territory(tx: NetworkTx, clock: Clock, info: TerritoryInfo) -> RemoteTerritory:
    """Record a THC node (its Application actor and NodeInfo figures), or refresh it."""
    clean, host = validate_territory(info)
    now = clock.now()
    known = await tx.network.find_territory(clean.ap_id)
    if known is not None:
        return await tx.network.update_territory(known.id, clean, host, now)
    if await tx.network.count_territories() >= MAX_TERRITORIES:
        raise Conflict(f"this node already keeps {MAX_TERRITORIES} territories")
    return await tx.network.add_territory(clean, host, now)


async def _territory(tx: NetworkTx, territory_ap_id: str) -> RemoteTerritory:
    territory = await tx.network.find_territory(territory_ap_id)
    if territory is None:
        raise NotFound("unknown territory: record it first (upsert_territory)")
    return territory


async def upsert_remote_debate(
    tx: NetworkTx, clock: Clock, territory_ap_id: str, info: RemoteDebateInfo
) -> RemoteDebate:
    """Record a remote debate (its Group actor) of a known territory, or refresh it."""
    territory = await _territory(tx, territory_ap_id)
    clean = validate_debate(info, territory)
    now = clock.now()
    known = await tx.network.find_debate(clean.ap_id)
    if known is not None:
        if known.territory_id != territory.id:
            raise Forbidden("this debate belongs to another territory")
        return await tx.network.update_debate(known.id, clean, now)
    if await tx.network.count_debates(territory.id) >= MAX_DEBATES_PER_TERRITORY:
        raise Conflict(f"this territory already has {MAX_DEBATES_PER_TERRITORY} debates here")
    return await tx.network.add_debate(territory.id, clean, now)


async def upsert_remote_proposal(
    tx: NetworkTx, clock: Clock, territory_ap_id: str, info: RemoteProposalInfo,
    *, created: bool = False,
) -> IngestResult:
    """Insert a remote proposal, or update it only if its `updated_at` is newer (or only its
    tally if `tallied_at` is newer). A tombstoned proposal stays deleted (a late or replayed
    update is not a return), unless its territory creates it again (`created`: a Create,
    as when moderation shows it again) with an `updated_at` newer than the deletion."""
    territory = await _territory(tx, territory_ap_id)
    now = clock.now()
    clean = validate_proposal(info, territory, now)
    # At this point every field is bounded and on the territory's own origin.
    debate = await tx.network.find_debate(clean.debate_ap_id)
    if debate is None:
        raise NotFound("unknown debate: record it first (upsert_remote_debate)")
    if debate.territory_id != territory.id:
        raise Forbidden("this debate belongs to another territory")
    tallied_at = clean.tallied_at or now
    known = await tx.network.find_proposal(clean.ap_id)
    if known is None:
        if await tx.network.count_proposals(territory.id) >= MAX_PROPOSALS_PER_TERRITORY:
            raise Conflict(
                f"this territory already has {MAX_PROPOSALS_PER_TERRITORY} proposals here")
        proposal = await tx.network.add_proposal(territory.id, debate.id, clean, tallied_at, now)
        return IngestResult(Ingested.CREATED, proposal)
    if known.territory_id != territory.id:
        raise Forbidden("this proposal belongs to another territory")
    if known.deleted_at is not None:
        if not (created and clean.updated_at > known.deleted_at):
            return IngestResult(Ingested.DELETED, known)
        # Created again after its deletion (both times are the territory's own clock).
        return IngestResult(Ingested.UPDATED, await tx.network.update_proposal(
            known.id, debate.id, clean, tallied_at, now))
    if clean.updated_at > known.updated_at:
        proposal = await tx.network.update_proposal(
            known.id, debate.id, clean, max(tallied_at, known.tallied_at), now)
        return IngestResult(Ingested.UPDATED, proposal)
    if tallied_at > known.tallied_at and clean.tally != known.tally:
        return IngestResult(Ingested.TALLIED,
                            await tx.network.update_tally(known.id, clean.tally, tallied_at))
    return IngestResult(Ingested.STALE, known)


async def tombstone_remote_proposal(
    tx: NetworkTx, clock: Clock, territory_ap_id: str, ap_id: str,
    deleted_at: datetime | None = None,
) -> IngestResult:
    """Delete a remote proposal's content, keeping its id as a tombstone; a Delete that
    arrives before its Create is recorded too, so the late Create is ignored."""
    territory = await _territory(tx, territory_ap_id)
    now = clock.now()
    ap_id = check_url(ap_id, "ap_id")
    check_same_origin(ap_id, territory.ap_id, "the proposal's id")
    when = now if deleted_at is None else check_moment(deleted_at, "deleted_at", now)
    known = await tx.network.find_proposal(ap_id)
    if known is None:
        if await tx.network.count_proposals(territory.id) >= MAX_PROPOSALS_PER_TERRITORY:
            raise Conflict(
                f"this territory already has {MAX_PROPOSALS_PER_TERRITORY} proposals here")
        return IngestResult(Ingested.DELETED,
                            await tx.network.add_tombstone(territory.id, ap_id, when, now))
    if known.territory_id != territory.id:
        raise Forbidden("this proposal belongs to another territory")
    if known.deleted_at is not None:
        return IngestResult(Ingested.DELETED, known)
    if deleted_at is not None and known.updated_at > when:
        # Deleted before its last change, by the territory's own clock: this Delete came late
        # (the Create that showed it again overtook it).
        return IngestResult(Ingested.STALE, known)
    return IngestResult(Ingested.DELETED, await tx.network.tombstone(known.id, when))


# --- Read use cases --------------------------------------------------------------------------


async def search_network(
    reader: NetworkReader, query: NetworkQuery, *, after: str | None = None, limit: int = 20
) -> Page[NetworkItem]:
    """Local and remote proposals matching the query, newest or most voted first."""
    if not 1 <= limit <= 100:
        raise Invalid("limit must be between 1 and 100", field="limit")
    found = await reader.network.search(query, after=after, limit=limit)
    # Local proposals have no theme field: their themes are the hashtags written in them.
    items = tuple(
        replace(item, themes=hashtags_in(f"{item.title}\n{item.summary}")) if item.is_local
        else item
        for item in found.items
    )
    return Page(items, found.next_cursor)


async def list_territories(
    reader: NetworkReader, *, local_name: str, local_base_url: str
) -> tuple[TerritorySummary, ...]:
    """This node first, then the territories it knows, by name."""
    members, debates, proposals = await reader.network.local_figures()
    local = TerritorySummary(
        id=None, name=local_name, host=host_of(local_base_url), base_url=local_base_url,
        users=members, proposals=proposals, known_debates=debates, known_proposals=proposals,
        last_seen_at=None,
    )
    return (local, *await reader.network.list_territories())


async def list_network_debates(
    reader: NetworkReader, query: NetworkQuery, *, limit: int = 50
) -> tuple[NetworkDebate, ...]:
    """The debates of the territory a query is narrowed to (none when it is not)."""
    if not query.local_only and query.territory_id is None:
        return ()
    return await reader.network.list_debates(
        local=query.local_only, territory_id=query.territory_id, limit=limit)


async def list_themes(reader: NetworkReader, *, limit: int = 20) -> tuple[tuple[str, int], ...]:
    """The most used themes of remote proposals, with how many carry each."""
    return await reader.network.list_themes(limit)
