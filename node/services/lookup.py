"""How use cases find what they act on: members, debates, proposals and the acting participant."""
from __future__ import annotations

import hashlib
from datetime import datetime

from .. import rules
from ..errors import Conflict, Forbidden, NotFound
from ..model import Actor, Debate, DebateRole, Member, ParticipantRef, Proposal, RemoteParticipant
from ..ports import Reader, Tx


def hash_token(token: str) -> str:
    """SHA-256 of a secret handed to a person (API token, invitation code, reset token)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def name_is_free(tx: Reader, name: str) -> None:
    # Members and debates share one handle namespace (acct:name@host).
    if await tx.members.find_by_username(name) or await tx.debates.find_by_slug(name):
        raise Conflict(f"the name {name!r} is already taken by a member or a debate")


async def get_member(tx: Reader, username: str) -> Member:
    member = await tx.members.find_by_username(username)
    if member is None:
        raise NotFound(f"no member named {username!r}")
    return member


async def get_debate(tx: Reader, slug: str) -> Debate:
    debate = await tx.debates.find_by_slug(slug)
    if debate is None:
        raise NotFound(f"no debate with slug {slug!r}")
    return debate


async def proposal_in_debate(tx: Reader, proposal_id: int) -> tuple[Proposal, Debate]:
    return await tx.proposals.get_in_debate(proposal_id)


async def roles_in(tx: Reader, debate_id: int, actor: Actor | None) -> frozenset[DebateRole]:
    if not isinstance(actor, Member):
        return frozenset()
    return await tx.debate_roles.roles_of(debate_id, actor.id)


async def may_answer_in(tx: Reader, actor: Actor, debate_id: int) -> bool:
    roles = await roles_in(tx, debate_id, actor)
    in_charge = await tx.debate_roles.has_holders(debate_id, DebateRole.REPRESENTATIVE)
    return rules.may_answer(actor, roles, in_charge)


async def participant_of(tx: Tx, actor: Actor, at: datetime) -> ParticipantRef:
    """The acting participant; a local member gets a participant row on first contribution.

    A remote participant is resolved by its ap_id, created on first contribution.
    """
    if isinstance(actor, RemoteParticipant):
        return await tx.participants.ensure_remote(actor.ap_id, at)
    if not rules.may_take_part(actor):
        raise Forbidden("the node operator does not take part in debates: act as a member")
    return await tx.participants.ensure_local(actor.id, at)
