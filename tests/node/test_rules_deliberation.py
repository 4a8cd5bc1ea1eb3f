"""Pure deliberation rules, without a server or a database."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from node import content_rules, rules, tallies
from node.accounts import Invitation, PasswordReset, RegistrationMode
from node.errors import Conflict, Forbidden, Invalid
from node.model import (
    Amendment,
    AmendmentDraft,
    AmendmentStatus,
    Argument,
    Article,
    ChoiceCounts,
    Debate,
    DebateRole,
    DebateSettings,
    DebateStatus,
    Member,
    Operator,
    ParticipantClass,
    ParticipantKind,
    ParticipantRef,
    Proposal,
    ProposalDraft,
    ProposalStatus,
    ProposalVersion,
    Role,
    Source,
    Stance,
    Tally,
    VoteChoice,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
NO_ROLES: frozenset[DebateRole] = frozenset()


def member(role: Role = Role.CITIZEN, member_id: int = 1, verified: bool = False) -> Member:
    return Member(member_id, f"m{member_id}", "M", role, "", verified, None, None, True, NOW)


def ref(member_id: int, participant_id: int | None = None) -> ParticipantRef:
    return ParticipantRef(participant_id or member_id + 100, ParticipantKind.LOCAL, member_id,
                          f"m{member_id}", "M", False)


def debate(status: DebateStatus = DebateStatus.OPEN) -> Debate:
    return Debate(1, "voirie", "La voirie", "", status, None, None, None, NOW, NOW)


def proposal(
    status: ProposalStatus = ProposalStatus.SUBMITTED, *, reached_at=None, due_at=None,
    answered_at=None, hidden_at=None, author_id: int = 1,
) -> Proposal:
    return Proposal(1, 1, ref(author_id), status, 1, "Titre", "Corps", NOW, NOW, reached_at,
                    due_at, answered_at, None, hidden_at)


def version(body: str = "Le corps.", articles=(Article(1, "Objet", "Texte un."),)) -> ProposalVersion:
    return ProposalVersion(1, 1, "Titre", body, tuple(articles), (), None, None, NOW)


def amendment(original: str, text: str, article_number: int | None = None) -> Amendment:
    return Amendment(1, 1, ref(2), article_number, 1, original, text, "Parce que.",
                     AmendmentStatus.PROPOSED, None, None, "", None, NOW, None)


def argument(arg_id: int, stance: Stance, useful: int, *, author_id: int = 1, hidden=False,
             withdrawn=False) -> Argument:
    return Argument(arg_id, 1, ref(author_id), stance, "Corps", useful, NOW, None,
                    NOW if withdrawn else None, NOW if hidden else None)


# --- text bounds ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (ProposalDraft("ab", "Corps"), "title"),
        (ProposalDraft("x" * 201, "Corps"), "title"),
        (ProposalDraft("Titre", "   "), "body"),
        (ProposalDraft("Titre", "x" * 20_001), "body"),
        (ProposalDraft("Titre", "Corps", tuple(Article(n, "", "t") for n in range(1, 102))), "articles"),
        (ProposalDraft("Titre", "Corps", (Article(1, "", "a"), Article(1, "", "b"))), "articles"),
        (ProposalDraft("Titre", "Corps", (Article(0, "", "a"),)), "articles"),
        (ProposalDraft("Titre", "Corps", (Article(1, "x" * 201, "a"),)), "article_title"),
        (ProposalDraft("Titre", "Corps", (Article(1, "", " "),)), "article_text"),
        (ProposalDraft("Titre", "Corps", (Article(1, "", "x" * 10_001),)), "article_text"),
        (ProposalDraft("Titre", "Corps", (), tuple(Source(f"https://e.org/{n}", "") for n in range(21))), "sources"),
        (ProposalDraft("Titre", "Corps", (), (Source("https://e.org", ""), Source("https://e.org", ""))), "sources"),
        (ProposalDraft("Titre", "Corps", (), (Source("https://e.org", "x" * 201),)), "source_title"),
    ],
)
def test_proposal_draft_is_refused_when_out_of_bounds(draft, field):
    # When / Then
    with pytest.raises(Invalid) as caught:
        content_rules.check_proposal_draft(draft)
    assert caught.value.field == field


def test_proposal_draft_is_trimmed_and_its_articles_sorted_when_valid():
    # Given
    draft = ProposalDraft(
        "  Titre  ", " Corps ", (Article(2, " Deux ", " b "), Article(1, "", "a")),
        (Source(" https://example.org/a ", " Étude "),),
    )
    # When
    checked = content_rules.check_proposal_draft(draft)
    # Then
    assert checked == ProposalDraft(
        "Titre", "Corps", (Article(1, "", "a"), Article(2, "Deux", "b")),
        (Source("https://example.org/a", "Étude"),),
    )


def test_proposal_draft_accepts_the_exact_bounds():
    # Given the largest allowed sizes
    draft = ProposalDraft(
        "x" * 200, "x" * 20_000, tuple(Article(n, "t" * 200, "a") for n in range(1, 101)),
        tuple(Source(f"https://e.org/{n}", "s" * 200) for n in range(20)),
    )
    # When / Then
    assert len(content_rules.check_proposal_draft(draft).articles) == 100
    assert content_rules.check_proposal_draft(ProposalDraft("abc", "x")).title == "abc"


def test_proposal_total_text_is_capped_when_articles_are_long():
    # Given eleven articles of 10,000 characters: each fits, together they do not
    draft = ProposalDraft("Titre", "Corps", tuple(Article(n, "", "x" * 10_000) for n in range(1, 12)))
    # When / Then
    with pytest.raises(Invalid, match="at most 100000"):
        content_rules.check_proposal_draft(draft)


@pytest.mark.parametrize(
    ("check", "too_short", "too_long"),
    [
        (content_rules.check_argument_body, " ", "x" * 5_001),
        (content_rules.check_answer_text, "court", "x" * 20_001),
        (content_rules.check_reason, "no", "x" * 1_001),
    ],
)
def test_bodies_are_bounded(check, too_short, too_long):
    with pytest.raises(Invalid):
        check(too_short)
    with pytest.raises(Invalid):
        check(too_long)
    assert check("x" * 20) == "x" * 20


@pytest.mark.parametrize(
    "url",
    ["https://example.org", "http://example.org/a?b=c#d", "https://[2001:db8::1]:8443/x",
     "HTTPS://Example.org/"],
)
def test_url_accepts_absolute_http_links(url):
    assert content_rules.check_url(url) == url


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://example.org", "//example.org", "/relative", "example.org",
     "https://", "https://exa mple.org", "https://user:pw@example.org", "https://e.org:99999",
     "https://e.org/\x00", "https://e.org/" + "x" * 2_000, "data:text/html,hi", ""],
)
def test_url_refuses_other_schemes_credentials_and_malformed_links(url):
    with pytest.raises(Invalid):
        content_rules.check_url(url)


# --- permissions -----------------------------------------------------------------------------


def test_only_moderators_admins_debate_moderators_and_operator_moderate():
    for role in Role:
        assert rules.may_moderate(member(role), NO_ROLES) is (role in {Role.ADMIN, Role.MODERATOR})
    assert rules.may_moderate(member(Role.CITIZEN), frozenset({DebateRole.MODERATOR}))
    assert not rules.may_moderate(member(Role.REPRESENTATIVE), frozenset({DebateRole.REPRESENTATIVE}))
    assert rules.may_moderate(Operator(), NO_ROLES)


def test_only_representatives_answer_and_only_those_in_charge_when_the_debate_names_some():
    rep = member(Role.REPRESENTATIVE)
    # Without representatives in charge: any representative, nobody else
    for role in Role:
        assert rules.may_answer(member(role), NO_ROLES, False) is (role is Role.REPRESENTATIVE)
    # With representatives in charge: only them
    assert not rules.may_answer(rep, NO_ROLES, True)
    assert rules.may_answer(rep, frozenset({DebateRole.REPRESENTATIVE}), True)
    # A debate role without the territory role is not enough; neither admins nor the operator
    assert not rules.may_answer(member(Role.CITIZEN), frozenset({DebateRole.REPRESENTATIVE}), True)
    assert not rules.may_answer(member(Role.ADMIN), NO_ROLES, False)
    assert not rules.may_answer(Operator(), NO_ROLES, False)


def test_only_authors_edit_and_only_the_lead_author_manages_coauthors():
    lead, coauthor, other = member(member_id=1), member(member_id=2), member(member_id=3)
    authors = (ref(1), ref(2))
    assert rules.may_edit_proposal(lead, authors) and rules.may_edit_proposal(coauthor, authors)
    assert not rules.may_edit_proposal(other, authors)
    assert not rules.may_edit_proposal(Operator(), authors)
    p = proposal(author_id=1)
    assert rules.may_manage_coauthors(lead, p) and not rules.may_manage_coauthors(coauthor, p)
    assert rules.may_remove_coauthor(coauthor, p, coauthor_member_id=2)
    assert not rules.may_remove_coauthor(other, p, coauthor_member_id=2)


def test_amendments_are_decided_by_proposal_authors_or_representatives_who_may_answer():
    authors = (ref(1),)
    assert rules.may_decide_amendment(member(member_id=1), authors, False)
    assert rules.may_decide_amendment(member(Role.REPRESENTATIVE, 9), authors, True)
    assert not rules.may_decide_amendment(member(member_id=5), authors, False)
    assert not rules.may_decide_amendment(member(Role.ADMIN, 5), authors, False)


def test_own_content_is_changed_by_its_author_only_and_useful_marks_go_to_others():
    mine = argument(1, Stance.FOR, 0, author_id=1)
    assert rules.may_change_own(member(member_id=1), mine.author)
    assert not rules.may_change_own(member(Role.ADMIN, 2), mine.author)
    assert not rules.may_mark_useful(member(member_id=1), mine)
    assert rules.may_mark_useful(member(member_id=2), mine)
    assert not rules.may_mark_useful(Operator(), mine)


def test_the_operator_takes_no_part_and_steering_needs_a_charge():
    assert not rules.may_take_part(Operator()) and rules.may_take_part(member())
    assert not rules.may_steer_debate(member(Role.REPRESENTATIVE), NO_ROLES)
    assert rules.may_steer_debate(member(Role.REPRESENTATIVE), frozenset({DebateRole.REPRESENTATIVE}))
    assert rules.may_steer_debate(member(Role.MODERATOR), NO_ROLES)
    assert rules.may_invite(Operator()) and rules.may_invite(member(Role.ADMIN))
    assert not rules.may_invite(member(Role.MODERATOR))
    assert rules.may_reset_passwords(member(Role.ADMIN)) and not rules.may_reset_passwords(member())


# --- states ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [DebateStatus.DRAFT, DebateStatus.CLOSED, DebateStatus.CONCLUDED])
def test_nothing_changes_in_a_debate_that_is_not_open(status):
    with pytest.raises(Conflict):
        rules.check_debate_open(debate(status))
    rules.check_debate_open(debate(DebateStatus.OPEN))


@pytest.mark.parametrize("status", [DebateStatus.OPEN, DebateStatus.CLOSED, DebateStatus.CONCLUDED])
def test_answers_are_allowed_once_the_debate_is_open_even_after_it_closes(status):
    rules.check_answerable(debate(status), proposal())


def test_answers_are_refused_when_the_proposal_is_hidden():
    with pytest.raises(Conflict, match="hidden"):
        rules.check_answerable(debate(), proposal(hidden_at=NOW))


@pytest.mark.parametrize(
    ("start", "target", "ok"),
    [
        (ProposalStatus.SUBMITTED, ProposalStatus.IN_DISCUSSION, True),
        (ProposalStatus.SUBMITTED, ProposalStatus.ANSWERED, True),
        (ProposalStatus.IN_DISCUSSION, ProposalStatus.ANSWERED, True),
        (ProposalStatus.IN_DISCUSSION, ProposalStatus.SUBMITTED, False),
        (ProposalStatus.ANSWERED, ProposalStatus.IN_DISCUSSION, False),
        (ProposalStatus.ANSWERED, ProposalStatus.SUBMITTED, False),
    ],
)
def test_proposal_status_transitions(start, target, ok):
    if ok:
        rules.check_proposal_transition(proposal(start), target)
    else:
        with pytest.raises(Invalid):
            rules.check_proposal_transition(proposal(start), target)


def test_only_unanswered_proposals_are_editable():
    rules.check_proposal_editable(proposal(ProposalStatus.SUBMITTED))
    rules.check_proposal_editable(proposal(ProposalStatus.IN_DISCUSSION))
    with pytest.raises(Conflict):
        rules.check_proposal_editable(proposal(ProposalStatus.ANSWERED, answered_at=NOW))


def test_decided_amendments_and_unlisted_arguments_are_refused():
    pending = amendment("a", "b")
    rules.check_amendment_pending(pending)
    for status in (AmendmentStatus.INTEGRATED, AmendmentStatus.REJECTED, AmendmentStatus.WITHDRAWN):
        with pytest.raises(Conflict):
            rules.check_amendment_pending(replace(pending, status=status))
    with pytest.raises(Conflict, match="withdrawn"):
        rules.check_argument_listed(argument(1, Stance.FOR, 0, withdrawn=True))
    with pytest.raises(Conflict, match="hidden"):
        rules.check_argument_listed(argument(1, Stance.FOR, 0, hidden=True))


# --- tallies, support, threshold, deadline -------------------------------------------------


def test_tally_counts_each_class_and_choice_from_grouped_rows():
    # When
    tally = Tally.from_counts(
        [("verified_resident", "for", 3), ("local_member", "for", 2),
         ("local_member", "against", 1), ("remote", "mixed", 4)]
    )
    # Then
    assert tally.verified_residents == ChoiceCounts(3, 0, 0)
    assert tally.local_members == ChoiceCounts(2, 0, 1)
    assert tally.remote == ChoiceCounts(0, 4, 0)
    assert tally.all == ChoiceCounts(5, 4, 1) and tally.all.total == 10
    assert tally.all.of(VoteChoice.MIXED) == 4


def test_support_counts_only_for_votes_of_the_counted_classes():
    tally = Tally(ChoiceCounts(3, 5, 5), ChoiceCounts(2, 0, 0), ChoiceCounts(7, 0, 0))
    assert tallies.support_of(tally, {ParticipantClass.VERIFIED_RESIDENT}) == 3
    assert tallies.support_of(tally, DebateSettings().threshold_classes) == 5
    assert tallies.support_of(tally, set(ParticipantClass)) == 12


def test_participant_class_follows_kind_and_verification():
    assert tallies.participant_class(ParticipantKind.LOCAL, True) is ParticipantClass.VERIFIED_RESIDENT
    assert tallies.participant_class(ParticipantKind.LOCAL, False) is ParticipantClass.LOCAL_MEMBER
    assert tallies.participant_class(ParticipantKind.REMOTE, True) is ParticipantClass.REMOTE
    assert ref(1).participant_class is ParticipantClass.LOCAL_MEMBER


def test_threshold_is_reached_only_once_and_only_by_a_visible_unanswered_proposal():
    settings = DebateSettings(support_threshold=3)
    assert tallies.reaches_threshold(settings, proposal(), 3)
    assert not tallies.reaches_threshold(settings, proposal(), 2)
    assert not tallies.reaches_threshold(settings, proposal(reached_at=NOW, due_at=NOW), 10)
    assert not tallies.reaches_threshold(settings, proposal(ProposalStatus.ANSWERED, answered_at=NOW), 10)
    assert not tallies.reaches_threshold(settings, proposal(hidden_at=NOW), 10)
    assert not tallies.reaches_threshold(DebateSettings(), proposal(), 10_000)


def test_answer_deadline_adds_the_debate_delay():
    assert tallies.answer_deadline(NOW, DebateSettings(answer_delay_days=60)) == NOW + timedelta(days=60)


def test_overdue_means_the_deadline_passed_without_an_answer():
    due = NOW + timedelta(days=60)
    waiting = proposal(reached_at=NOW, due_at=due)
    assert not tallies.is_answer_overdue(waiting, due - timedelta(seconds=1))
    assert not tallies.is_answer_overdue(waiting, due)
    assert tallies.is_answer_overdue(waiting, due + timedelta(seconds=1))
    answered = proposal(ProposalStatus.ANSWERED, reached_at=NOW, due_at=due, answered_at=due)
    assert not tallies.is_answer_overdue(answered, due + timedelta(days=10))
    assert not tallies.is_answer_overdue(proposal(), due + timedelta(days=1000))


def test_answer_time_left_counts_down_to_zero():
    due = NOW + timedelta(days=2)
    waiting = proposal(reached_at=NOW, due_at=due)
    assert tallies.answer_time_left(waiting, NOW) == timedelta(days=2)
    assert tallies.answer_time_left(waiting, due + timedelta(days=1)) == timedelta(0)
    assert tallies.answer_time_left(proposal(), NOW) is None


# --- amendments ------------------------------------------------------------------------------


def test_amendment_replaces_the_body_or_one_article():
    v = version(articles=(Article(1, "Objet", "Un."), Article(2, "Suite", "Deux.")))
    assert content_rules.apply_amendment(v, amendment("Le corps.", "Le nouveau corps.")) == (
        "Le nouveau corps.", v.articles)
    body, articles = content_rules.apply_amendment(v, amendment("Deux.", "Deux, mieux.", 2))
    assert body == "Le corps."
    assert articles == (Article(1, "Objet", "Un."), Article(2, "Suite", "Deux, mieux."))


def test_amendment_is_refused_when_its_target_changed_or_vanished():
    v = version(articles=(Article(1, "Objet", "Un."),))
    with pytest.raises(Conflict, match="changed"):
        content_rules.apply_amendment(v, amendment("Un ancien corps.", "Autre."))
    with pytest.raises(Conflict, match="no longer exists"):
        content_rules.apply_amendment(v, amendment("x", "y", 7))


def test_amendment_draft_must_change_an_existing_target_within_bounds():
    v = version()
    with pytest.raises(Invalid, match="does not change"):
        content_rules.check_amendment_draft(AmendmentDraft("Le corps.", "Parce que."), v)
    with pytest.raises(Invalid) as caught:
        content_rules.check_amendment_draft(AmendmentDraft("Texte", "Parce que.", 9), v)
    assert caught.value.field == "article_number"
    with pytest.raises(Invalid) as caught:
        content_rules.check_amendment_draft(AmendmentDraft("x" * 10_001, "Parce que.", 1), v)
    assert caught.value.field == "text"
    with pytest.raises(Invalid) as caught:
        content_rules.check_amendment_draft(AmendmentDraft("Autre", "no"), v)
    assert caught.value.field == "rationale"
    assert content_rules.check_amendment_draft(AmendmentDraft(" x ", "Parce que.", 1), v).text == "x"


# --- arguments -------------------------------------------------------------------------------


# --- accounts --------------------------------------------------------------------------------


def test_invitation_must_exist_be_unused_and_unexpired():
    fresh = Invitation(1, "", None, NOW, NOW + timedelta(days=1), None, None)
    assert rules.check_invitation_usable(fresh, NOW) is fresh
    for invitation, message in [
        (None, "not valid"),
        (Invitation(1, "", None, NOW, NOW + timedelta(days=1), NOW, 2), "already been used"),
        (Invitation(1, "", None, NOW, NOW, None, None), "expired"),
    ]:
        with pytest.raises(Invalid, match=message):
            rules.check_invitation_usable(invitation, NOW)


def test_registration_by_invitation_needs_a_code():
    rules.check_registration(RegistrationMode.OPEN, None)
    rules.check_registration(RegistrationMode.INVITATION, "inv_x")
    with pytest.raises(Forbidden):
        rules.check_registration(RegistrationMode.INVITATION, None)


def test_invitation_validity_is_between_an_hour_and_ninety_days():
    assert rules.check_invitation_validity(timedelta(hours=1)) == timedelta(hours=1)
    for bad in (timedelta(minutes=59), timedelta(days=91)):
        with pytest.raises(Invalid):
            rules.check_invitation_validity(bad)


def test_password_reset_is_usable_once_and_within_its_hour():
    fresh = PasswordReset(1, 1, NOW, NOW + timedelta(hours=1), None)
    assert rules.check_reset_usable(fresh, NOW) is fresh
    for reset in (None, PasswordReset(1, 1, NOW, NOW + timedelta(hours=1), NOW),
                  PasswordReset(1, 1, NOW, NOW, None)):
        with pytest.raises(Invalid, match="not valid or has expired"):
            rules.check_reset_usable(reset, NOW)


@pytest.mark.parametrize("bad", ["", " $argon2", "x" * 513])
def test_password_hash_is_bounded(bad):
    with pytest.raises(Invalid):
        rules.check_password_hash(bad)


# --- settings and misc -----------------------------------------------------------------------


def test_debate_settings_are_bounded():
    assert rules.check_debate_settings(DebateSettings(50, 30, True)) == DebateSettings(50, 30, True)
    for bad, field in [
        (DebateSettings(support_threshold=0), "support_threshold"),
        (DebateSettings(support_threshold=1_000_001), "support_threshold"),
        (DebateSettings(answer_delay_days=0), "answer_delay_days"),
        (DebateSettings(answer_delay_days=366), "answer_delay_days"),
        (DebateSettings(threshold_classes=frozenset()), "threshold_classes"),
        (DebateSettings(threshold_classes=frozenset({"citizens"})), "threshold_classes"),
    ]:
        with pytest.raises(Invalid) as caught:
            rules.check_debate_settings(bad)
        assert caught.value.field == field


def test_enum_input_and_page_sizes_are_checked():
    assert rules.parse_choice(VoteChoice, "mixed", field="choice") is VoteChoice.MIXED
    with pytest.raises(Invalid, match="for, mixed, against"):
        rules.parse_choice(VoteChoice, "maybe", field="choice")
    assert rules.check_page_limit(100) == 100
    for bad in (0, 101):
        with pytest.raises(Invalid):
            rules.check_page_limit(bad)
