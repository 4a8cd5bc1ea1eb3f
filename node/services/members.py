"""Member and account use cases: admission, registration, invitations, roles, verification,
API tokens and passwords. Password hashes arrive computed (web owns argon2 and sessions)."""
from __future__ import annotations

import secrets
from datetime import timedelta

from .. import rules
from ..accounts import ApiToken, Invitation, NewMember, NewRegistration, RegistrationMode
from ..errors import Conflict, NotFound
from ..events import (
    ApiTokenIssued,
    ApiTokenRevoked,
    InvitationCreated,
    MemberAdmitted,
    MemberRegistered,
    MemberRoleChanged,
    PasswordChanged,
    PasswordReset,
    PasswordResetRequested,
    ResidentVerified,
)
from .lookup import get_member, hash_token, name_is_free
from ..model import Actor, Member, ParticipantClass, Role
from ..ports import Clock, Reader, Tx
from .threshold import recheck_supported_by

TOKEN_PREFIX = "thc_"
INVITATION_PREFIX = "inv_"


async def admit_member(tx: Tx, clock: Clock, actor: Actor, new: NewMember) -> Member:
    rules.require(rules.may_admit_members(actor), "only an administrator can add members")
    username = rules.check_username(new.username)
    display_name = rules.check_text(
        new.display_name or username, field="display_name", min_len=1,
        max_len=rules.MAX_DISPLAY_NAME,
    )
    mandate = rules.check_text(new.mandate, field="mandate", min_len=0, max_len=rules.MAX_MANDATE)
    await name_is_free(tx, username)
    now = clock.now()
    member = await tx.members.add(
        NewMember(username, display_name, Role(new.role), mandate, new.password_hash), now
    )
    await tx.events.append(
        MemberAdmitted(now, rules.by_label(actor), member.id, member.username, member.role.value)
    )
    return member


async def register_member(
    tx: Tx, clock: Clock, mode: RegistrationMode | str, new: NewRegistration
) -> Member:
    """Self-registration as a citizen: open to anyone, or with a single-use invitation code.

    With open registration an invitation code is ignored (it stays usable).
    """
    now = clock.now()
    username, display_name, invitation = await _admissible(tx, now, mode, new)
    password_hash = rules.check_password_hash(new.password_hash)
    member = await tx.members.add(
        NewMember(username, display_name, Role.CITIZEN, "", password_hash), now
    )
    if invitation is not None:
        await tx.invitations.mark_used(invitation.id, member.id, now)
    await tx.events.append(
        MemberRegistered(
            now, f"member:{member.id}", member.id, username, display_name,
            invitation.id if invitation else None,
        )
    )
    return member


async def check_registration(
    reader: Reader, clock: Clock, mode: RegistrationMode | str, new: NewRegistration
) -> None:
    """Every refusal register_member gives but the hash's, read without writing: the web
    asks before it spends an argon2 hash on a registration that would be refused anyway
    (register_member checks again in its transaction)."""
    await _admissible(reader, clock.now(), mode, new)


async def _admissible(reader: Reader, now, mode: RegistrationMode | str, new: NewRegistration):
    mode = RegistrationMode(mode)
    rules.check_registration(mode, new.invitation_code)
    username = rules.check_username(new.username)
    display_name = rules.check_text(
        new.display_name or username, field="display_name", min_len=1,
        max_len=rules.MAX_DISPLAY_NAME,
    )
    invitation = None
    if mode is RegistrationMode.INVITATION:
        invitation = rules.check_invitation_usable(
            await reader.invitations.find_by_code_hash(hash_token(new.invitation_code or "")), now
        )
    await name_is_free(reader, username)
    return username, display_name, invitation


async def create_invitation(
    tx: Tx, clock: Clock, actor: Actor, *,
    valid_for: timedelta = rules.DEFAULT_INVITATION_VALIDITY, note: str = "",
) -> tuple[Invitation, str]:
    """A single-use registration code, returned once; only its SHA-256 is stored."""
    rules.require(rules.may_invite(actor), "only an administrator can invite")
    valid_for = rules.check_invitation_validity(valid_for)
    note = rules.check_text(note, field="note", min_len=0, max_len=rules.MAX_INVITATION_NOTE)
    code = INVITATION_PREFIX + secrets.token_urlsafe(16)
    now = clock.now()
    invitation = await tx.invitations.add(
        hash_token(code), note, rules.actor_member_id(actor), now, now + valid_for
    )
    await tx.events.append(
        InvitationCreated(now, rules.by_label(actor), invitation.id, invitation.expires_at, note)
    )
    return invitation, code


async def change_role(
    tx: Tx, clock: Clock, actor: Actor, username: str, role: Role, mandate: str | None = None
) -> Member:
    rules.require(rules.may_change_roles(actor), "only an administrator can change roles")
    member = await get_member(tx, username)
    if mandate is None:
        mandate = member.mandate if role is Role.REPRESENTATIVE else ""
    mandate = rules.check_text(mandate, field="mandate", min_len=0, max_len=rules.MAX_MANDATE)
    updated = await tx.members.update_role(member.id, role, mandate)
    await tx.events.append(
        MemberRoleChanged(
            clock.now(), rules.by_label(actor), member.id, member.username,
            member.role.value, role.value, mandate,
        )
    )
    return updated


async def verify_resident(tx: Tx, clock: Clock, actor: Actor, username: str) -> Member:
    """Mark a member a verified resident; their `for` votes may now carry proposals over a
    threshold that counts verified residents, so thresholds are checked again."""
    rules.require(
        rules.may_verify_residents(actor),
        "only an administrator or a trusted third party can verify residents",
    )
    member = await get_member(tx, username)
    if member.is_verified_resident:
        raise Conflict(f"{username!r} is already a verified resident")
    now = clock.now()
    updated = await tx.members.mark_verified(member.id, rules.actor_member_id(actor), now)
    await tx.events.append(ResidentVerified(now, rules.by_label(actor), member.id, username))
    participant = await tx.participants.find_local(member.id)
    if participant is not None:
        # Their votes now count as a verified resident's (votes keep their voter's class).
        await tx.votes.reclassify(participant.id, ParticipantClass.VERIFIED_RESIDENT)
        await recheck_supported_by(tx, now, actor, participant.id)
    return updated


async def issue_api_token(
    tx: Tx, clock: Clock, actor: Actor, username: str, label: str = ""
) -> str:
    """Create a personal API token and return it; only its SHA-256 is stored."""
    member = await get_member(tx, username)
    rules.require(rules.may_issue_token(actor, member), "a token can only be issued to oneself")
    label = rules.check_text(label, field="label", min_len=0, max_len=100)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token_id = await tx.tokens.add(member.id, hash_token(token), label, now)
    await tx.events.append(ApiTokenIssued(now, rules.by_label(actor), member.id, token_id, label))
    return token


async def list_api_tokens(
    reader: Reader, actor: Actor, username: str | None = None
) -> list[ApiToken]:
    """Tokens by id, label and date (the tokens themselves were shown once, at creation):
    one member's, or everyone's for an administrator or the operator."""
    if username is None:
        rules.require(rules.may_manage_token(actor, None),
                      "only an administrator can list every member's tokens")
        return await reader.tokens.list()
    member = await get_member(reader, username)
    rules.require(rules.may_manage_token(actor, member.id), "these tokens are not yours")
    return await reader.tokens.list(member.id)


async def revoke_api_token(tx: Tx, clock: Clock, actor: Actor, token_id: int) -> ApiToken:
    """Delete a token: the next request that presents it is refused (the server holds
    resolved tokens only while migration 0010's counter stays the same)."""
    token = await tx.tokens.get(token_id)
    if token is None:
        raise NotFound(f"no API token with id {token_id}")
    rules.require(rules.may_manage_token(actor, token.member_id), "this token is not yours")
    await tx.tokens.remove(token_id)
    await tx.events.append(ApiTokenRevoked(clock.now(), rules.by_label(actor), token.member_id,
                                           token_id, token.label))
    return token


async def request_password_reset(tx: Tx, clock: Clock, actor: Actor, username: str) -> str:
    """A one-time reset token valid one hour, returned once (the CLI prints the link).

    A new request cancels the member's earlier unused ones.
    """
    rules.require(
        rules.may_reset_passwords(actor),
        "only the operator or an administrator can reset passwords",
    )
    member = await get_member(tx, username)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    await tx.passwords.use_resets(member.id, now)
    reset = await tx.passwords.add_reset(
        member.id, hash_token(token), now, now + rules.PASSWORD_RESET_VALIDITY
    )
    await tx.events.append(
        PasswordResetRequested(now, rules.by_label(actor), member.id, username, reset.id,
                               reset.expires_at)
    )
    return token


async def reset_password(tx: Tx, clock: Clock, token: str, new_password_hash: str) -> Member:
    """Set a new password with a reset token; the token is spent and every session ends."""
    now = clock.now()
    reset = rules.check_reset_usable(await tx.passwords.find_reset(hash_token(token)), now)
    password_hash = rules.check_password_hash(new_password_hash)
    member = await tx.members.get(reset.member_id)
    await tx.passwords.set_hash(member.id, password_hash)
    await tx.passwords.use_resets(member.id, now)
    await tx.sessions.delete_for_member(member.id)
    await tx.events.append(PasswordReset(now, f"member:{member.id}", member.id, member.username,
                                         reset.id))
    return await tx.members.get(member.id)


async def change_password(
    tx: Tx, clock: Clock, actor: Actor, new_password_hash: str, *,
    keep_session_id_hash: str | None = None,
) -> None:
    """A member changes their own password (web has checked the old one); their other
    sessions end, the current one may stay."""
    rules.require(isinstance(actor, Member), "only a member can change their password")
    password_hash = rules.check_password_hash(new_password_hash)
    now = clock.now()
    await tx.passwords.set_hash(actor.id, password_hash)
    await tx.passwords.use_resets(actor.id, now)
    await tx.sessions.delete_for_member(actor.id, keep_id_hash=keep_session_id_hash)
    await tx.events.append(PasswordChanged(now, rules.by_label(actor), actor.id, actor.username))
