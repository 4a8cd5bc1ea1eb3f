"""Domain types: frozen dataclasses and enums. No I/O, no SQL, no wire formats."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, Iterable, TypeVar

T = TypeVar("T")


# --- Members ---------------------------------------------------------------------------------


class Role(StrEnum):
    CITIZEN = "citizen"
    REPRESENTATIVE = "representative"
    ASSOCIATION = "association"
    COMPANY = "company"
    MODERATOR = "moderator"
    TRUSTED_THIRD_PARTY = "trusted_third_party"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    username: str
    display_name: str
    role: Role
    mandate: str  # representatives: e.g. "adjointe à la mobilité"; empty otherwise
    is_verified_resident: bool
    verified_by_id: int | None  # None with verified_at set: verified by the node operator (CLI)
    verified_at: datetime | None
    has_password: bool
    created_at: datetime
    ap_id: str | None = None


# --- Debates -------------------------------------------------------------------------------


class DebateStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    CONCLUDED = "concluded"


class ParticipantKind(StrEnum):
    LOCAL = "local"
    REMOTE = "remote"


class ParticipantClass(StrEnum):
    """How a participant is counted in tallies and toward a support threshold."""

    VERIFIED_RESIDENT = "verified_resident"
    LOCAL_MEMBER = "local_member"  # a local member who is not a verified resident
    REMOTE = "remote"  # a fediverse participant


DEFAULT_THRESHOLD_CLASSES = frozenset(
    {ParticipantClass.VERIFIED_RESIDENT, ParticipantClass.LOCAL_MEMBER}
)


class DebateRole(StrEnum):
    """A member's charge in one debate, on top of their territory-wide role."""

    MODERATOR = "moderator"
    REPRESENTATIVE = "representative"


@dataclass(frozen=True, slots=True)
class DebateSettings:
    support_threshold: int | None = None  # None: no threshold, no answer deadline
    answer_delay_days: int = 60
    has_public_votes: bool = False  # False: totals only, individual votes stay private
    threshold_classes: frozenset[ParticipantClass] = DEFAULT_THRESHOLD_CLASSES


@dataclass(frozen=True, slots=True)
class Debate:
    id: int
    slug: str
    title: str
    description: str  # markdown source
    status: DebateStatus
    opens_at: datetime | None
    closes_at: datetime | None
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    ap_id: str | None = None


@dataclass(frozen=True, slots=True)
class NewDebate:
    slug: str
    title: str
    description: str
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    settings: DebateSettings = field(default_factory=DebateSettings)


@dataclass(frozen=True, slots=True)
class DebateRoleAssignment:
    debate_id: int
    member_id: int
    username: str
    display_name: str
    mandate: str
    role: DebateRole
    assigned_by_id: int | None
    assigned_at: datetime


# --- Participants ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Participant:
    """Whoever takes part in debates: a local member or a fediverse actor.

    Votes, arguments, amendments, proposals and "useful" marks point to a participant, never
    straight to a member, so remote participants need no schema change.
    """

    id: int
    kind: ParticipantKind
    member_id: int | None  # local participants only
    ap_id: str | None  # remote participants only
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ParticipantRef:
    """A participant as shown beside their contribution."""

    id: int
    kind: ParticipantKind
    member_id: int | None
    username: str | None
    display_name: str
    is_verified_resident: bool
    ap_id: str | None = None

    @property
    def participant_class(self) -> ParticipantClass:
        if self.kind is ParticipantKind.REMOTE:
            return ParticipantClass.REMOTE
        if self.is_verified_resident:
            return ParticipantClass.VERIFIED_RESIDENT
        return ParticipantClass.LOCAL_MEMBER


# --- Proposals -------------------------------------------------------------------------------


class ProposalStatus(StrEnum):
    SUBMITTED = "submitted"
    IN_DISCUSSION = "in_discussion"
    ANSWERED = "answered"


class AnswerKind(StrEnum):
    ADOPTED = "adopted"
    ADOPTED_WITH_CHANGES = "adopted_with_changes"
    REJECTED = "rejected"
    NEEDS_STUDY = "needs_study"


class ProposalOrder(StrEnum):
    NEWEST = "newest"
    MOST_SUPPORTED = "most_supported"  # support as the debate counts it, then newest


@dataclass(frozen=True, slots=True)
class Article:
    number: int
    title: str  # may be empty
    text: str


@dataclass(frozen=True, slots=True)
class Source:
    url: str  # http or https only
    title: str


@dataclass(frozen=True, slots=True)
class ProposalDraft:
    """What an author writes; every edit submits a whole new draft (a new version)."""

    title: str
    body: str
    articles: tuple[Article, ...] = ()
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    debate_id: int
    author: ParticipantRef  # the lead author; co-authors come from list_authors
    status: ProposalStatus
    version: int  # the current version's number
    title: str  # of the current version
    body: str  # of the current version, markdown source
    created_at: datetime
    updated_at: datetime
    threshold_reached_at: datetime | None
    answer_due_at: datetime | None
    answered_at: datetime | None  # the first answer's time
    answer_kind: AnswerKind | None  # the latest answer revision's kind
    hidden_at: datetime | None
    ap_id: str | None = None


@dataclass(frozen=True, slots=True)
class VoteTarget:
    """What casting a vote reads of a proposal: its state, not its text (a vote is a few
    indexed statements; a proposal's body may be long). The full Proposal is read only when
    the vote may reach its support threshold."""

    id: int
    debate_id: int
    status: ProposalStatus
    threshold_reached_at: datetime | None
    hidden_at: datetime | None


@dataclass(frozen=True, slots=True)
class ProposalVersion:
    proposal_id: int
    number: int
    title: str
    body: str
    articles: tuple[Article, ...]
    sources: tuple[Source, ...]
    created_by_id: int | None  # a participant id
    amendment_id: int | None  # set when the version integrates an amendment
    created_at: datetime

    def article(self, number: int) -> Article | None:
        return next((a for a in self.articles if a.number == number), None)


@dataclass(frozen=True, slots=True)
class Answer:
    """One revision of the representatives' answer; revision 1 is the answer, later ones fix it."""

    id: int
    proposal_id: int
    revision: int
    kind: AnswerKind
    text: str  # markdown source
    member_id: int
    username: str
    display_name: str
    mandate: str  # the signer's mandate when they signed
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class VersionSummary:
    number: int
    title: str
    amendment_id: int | None
    created_at: datetime


# --- Votes and tallies -----------------------------------------------------------------------


class VoteChoice(StrEnum):
    FOR = "for"  # d'accord
    MIXED = "mixed"  # mitigé
    AGAINST = "against"  # pas d'accord


@dataclass(frozen=True, slots=True)
class Vote:
    id: int
    proposal_id: int
    participant: ParticipantRef
    choice: VoteChoice
    cast_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ChoiceCounts:
    for_votes: int = 0
    mixed_votes: int = 0
    against_votes: int = 0

    @property
    def total(self) -> int:
        return self.for_votes + self.mixed_votes + self.against_votes

    def of(self, choice: VoteChoice) -> int:
        return {
            VoteChoice.FOR: self.for_votes,
            VoteChoice.MIXED: self.mixed_votes,
            VoteChoice.AGAINST: self.against_votes,
        }[choice]

    def __add__(self, other: ChoiceCounts) -> ChoiceCounts:
        return ChoiceCounts(
            self.for_votes + other.for_votes,
            self.mixed_votes + other.mixed_votes,
            self.against_votes + other.against_votes,
        )


@dataclass(frozen=True, slots=True)
class Tally:
    """Votes counted by participant class; always computed from the votes, never stored."""

    verified_residents: ChoiceCounts = ChoiceCounts()
    local_members: ChoiceCounts = ChoiceCounts()
    remote: ChoiceCounts = ChoiceCounts()

    @property
    def all(self) -> ChoiceCounts:
        return self.verified_residents + self.local_members + self.remote

    def of_class(self, participant_class: ParticipantClass) -> ChoiceCounts:
        return {
            ParticipantClass.VERIFIED_RESIDENT: self.verified_residents,
            ParticipantClass.LOCAL_MEMBER: self.local_members,
            ParticipantClass.REMOTE: self.remote,
        }[participant_class]

    @classmethod
    def from_counts(cls, counts: Iterable[tuple[str, str, int]]) -> Tally:
        """A Tally from (participant class, choice, count) rows, as an SQL GROUP BY gives them."""
        cells: dict[tuple[ParticipantClass, VoteChoice], int] = {}
        for participant_class, choice, count in counts:
            key = (ParticipantClass(participant_class), VoteChoice(choice))
            cells[key] = cells.get(key, 0) + count

        def counts_of(pc: ParticipantClass) -> ChoiceCounts:
            return ChoiceCounts(*(cells.get((pc, choice), 0) for choice in VoteChoice))

        return cls(
            counts_of(ParticipantClass.VERIFIED_RESIDENT),
            counts_of(ParticipantClass.LOCAL_MEMBER),
            counts_of(ParticipantClass.REMOTE),
        )


@dataclass(frozen=True, slots=True)
class ProposalSummary:
    """A proposal as listed in its debate."""

    proposal: Proposal
    tally: Tally
    support: int  # `for` votes from the classes the debate counts
    argument_count: int
    amendment_count: int


# --- Arguments -------------------------------------------------------------------------------


class Stance(StrEnum):
    FOR = "for"
    AGAINST = "against"
    NEUTRAL = "neutral"


class ArgumentOrder(StrEnum):
    MOST_USEFUL = "most_useful"  # most "useful" marks first, then oldest first
    NEWEST = "newest"


@dataclass(frozen=True, slots=True)
class Argument:
    id: int
    proposal_id: int
    author: ParticipantRef
    stance: Stance
    body: str  # markdown source
    useful_count: int  # computed from the marks
    created_at: datetime
    edited_at: datetime | None
    withdrawn_at: datetime | None  # withdrawn by its author: kept, but no longer listed
    hidden_at: datetime | None  # hidden by a moderator: kept, but no longer listed
    ap_id: str | None = None


@dataclass(frozen=True, slots=True)
class SideBySide:
    """Arguments for and against shown side by side, neutral comments apart."""

    for_arguments: tuple[Argument, ...]
    against_arguments: tuple[Argument, ...]
    neutral_arguments: tuple[Argument, ...]


@dataclass(frozen=True, slots=True)
class ArgumentColumns:
    """One keyset page per stance (each column pages on its own cursor)."""

    for_arguments: Page[Argument]
    against_arguments: Page[Argument]
    neutral_arguments: Page[Argument]


# --- Amendments ------------------------------------------------------------------------------


class AmendmentStatus(StrEnum):
    PROPOSED = "proposed"
    INTEGRATED = "integrated"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class AmendmentDraft:
    text: str  # the whole replacement text of the target
    rationale: str
    article_number: int | None = None  # None: the amendment targets the proposal's body


@dataclass(frozen=True, slots=True)
class Amendment:
    id: int
    proposal_id: int
    author: ParticipantRef
    article_number: int | None
    base_version: int  # the proposal version it was written against
    original_text: str  # the target's text in that version (the diff's left side)
    text: str
    rationale: str
    status: AmendmentStatus
    decided_by_id: int | None
    decided_at: datetime | None
    decision_note: str
    integrated_version: int | None
    created_at: datetime
    hidden_at: datetime | None
    ap_id: str | None = None


@dataclass(frozen=True, slots=True)
class AmendmentSummary:
    amendment: Amendment
    tally: Tally


# --- Moderation ------------------------------------------------------------------------------


class ContentKind(StrEnum):
    PROPOSAL = "proposal"
    ARGUMENT = "argument"
    AMENDMENT = "amendment"


# --- Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProposalDetail:
    """Everything the proposal page shows, but the paginated lists (arguments, amendments,
    history), which have their own pages."""

    debate: Debate
    settings: DebateSettings
    proposal: Proposal
    version: ProposalVersion  # the current one
    authors: tuple[ParticipantRef, ...]  # the lead author first
    versions: tuple[VersionSummary, ...]
    tally: Tally
    support: int
    answer: Answer | None  # the latest revision
    answer_revisions: tuple[Answer, ...]  # every revision, oldest first
    is_overdue: bool


@dataclass(frozen=True, slots=True)
class Operator:
    """Whoever runs the node's command line: acts with every right, recorded as such."""

    label: str = "operator"


@dataclass(frozen=True, slots=True)
class RemoteParticipant:
    """A fediverse actor taking part, already proven to be who it says (the inbox
    checked the signature): it votes and argues, nothing else. Resolved to a `Participant` of
    kind remote by its ap_id."""

    ap_id: str


# Who is acting in a use case: a local member, the node operator, or a remote participant.
Actor = Member | Operator | RemoteParticipant


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a keyset-paginated list; `next_cursor` is None on the last page."""

    items: tuple[T, ...]
    next_cursor: str | None
