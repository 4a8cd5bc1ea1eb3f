"""A proposal's history (status changes, versions, answers) and the moderation log's entries.

Frozen dataclasses and enums, no I/O: what the transparency views list.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .model import ContentKind, ProposalStatus


class HistoryKind(StrEnum):
    SUBMITTED = "submitted"
    EDITED = "edited"
    STATUS_CHANGED = "status_changed"
    COAUTHOR_ADDED = "coauthor_added"
    COAUTHOR_REMOVED = "coauthor_removed"
    THRESHOLD_REACHED = "threshold_reached"
    AMENDMENT_INTEGRATED = "amendment_integrated"
    ANSWERED = "answered"
    ANSWER_REVISED = "answer_revised"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int
    proposal_id: int
    kind: HistoryKind
    by: str  # "member:<id>", "operator" or "schedule"
    by_member_id: int | None
    by_display_name: str | None
    old_status: ProposalStatus | None
    new_status: ProposalStatus | None
    version: int | None
    note: str
    occurred_at: datetime


class ModerationVerb(StrEnum):
    HIDE = "hide"
    UNHIDE = "unhide"


@dataclass(frozen=True, slots=True)
class ModerationAction:
    id: int
    debate_id: int
    proposal_id: int
    target_kind: ContentKind
    target_id: int
    action: ModerationVerb
    reason: str
    member_id: int | None  # None: the node operator
    by: str
    occurred_at: datetime
