"""The support threshold: when a proposal first reaches it, its answer deadline starts.

Support is counted from the votes each time (never a stored counter). It is checked after a
`for` vote, after a voter becomes a verified resident, and after a debate's settings change.
"""
from __future__ import annotations

from datetime import datetime

from .. import rules, tallies
from ..events import SupportThresholdReached
from ..history import HistoryKind
from ..model import Actor, DebateSettings, Proposal, ProposalStatus
from ..ports import Tx


async def reach_threshold_if_due(
    tx: Tx, now: datetime, actor: Actor | str, settings: DebateSettings, proposal: Proposal
) -> Proposal:
    """Record the threshold and the deadline the first time support reaches it; else no-op."""
    if settings.support_threshold is None or proposal.threshold_reached_at is not None:
        return proposal
    support = tallies.support_of(await tx.votes.tally(proposal.id), settings.threshold_classes)
    if not tallies.reaches_threshold(settings, proposal, support):
        return proposal
    due_at = tallies.answer_deadline(now, settings)
    updated = await tx.proposals.mark_threshold_reached(proposal.id, now, due_at)
    by = actor if isinstance(actor, str) else rules.by_label(actor)
    member_id = None if isinstance(actor, str) else rules.actor_member_id(actor)
    await tx.proposals.add_history(
        proposal.id, HistoryKind.THRESHOLD_REACHED, by=by, by_member_id=member_id, at=now,
        note=f"{support}/{settings.support_threshold}",
    )
    await tx.events.append(
        SupportThresholdReached(
            now, by, proposal.id, proposal.debate_id, settings.support_threshold, support,
            tuple(sorted(c.value for c in settings.threshold_classes)), due_at,
        )
    )
    return updated


async def recheck_supported_by(tx: Tx, now: datetime, actor: Actor, participant_id: int) -> None:
    """Check again every proposal this participant votes `for` (their class just changed)."""
    for proposal_id in await tx.votes.list_proposals_supported_by(participant_id):
        proposal = await tx.proposals.get(proposal_id)
        if proposal.threshold_reached_at is None and proposal.status is not ProposalStatus.ANSWERED:
            settings = await tx.debate_settings.get(proposal.debate_id)
            await reach_threshold_if_due(tx, now, actor, settings, proposal)


async def recheck_debate(
    tx: Tx, now: datetime, actor: Actor, debate_id: int, settings: DebateSettings
) -> None:
    """Check again every proposal of a debate whose threshold rules just changed."""
    if settings.support_threshold is None:
        return
    for proposal_id in await tx.proposals.list_reaching_support(
        debate_id, settings.threshold_classes, settings.support_threshold
    ):
        await reach_threshold_if_due(tx, now, actor, settings, await tx.proposals.get(proposal_id))
