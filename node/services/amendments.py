"""Amendment use cases: propose a new text for the body or one article, vote on it, and
integrate (a new proposal version), reject or withdraw it."""
from __future__ import annotations

from .. import content_rules, rules
from ..events import (
    AmendmentIntegrated,
    AmendmentProposed,
    AmendmentRejected,
    AmendmentVoteCast,
    AmendmentWithdrawn,
)
from ..history import HistoryKind
from .lookup import may_answer_in, participant_of, proposal_in_debate
from ..model import (
    Actor,
    Amendment,
    AmendmentDraft,
    AmendmentStatus,
    Debate,
    Proposal,
    ProposalDraft,
    VoteChoice,
)
from ..ports import Clock, Tx


async def _amendment_in_debate(tx: Tx, amendment_id: int) -> tuple[Amendment, Proposal, Debate]:
    amendment = await tx.amendments.get(amendment_id)
    proposal, debate = await proposal_in_debate(tx, amendment.proposal_id)
    return amendment, proposal, debate


def _check_amendable(debate: Debate, proposal: Proposal) -> None:
    rules.check_debate_open(debate)
    rules.check_visible(proposal.hidden_at, "proposal")
    rules.check_proposal_editable(proposal)


async def propose_amendment(
    tx: Tx, clock: Clock, actor: Actor, proposal_id: int, draft: AmendmentDraft
) -> Amendment:
    """A participant proposes a replacement text for the body or one article, with a rationale."""
    proposal, debate = await proposal_in_debate(tx, proposal_id)
    rules.require(rules.may_take_part(actor), "only members propose amendments")
    _check_amendable(debate, proposal)
    version = await tx.proposals.get_version(proposal.id, proposal.version)
    draft = content_rules.check_amendment_draft(draft, version)
    original = content_rules.amendment_target_text(version, draft.article_number)
    now = clock.now()
    author = await participant_of(tx, actor, now)
    amendment = await tx.amendments.add(
        proposal.id, author.id, draft, version.number, original, now
    )
    await tx.events.append(
        AmendmentProposed(
            now, rules.by_label(actor), amendment.id, proposal.id, debate.id, author.id,
            author.member_id, draft.article_number, version.number, original, draft.text,
            draft.rationale,
        )
    )
    return amendment


async def vote_on_amendment(
    tx: Tx, clock: Clock, actor: Actor, amendment_id: int, choice: VoteChoice
) -> VoteChoice:
    """d'accord / mitigé / pas d'accord on a pending amendment; a new choice replaces the old
    one, the same choice again changes nothing."""
    amendment, proposal, debate = await _amendment_in_debate(tx, amendment_id)
    # Fediverse participants vote on amendments put to a vote as on proposals.
    rules.require(rules.may_vote_and_argue(actor), "only participants vote")
    rules.check_debate_open(debate)
    rules.check_visible(proposal.hidden_at, "proposal")
    rules.check_visible(amendment.hidden_at, "amendment")
    rules.check_amendment_pending(amendment)
    choice = rules.parse_choice(VoteChoice, choice, field="choice")
    now = clock.now()
    participant = await participant_of(tx, actor, now)
    previous = await tx.amendments.find_vote(amendment.id, participant.id)
    if previous is choice:
        return choice
    await tx.amendments.put_vote(amendment.id, participant, choice, now)
    await tx.events.append(
        AmendmentVoteCast(
            now, rules.by_label(actor), amendment.id, proposal.id, debate.id, participant.id,
            participant.member_id, participant.participant_class.value, choice.value,
            previous.value if previous else None,
        )
    )
    return choice


async def _check_decider(tx: Tx, actor: Actor, proposal: Proposal, debate: Debate) -> None:
    authors = await tx.proposals.list_authors(proposal.id)
    rules.require(
        rules.may_decide_amendment(actor, authors, await may_answer_in(tx, actor, debate.id)),
        "only an author of the proposal or a representative in charge decides on amendments",
    )


async def integrate_amendment(
    tx: Tx, clock: Clock, actor: Actor, amendment_id: int
) -> Proposal:
    """Integrate an amendment: the proposal gets a new version with the target's text replaced."""
    amendment, proposal, debate = await _amendment_in_debate(tx, amendment_id)
    await _check_decider(tx, actor, proposal, debate)
    _check_amendable(debate, proposal)
    rules.check_visible(amendment.hidden_at, "amendment")
    rules.check_amendment_pending(amendment)
    version = await tx.proposals.get_version(proposal.id, proposal.version)
    body, articles = content_rules.apply_amendment(version, amendment)
    now = clock.now()
    integrator = await participant_of(tx, actor, now)
    updated = await tx.proposals.add_version(
        proposal.id, ProposalDraft(version.title, body, articles, version.sources), integrator.id,
        amendment.id, now,
    )
    await tx.amendments.decide(
        amendment.id, AmendmentStatus.INTEGRATED, by_id=rules.actor_member_id(actor), at=now,
        integrated_version=updated.version,
    )
    await tx.proposals.add_history(
        proposal.id, HistoryKind.AMENDMENT_INTEGRATED, by=rules.by_label(actor),
        by_member_id=rules.actor_member_id(actor), at=now, version=updated.version,
        note=f"amendment {amendment.id}",
    )
    await tx.events.append(
        AmendmentIntegrated(now, rules.by_label(actor), amendment.id, proposal.id, debate.id,
                            amendment.article_number, amendment.text, updated.version)
    )
    return updated


async def reject_amendment(
    tx: Tx, clock: Clock, actor: Actor, amendment_id: int, reason: str
) -> Amendment:
    amendment, proposal, debate = await _amendment_in_debate(tx, amendment_id)
    await _check_decider(tx, actor, proposal, debate)
    rules.check_debate_open(debate)
    rules.check_amendment_pending(amendment)
    reason = content_rules.check_reason(reason)
    now = clock.now()
    decided = await tx.amendments.decide(
        amendment.id, AmendmentStatus.REJECTED, by_id=rules.actor_member_id(actor), at=now,
        note=reason,
    )
    await tx.events.append(
        AmendmentRejected(now, rules.by_label(actor), amendment.id, proposal.id, debate.id, reason)
    )
    return decided


async def withdraw_amendment(
    tx: Tx, clock: Clock, actor: Actor, amendment_id: int
) -> Amendment:
    amendment, proposal, debate = await _amendment_in_debate(tx, amendment_id)
    rules.require(rules.may_change_own(actor, amendment.author),
                  "only its author withdraws an amendment")
    rules.check_debate_open(debate)
    rules.check_amendment_pending(amendment)
    now = clock.now()
    decided = await tx.amendments.decide(
        amendment.id, AmendmentStatus.WITHDRAWN, by_id=rules.actor_member_id(actor), at=now
    )
    await tx.events.append(
        AmendmentWithdrawn(now, rules.by_label(actor), amendment.id, proposal.id, debate.id)
    )
    return decided
