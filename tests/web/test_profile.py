"""The member profile page and the change of one's own password, through real HTTP and real
sessions."""
from __future__ import annotations

import re

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from yarl import URL

from node import services
from node.accounts import NewMember
from node.model import ContentKind, DebateStatus, NewDebate, Operator, ProposalDraft, Role, Stance
from tests.conftest import write_config
from tests.support import FrozenClock
from web import appkeys
from web.app import create_app
from web.auth import check_password, hash_password
from web.config import load_config

PASSWORD = "un mot de passe solide"
PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once for the module
NEW_PASSWORD = "une toute nouvelle phrase"


# --- Helpers ---------------------------------------------------------------------------------


async def add_member(node, username, role=Role.CITIZEN, *, mandate="", password=True):
    async with node.db.transaction() as tx:
        return await services.admit_member(
            tx, node.clock, Operator(),
            NewMember(username, username.title(), role, mandate,
                      PASSWORD_HASH if password else None))


def browser_for(node) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=node.client.connector, connector_owner=False,
                                 cookie_jar=aiohttp.CookieJar(unsafe=True))


async def sign_in(node, username, password=PASSWORD) -> aiohttp.ClientSession:
    browser = browser_for(node)
    async with browser.get(f"{node.url}/connexion"):
        pass
    async with browser.post(f"{node.url}/connexion", allow_redirects=False, data={
            "csrf_token": csrf(browser, node), "username": username, "password": password}) as r:
        assert r.status == 303, await r.text()
    return browser


def csrf(browser, node) -> str:
    return browser.cookie_jar.filter_cookies(URL(node.url))["thc_csrf"].value


async def get(browser, url):
    async with browser.get(url, allow_redirects=False) as r:
        return r.status, await r.text(), r.headers.get("Location")


async def change_password(browser, node, **fields):
    data = {"csrf_token": csrf(browser, node), "current_password": PASSWORD,
            "new_password": NEW_PASSWORD, "confirmation": NEW_PASSWORD, **fields}
    async with browser.post(f"{node.url}/compte/mot-de-passe", data=data,
                            allow_redirects=False) as r:
        return r.status, await r.text(), r.headers.get("Location")


async def open_debate(node, slug="velo"):
    async with node.db.transaction() as tx:
        await services.create_debate(tx, node.clock, Operator(),
                                     NewDebate(slug, f"Débat {slug}", "Description."))
        await services.change_debate_status(tx, node.clock, Operator(), slug, DebateStatus.OPEN)


async def propose(node, author, title, slug="velo"):
    async with node.db.transaction() as tx:
        return await services.submit_proposal(tx, node.clock, author, slug,
                                               ProposalDraft(title, f"Le texte de {title}."))


async def argue(node, author, proposal_id, body, stance=Stance.FOR):
    async with node.db.transaction() as tx:
        return await services.post_argument(tx, node.clock, author, proposal_id, stance, body)


def titles(html: str, section: str) -> list[str]:
    part = html.split(f'<section aria-labelledby="{section}">')[1].split("</section>")[0]
    return re.findall(r'<a href="/propositions/\d+(?:#argument-\d+)?">([^<]+)</a>', part)


# --- The profile -----------------------------------------------------------------------------


async def test_profile_shows_name_handle_role_mandate_and_membership(node):
    # Given a representative with a mandate
    await add_member(node, "claire", Role.REPRESENTATIVE, mandate="adjointe à la mobilité")
    async with browser_for(node) as browser:
        # When anyone opens their page
        status, html, _ = await get(browser, f"{node.url}/membres/claire")
    # Then
    assert status == 200
    assert len(re.findall(r"<h1[ >]", html)) == 1 and "<h1>Claire</h1>" in html
    assert f"@claire@{node.config.node.host}" in html
    assert "Élu ou élue" in html and "adjointe à la mobilité" in html
    assert "Membre depuis" in html and "27 novembre 2026" in html
    assert "Résidence vérifiée" not in html
    assert "Changer mon mot de passe" not in html  # not their own page


async def test_profile_handle_carries_the_port_of_the_node(tmp_path, fake_dns):
    # Given a node whose base URL has a port
    config = load_config(write_config(tmp_path / "gamma", "http://gamma.test:8443"))
    client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=fake_dns))
    app = create_app(config, http_client=client, clock=FrozenClock())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake_dns.register("gamma.test", server.port)
    try:
        async with app[appkeys.DATABASE].transaction() as tx:
            await services.admit_member(tx, FrozenClock(), Operator(),
                                        NewMember("lucie", "Lucie", Role.CITIZEN))
        # When
        async with client.get("http://gamma.test:8443/membres/lucie") as r:
            html = await r.text()
        # Then
        assert r.status == 200 and "@lucie@gamma.test:8443" in html
    finally:
        await server.close()
        await client.close()


async def test_profile_of_an_unknown_member_is_not_found(node):
    async with browser_for(node) as browser:
        status, html, _ = await get(browser, f"{node.url}/membres/personne")
    assert status == 404 and "Page introuvable" in html


async def test_profile_stays_a_person_actor_for_federation_clients(node):
    await add_member(node, "claire")
    async with browser_for(node) as browser:
        async with browser.get(f"{node.url}/membres/claire",
                               headers={"Accept": "application/activity+json"}) as r:
            person = await r.json(content_type=None)
    assert person["type"] == "Person" and person["preferredUsername"] == "claire"


async def test_verified_badge_shows_the_date_to_all_and_the_verifier_to_admins_only(node):
    # Given Karim verified by the trusted third party
    await add_member(node, "karim")
    garant = await add_member(node, "garant", Role.TRUSTED_THIRD_PARTY)
    await add_member(node, "mairie", Role.ADMIN)
    await add_member(node, "lucie")
    node.clock.advance(days=3)
    async with node.db.transaction() as tx:
        await services.verify_resident(tx, node.clock, garant, "karim")
    url = f"{node.url}/membres/karim"
    # When a visitor, a citizen and an admin open his page
    async with browser_for(node) as visitor:
        _, anonymous_html, _ = await get(visitor, url)
    async with await sign_in(node, "lucie") as citizen:
        _, citizen_html, _ = await get(citizen, url)
    async with await sign_in(node, "mairie") as admin:
        _, admin_html, _ = await get(admin, url)
    # Then everyone sees the badge and its date; only the admin sees who verified
    for html in (anonymous_html, citizen_html, admin_html):
        assert "Résidence vérifiée depuis le 30 novembre 2026" in html
    assert "vérifiée par Garant" in admin_html
    assert "Garant" not in anonymous_html and "Garant" not in citizen_html


async def test_verified_by_the_operator_is_said_so_to_admins(node):
    await add_member(node, "karim")
    await add_member(node, "mairie", Role.ADMIN)
    async with node.db.transaction() as tx:
        await services.verify_resident(tx, node.clock, Operator(), "karim")
    async with await sign_in(node, "mairie") as admin:
        _, html, _ = await get(admin, f"{node.url}/membres/karim")
    assert "vérifiée par l’exploitant du nœud" in html


async def test_profile_lists_recent_proposals_and_arguments_but_never_hidden_ones(node):
    # Given Inès's proposals and arguments, one of each hidden, one argument withdrawn, and one
    # argument on a proposal that a moderator hid
    ines = await add_member(node, "ines")
    other = await add_member(node, "paul")
    await open_debate(node)
    kept = await propose(node, ines, "Des arceaux vélo")
    hidden = await propose(node, ines, "Proposition masquée")
    others = await propose(node, other, "Proposition de Paul")
    hidden_host = await propose(node, other, "Proposition de Paul masquée")
    await argue(node, ines, others.id, "Un argument visible")
    secret = await argue(node, ines, others.id, "Un argument masqué", Stance.AGAINST)
    withdrawn = await argue(node, ines, others.id, "Un argument retiré")
    await argue(node, ines, hidden_host.id, "Sous une proposition masquée")
    async with node.db.transaction() as tx:
        for kind, target in ((ContentKind.PROPOSAL, hidden.id), (ContentKind.ARGUMENT, secret.id),
                             (ContentKind.PROPOSAL, hidden_host.id)):
            await services.hide_content(tx, node.clock, Operator(), kind, target, "Hors charte")
        await services.withdraw_argument(tx, node.clock, ines, withdrawn.id)
    # When
    async with browser_for(node) as browser:
        status, html, _ = await get(browser, f"{node.url}/membres/ines")
    # Then
    assert status == 200
    assert titles(html, "propositions") == ["Des arceaux vélo"]
    assert titles(html, "arguments") == ["Proposition de Paul"]
    assert "Un argument visible" in html and "Pour" in html
    for text in ("masquée", "masqué", "retiré"):
        assert text not in html
    assert f'href="/propositions/{kept.id}"' in html


async def test_profile_lists_page_with_keyset_cursors(node):
    # Given 12 proposals and 13 arguments
    ines = await add_member(node, "ines")
    await open_debate(node)
    proposals = [await propose(node, ines, f"Proposition {i:02d}") for i in range(12)]
    for i in range(13):
        await argue(node, ines, proposals[0].id, f"Argument {i:02d}")
    async with browser_for(node) as browser:
        # When the first page is read
        _, html, _ = await get(browser, f"{node.url}/membres/ines")
        first = re.findall(r">(Proposition \d\d)</a>", html.split('id="arguments"')[0])
        cursor = re.search(r'href="\?propositions_apres=(\d+)#propositions" rel="next"', html)
        assert first == [f"Proposition {i:02d}" for i in range(11, 1, -1)]  # newest first
        arguments_cursor = re.search(r'href="\?arguments_apres=(\d+)#arguments"', html).group(1)
        # Then the next pages hold the rest
        page_two = f"{node.url}/membres/ines?propositions_apres={cursor.group(1)}"
        _, html, _ = await get(browser, page_two)
        second = re.findall(r">(Proposition \d\d)</a>", html.split('id="arguments"')[0])
        assert second == ["Proposition 01", "Proposition 00"]
        assert not re.search(r'propositions_apres=\d+#propositions" rel="next"', html)  # last page
        page_two = f"{node.url}/membres/ines?arguments_apres={arguments_cursor}"
        _, html, _ = await get(browser, page_two)
        assert re.findall(r"Argument (\d\d)", html) == ["02", "01", "00"]
        # And a forged cursor is refused
        status, _, _ = await get(browser, f"{node.url}/membres/ines?arguments_apres=x")
        assert status == 422


# --- Changing one's password -----------------------------------------------------------------


async def test_own_profile_offers_the_password_form(node):
    await add_member(node, "anne")
    async with await sign_in(node, "anne") as browser:
        _, html, _ = await get(browser, f"{node.url}/membres/anne")
    assert "Changer mon mot de passe" in html
    assert 'autocomplete="current-password"' in html and 'name="csrf_token"' in html


async def test_changing_the_password_keeps_this_session_and_ends_the_others(node):
    # Given Anne signed in twice
    await add_member(node, "anne")
    async with await sign_in(node, "anne") as here, await sign_in(node, "anne") as elsewhere:
        # When she changes her password here
        status, _, location = await change_password(here, node)
        # Then she stays signed in here, and is signed out elsewhere
        assert status == 303 and location == "/membres/anne?fait=mot-de-passe#mot-de-passe"
        status, html, _ = await get(here, f"{node.url}{location}")
        assert "Votre mot de passe a été changé." in html and "Se déconnecter" in html
        _, html, _ = await get(elsewhere, f"{node.url}/")
        assert "Se déconnecter" not in html
    stored = await node.db.read().members.find_password_hash("anne")
    assert check_password(stored, NEW_PASSWORD) and not check_password(stored, PASSWORD)
    async with node.db.read().conn.execute("SELECT type FROM events ORDER BY id DESC") as cur:
        assert (await cur.fetchone())[0] == "PasswordChanged"
    # And the new password signs in
    async with await sign_in(node, "anne", NEW_PASSWORD):
        pass


@pytest.mark.parametrize(("fields", "field"), [
    ({"current_password": "pas le bon mot de passe"}, "current_password"),
    ({"current_password": ""}, "current_password"),
    ({"new_password": "court", "confirmation": "court"}, "new_password"),
    ({"new_password": "x" * 1001, "confirmation": "x" * 1001}, "new_password"),
    ({"new_password": ""}, "new_password"),
    ({"confirmation": "une autre phrase encore"}, "confirmation"),
    ({"confirmation": ""}, "confirmation"),
])
async def test_password_change_with_bad_input_shows_the_form_again_and_stores_nothing(
        node, fields, field):
    await add_member(node, "anne")
    before = await node.db.read().members.find_password_hash("anne")
    async with node.db.read().conn.execute("SELECT count(*) FROM events") as cur:
        events = (await cur.fetchone())[0]
    async with await sign_in(node, "anne") as browser:
        status, html, _ = await change_password(browser, node, **fields)
        assert status == 422
        assert re.search(rf'<p class="error" id="erreur-{field}">', html)
        assert re.search(rf'aria-describedby="[^"]*erreur-{field}"', html)
        for value in fields.values():  # passwords are never echoed back
            assert not value or f'value="{value}"' not in html
        # Still signed in
        assert "Se déconnecter" in (await get(browser, f"{node.url}/"))[1]
    assert await node.db.read().members.find_password_hash("anne") == before
    async with node.db.read().conn.execute("SELECT count(*) FROM events") as cur:
        assert (await cur.fetchone())[0] == events


async def test_wrong_current_passwords_are_rate_limited_like_sign_ins(node):
    await add_member(node, "anne")
    async with await sign_in(node, "anne") as browser:
        statuses = [(await change_password(browser, node, current_password="mauvais essai"))[0]
                    for _ in range(6)]
        # Even the right one waits now
        status, _, _ = await change_password(browser, node)
    assert statuses == [422] * 5 + [429] and status == 429
    stored = await node.db.read().members.find_password_hash("anne")
    assert check_password(stored, PASSWORD)


async def test_password_change_needs_a_signed_in_member_and_a_csrf_token(node):
    await add_member(node, "anne")
    before = await node.db.read().members.find_password_hash("anne")
    async with browser_for(node) as visitor:
        async with visitor.get(f"{node.url}/connexion"):
            pass
        status, _, location = await change_password(visitor, node)
        assert status == 303 and location.startswith("/connexion")
    async with await sign_in(node, "anne") as browser:
        async with browser.post(f"{node.url}/compte/mot-de-passe", allow_redirects=False, data={
                "current_password": PASSWORD, "new_password": NEW_PASSWORD,
                "confirmation": NEW_PASSWORD}) as r:
            assert r.status == 403
    assert await node.db.read().members.find_password_hash("anne") == before
