"""The network view's model: the THC territories this node knows, their debates and
proposals, what federation hands in about them, what the view reads, and the store's port.

Pure standard library. The bounds below cap what one peer can make this node keep; the
validation (node/network_validation.py) and the use cases (node/services/network.py) apply them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from .model import AnswerKind, DebateStatus, Page, ProposalStatus, Tally


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
    # newer `updated_at` (Update(Question) never bumps it), so it has its own clock.
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
