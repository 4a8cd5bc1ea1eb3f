"""Moderation use cases: hide and unhide proposals, arguments and amendments, with a reason.

A hidden item leaves listings and tallies but is kept, and every action stays in the
moderation history. Moderation remains possible after a debate closes (content found
unlawful later must still go).
"""
from __future__ import annotations

from .. import content_rules, rules
from ..errors import Conflict
from ..events import ContentHidden, ContentUnhidden
from ..history import ModerationAction, ModerationVerb
from .lookup import proposal_in_debate, roles_in
from ..model import Actor, ContentKind
from ..ports import Clock, Tx


async def _target(tx: Tx, kind: ContentKind, target_id: int):
    """(proposal, debate, hidden_at, setter) of the item to moderate."""
    if kind is ContentKind.PROPOSAL:
        proposal, debate = await proposal_in_debate(tx, target_id)
        return proposal, debate, proposal.hidden_at, tx.proposals.set_hidden
    store = tx.arguments if kind is ContentKind.ARGUMENT else tx.amendments
    item = await store.get(target_id)
    proposal, debate = await proposal_in_debate(tx, item.proposal_id)
    return proposal, debate, item.hidden_at, store.set_hidden


async def _moderate(
    tx: Tx, clock: Clock, actor: Actor, kind: ContentKind, target_id: int, reason: str,
    verb: ModerationVerb,
) -> ModerationAction:
    kind = rules.parse_choice(ContentKind, kind, field="target_kind")
    proposal, debate, hidden_at, set_hidden = await _target(tx, kind, target_id)
    roles = await roles_in(tx, debate.id, actor)
    rules.require(rules.may_moderate(actor, roles), "only moderators hide or unhide content")
    reason = content_rules.check_reason(reason)
    if verb is ModerationVerb.HIDE and hidden_at is not None:
        raise Conflict(f"this {kind.value} is already hidden", code="already_hidden")
    if verb is ModerationVerb.UNHIDE and hidden_at is None:
        raise Conflict(f"this {kind.value} is not hidden", code="not_hidden")
    now = clock.now()
    await set_hidden(target_id, now if verb is ModerationVerb.HIDE else None)
    action = await tx.moderation.add(
        debate_id=debate.id, proposal_id=proposal.id, target_kind=kind, target_id=target_id,
        action=verb, reason=reason, member_id=rules.actor_member_id(actor),
        by=rules.by_label(actor), at=now,
    )
    event = ContentHidden if verb is ModerationVerb.HIDE else ContentUnhidden
    await tx.events.append(
        event(now, rules.by_label(actor), action.id, debate.id, proposal.id, kind.value,
              target_id, reason)
    )
    return action


async def hide_content(
    tx: Tx, clock: Clock, actor: Actor, kind: ContentKind, target_id: int, reason: str
) -> ModerationAction:
    return await _moderate(tx, clock, actor, kind, target_id, reason, ModerationVerb.HIDE)


async def unhide_content(
    tx: Tx, clock: Clock, actor: Actor, kind: ContentKind, target_id: int, reason: str
) -> ModerationAction:
    return await _moderate(tx, clock, actor, kind, target_id, reason, ModerationVerb.UNHIDE)
