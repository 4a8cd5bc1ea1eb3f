"""Read use cases: what pages and the API show, with the visibility rules applied.

They take a `Reader` (`db.read()` outside a transaction) and never write.
"""
from __future__ import annotations

from .. import rules, tallies
from ..errors import Forbidden, NotFound
from ..history import HistoryEntry, ModerationAction
from .lookup import get_debate, proposal_in_debate, roles_in
from ..model import (
    Actor,
    AmendmentSummary,
    Argument,
    ArgumentColumns,
    ArgumentOrder,
    Page,
    ProposalDetail,
    ProposalOrder,
    ProposalStatus,
    ProposalSummary,
    ProposalVersion,
    Stance,
    Vote,
)
from ..ports import Clock, Reader


async def _visible_proposal(reader: Reader, proposal_id: int, viewer: Actor | None):
    proposal, debate = await proposal_in_debate(reader, proposal_id)
    if proposal.hidden_at is not None and not rules.may_see_hidden(
        viewer, await roles_in(reader, debate.id, viewer)
    ):
        raise NotFound(f"no proposal with id {proposal_id}")
    return proposal, debate


async def get_proposal_detail(
    reader: Reader, clock: Clock, proposal_id: int, viewer: Actor | None = None
) -> ProposalDetail:
    """The proposal page: current version, authors, tally, answer, versions, deadline.

    A hidden proposal is NotFound for everyone but its debate's moderators.
    """
    proposal, debate = await _visible_proposal(reader, proposal_id, viewer)
    settings = await reader.debate_settings.get(debate.id)
    tally = await reader.votes.tally(proposal.id)
    revisions = await reader.answers.list_for(proposal.id)
    return ProposalDetail(
        debate=debate,
        settings=settings,
        proposal=proposal,
        version=await reader.proposals.get_version(proposal.id, proposal.version),
        authors=await reader.proposals.list_authors(proposal.id),
        versions=await reader.proposals.list_versions(proposal.id),
        tally=tally,
        support=tallies.support_of(tally, settings.threshold_classes),
        answer=revisions[-1] if revisions else None,
        answer_revisions=revisions,
        is_overdue=tallies.is_answer_overdue(proposal, clock.now()),
    )


async def get_proposal_version(
    reader: Reader, proposal_id: int, number: int, viewer: Actor | None = None
) -> ProposalVersion:
    """Any earlier version stays readable."""
    await _visible_proposal(reader, proposal_id, viewer)
    return await reader.proposals.get_version(proposal_id, number)


async def list_proposals(
    reader: Reader, slug: str, *, order: ProposalOrder = ProposalOrder.NEWEST,
    statuses: tuple[ProposalStatus, ...] | None = None, after: str | None = None,
    limit: int = 20,
) -> Page[ProposalSummary]:
    """A debate's visible proposals with their tallies, newest or most supported first."""
    debate = await get_debate(reader, slug)
    settings = await reader.debate_settings.get(debate.id)
    return await reader.proposals.list_page(
        debate.id, order=rules.parse_choice(ProposalOrder, order, field="order"),
        classes=settings.threshold_classes, statuses=statuses, after=after,
        limit=rules.check_page_limit(limit),
    )


async def list_arguments(
    reader: Reader, proposal_id: int, *, stance: Stance | None = None,
    order: ArgumentOrder = ArgumentOrder.MOST_USEFUL, after: str | None = None,
    limit: int = 20, viewer: Actor | None = None,
) -> Page[Argument]:
    await _visible_proposal(reader, proposal_id, viewer)
    return await reader.arguments.list_page(
        proposal_id,
        stance=None if stance is None else rules.parse_choice(Stance, stance, field="stance"),
        order=rules.parse_choice(ArgumentOrder, order, field="order"), after=after,
        limit=rules.check_page_limit(limit),
    )


async def arguments_side_by_side(
    reader: Reader, proposal_id: int, *, limit: int = 10, after_for: str | None = None,
    after_against: str | None = None, after_neutral: str | None = None,
    viewer: Actor | None = None,
) -> ArgumentColumns:
    """For and against side by side (and neutral comments), each most useful first, each
    column with its own cursor."""
    await _visible_proposal(reader, proposal_id, viewer)
    limit = rules.check_page_limit(limit)

    async def column(stance: Stance, after: str | None) -> Page[Argument]:
        return await reader.arguments.list_page(
            proposal_id, stance=stance, order=ArgumentOrder.MOST_USEFUL, after=after, limit=limit
        )

    return ArgumentColumns(
        await column(Stance.FOR, after_for),
        await column(Stance.AGAINST, after_against),
        await column(Stance.NEUTRAL, after_neutral),
    )


async def list_amendments(
    reader: Reader, proposal_id: int, *, after: str | None = None, limit: int = 20,
    viewer: Actor | None = None,
) -> Page[AmendmentSummary]:
    """Visible amendments, oldest first, each with its tally (diff: node.diff.amendment_diff)."""
    await _visible_proposal(reader, proposal_id, viewer)
    return await reader.amendments.list_page(
        proposal_id, after=after, limit=rules.check_page_limit(limit)
    )


async def list_history(
    reader: Reader, proposal_id: int, *, after: str | None = None, limit: int = 50,
    viewer: Actor | None = None,
) -> Page[HistoryEntry]:
    await _visible_proposal(reader, proposal_id, viewer)
    return await reader.proposals.list_history(
        proposal_id, after=after, limit=rules.check_page_limit(limit)
    )


async def list_votes(
    reader: Reader, proposal_id: int, *, after: str | None = None, limit: int = 50,
    viewer: Actor | None = None,
) -> Page[Vote]:
    """Individual votes, only where the debate made them public (totals only by default)."""
    proposal, debate = await _visible_proposal(reader, proposal_id, viewer)
    if not (await reader.debate_settings.get(debate.id)).has_public_votes:
        raise Forbidden("votes in this debate are private: only totals are shown")
    return await reader.votes.list_page(proposal.id, after=after,
                                        limit=rules.check_page_limit(limit))


async def list_moderation(
    reader: Reader, slug: str, *, after: str | None = None, limit: int = 50
) -> Page[ModerationAction]:
    """A debate's moderation history, newest first: public, for transparency (what, why,
    by whom, when), without the hidden text itself."""
    debate = await get_debate(reader, slug)
    return await reader.moderation.list_for_debate(
        debate.id, after=after, limit=rules.check_page_limit(limit)
    )
