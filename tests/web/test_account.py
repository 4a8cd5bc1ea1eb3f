"""Registration, sign-in, sessions, CSRF, rate limiting, password reset and Bearer tokens."""
from __future__ import annotations

import re

import aiohttp
import pytest

from node import services
from node.accounts import NewMember
from node.model import Operator, Role
from web.app import open_database
from web.auth import hash_password


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


async def _session(node) -> aiohttp.ClientSession:
    jar = aiohttp.CookieJar(unsafe=True)
    return aiohttp.ClientSession(connector=node.client.connector, connector_owner=False,
                                 cookie_jar=jar)


async def _form_token(browser, url: str) -> str:
    async with browser.get(url) as response:
        return _csrf(await response.text())


async def _add_member(node, username="anne", password="un mot de passe solide", role=Role.CITIZEN):
    async with node.db.transaction() as tx:
        return await services.admit_member(
            tx, node.clock, Operator(), NewMember(username, username.title(), role, "", hash_password(password)))


async def test_register_signs_the_new_member_in(node):
    # Given a visitor on the registration form
    async with await _session(node) as browser:
        token = await _form_token(browser, f"{node.url}/inscription")
        # When
        async with browser.post(f"{node.url}/inscription", data={
            "csrf_token": token, "username": "karim", "display_name": "Karim B.",
            "password": "une phrase de passe longue"}) as response:
            home = await response.text()
        # Then they land home, signed in
        assert response.status == 200 and str(response.url) == f"{node.url}/"
        assert "Karim B." in home and "Se déconnecter" in home
    member = await node.db.read().members.find_by_username("karim")
    assert member is not None and member.has_password


@pytest.mark.parametrize(("fields", "message"), [
    ({"username": "Karim!", "password": "une phrase de passe longue"}, "Nom d&#39;utilisateur"),
    ({"username": "karim", "password": "court"}, "au moins 10 caractères"),
])
async def test_register_with_bad_input_shows_the_form_again_and_stores_nothing(node, fields, message):
    async with await _session(node) as browser:
        token = await _form_token(browser, f"{node.url}/inscription")
        async with browser.post(f"{node.url}/inscription", data={"csrf_token": token, **fields}) as r:
            html = await r.text()
    assert r.status == 422
    assert message in html and 'aria-invalid="true"' in html
    assert fields["password"] not in html  # never echo a password
    assert await node.db.read().members.count() == 0


async def test_register_by_invitation_needs_a_valid_code(make_node):
    node = await make_node("invite", node_config='registration = "invitation"')
    async with node.db.transaction() as tx:
        _, code = await services.create_invitation(tx, node.clock, Operator())
    async with await _session(node) as browser:
        token = await _form_token(browser, f"{node.url}/inscription")
        base = {"csrf_token": token, "username": "lucie", "password": "une phrase de passe longue"}
        async with browser.post(f"{node.url}/inscription", data={**base, "invitation_code": "faux"}) as r:
            assert r.status == 422
        async with browser.post(f"{node.url}/inscription", data={**base, "invitation_code": code}) as r:
            assert r.status == 200 and "Se déconnecter" in await r.text()


async def test_login_and_logout(node):
    await _add_member(node)
    async with await _session(node) as browser:
        token = await _form_token(browser, f"{node.url}/connexion")
        async with browser.post(f"{node.url}/connexion", data={
            "csrf_token": token, "username": "anne", "password": "un mot de passe solide",
            "next": "/debats/x"}, allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == "/debats/x"
            cookie = r.cookies["thc_session"]
            assert cookie["httponly"] and cookie["samesite"] == "Lax"
        async with browser.get(f"{node.url}/") as r:
            home = await r.text()
        assert "Se déconnecter" in home
        async with browser.post(f"{node.url}/deconnexion", data={"csrf_token": _csrf(home)}) as r:
            assert "Se connecter" in await r.text()
    async with node.db.read().conn.execute("SELECT count(*) FROM sessions") as cur:
        assert (await cur.fetchone())[0] == 0


async def test_login_never_redirects_to_another_site(node):
    await _add_member(node)
    async with await _session(node) as browser:
        token = await _form_token(browser, f"{node.url}/connexion")
        async with browser.post(f"{node.url}/connexion", data={
            "csrf_token": token, "username": "anne", "password": "un mot de passe solide",
            "next": "//evil.example/x"}, allow_redirects=False) as r:
            assert r.headers["Location"] == "/"


async def test_wrong_password_and_unknown_user_get_the_same_answer(node):
    await _add_member(node)
    async with await _session(node) as browser:
        token = await _form_token(browser, f"{node.url}/connexion")
        answers = []
        for username, password in (("anne", "mauvais mot de passe"), ("personne", "peu importe")):
            async with browser.post(f"{node.url}/connexion", data={
                "csrf_token": token, "username": username, "password": password}) as r:
                answers.append((r.status, "Identifiant ou mot de passe incorrect." in await r.text()))
    assert answers == [(401, True), (401, True)]


async def test_login_is_rate_limited_after_five_failures(node):
    await _add_member(node)
    async with await _session(node) as browser:
        token = await _form_token(browser, f"{node.url}/connexion")
        statuses = []
        for _ in range(6):
            async with browser.post(f"{node.url}/connexion", data={
                "csrf_token": token, "username": "anne", "password": "mauvais mot de passe"}) as r:
                statuses.append(r.status)
        # Even the right password waits now
        async with browser.post(f"{node.url}/connexion", data={
            "csrf_token": token, "username": "anne", "password": "un mot de passe solide"}) as r:
            blocked = r.status, r.headers.get("Retry-After")
    assert statuses == [401] * 5 + [429]
    assert blocked[0] == 429 and int(blocked[1]) > 0


async def test_forms_refuse_a_missing_token_or_a_foreign_origin(node):
    await _add_member(node)
    async with await _session(node) as browser:
        token = await _form_token(browser, f"{node.url}/connexion")
        data = {"username": "anne", "password": "un mot de passe solide"}
        async with browser.post(f"{node.url}/connexion", data=data) as r:
            assert r.status == 403
        async with browser.post(f"{node.url}/connexion", data={**data, "csrf_token": token},
                                headers={"Origin": "http://evil.example"}) as r:
            assert r.status == 403
    async with node.db.read().conn.execute("SELECT count(*) FROM sessions") as cur:
        assert (await cur.fetchone())[0] == 0


async def test_password_reset_link_works_once(node, tmp_path):
    await _add_member(node)
    async with node.db.transaction() as tx:
        reset_token = await services.request_password_reset(tx, node.clock, Operator(), "anne")
    async with await _session(node) as browser:
        form = await _form_token(browser, f"{node.url}/mot-de-passe/{reset_token}")
        async with browser.post(f"{node.url}/mot-de-passe/{reset_token}",
                                data={"csrf_token": form, "password": "nouveau mot de passe"}) as r:
            assert r.status == 200 and "Se déconnecter" in await r.text()
        async with browser.post(f"{node.url}/mot-de-passe/{reset_token}",
                                data={"csrf_token": form, "password": "encore un autre"}) as r:
            assert r.status == 422 and "plus valide" in await r.text()
    stored = await node.db.read().members.find_password_hash("anne")
    from web.auth import check_password

    assert check_password(stored, "nouveau mot de passe")


async def test_bearer_token_identifies_the_member_and_a_bad_one_is_refused(node):
    await _add_member(node)
    async with node.db.transaction() as tx:
        token = await services.issue_api_token(tx, node.clock, Operator(), "anne")
    async with node.client.get(f"{node.url}/", headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 200 and "Anne" in await r.text()
    async with node.client.get(f"{node.url}/api/v1/rien", headers={
            "Authorization": "Bearer thc_faux", "Accept": "application/json"}) as r:
        problem = await r.json(content_type=None)
        assert r.status == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
        assert problem["status"] == 401


async def test_a_token_revoked_or_a_role_changed_by_another_process_counts_at_the_next_request(node):
    # Given anne's token, used twice: the server now holds it resolved
    await _add_member(node)
    async with node.db.transaction() as tx:
        token = await services.issue_api_token(tx, node.clock, Operator(), "anne", "script")
    me = f"{node.url}/api/v1/me"
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    for _ in range(2):
        async with node.client.get(me, headers=auth) as r:
            assert r.status == 200 and (await r.json())["role"] == "citizen"
    # When the CLI (another process: its own connections) makes her a moderator
    other = await open_database(node.config)
    try:
        async with other.transaction() as tx:
            await services.change_role(tx, node.clock, Operator(), "anne", Role.MODERATOR)
        # Then the very next request sees the new role
        async with node.client.get(me, headers=auth) as r:
            assert r.status == 200 and (await r.json())["role"] == "moderator"
        # When the CLI revokes the token
        async with other.transaction() as tx:
            [listed] = await services.list_api_tokens(tx, Operator(), "anne")
            assert listed.label == "script" and listed.username == "anne"
            await services.revoke_api_token(tx, node.clock, Operator(), listed.id)
    finally:
        await other.close()
    # Then the very next request is refused, and so is every later one
    for _ in range(2):
        async with node.client.get(me, headers=auth) as r:
            assert r.status == 401 and (await r.json(content_type=None))["status"] == 401
    # And a token issued afterwards works at once
    async with node.db.transaction() as tx:
        fresh = await services.issue_api_token(tx, node.clock, Operator(), "anne")
    async with node.client.get(me, headers={**auth, "Authorization": f"Bearer {fresh}"}) as r:
        assert r.status == 200
