"""Every operation, generically: it succeeds once on a real node with a real token, and each
kind of bad request gets its 4xx problem+json with nothing stored (rows and events alike).

The bad requests come from the case table (cases.py) and the operation's request schema:
each required field missing, each field of a wrong type, each bounded text one character too
long, an unknown field, a body that is no JSON object, no token, unknown ids.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from web.api import ENDPOINTS
from web.api_schemas import SCHEMAS
from web.schema import Validator

from .cases import READ_CASES, WRITE_CASES, Case
from .world import Stored, session_cookie

BY_ID = {e.operation_id: e for e in ENDPOINTS}
SCHEMA = Validator({"components": {"schemas": SCHEMAS}})
WITH_BODY = [op for op in WRITE_CASES if BY_ID[op].body]
WITHOUT_BODY = [op for op in WRITE_CASES if not BY_ID[op].body]
NAMING = [op for op, case in {**WRITE_CASES, **READ_CASES}.items() if case.names_something]
LISTS = [op for op in READ_CASES if BY_ID[op].query]


def _request_schema(operation: str) -> dict[str, Any]:
    return SCHEMAS[BY_ID[operation].body]


def _resolved(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _resolved(SCHEMA.resolve(schema["$ref"]))
    if "anyOf" in schema:  # nullable(ref): the non-null shape
        return _resolved(next(s for s in schema["anyOf"] if s.get("type") != "null"))
    return schema


def _json_types(schema: dict[str, Any]) -> set[str]:
    schema = _resolved(schema)
    declared = schema.get("type", "object")
    return set(declared if isinstance(declared, list) else [declared])


def _wrong_value(schema: dict[str, Any]) -> Any:
    """A value whose JSON type the schema does not accept."""
    allowed = _json_types(schema)
    for value, json_type in ((12345, "integer"), ("texte", "string"), (True, "boolean"),
                             (["x"], "array"), ({"x": 1}, "object")):
        if json_type not in allowed and not (json_type == "integer" and "number" in allowed):
            return value
    raise AssertionError(f"no wrong type for {schema}")


async def _send(api, case: Case, world, body: Any = "default", **kw):
    payload = case.payload(world) if body == "default" else body
    extra = {"json": payload} if payload is not None else {}
    return await api.call(case.method, case.url(world), **extra, **kw)


def test_the_cases_cover_every_operation_once():
    # Given the endpoint table, When compared with the case tables, Then they name the same
    assert set(WRITE_CASES) | set(READ_CASES) == set(BY_ID)
    assert not set(WRITE_CASES) & set(READ_CASES)
    for operation, case in {**WRITE_CASES, **READ_CASES}.items():
        endpoint = BY_ID[operation]
        assert (case.method, case.status) == (endpoint.method, endpoint.status), operation
        assert (case.method == "GET") == (operation in READ_CASES)
        assert (case.body is not None) == (endpoint.body is not None), operation


# --- Success ---------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", list(WRITE_CASES))
async def test_write_succeeds_with_a_token_and_records_its_event(world, api, operation):
    # Given the world and a member allowed to act
    case = WRITE_CASES[operation]
    stored = await Stored.take(world.node)
    # When
    reply = await _send(api, case, world, as_=case.as_)
    # Then the documented success status (the client validated the body against the document)
    assert reply.status == case.status, reply.body
    assert reply.headers["Cache-Control"] == "no-store"
    await stored.assert_new_events()


@pytest.mark.parametrize("operation", list(READ_CASES))
async def test_read_succeeds_and_stores_nothing(world, api, operation):
    case = READ_CASES[operation]
    stored = await Stored.take(world.node)
    # When read anonymously (or as the case's member), then as a moderator with a token
    reply = await _send(api, case, world, as_=case.as_)
    moderator = await _send(api, case, world, as_=case.as_ or "modo")
    # Then
    assert reply.status == 200 and moderator.status == 200, (reply.body, moderator.body)
    await stored.assert_unchanged(operation)


# --- Refusals ------------------------------------------------------------------------------
# A refused request stores nothing (each check asserts it), so one world serves every
# operation of a category; `each` runs them all and reports every failing operation at once.


async def each(operations, check) -> None:
    failures = []
    for operation in operations:
        try:
            await check(operation)
        except AssertionError as exc:
            failures.append(f"{operation}: {exc}")
    assert not failures, "\n".join(failures)


def _case(operation: str) -> Case:
    return WRITE_CASES.get(operation) or READ_CASES[operation]


async def test_writes_without_a_valid_token_are_401_and_store_nothing(world, api):
    async def check(operation):
        # Given a signed-in browser session for the member (ambient credentials)
        case = _case(operation)
        cookie = await session_cookie(world.node, case.as_)
        stored = await Stored.take(world.node)
        # When sent with no token, a session cookie only, a bad token, or another scheme
        replies = [
            await _send(api, case, world),
            await _send(api, case, world, headers={"Cookie": f"thc_session={cookie}"}),
            await _send(api, case, world, token="thc_faux"),
            await _send(api, case, world, headers={"Authorization": "Basic YW5uZTpwYXNz"}),
        ]
        # Then each is refused with a Bearer challenge
        for reply in replies:
            assert reply.status == 401, reply.body
            assert reply.headers["WWW-Authenticate"].startswith("Bearer")
        await stored.assert_unchanged()

    await each([*WRITE_CASES, "get_me", "get_own_vote"], check)


async def test_unknown_ids_and_slugs_are_404_and_store_nothing(world, api):
    async def check(operation):
        case = _case(operation)
        stored = await Stored.take(world.node)
        # When the request names nothing that exists
        if case.unknown_body:
            reply = await api.call(case.method, case.url(world), as_=case.as_,
                                   json=case.unknown_body(world))
        else:
            body = case.payload(world)
            reply = await api.call(case.method, case.url(world, unknown=True),
                                   as_=case.as_ or "modo",
                                   **({"json": body} if body is not None else {}))
        # Then
        assert reply.status == 404, reply.body
        await stored.assert_unchanged()

    await each(NAMING, check)


async def test_ids_beyond_sqlite_range_are_404(world, api):
    async def check(operation):
        case = _case(operation)
        url = case.url(world).replace(f"/proposals/{world.proposal}", "/proposals/" + "9" * 30)
        reply = await api.call(case.method, url, as_=case.as_ or "anne",
                               **({"json": case.payload(world)} if case.body else {}))
        assert reply.status == 404, reply.body

    await each([op for op in NAMING if "{proposal}" in _case(op).path], check)


async def test_each_missing_required_field_is_422_and_stores_nothing(world, api):
    async def check(operation):
        case, schema = WRITE_CASES[operation], _request_schema(operation)
        stored = await Stored.take(world.node)
        for field in schema["required"]:
            # When one required field is left out
            body = {k: v for k, v in case.payload(world).items() if k != field}
            reply = await _send(api, case, world, body, as_=case.as_)
            # Then it is named in the problem's errors
            assert reply.status == 422, (field, reply.body)
            assert {"field": field, "message": "is required"} in reply.body["errors"]
        await stored.assert_unchanged()

    await each(WITH_BODY, check)


async def test_each_field_of_a_wrong_type_or_value_is_422_and_stores_nothing(world, api):
    async def check(operation):
        case, schema = WRITE_CASES[operation], _request_schema(operation)
        stored = await Stored.take(world.node)
        for field, field_schema in schema["properties"].items():
            types, resolved = _json_types(field_schema), _resolved(field_schema)
            wrong = [_wrong_value(field_schema)]
            if types & {"integer", "string"} and "boolean" not in types:
                wrong.append(True)  # JSON true is no integer, whatever Python says
            if "enum" in resolved:
                wrong.append("nimporte")
            for value in wrong:
                reply = await _send(api, case, world, {**case.payload(world), field: value},
                                    as_=case.as_)
                assert reply.status == 422, (field, value, reply.body)
                assert field in reply.error_fields(), (field, value, reply.body)
        await stored.assert_unchanged()

    await each(WITH_BODY, check)


async def test_each_text_one_character_too_long_is_422_and_stores_nothing(world, api):
    async def check(operation):
        case, schema = WRITE_CASES[operation], _request_schema(operation)
        stored = await Stored.take(world.node)
        for field, field_schema in schema["properties"].items():
            limit = _resolved(field_schema).get("maxLength")
            if limit is None:
                continue
            # When the text is one character over the domain's bound
            body = {**case.payload(world), field: "a" * (limit + 1)}
            reply = await _send(api, case, world, body, as_=case.as_)
            # Then
            assert reply.status == 422, (field, reply.body)
            message = f"must have at most {limit} characters"
            assert {"field": field, "message": message} in reply.body["errors"]
        await stored.assert_unchanged()

    bounded = [op for op in WITH_BODY if any(
        "maxLength" in _resolved(s) for s in _request_schema(op)["properties"].values())]
    assert len(bounded) >= 8
    await each(bounded, check)


async def test_a_body_that_is_not_a_json_object_of_known_fields_is_refused(world, api):
    async def check(operation):
        case = WRITE_CASES[operation]
        stored = await Stored.take(world.node)
        # An unknown field (a typo must show)
        reply = await _send(api, case, world, {**case.payload(world), "colour": "bleu"},
                            as_=case.as_)
        assert reply.status == 422
        assert {"field": "colour", "message": "is not a known field"} in reply.body["errors"]
        # JSON, but not an object
        for body in ([case.payload(world)], "texte", 42, None):
            reply = await api.call(case.method, case.url(world), as_=case.as_,
                                   data=json.dumps(body),
                                   headers={"Content-Type": "application/json"})
            assert reply.status == 422 and reply.error_fields() == [""], (body, reply.body)
        # Not JSON; not declared as JSON
        reply = await api.call(case.method, case.url(world), as_=case.as_, data=b'{"body": ',
                               headers={"Content-Type": "application/json"})
        assert reply.status == 400
        reply = await api.call(case.method, case.url(world), as_=case.as_, data=b"stance=for",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert reply.status == 415
        await stored.assert_unchanged()

    await each(WITH_BODY, check)


async def test_an_operation_without_a_body_refuses_one(world, api):
    async def check(operation):
        case = _case(operation)
        stored = await Stored.take(world.node)
        reply = await api.call(case.method, case.url(world), as_=case.as_ or "anne",
                               json={"reason": "x"})
        assert reply.status == 422 and reply.error_fields() == [""]
        await stored.assert_unchanged()

    await each([*WITHOUT_BODY, *READ_CASES], check)


async def test_list_query_parameters_are_checked(world, api):
    async def check(operation):
        case = READ_CASES[operation]
        stored = await Stored.take(world.node)
        cursor = next(n for n in ("after", "after_for") if any(
            p["name"] == n for p in _parameters(api, case, world)))
        bad = [({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"),
               ({"limit": "dix"}, "limit"), ({"limit": "1.5"}, "limit"),
               ({"limt": "5"}, "limt"), ([("limit", "2"), ("limit", "3")], "limit"),
               ({cursor: "abc"}, cursor), ({cursor: "²"}, cursor), ({cursor: "1" * 50}, cursor)]
        for params, field in bad:
            reply = await api.call("GET", case.url(world), as_=case.as_, params=params)
            assert reply.status == 422, (params, reply.body)
            assert field in reply.error_fields(), (params, reply.body)
        await stored.assert_unchanged()

    await each(LISTS, check)


async def test_operations_without_a_query_refuse_one(world, api):
    async def check(operation):
        case = _case(operation)
        stored = await Stored.take(world.node)
        reply = await api.call(case.method, case.url(world) + "?limit=5", as_=case.as_ or "anne",
                               **({"json": case.payload(world)} if case.body else {}))
        assert reply.status == 422 and reply.error_fields() == ["limit"], reply.body
        await stored.assert_unchanged()

    await each([op for op in BY_ID if not BY_ID[op].query], check)


def _parameters(api, case: Case, world) -> list[dict]:
    document = api.document
    template = api._template(case.url(world))
    refs = document["paths"][template]["get"].get("parameters", [])
    return [api.validator.resolve(r["$ref"]) for r in refs]
