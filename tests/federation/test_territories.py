"""The territory vocabulary read back (pure): a proposal's Question in our vocabulary becomes
what node.network ingests; other polls and amendments are not proposals."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from federation import vocab
from node.errors import Invalid
from node.model import AnswerKind, ChoiceCounts, ProposalStatus

AT = "2026-11-27T11:00:00Z"


def _question(**changes) -> dict:
    question = {
        "id": "http://alpha.test/propositions/3", "type": "Question",
        "attributedTo": "http://alpha.test/debats/mobilite", "title": "Déplacements #velo",
        "published": AT, "status": "answered", "debate": "http://alpha.test/debats/mobilite",
        "url": "http://alpha.test/propositions/3",
        "source": {"content": "Des pistes #securite", "mediaType": "text/markdown"},
        "tally": {"verifiedResidents": {"for": 3, "mixed": 1, "against": 0},
                  "localMembers": {"for": 2, "mixed": 0, "against": 1},
                  "remoteParticipants": {"for": 0, "mixed": 0, "against": 4}},
        "answer": {"answerKind": "adopted", "published": "2026-11-27T11:30:00Z",
                   "source": {"content": "Oui.", "mediaType": "text/markdown"}},
        "updated": "2026-11-27T11:30:00.250000Z",
    }
    return {**question, **changes}


def test_a_thc_question_is_read_into_a_remote_proposal():
    info = vocab.from_ap_thc_question(_question())
    assert info.ap_id == "http://alpha.test/propositions/3"
    assert info.debate_ap_id == "http://alpha.test/debats/mobilite"
    assert (info.title, info.body) == ("Déplacements #velo", "Des pistes #securite")
    assert info.status == ProposalStatus.ANSWERED.value
    assert (info.answer_kind, info.answer_text) == (AnswerKind.ADOPTED.value, "Oui.")
    assert info.updated_at == datetime(2026, 11, 27, 11, 30, 0, 250000, tzinfo=timezone.utc)
    assert info.tally.local_members == ChoiceCounts(2, 0, 1)
    assert info.tally.remote == ChoiceCounts(0, 0, 4)
    assert info.themes == ("velo", "securite")


def test_a_tally_update_without_updated_keeps_the_publication_time():
    question = _question()
    del question["updated"]
    info = vocab.from_ap_thc_question(question)
    assert info.updated_at == info.published_at


@pytest.mark.parametrize("raw", [
    {"id": "http://x.test/q", "type": "Question", "oneOf": []},  # a Mastodon poll
    _question(inReplyTo="http://alpha.test/propositions/1"),  # an amendment's poll
    _question(amendmentOf="http://alpha.test/propositions/1"),
    _question(type="Note"),
    _question(tally="lots"),
    _question(debate=None),
    "not an object",
])
def test_only_a_proposal_in_our_vocabulary_is_a_thc_question(raw):
    assert not vocab.is_thc_question(raw)


@pytest.mark.parametrize("when", ["", "soon", "2026-11-27T11:00:00", 12, "9" * 100])
def test_a_bad_date_is_invalid(when):
    with pytest.raises(Invalid):
        vocab.from_ap_thc_question(_question(published=when))
