"""Domain events survive the event log's JSON round trip, nested articles and sources included."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from node.events import (
    EVENT_TYPES,
    PRIVATE_EVENT_TYPES,
    DebateCreated,
    ProposalSubmitted,
    SupportThresholdReached,
    event_from_payload,
    event_payload,
)
from node.model import Article, Source

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def test_event_with_articles_and_sources_round_trips_through_json():
    # Given
    event = ProposalSubmitted(
        NOW, "member:1", 7, 2, "voirie", 3, 1, 1, "Titre", "Corps",
        (Article(1, "Objet", "Texte"), Article(2, "", "Suite")),
        (Source("https://example.org", "Étude"),),
    )
    # When
    payload = json.loads(json.dumps(event_payload(event)))
    # Then
    assert payload["articles"][0] == {"number": 1, "title": "Objet", "text": "Texte"}
    assert event_from_payload("ProposalSubmitted", payload) == event


def test_event_with_tuples_and_optional_datetimes_round_trips():
    for event in (
        SupportThresholdReached(NOW, "member:1", 7, 2, 50, 50, ("local_member",), NOW),
        DebateCreated(NOW, "operator", 1, "voirie", "La voirie", "", NOW, None, 50, 30, True,
                      ("verified_resident",)),
    ):
        payload = json.loads(json.dumps(event_payload(event)))
        assert event_from_payload(type(event).__name__, payload) == event


def test_older_debate_created_payloads_stay_readable():
    # Given a payload written before issue 3 added the settings
    payload = {"occurred_at": NOW.isoformat(), "by": "operator", "debate_id": 1,
               "slug": "voirie", "title": "La voirie"}
    # When
    event = event_from_payload("DebateCreated", payload)
    # Then
    assert event.support_threshold is None and event.answer_delay_days == 60


@pytest.mark.parametrize("name", sorted(PRIVATE_EVENT_TYPES))
def test_private_event_types_are_known(name):
    assert name in EVENT_TYPES


def test_every_event_class_is_registered_for_reading_back():
    # Given every Event subclass defined in node.events (but the bases that only share fields)
    import inspect

    from node import events

    defined = {
        name for name, obj in inspect.getmembers(events, inspect.isclass)
        if issubclass(obj, events.Event) and obj is not events.Event
        and obj not in events.SHARED_FIELD_BASES
    }
    # Then the log can read each of them back
    assert defined == set(EVENT_TYPES)
