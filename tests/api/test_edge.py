"""The HTTP edge of the API: media types, JSON strictness, size, addresses, methods, tokens
and cookies. Each refusal is problem+json, and a refused write stores nothing."""
from __future__ import annotations

import json

import pytest

from .world import Stored, session_cookie

ARGUMENT = {"stance": "for", "body": "Un argument solide."}


async def _post_raw(api, world, data: bytes, content_type: str | None = "application/json"):
    headers = {"Content-Type": content_type} if content_type else {}
    return await api.post(f"/proposals/{world.proposal}/arguments", as_="carla", data=data,
                          headers=headers)


async def test_json_with_a_utf8_charset_is_accepted(world, api):
    reply = await _post_raw(api, world, json.dumps(ARGUMENT).encode(),
                            "application/json; charset=utf-8")
    assert reply.status == 201


@pytest.mark.parametrize("content_type", [
    None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
    "application/json; charset=latin-1", "application/jsonx",
])
async def test_a_body_not_sent_as_json_is_415(world, api, content_type):
    stored = await Stored.take(world.node)
    reply = await _post_raw(api, world, json.dumps(ARGUMENT).encode(), content_type)
    assert reply.status == 415
    await stored.assert_unchanged()


@pytest.mark.parametrize("data", [
    b"", b"{", b'{"stance": "for",}', b"{'stance': 'for'}", b'{"body": NaN, "stance": "for"}',
    b'{"stance": "for", "stance": "against", "body": "x"}',  # a field twice is ambiguous
    '{"stance": "for", "body": "caf\u00e9"}'.encode("latin-1"),  # not UTF-8
    b"[" * 100_000 + b"]" * 100_000,  # nested deeper than any parser stack
    b'{"stance": "for", "body": 1' + b"0" * 5000 + b"}",  # an integer too long to read
])
async def test_a_body_that_is_not_strict_json_is_400(world, api, data):
    stored = await Stored.take(world.node)
    reply = await _post_raw(api, world, data)
    assert reply.status == 400, reply.body
    assert reply.body["detail"].startswith("The body is not valid JSON")
    await stored.assert_unchanged()


async def test_a_body_over_the_size_limit_is_413(world, api):
    # Given the node's client_max_size
    limit = world.node.config.server.max_request_bytes
    stored = await Stored.take(world.node)
    # When a body one byte larger is sent
    body = {"stance": "for", "body": "a" * limit}
    reply = await _post_raw(api, world, json.dumps(body).encode())
    # Then
    assert reply.status == 413
    await stored.assert_unchanged()


async def test_integral_floats_count_as_integers_like_json_schema_says(world, api):
    reply = await api.post("/moderation-actions", as_="modo", json={
        "action": "hide", "target_kind": "argument", "target_id": float(world.argument),
        "reason": "Hors sujet."})
    assert reply.status == 201 and reply.body["target_id"] == world.argument


async def test_unknown_addresses_and_methods_are_problem_documents(world, api):
    for method, path, status in [("GET", "/nulle-part", 404), ("GET", "/proposals/abc", 404),
                                 ("GET", "/proposals/0", 404), ("DELETE", "/debates", 405),
                                 ("HEAD", "/debates", 405), ("POST", "/me", 405)]:
        reply = await api.call(method, path, as_="anne")
        assert reply.status == status, (method, path)
        if method == "HEAD":
            assert reply.raw == b""
        else:
            assert reply.content_type == "application/problem+json"
    reply = await api.call("DELETE", "/debates")
    assert "GET" in reply.headers["Allow"] and "POST" in reply.headers["Allow"]


async def test_a_malformed_slug_is_404(world, api):
    reply = await api.get("/debates/Pas%20un%20slug")
    assert reply.status == 404


async def test_me_describes_the_token_holder(world, api):
    reply = await api.get("/me", as_="rita")
    assert reply.status == 200
    assert reply.body["username"] == "rita" and reply.body["role"] == "representative"
    assert reply.body["mandate"] == "adjointe à la mobilité"
    anne = await api.get("/me", as_="anne")
    assert anne.body["is_verified_resident"] is True and anne.body["verified_at"].endswith("Z")


async def test_a_session_cookie_identifies_nobody_under_the_api(world, api):
    # Given anne signed in with a browser session
    cookie = await session_cookie(world.node, "anne")
    # When a read is made with the cookie only
    reply = await api.get("/me", headers={"Cookie": f"thc_session={cookie}"})
    # Then the API does not know her (and did not touch her session)
    assert reply.status == 401
    async with world.node.client.get(f"{world.node.url}/",
                                     headers={"Cookie": f"thc_session={cookie}"}) as page:
        assert "Anne" in await page.text()  # the pages still honour it


async def test_the_cookie_does_not_reveal_hidden_content_either(world, api):
    # Given a hidden proposal and the moderator's browser session
    await api.post("/moderation-actions", as_="modo", json={
        "action": "hide", "target_kind": "proposal", "target_id": world.proposal,
        "reason": "Doublon d'une autre proposition."})
    cookie = await session_cookie(world.node, "modo")
    # When read with the cookie, then with the token
    with_cookie = await api.get(f"/proposals/{world.proposal}",
                                headers={"Cookie": f"thc_session={cookie}"})
    with_token = await api.get(f"/proposals/{world.proposal}", as_="modo")
    # Then only the token counts
    assert with_cookie.status == 404 and with_token.status == 200


async def test_problem_documents_carry_the_request_id(world, api):
    reply = await api.get(f"/proposals/{world.proposal}/votes")
    assert reply.status == 403
    assert reply.body["request_id"] == reply.headers["X-Request-Id"]
    assert reply.body["detail"] == "votes in this debate are private: only totals are shown"


async def test_validation_problems_list_every_error_at_once(world, api):
    stored = await Stored.take(world.node)
    reply = await api.post(f"/debates/{'voirie'}/proposals", as_="anne", json={
        "title": 3, "articles": [{"number": 0, "text": ""}, {"number": "2", "text": "x",
                                                             "titre": "?"}],
        "sources": "https://example.org", "auteur": "anne"})
    assert reply.status == 422
    assert sorted(reply.error_fields()) == sorted([
        "body", "title", "articles.0.number", "articles.0.text", "articles.1.number",
        "articles.1.titre", "sources", "auteur"])
    await stored.assert_unchanged()


async def test_a_bad_cursor_in_a_short_list_is_422_not_500(world, api):
    reply = await api.get(f"/proposals/{world.proposal}/versions", params={"after": "1.2"})
    assert reply.status == 422 and reply.error_fields() == ["after"]


async def test_a_body_found_valid_once_is_still_checked_against_each_endpoints_schema(world, api):
    # Valid verdicts are remembered by schema and exact bytes (web/api_edge.py): the same
    # bytes sent to another endpoint, or invalid bytes sent twice, are checked every time.
    vote = b'{"choice": "for"}'
    headers = {"Content-Type": "application/json"}
    for _ in range(2):
        reply = await api.put(f"/proposals/{world.proposal}/vote", as_="bruno", data=vote,
                              headers=headers)
        assert reply.status == 200 and reply.body["choice"] == "for"
    stored = await Stored.take(world.node)
    for _ in range(2):
        as_argument = await api.post(f"/proposals/{world.proposal}/arguments", as_="bruno",
                                     data=vote, headers=headers)
        assert as_argument.status == 422
        assert {e["field"] for e in as_argument.body["errors"]} >= {"stance", "body", "choice"}
        wrong = await api.put(f"/proposals/{world.proposal}/vote", as_="bruno",
                              data=b'{"choice": "pour"}', headers=headers)
        assert wrong.status == 422 and wrong.body["errors"][0]["field"] == "choice"
    await stored.assert_unchanged()
