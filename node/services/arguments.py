"""Argument use cases: post, edit, withdraw, and mark useful (one mark per participant)."""
from __future__ import annotations

from .. import content_rules, rules
from ..errors import Forbidden
from ..events import (
    ArgumentEdited,
    ArgumentMarkedUseful,
    ArgumentPosted,
    ArgumentUsefulMarkRemoved,
    ArgumentWithdrawn,
)
from ..model import Actor, Argument, Debate, Proposal, Stance
from ..ports import Clock, Tx
from .lookup import participant_of, proposal_in_debate


async def _argument_in_debate(tx: Tx, argument_id: int) -> tuple[Argument, Proposal, Debate]:
    argument = await tx.arguments.get(argument_id)
    proposal, debate = await proposal_in_debate(tx, argument.proposal_id)
    return argument, proposal, debate


async def post_argument(
    tx: Tx, clock: Clock, actor: Actor, proposal_id: int, stance: Stance, body: str,
    *, ap_id: str | None = None,
) -> Argument:
    """`ap_id`: a remote participant's Note, so its Update and Delete find it."""
    proposal, debate = await proposal_in_debate(tx, proposal_id)
    rules.require(rules.may_vote_and_argue(actor), "only participants post arguments")
    rules.check_debate_open(debate)
    rules.check_visible(proposal.hidden_at, "proposal")
    stance = rules.parse_choice(Stance, stance, field="stance")
    body = content_rules.check_argument_body(body)
    now = clock.now()
    author = await participant_of(tx, actor, now)
    argument = await tx.arguments.add(proposal.id, author.id, stance, body, now, ap_id)
    await tx.events.append(
        ArgumentPosted(now, rules.by_label(actor), argument.id, proposal.id, debate.id, author.id,
                       author.member_id, stance.value, body)
    )
    return argument


async def edit_argument(
    tx: Tx, clock: Clock, actor: Actor, argument_id: int, body: str
) -> Argument:
    """Its author rewrites an argument while the debate is open (edited_at is recorded);
    the stance stays, so "useful" marks keep their meaning."""
    argument, proposal, debate = await _argument_in_debate(tx, argument_id)
    rules.require(rules.may_change_own(actor, argument.author), "only its author edits an argument")
    rules.check_debate_open(debate)
    rules.check_visible(proposal.hidden_at, "proposal")
    rules.check_argument_listed(argument)
    body = content_rules.check_argument_body(body)
    if body == argument.body:
        return argument
    now = clock.now()
    updated = await tx.arguments.update_body(argument.id, body, now)
    await tx.events.append(
        ArgumentEdited(now, rules.by_label(actor), argument.id, proposal.id, debate.id, body)
    )
    return updated


async def withdraw_argument(tx: Tx, clock: Clock, actor: Actor, argument_id: int) -> Argument:
    """Its author withdraws an argument: it leaves the listings but stays recorded."""
    argument, proposal, debate = await _argument_in_debate(tx, argument_id)
    rules.require(rules.may_change_own(actor, argument.author),
                  "only its author withdraws an argument")
    rules.check_debate_open(debate)
    rules.check_argument_listed(argument)
    now = clock.now()
    updated = await tx.arguments.mark_withdrawn(argument.id, now)
    await tx.events.append(
        ArgumentWithdrawn(now, rules.by_label(actor), argument.id, proposal.id, debate.id)
    )
    return updated


async def mark_argument_useful(
    tx: Tx, clock: Clock, actor: Actor, argument_id: int
) -> Argument:
    """One "useful" mark per participant and argument; marking twice changes nothing."""
    argument, proposal, debate = await _argument_in_debate(tx, argument_id)
    rules.require(rules.may_take_part(actor), "only members mark arguments useful")
    if not rules.may_mark_useful(actor, argument):
        raise Forbidden("you cannot mark your own argument useful", code="own_argument")
    rules.check_debate_open(debate)
    rules.check_visible(proposal.hidden_at, "proposal")
    rules.check_argument_listed(argument)
    now = clock.now()
    participant = await participant_of(tx, actor, now)
    if not await tx.arguments.add_mark(argument.id, participant.id, now):
        return argument
    await tx.events.append(
        ArgumentMarkedUseful(now, rules.by_label(actor), argument.id, proposal.id, debate.id,
                             participant.id, participant.member_id)
    )
    return await tx.arguments.get(argument.id)


async def unmark_argument_useful(
    tx: Tx, clock: Clock, actor: Actor, argument_id: int
) -> Argument:
    """Take one's "useful" mark back; without a mark, nothing changes."""
    argument, proposal, debate = await _argument_in_debate(tx, argument_id)
    rules.require(rules.may_take_part(actor), "only members mark arguments useful")
    rules.check_debate_open(debate)
    rules.check_visible(proposal.hidden_at, "proposal")
    rules.check_argument_listed(argument)
    participant = await tx.participants.find_local(actor.id)
    if participant is None or not await tx.arguments.remove_mark(argument.id, participant.id):
        return argument
    await tx.events.append(
        ArgumentUsefulMarkRemoved(clock.now(), rules.by_label(actor), argument.id, proposal.id,
                                  debate.id, participant.id, actor.id)
    )
    return await tx.arguments.get(argument.id)
