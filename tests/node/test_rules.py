"""Pure rules: names, texts, schedules, permissions and debate transitions."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from node import rules
from node.errors import Invalid
from node.model import Debate, DebateStatus, Member, Operator, Role

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def member(role: Role, member_id: int = 1) -> Member:
    return Member(member_id, f"m{member_id}", "M", role, "", False, None, None, False, NOW)


def debate(status: DebateStatus, closes_at=None) -> Debate:
    return Debate(1, "voirie", "La voirie", "", status, None, closes_at, None, NOW, NOW)


@pytest.mark.parametrize("name", ["anne", "jean_paul", "a1", "x" * 30])
def test_username_accepts_lowercase_ascii(name):
    assert rules.check_username(name) == name


@pytest.mark.parametrize("name", ["A", "Anne", "jean-paul", "é", "a b", "x" * 31, "admin", ""])
def test_username_refuses_other_forms_and_reserved_names(name):
    with pytest.raises(Invalid) as caught:
        rules.check_username(name)
    assert caught.value.field == "username"


@pytest.mark.parametrize("slug", ["voirie", "budget-2027", "a"])
def test_slug_accepts_inner_hyphens(slug):
    assert rules.check_slug(slug) == slug


@pytest.mark.parametrize("slug", ["-voirie", "voirie-", "Voirie", "budget_2027", "x" * 61, "api"])
def test_slug_refuses_other_forms(slug):
    with pytest.raises(Invalid):
        rules.check_slug(slug)


def test_text_is_trimmed_and_bounded():
    assert rules.check_text("  Titre  ", field="title", min_len=3, max_len=10) == "Titre"
    with pytest.raises(Invalid, match="at least 3"):
        rules.check_text(" ab ", field="title", min_len=3, max_len=10)
    with pytest.raises(Invalid, match="at most 10"):
        rules.check_text("x" * 11, field="title", min_len=3, max_len=10)


def test_schedule_needs_time_zones_and_order():
    rules.check_schedule(NOW, NOW + timedelta(days=1))
    with pytest.raises(Invalid, match="time zone"):
        rules.check_schedule(datetime(2027, 1, 1), None)
    with pytest.raises(Invalid, match="after"):
        rules.check_schedule(NOW, NOW)


@pytest.mark.parametrize(
    ("check", "allowed"),
    [
        (rules.may_admit_members, {Role.ADMIN}),
        (rules.may_change_roles, {Role.ADMIN}),
        (rules.may_verify_residents, {Role.ADMIN, Role.TRUSTED_THIRD_PARTY}),
        (rules.may_manage_debates, {Role.ADMIN, Role.REPRESENTATIVE, Role.MODERATOR}),
    ],
)
def test_permissions_by_role_and_operator(check, allowed):
    for role in Role:
        assert check(member(role)) is (role in allowed), role
    assert check(Operator()) is True


def test_token_only_for_oneself_unless_operator():
    anne, bruno = member(Role.CITIZEN, 1), member(Role.ADMIN, 2)
    assert rules.may_issue_token(anne, anne)
    assert not rules.may_issue_token(bruno, anne)
    assert rules.may_issue_token(Operator(), anne)


@pytest.mark.parametrize(
    ("start", "target", "ok"),
    [
        (DebateStatus.DRAFT, DebateStatus.OPEN, True),
        (DebateStatus.DRAFT, DebateStatus.CLOSED, False),
        (DebateStatus.OPEN, DebateStatus.CLOSED, True),
        (DebateStatus.OPEN, DebateStatus.CONCLUDED, False),
        (DebateStatus.CLOSED, DebateStatus.OPEN, True),
        (DebateStatus.CLOSED, DebateStatus.CONCLUDED, True),
        (DebateStatus.CONCLUDED, DebateStatus.OPEN, False),
    ],
)
def test_debate_transitions(start, target, ok):
    if ok:
        rules.check_debate_transition(debate(start), target)
    else:
        with pytest.raises(Invalid):
            rules.check_debate_transition(debate(start), target)