"""Use cases against a real SQLite file: rules enforced, events written in the same transaction."""
from __future__ import annotations

from datetime import timedelta

import pytest

from node import services
from node.accounts import NewMember
from node.errors import Conflict, Forbidden, Invalid, NotFound
from node.events import PRIVATE_EVENT_TYPES, DebateStatusChanged, MemberAdmitted, ResidentVerified
from node.model import DebateStatus, NewDebate, Operator, Role
from storage.db import Database
from tests.support import FrozenClock

OP = Operator()


@pytest.fixture
async def db(tmp_path):
    database = await Database(tmp_path / "node.sqlite3").open()
    yield database
    await database.close()


@pytest.fixture
def clock():
    return FrozenClock()


async def _events(db):
    return [stored.event for stored in await db.read().events.list_after(0)]


async def test_admit_member_records_the_member_and_its_event(db, clock):
    # When
    async with db.transaction() as tx:
        member = await services.admit_member(tx, clock, OP, NewMember("anne", "Anne", Role.CITIZEN))
    # Then
    assert member.username == "anne" and member.role is Role.CITIZEN
    assert await _events(db) == [MemberAdmitted(clock.now(), "operator", member.id, "anne", "citizen")]


async def test_members_and_debates_share_one_namespace(db, clock):
    # Given a member named voirie
    async with db.transaction() as tx:
        await services.admit_member(tx, clock, OP, NewMember("voirie", "V", Role.CITIZEN))
    # When a debate takes the same name, or a member twice
    with pytest.raises(Conflict):
        async with db.transaction() as tx:
            await services.create_debate(tx, clock, OP, NewDebate("voirie", "La voirie", ""))
    with pytest.raises(Conflict):
        async with db.transaction() as tx:
            await services.admit_member(tx, clock, OP, NewMember("VOIRIE".lower(), "V", Role.CITIZEN))
    # Then only the first one exists, with its single event
    assert await db.read().debates.find_by_slug("voirie") is None
    assert len(await _events(db)) == 1


async def test_a_citizen_cannot_admit_members_or_verify_residents(db, clock):
    # Given
    async with db.transaction() as tx:
        citizen = await services.admit_member(tx, clock, OP, NewMember("anne", "Anne", Role.CITIZEN))
        await services.admit_member(tx, clock, OP, NewMember("bruno", "Bruno", Role.CITIZEN))
    # When / Then
    async with db.transaction() as tx:
        with pytest.raises(Forbidden):
            await services.admit_member(tx, clock, citizen, NewMember("carla", "C", Role.CITIZEN))
        with pytest.raises(Forbidden):
            await services.verify_resident(tx, clock, citizen, "bruno")
    assert (await db.read().members.find_by_username("bruno")).is_verified_resident is False


async def test_trusted_third_party_verifies_a_resident_once(db, clock):
    # Given
    async with db.transaction() as tx:
        garant = await services.admit_member(tx, clock, OP, NewMember("garant", "G", Role.TRUSTED_THIRD_PARTY))
        await services.admit_member(tx, clock, OP, NewMember("anne", "Anne", Role.CITIZEN))
    # When
    clock.advance(hours=1)
    async with db.transaction() as tx:
        verified = await services.verify_resident(tx, clock, garant, "anne")
    # Then who and when are recorded
    assert verified.is_verified_resident
    assert verified.verified_by_id == garant.id and verified.verified_at == clock.now()
    assert (await _events(db))[-1] == ResidentVerified(clock.now(), f"member:{garant.id}", verified.id, "anne")
    with pytest.raises(Conflict):
        async with db.transaction() as tx:
            await services.verify_resident(tx, clock, garant, "anne")


async def test_change_role_keeps_a_representative_mandate_only(db, clock):
    async with db.transaction() as tx:
        await services.admit_member(tx, clock, OP, NewMember("claire", "Claire", Role.CITIZEN))
        rep = await services.change_role(tx, clock, OP, "claire", Role.REPRESENTATIVE, "adjointe à la mobilité")
        back = await services.change_role(tx, clock, OP, "claire", Role.CITIZEN)
    assert rep.mandate == "adjointe à la mobilité"
    assert back.mandate == ""
    with pytest.raises(NotFound):
        async with db.transaction() as tx:
            await services.change_role(tx, clock, OP, "personne", Role.ADMIN)


async def test_token_is_returned_once_and_stored_as_a_hash(db, clock):
    async with db.transaction() as tx:
        member = await services.admit_member(tx, clock, OP, NewMember("anne", "Anne", Role.CITIZEN))
        token = await services.issue_api_token(tx, clock, OP, "anne", "script")
    assert token.startswith("thc_") and len(token) > 40
    async with db.read().conn.execute("SELECT token_hash FROM api_tokens") as cur:
        stored = [row[0] for row in await cur.fetchall()]
    assert stored == [services.hash_token(token)] and token not in stored
    assert await db.read().tokens.find_member_id(services.hash_token(token)) == member.id


async def test_debate_lifecycle_and_automatic_closing(db, clock):
    # Given an open debate closing in a day
    async with db.transaction() as tx:
        await services.create_debate(
            tx, clock, OP, NewDebate("voirie", "La voirie", "", clock.now(), clock.now() + timedelta(days=1)))
        opened = await services.change_debate_status(tx, clock, OP, "voirie", DebateStatus.OPEN)
    assert opened.status is DebateStatus.OPEN
    # When nothing is due, then when the date passes
    async with db.transaction() as tx:
        assert await services.close_due_debates(tx, clock) == []
    clock.advance(days=1)
    async with db.transaction() as tx:
        closed = await services.close_due_debates(tx, clock)
    # Then it closed by itself, recorded as the schedule's doing
    assert [d.slug for d in closed] == ["voirie"]
    assert (await _events(db))[-1] == DebateStatusChanged(clock.now(), "schedule", closed[0].id, "voirie", "open", "closed")
    # And it cannot be reopened while its closing date is past
    with pytest.raises(Invalid, match="closing date has passed"):
        async with db.transaction() as tx:
            await services.change_debate_status(tx, clock, OP, "voirie", DebateStatus.OPEN)


async def test_failed_use_case_writes_no_event(db, clock):
    with pytest.raises(Invalid):
        async with db.transaction() as tx:
            await services.create_debate(tx, clock, OP, NewDebate("voirie", "x", ""))
    assert await _events(db) == []


async def test_tokens_are_listed_and_revoked_by_their_owner_or_an_administrator(db, clock):
    # Given two citizens with a token each and an administrator
    async with db.transaction() as tx:
        anne = await services.admit_member(tx, clock, OP, NewMember("anne", "Anne", Role.CITIZEN))
        bruno = await services.admit_member(tx, clock, OP, NewMember("bruno", "Bruno", Role.CITIZEN))
        admin = await services.admit_member(tx, clock, OP, NewMember("claire", "Claire", Role.ADMIN))
        await services.issue_api_token(tx, clock, OP, "anne", "script")
        await services.issue_api_token(tx, clock, OP, "bruno", "")
    async with db.transaction() as tx:
        # Then each sees their own; only an administrator sees everyone's
        [own] = await services.list_api_tokens(tx, anne, "anne")
        assert (own.username, own.label, own.member_id) == ("anne", "script", anne.id)
        assert [t.username for t in await services.list_api_tokens(tx, admin)] == ["anne", "bruno"]
        with pytest.raises(Forbidden):
            await services.list_api_tokens(tx, bruno, "anne")
        with pytest.raises(Forbidden):
            await services.list_api_tokens(tx, bruno)
    # And nobody revokes someone else's token, nor one that does not exist
    with pytest.raises(Forbidden):
        async with db.transaction() as tx:
            await services.revoke_api_token(tx, clock, bruno, own.id)
    with pytest.raises(NotFound):
        async with db.transaction() as tx:
            await services.revoke_api_token(tx, clock, admin, 999)
    # When anne revokes hers
    async with db.transaction() as tx:
        revoked = await services.revoke_api_token(tx, clock, anne, own.id)
    # Then it is gone, the revocation is a (private) event, and bruno's token stays
    assert revoked == own
    async with db.transaction() as tx:
        assert await services.list_api_tokens(tx, anne, "anne") == []
        assert [t.username for t in await services.list_api_tokens(tx, OP)] == ["bruno"]
    async with db.read().conn.execute(
            "SELECT payload FROM events WHERE type = 'ApiTokenRevoked'") as cur:
        [(payload,)] = await cur.fetchall()
    assert '"token_id":%d' % own.id in payload.replace(" ", "") and "ApiTokenRevoked" in PRIVATE_EVENT_TYPES
