"""Tallies, a proposal's support toward its debate's threshold, and the answer deadline that
reaching the threshold starts.

Pure rules: each vote counts once, in the class of its participant; a deadline, once set, stands.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .model import (
    DebateSettings,
    ParticipantClass,
    ParticipantKind,
    Proposal,
    ProposalStatus,
    Tally,
)


def participant_class(kind: ParticipantKind, is_verified_resident: bool) -> ParticipantClass:
    if kind is ParticipantKind.REMOTE:
        return ParticipantClass.REMOTE
    if is_verified_resident:
        return ParticipantClass.VERIFIED_RESIDENT
    return ParticipantClass.LOCAL_MEMBER


def support_of(tally: Tally, classes: Iterable[ParticipantClass]) -> int:
    """A proposal's support: its `for` votes from the classes its debate counts."""
    return sum(tally.of_class(ParticipantClass(c)).for_votes for c in set(classes))


def reaches_threshold(settings: DebateSettings, proposal: Proposal, support: int) -> bool:
    """True only the first time: once reached, the deadline stands even if support drops."""
    return (
        settings.support_threshold is not None
        and proposal.threshold_reached_at is None
        and proposal.status is not ProposalStatus.ANSWERED
        and proposal.hidden_at is None
        and support >= settings.support_threshold
    )


def answer_deadline(reached_at: datetime, settings: DebateSettings) -> datetime:
    return reached_at + timedelta(days=settings.answer_delay_days)


def is_answer_overdue(proposal: Proposal, now: datetime) -> bool:
    """The deadline has passed and no representative has answered."""
    return (
        proposal.answer_due_at is not None
        and proposal.answered_at is None
        and now > proposal.answer_due_at
    )


def answer_time_left(proposal: Proposal, now: datetime) -> timedelta | None:
    """For a countdown: None without a pending deadline, zero once overdue."""
    if proposal.answer_due_at is None or proposal.answered_at is not None:
        return None
    return max(proposal.answer_due_at - now, timedelta(0))
