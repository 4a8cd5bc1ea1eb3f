"""The federation fast path (web/middlewares.py): protocol routes skip the page middlewares
(session, CSRF, request id) but keep the security headers and problem+json errors; a browser
on an actor's URL still gets the page through the full chain, with its CSRF cookie."""
from __future__ import annotations

import time

from federation import local_actors, response_cache
from federation.signatures import sign_request_cavage
from node import services
from node.model import Operator, Role
from tests.federation.harness import (  # noqa: F401
    AS2,
    add_member,
    make_fed_node,
    make_peer,
    open_debate,
    peer_keys,
)
from web.app import open_database

DEBATE = "http://alpha.test/debats/eau"
PAGE_SECURITY = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                 "X-Frame-Options", "Permissions-Policy")
# Protocol answers load nothing: an API's set (OWASP REST Security Cheat Sheet), nothing allowed.
PROTOCOL_SECURITY = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")


def _secured(headers, names=PROTOCOL_SECURITY) -> bool:
    if not hasattr(headers, "getall"):  # a plain dict (see _replayable)
        present = all(name in headers for name in names)
    else:
        present = all(len(headers.getall(name, ())) == 1 for name in names)  # each once
    if names is PROTOCOL_SECURITY:
        return present and headers["Content-Security-Policy"] == (
            "default-src 'none'; frame-ancestors 'none'") and headers["X-Frame-Options"] == "DENY"
    return present


async def test_actor_json_skips_session_and_csrf_but_keeps_security_headers(make_fed_node):
    # Given a debate, and a client sending a (stale) session cookie
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    cookies = {"Cookie": "thc_session=stale; thc_csrf=x"}
    # When a federation client fetches the actor
    async with alpha.client.get(DEBATE, headers={"Accept": AS2, **cookies}) as response:
        body = await response.json(content_type=None)
        headers = response.headers
    # Then it gets the Group from cached bytes, secured, keyed on Accept, and no cookie
    assert response.status == 200 and body["type"] == "Group"
    assert headers["Content-Type"].startswith(AS2) and headers["Vary"] == "Accept"
    assert _secured(headers) and "Set-Cookie" not in headers
    assert "X-Request-Id" not in headers  # no page middleware ran


async def test_browser_on_the_same_url_gets_the_page_through_every_middleware(make_fed_node):
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    async with alpha.client.get(DEBATE, headers={"Accept": "text/html"}) as response:
        text = await response.text()
        headers = response.headers
    assert response.status == 200 and "<html" in text.lower()
    assert headers["Vary"] == "Accept" and _secured(headers, PAGE_SECURITY)
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "X-Request-Id" in headers and "thc_csrf=" in headers.get("Set-Cookie", "")


async def test_page_forms_keep_their_csrf_check(make_fed_node):
    # A POST to a page with cookies but no form token is still refused (not a protocol route)
    alpha = await make_fed_node("alpha")
    async with alpha.client.post("http://alpha.test/connexion", data={"username": "x"},
                                 headers={"Cookie": "thc_csrf=" + "a" * 43}) as response:
        assert response.status == 403


async def test_protocol_errors_are_problem_json_with_security_headers(make_fed_node):
    alpha = await make_fed_node("alpha")
    async with alpha.client.get("http://alpha.test/debats/nope/followers",
                                headers={"Accept": AS2}) as response:
        problem = await response.json(content_type=None)
        headers = response.headers
    assert response.status == 404
    assert headers["Content-Type"].startswith("application/problem+json")
    assert problem["status"] == 404 and _secured(headers)
    # WebFinger's own refusals stay short text, secured too
    async with alpha.client.get("http://alpha.test/.well-known/webfinger") as response:
        assert response.status == 400 and _secured(response.headers)


async def test_webfinger_answers_follow_a_new_debate_at_once(make_fed_node):
    # A cached "no such resource" does not outlive the commit that creates the actor
    alpha = await make_fed_node("alpha")
    url = "http://alpha.test/.well-known/webfinger?resource=acct:eau@alpha.test"
    async with alpha.client.get(url) as response:
        assert response.status == 404
    await open_debate(alpha, "eau")
    async with alpha.client.get(url) as response:
        jrd = await response.json(content_type=None)
    assert response.status == 200 and jrd["subject"] == "acct:eau@alpha.test"


async def test_json_constants_are_refused_at_the_inbox(make_fed_node, make_peer):
    # NaN is not JSON: refused with a reason, nothing stored (it would fail storage's CHECK)
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    mallory = await make_peer("mallory")
    mallory.add_actor("mallory", peer_keys(1))
    follow = mallory.activity("mallory", "Follow", DEBATE)
    body = (str(follow).replace("'", '"')[:-1] + ', "x": NaN}').encode()
    status, text = await mallory.post(DEBATE + "/inbox", body=body, now=alpha.clock.now())
    assert (status, "not valid JSON" in text) == (400, True), text


def _replayable(headers) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in ("Date",)}


async def test_held_actor_answers_are_replayed_whole_and_follow_a_change_at_once(make_fed_node):
    # Given a member's actor, fetched twice by a federation client
    alpha = await make_fed_node("alpha")
    await add_member(alpha, "anne")
    url = "http://alpha.test/membres/anne"
    answers = []
    for _ in range(3):  # the first one creates her keys (a commit): the third is held
        async with alpha.client.get(url, headers={"Accept": AS2}) as response:
            answers.append((response.status, _replayable(response.headers), await response.read()))
    # Then the held answer (federation/response_cache.py) is the one built, headers included
    assert answers[0] == answers[1] == answers[2] and answers[0][0] == 200
    assert _secured(answers[1][1]) and answers[1][1]["Vary"] == "Accept"
    # When her role changes (a commit of this process)
    async with alpha.db.transaction() as tx:
        await services.change_role(tx, alpha.clock, Operator(), "anne", Role.REPRESENTATIVE,
                                   mandate="adjointe à l'eau")
    # Then the very next answer has it, and a browser still gets the page
    async with alpha.client.get(url, headers={"Accept": AS2}) as response:
        actor = await response.json(content_type=None)
    assert actor["mandate"] == "adjointe à l'eau"
    async with alpha.client.get(url, headers={"Accept": "text/html"}) as response:
        assert "<html" in (await response.text()).lower() and "X-Request-Id" in response.headers


async def test_a_change_from_another_process_shows_after_the_hold_at_most(make_fed_node,
                                                                           monkeypatch):
    alpha = await make_fed_node("alpha")
    await add_member(alpha, "anne")
    url = "http://alpha.test/membres/anne"
    for _ in range(2):  # the first one creates her keys (a commit): the second is held
        async with alpha.client.get(url, headers={"Accept": AS2}) as response:
            assert "mandate" not in await response.json(content_type=None)
    # When the CLI (its own connections: this process counts no commit) changes her role
    other = await open_database(alpha.config)
    try:
        async with other.transaction() as tx:
            await services.change_role(tx, alpha.clock, Operator(), "anne", Role.REPRESENTATIVE,
                                       mandate="adjointe")
    finally:
        await other.close()
    # Then once the hold has passed (clocks moved on), the answer is the new document
    later = time.monotonic() + response_cache.HOLD_SECONDS + 0.1

    class Later:
        @staticmethod
        def monotonic():
            return later

    monkeypatch.setattr(response_cache, "time", Later)
    monkeypatch.setattr(local_actors, "time", Later)
    async with alpha.client.get(url, headers={"Accept": AS2}) as response:
        assert (await response.json(content_type=None))["mandate"] == "adjointe"


async def test_under_authorized_fetch_nothing_is_replayed_to_an_unsigned_get(make_fed_node,
                                                                           make_peer):
    alpha = await make_fed_node("alpha", authorized_fetch=True)
    await open_debate(alpha, "eau")
    mallory = await make_peer("mallory")
    mallory.add_actor("mallory", peer_keys(1))
    signed = sign_request_cavage(method="GET", url=DEBATE, headers={"Accept": AS2}, body=None,
                                 key_id=f"{mallory.actor_uri('mallory')}#main-key",
                                 private_key_pem=peer_keys(1).rsa_private_pem,
                                 now=alpha.clock.now())
    for _ in range(2):  # the first one stores mallory's key (a commit)
        async with alpha.client.get(DEBATE, headers={"Accept": AS2, **signed}) as response:
            assert response.status == 200
    async with alpha.client.get(DEBATE, headers={"Accept": AS2}) as response:
        assert response.status == 401
