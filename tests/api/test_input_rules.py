"""One rule for text, on every field of every API operation: control characters (C0 and C1
but tab and line breaks) are 422 naming the field, a lone surrogate is 400, nothing is
stored; and an error document stays small whatever the body."""
from __future__ import annotations

import json
from typing import Any

from web.api import ENDPOINTS
from web.api_schemas import MAX_LISTED_ERRORS

from .cases import WRITE_CASES
from .world import Stored

BY_ID = {e.operation_id: e for e in ENDPOINTS}
WITH_BODY = [op for op in WRITE_CASES if BY_ID[op].body]
# NUL (first, and inside), ESC, DEL and a C1 control: each a class of its own.
CONTROLS = ("\x00début", "milieu\x00fin", "a\x1b[31mrouge", "a\x7fb", "a\x85b")


def _text_paths(value: Any, path: str = "") -> list[tuple[str, ...]]:
    """The path (keys and indexes) of every text in a body."""
    if isinstance(value, str):
        return [()]
    if isinstance(value, dict):
        return [(key, *rest) for key, item in value.items() for rest in _text_paths(item)]
    if isinstance(value, list):
        return [(i, *rest) for i, item in enumerate(value) for rest in _text_paths(item)]
    return []


def _replaced(body: Any, path: tuple, text: str) -> Any:
    if not path:
        return text
    copy = dict(body) if isinstance(body, dict) else list(body)
    copy[path[0]] = _replaced(body[path[0]], path[1:], text)
    return copy


async def _each_text_field(world, check) -> int:
    """Run `check(case, body_with_bad_text, dotted_field)` over every text of every body."""
    seen = 0
    failures = []
    for operation in WITH_BODY:
        case = WRITE_CASES[operation]
        stored = await Stored.take(world.node)
        payload = case.payload(world)
        for path in _text_paths(payload):
            field = ".".join(str(p) for p in path)
            seen += 1
            try:
                await check(case, payload, path, field)
            except AssertionError as exc:
                failures.append(f"{operation} {field}: {exc}")
        await stored.assert_unchanged(operation)
    assert not failures, "\n".join(failures)
    return seen


async def test_control_characters_in_any_text_field_are_422_naming_it(world, api):
    async def check(case, payload, path, field):
        for bad in CONTROLS:
            body = _replaced(payload, path, bad)
            reply = await api.call(case.method, case.url(world), json=body, as_=case.as_)
            assert reply.status == 422, (bad, reply.status, reply.body)
            assert field in reply.error_fields(), (bad, reply.body)

    assert await _each_text_field(world, check) >= 25


async def test_a_lone_surrogate_in_any_text_field_is_400(world, api):
    async def check(case, payload, path, field):
        body = _replaced(payload, path, "\ud800 x")
        raw = json.dumps(body)  # ASCII JSON: the surrogate travels as the escape \ud800
        assert "\\ud800" in raw
        reply = await api.call(case.method, case.url(world), data=raw.encode(),
                               as_=case.as_, headers={"Content-Type": "application/json"})
        assert reply.status == 400, reply.body
        assert "surrogate" in reply.body["detail"]

    assert await _each_text_field(world, check) >= 25


async def test_a_lone_surrogate_in_a_key_is_400(world, api):
    case = WRITE_CASES["create_debate"]
    raw = json.dumps({**case.payload(world), "\udc00": 1}).encode()
    reply = await api.call(case.method, case.url(world), data=raw, as_=case.as_,
                           headers={"Content-Type": "application/json"})
    assert reply.status == 400


async def test_line_breaks_are_kept_as_line_feeds(world, api):
    # When an argument is sent with CRLF and CR line breaks and a tab
    case = WRITE_CASES["post_argument"]
    body = {**case.payload(world), "body": "Premier point\r\nDeuxième\rTroisième\tfin"}
    reply = await api.call(case.method, case.url(world), json=body, as_=case.as_)
    # Then it is stored with line feeds only
    assert reply.status == case.status, reply.body
    assert reply.body["body"] == "Premier point\nDeuxième\nTroisième\tfin"


async def test_an_error_document_lists_a_bounded_number_of_errors(world, api):
    # Given a body of ~0.8 MB with 60,000 unknown keys
    case = WRITE_CASES["create_debate"]
    body = {**case.payload(world), **{f"x{i:05d}": 1 for i in range(60_000)}}
    raw = json.dumps(body).encode()
    assert len(raw) > 700_000
    # When
    reply = await api.call(case.method, case.url(world), data=raw, as_=case.as_,
                           headers={"Content-Type": "application/json"})
    # Then the answer lists the first errors and counts the others
    assert reply.status == 422
    assert len(reply.body["errors"]) == MAX_LISTED_ERRORS
    assert reply.body["more_errors"] == 60_000 - MAX_LISTED_ERRORS
    assert len(reply.raw) < 10_000
