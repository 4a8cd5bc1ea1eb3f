"""negotiation.py: which Accept headers get AS2 JSON (Mastodon's rule) and which get HTML."""
from __future__ import annotations

import pytest

from federation.negotiation import prefers_activity_json


@pytest.mark.parametrize("accept", [
    "application/activity+json",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    "application/ld+json;profile=https://www.w3.org/ns/activitystreams",
    "application/ld+json",
    "application/activity+json, application/ld+json, text/html;q=0.1",
    "text/html;q=0.5, application/activity+json",
    "APPLICATION/ACTIVITY+JSON",
])
def test_federation_clients_get_as2(accept):
    assert prefers_activity_json(accept) is True


@pytest.mark.parametrize("accept", [
    "", "*/*", "text/html", "application/json",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "text/html, application/activity+json;q=0.5",
    "application/activity+json;q=0",
    "application/activity+json;q=oops",
])
def test_browsers_and_others_get_html(accept):
    assert prefers_activity_json(accept) is False
