"""Interfaces the use cases need; storage satisfies them structurally (no import of storage)."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from .events import Event
from .model import (
    Amendment,
    AmendmentDraft,
    AmendmentStatus,
    AmendmentSummary,
    Answer,
    AnswerKind,
    Argument,
    ArgumentOrder,
    ContentKind,
    Debate,
    DebateRole,
    DebateRoleAssignment,
    DebateSettings,
    DebateStatus,
    HistoryEntry,
    HistoryKind,
    Invitation,
    Member,
    ModerationAction,
    ModerationVerb,
    NewDebate,
    NewMember,
    Page,
    Participant,
    ParticipantClass,
    ParticipantRef,
    PasswordReset,
    Proposal,
    ProposalDraft,
    ProposalOrder,
    ProposalStatus,
    ProposalSummary,
    ProposalVersion,
    Role,
    Stance,
    Tally,
    VersionSummary,
    Vote,
    VoteChoice,
)


class Clock(Protocol):
    def now(self) -> datetime: ...


class MemberStore(Protocol):
    async def get(self, member_id: int) -> Member: ...
    async def find_by_username(self, username: str) -> Member | None: ...
    async def add(self, new: NewMember, at: datetime) -> Member: ...
    async def update_role(self, member_id: int, role: Role, mandate: str) -> Member: ...
    async def mark_verified(self, member_id: int, by_id: int | None, at: datetime) -> Member: ...
    async def list_page(self, *, after: str | None, limit: int) -> Page[Member]: ...
    async def count(self) -> int: ...


class DebateStore(Protocol):
    async def get(self, debate_id: int) -> Debate: ...
    async def find_by_slug(self, slug: str) -> Debate | None: ...
    async def add(self, new: NewDebate, by_id: int | None, at: datetime) -> Debate: ...
    async def update_status(self, debate_id: int, status: DebateStatus, at: datetime) -> Debate: ...
    async def list_due_to_close(self, now: datetime) -> list[Debate]: ...


class TokenStore(Protocol):
    async def add(self, member_id: int, token_hash: str, label: str, at: datetime) -> int: ...


class EventLog(Protocol):
    async def append(self, event: Event) -> int: ...


class InvitationStore(Protocol):
    async def add(
        self, code_hash: str, note: str, by_id: int | None, at: datetime, expires_at: datetime
    ) -> Invitation: ...
    async def find_by_code_hash(self, code_hash: str) -> Invitation | None: ...
    async def mark_used(self, invitation_id: int, member_id: int, at: datetime) -> None: ...


class PasswordStore(Protocol):
    async def set_hash(self, member_id: int, password_hash: str) -> None: ...
    async def add_reset(
        self, member_id: int, token_hash: str, at: datetime, expires_at: datetime
    ) -> PasswordReset: ...
    async def find_reset(self, token_hash: str) -> PasswordReset | None: ...
    async def use_resets(self, member_id: int, at: datetime) -> int: ...


class SessionStore(Protocol):
    async def delete_for_member(
        self, member_id: int, *, keep_id_hash: str | None = None
    ) -> int: ...


class ParticipantStore(Protocol):
    async def ensure_local(self, member_id: int, at: datetime) -> ParticipantRef: ...
    async def find_local(self, member_id: int) -> Participant | None: ...
    async def get_ref(self, participant_id: int) -> ParticipantRef: ...


class DebateSettingsStore(Protocol):
    async def get(self, debate_id: int) -> DebateSettings: ...
    async def put(
        self, debate_id: int, settings: DebateSettings, at: datetime
    ) -> DebateSettings: ...


class DebateRoleStore(Protocol):
    async def roles_of(self, debate_id: int, member_id: int) -> frozenset[DebateRole]: ...
    async def has_holders(self, debate_id: int, role: DebateRole) -> bool: ...
    async def list_for_debate(self, debate_id: int) -> tuple[DebateRoleAssignment, ...]: ...
    async def add(
        self, debate_id: int, member_id: int, role: DebateRole, by_id: int | None, at: datetime
    ) -> bool: ...
    async def remove(self, debate_id: int, member_id: int, role: DebateRole) -> bool: ...


class ProposalStore(Protocol):
    async def get(self, proposal_id: int) -> Proposal: ...
    async def add(
        self, debate_id: int, author_id: int, draft: ProposalDraft, at: datetime
    ) -> Proposal: ...
    async def add_version(
        self, proposal_id: int, draft: ProposalDraft, by_participant_id: int | None,
        amendment_id: int | None, at: datetime,
    ) -> Proposal: ...
    async def get_version(self, proposal_id: int, number: int) -> ProposalVersion: ...
    async def list_versions(self, proposal_id: int) -> tuple[VersionSummary, ...]: ...
    async def list_authors(self, proposal_id: int) -> tuple[ParticipantRef, ...]: ...
    async def add_author(self, proposal_id: int, participant_id: int, at: datetime) -> bool: ...
    async def remove_author(self, proposal_id: int, participant_id: int) -> bool: ...
    async def update_status(
        self, proposal_id: int, status: ProposalStatus, at: datetime
    ) -> Proposal: ...
    async def mark_threshold_reached(
        self, proposal_id: int, at: datetime, due_at: datetime
    ) -> Proposal: ...
    async def mark_answered(self, proposal_id: int, at: datetime) -> Proposal: ...
    async def set_hidden(self, proposal_id: int, hidden_at: datetime | None) -> None: ...
    async def add_history(
        self, proposal_id: int, kind: HistoryKind, *, by: str, by_member_id: int | None,
        at: datetime, old_status: ProposalStatus | None = None,
        new_status: ProposalStatus | None = None, version: int | None = None, note: str = "",
    ) -> None: ...
    async def list_history(
        self, proposal_id: int, *, after: str | None, limit: int
    ) -> Page[HistoryEntry]: ...
    async def list_page(
        self, debate_id: int | None, *, order: ProposalOrder,
        classes: frozenset[ParticipantClass], after: str | None, limit: int,
        statuses: tuple[ProposalStatus, ...] | None = None,
    ) -> Page[ProposalSummary]: ...
    async def list_reaching_support(
        self, debate_id: int, classes: frozenset[ParticipantClass], threshold: int
    ) -> list[int]: ...


class AnswerStore(Protocol):
    async def add(
        self, proposal_id: int, revision: int, kind: AnswerKind, text: str, member_id: int,
        mandate: str, at: datetime,
    ) -> Answer: ...
    async def latest(self, proposal_id: int) -> Answer | None: ...
    async def list_for(self, proposal_id: int) -> tuple[Answer, ...]: ...


class ArgumentStore(Protocol):
    async def get(self, argument_id: int) -> Argument: ...
    async def add(
        self, proposal_id: int, author_id: int, stance: Stance, body: str, at: datetime
    ) -> Argument: ...
    async def update_body(self, argument_id: int, body: str, at: datetime) -> Argument: ...
    async def mark_withdrawn(self, argument_id: int, at: datetime) -> Argument: ...
    async def set_hidden(self, argument_id: int, hidden_at: datetime | None) -> None: ...
    async def add_mark(self, argument_id: int, participant_id: int, at: datetime) -> bool: ...
    async def remove_mark(self, argument_id: int, participant_id: int) -> bool: ...
    async def list_page(
        self, proposal_id: int, *, stance: Stance | None, order: ArgumentOrder,
        after: str | None, limit: int,
    ) -> Page[Argument]: ...


class AmendmentStore(Protocol):
    async def get(self, amendment_id: int) -> Amendment: ...
    async def add(
        self, proposal_id: int, author_id: int, draft: AmendmentDraft, base_version: int,
        original_text: str, at: datetime,
    ) -> Amendment: ...
    async def decide(
        self, amendment_id: int, status: AmendmentStatus, *, by_id: int | None, at: datetime,
        note: str = "", integrated_version: int | None = None,
    ) -> Amendment: ...
    async def set_hidden(self, amendment_id: int, hidden_at: datetime | None) -> None: ...
    async def find_vote(self, amendment_id: int, participant_id: int) -> VoteChoice | None: ...
    async def put_vote(
        self, amendment_id: int, participant: ParticipantRef, choice: VoteChoice, at: datetime
    ) -> None: ...
    async def tally(self, amendment_id: int) -> Tally: ...
    async def list_page(
        self, proposal_id: int, *, after: str | None, limit: int
    ) -> Page[AmendmentSummary]: ...


class VoteStore(Protocol):
    async def find(self, proposal_id: int, participant_id: int) -> Vote | None: ...
    async def put(
        self, proposal_id: int, participant: ParticipantRef, choice: VoteChoice, at: datetime
    ) -> Vote: ...
    async def reclassify(self, participant_id: int, participant_class: ParticipantClass) -> int: ...
    async def delete(self, proposal_id: int, participant_id: int) -> bool: ...
    async def tally(self, proposal_id: int) -> Tally: ...
    async def list_page(self, proposal_id: int, *, after: str | None, limit: int) -> Page[Vote]: ...
    async def list_proposals_supported_by(self, participant_id: int) -> list[int]: ...


class ModerationStore(Protocol):
    async def add(
        self, *, debate_id: int, proposal_id: int, target_kind: ContentKind, target_id: int,
        action: ModerationVerb, reason: str, member_id: int | None, by: str, at: datetime,
    ) -> ModerationAction: ...
    async def list_for_debate(
        self, debate_id: int, *, after: str | None, limit: int
    ) -> Page[ModerationAction]: ...
    async def list_for_target(
        self, target_kind: ContentKind, target_id: int
    ) -> tuple[ModerationAction, ...]: ...


class Reader(Protocol):
    """The stores, for reads; `db.read()` and a transaction both satisfy it."""

    members: MemberStore
    debates: DebateStore
    participants: ParticipantStore
    debate_settings: DebateSettingsStore
    debate_roles: DebateRoleStore
    proposals: ProposalStore
    answers: AnswerStore
    arguments: ArgumentStore
    amendments: AmendmentStore
    votes: VoteStore
    moderation: ModerationStore


class Tx(Reader, Protocol):
    """One write transaction: every change a use case makes commits or rolls back together."""

    tokens: TokenStore
    events: EventLog
    invitations: InvitationStore
    passwords: PasswordStore
    sessions: SessionStore
