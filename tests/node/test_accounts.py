"""Registration, invitations and passwords against a real SQLite file."""
from __future__ import annotations

from datetime import timedelta

import pytest

from node import services
from node.accounts import NewRegistration, RegistrationMode, Session
from node.errors import Conflict, Forbidden, Invalid
from node.events import (
    InvitationCreated,
    MemberRegistered,
    PasswordChanged,
    PasswordReset,
    PasswordResetRequested,
)
from node.model import Role

from .builders import OP, a_member, event_log, run, snapshot

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


def registration(username="anne", code=None, password_hash=HASH):
    return NewRegistration(username, "Anne Martin", password_hash, code)


async def test_register_member_creates_a_citizen_when_registration_is_open(db, clock):
    # When
    member = await run(db, services.register_member, clock, "open", registration())
    # Then
    assert member.role is Role.CITIZEN and member.has_password
    assert await db.read().members.find_password_hash("anne") == HASH
    assert await event_log(db) == [
        MemberRegistered(clock.now(), f"member:{member.id}", member.id, "anne", "Anne Martin", None)
    ]


async def test_register_member_is_refused_without_invitation_when_registration_is_by_invitation(db, clock):
    # Given
    before = await snapshot(db)
    # When / Then
    with pytest.raises(Forbidden, match="invitation"):
        await run(db, services.register_member, clock, RegistrationMode.INVITATION, registration())
    assert await snapshot(db) == before


async def test_invitation_code_is_stored_hashed_and_works_once(db, clock):
    # Given an invitation
    invitation, code = await run(db, services.create_invitation, clock, OP, note="pour Anne")
    assert code.startswith("inv_")
    async with db.read().conn.execute("SELECT code_hash FROM invitations") as cur:
        assert [r[0] for r in await cur.fetchall()] == [services.hash_token(code)]
    # When Anne registers with it
    anne = await run(db, services.register_member, clock, "invitation", registration("anne", code))
    # Then it is spent, and recorded as hers
    used = await db.read().invitations.get(invitation.id)
    assert used.used_by_id == anne.id and used.used_at == clock.now()
    events = await event_log(db)
    assert events == [
        InvitationCreated(clock.now(), "operator", invitation.id, clock.now() + timedelta(days=14),
                          "pour Anne"),
        MemberRegistered(clock.now(), f"member:{anne.id}", anne.id, "anne", "Anne Martin",
                         invitation.id),
    ]
    # And nobody can use it again
    before = await snapshot(db)
    with pytest.raises(Invalid, match="already been used"):
        await run(db, services.register_member, clock, "invitation", registration("bruno", code))
    assert await snapshot(db) == before


async def test_register_member_is_refused_when_the_invitation_expired(db, clock):
    # Given an invitation valid one hour
    _, code = await run(db, services.create_invitation, clock, OP, valid_for=timedelta(hours=1))
    clock.advance(hours=1)
    before = await snapshot(db)
    # When / Then
    with pytest.raises(Invalid, match="expired"):
        await run(db, services.register_member, clock, "invitation", registration(code=code))
    with pytest.raises(Invalid, match="not valid"):
        await run(db, services.register_member, clock, "invitation", registration(code="inv_nope"))
    assert await snapshot(db) == before


async def test_register_member_is_refused_when_the_name_is_taken_or_malformed(db, clock):
    # Given
    await a_member(db, clock, "anne")
    before = await snapshot(db)
    # When / Then
    with pytest.raises(Conflict):
        await run(db, services.register_member, clock, "open", registration("anne"))
    with pytest.raises(Invalid):
        await run(db, services.register_member, clock, "open", registration("Anne!"))
    with pytest.raises(Invalid):
        await run(db, services.register_member, clock, "open", registration("bruno", password_hash=""))
    assert await snapshot(db) == before


async def test_only_admins_and_the_operator_create_invitations(db, clock):
    # Given
    moderator = await a_member(db, clock, "mod", Role.MODERATOR)
    admin = await a_member(db, clock, "chef", Role.ADMIN)
    # When / Then
    with pytest.raises(Forbidden):
        await run(db, services.create_invitation, clock, moderator)
    invitation, _ = await run(db, services.create_invitation, clock, admin)
    assert invitation.created_by_id == admin.id


async def test_password_reset_token_works_once_within_an_hour_and_ends_sessions(db, clock):
    # Given Anne with a session
    anne = await a_member(db, clock, "anne")
    async with db.transaction() as tx:
        await tx.sessions.add(Session("s1", anne.id, "csrf", clock.now(), clock.now() + timedelta(days=1)))
    token = await run(db, services.request_password_reset, clock, OP, "anne")
    async with db.read().conn.execute("SELECT token_hash FROM password_resets") as cur:
        assert [r[0] for r in await cur.fetchall()] == [services.hash_token(token)]
    # When she resets her password
    clock.advance(minutes=59)
    member = await run(db, services.reset_password, clock, token, "$argon2id$new")
    # Then the hash changed, her sessions ended, and the token is spent
    assert await db.read().members.find_password_hash("anne") == "$argon2id$new"
    assert member.has_password
    assert await db.read().sessions.find("s1", clock.now()) is None
    with pytest.raises(Invalid):
        await run(db, services.reset_password, clock, token, "$argon2id$again")
    events = await event_log(db)
    assert isinstance(events[-2], PasswordResetRequested) and events[-2].member_id == anne.id
    assert isinstance(events[-1], PasswordReset) and events[-1].by == f"member:{anne.id}"


async def test_password_reset_is_refused_after_an_hour_and_after_a_newer_request(db, clock):
    # Given two requests
    await a_member(db, clock, "anne")
    first = await run(db, services.request_password_reset, clock, OP, "anne")
    second = await run(db, services.request_password_reset, clock, OP, "anne")
    before = await snapshot(db)
    # When / Then: the first was cancelled by the second
    with pytest.raises(Invalid):
        await run(db, services.reset_password, clock, first, "$argon2id$new")
    clock.advance(hours=1)
    with pytest.raises(Invalid):
        await run(db, services.reset_password, clock, second, "$argon2id$new")
    assert await snapshot(db) == before


async def test_only_the_operator_or_an_admin_requests_a_password_reset(db, clock):
    anne = await a_member(db, clock, "anne")
    await a_member(db, clock, "bruno")
    with pytest.raises(Forbidden):
        await run(db, services.request_password_reset, clock, anne, "bruno")


async def test_change_password_keeps_the_current_session_only(db, clock):
    # Given Anne with two sessions
    anne = await a_member(db, clock, "anne")
    async with db.transaction() as tx:
        for sid in ("here", "elsewhere"):
            await tx.sessions.add(Session(sid, anne.id, "csrf", clock.now(), clock.now() + timedelta(days=1)))
    # When
    await run(db, services.change_password, clock, anne, "$argon2id$new", keep_session_id_hash="here")
    # Then
    assert await db.read().sessions.find("here", clock.now()) is not None
    assert await db.read().sessions.find("elsewhere", clock.now()) is None
    assert await db.read().members.find_password_hash("anne") == "$argon2id$new"
    assert (await event_log(db))[-1] == PasswordChanged(clock.now(), f"member:{anne.id}", anne.id, "anne")
    with pytest.raises(Forbidden):
        await run(db, services.change_password, clock, OP, "$argon2id$x")
