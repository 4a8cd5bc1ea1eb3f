"""Vote use cases on proposals: one vote per participant, changeable until the debate closes."""
from __future__ import annotations

from .. import rules
from ..events import VoteCast, VoteWithdrawn
from ..model import Actor, Vote, VoteChoice
from ..ports import Clock, Tx
from .lookup import participant_of
from .threshold import reach_threshold_if_due


async def cast_vote(
    tx: Tx, clock: Clock, actor: Actor, proposal_id: int, choice: VoteChoice
) -> Vote:
    """Vote d'accord / mitigé / pas d'accord. A new choice replaces the previous one; the same
    choice again is a no-op without event. A `for` vote may reach the support threshold."""
    proposal, debate = await tx.proposals.vote_target(proposal_id)
    rules.require(rules.may_vote_and_argue(actor), "only participants vote")
    rules.check_debate_open(debate)
    rules.check_visible(proposal.hidden_at, "proposal")
    choice = rules.parse_choice(VoteChoice, choice, field="choice")
    now = clock.now()
    participant = await participant_of(tx, actor, now)
    previous = await tx.votes.find_choice(proposal.id, participant.id)
    if previous is choice:
        return await tx.votes.find(proposal.id, participant.id)
    vote = await tx.votes.put(proposal.id, participant, choice, now, replacing=previous is not None)
    await tx.events.append(
        VoteCast(
            now, rules.by_label(actor), proposal.id, debate.id, participant.id,
            participant.member_id, participant.participant_class.value, choice.value,
            previous.value if previous else None,
        )
    )
    if choice is VoteChoice.FOR and proposal.threshold_reached_at is None:
        settings = await tx.debate_settings.get(debate.id)
        if settings.support_threshold is not None:
            await reach_threshold_if_due(tx, now, actor, settings,
                                         await tx.proposals.get(proposal.id))
    return vote


async def withdraw_vote(tx: Tx, clock: Clock, actor: Actor, proposal_id: int) -> bool:
    """Take one's vote back while the debate is open; False when there was none."""
    proposal, debate = await tx.proposals.vote_target(proposal_id)
    rules.require(rules.may_take_part(actor), "only members vote")
    rules.check_debate_open(debate)
    rules.check_visible(proposal.hidden_at, "proposal")
    participant = await tx.participants.find_local(actor.id)
    previous = None if participant is None else await tx.votes.find(proposal.id, participant.id)
    if previous is None:
        return False
    await tx.votes.delete(proposal.id, previous.participant.id)
    await tx.events.append(
        VoteWithdrawn(
            clock.now(), rules.by_label(actor), proposal.id, debate.id, previous.participant.id,
            previous.participant.member_id, previous.participant.participant_class.value,
            previous.choice.value,
        )
    )
    return True
