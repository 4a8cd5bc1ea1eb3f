"""federation/response_cache.py: answers held per URL, dropped at a commit, after the hold,
and bounded."""
from __future__ import annotations

from multidict import CIMultiDict

from federation import response_cache
from federation.response_cache import HeldResponses


def _headers() -> CIMultiDict[str]:
    return CIMultiDict({"Content-Type": "application/jrd+json", "Content-Length": "2",
                        "Date": "Sat, 28 Nov 2026 03:00:00 GMT", "Vary": "Accept"})


def test_an_answer_is_held_until_the_next_commit_without_its_per_response_headers():
    responses = HeldResponses()
    responses.hold("/a", 7, b"{}", _headers())
    body, headers = responses.get("/a", 7)
    assert body == b"{}" and dict(headers) == {"Content-Type": "application/jrd+json",
                                               "Vary": "Accept"}
    assert responses.get("/a", 8) is None and responses.get("/b", 7) is None


def test_an_answer_is_dropped_after_the_hold(monkeypatch):
    now = [100.0]

    class Clock:
        @staticmethod
        def monotonic():
            return now[0]

    monkeypatch.setattr(response_cache, "time", Clock)
    responses = HeldResponses(seconds=1.0)
    responses.hold("/a", 1, b"{}", _headers())
    now[0] = 100.9
    assert responses.get("/a", 1) is not None
    now[0] = 101.0
    assert responses.get("/a", 1) is None


def test_the_holding_is_bounded_in_entries_and_key_length():
    responses = HeldResponses(size=3)
    for i in range(3):
        responses.hold(f"/{i}", 1, b"x", _headers())
    responses.hold("/3", 1, b"x", _headers())  # full: starts again from this one
    assert [responses.get(f"/{i}", 1) is not None for i in range(4)] == [False] * 3 + [True]
    responses.hold("/" + "x" * response_cache.MAX_KEY_LENGTH, 1, b"x", _headers())
    assert responses.get("/" + "x" * response_cache.MAX_KEY_LENGTH, 1) is None
