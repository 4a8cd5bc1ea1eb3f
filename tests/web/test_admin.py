"""The admin area through real HTTP and real sessions: who gets in, what each form stores, and
that bad input gets a 4xx with the form again while nothing at all is stored."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from yarl import URL

from node import services
from node.accounts import NewMember
from node.model import DebateStatus, NewDebate, Operator, Role
from web.auth import hash_password

PASSWORD = "un mot de passe solide"
PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once for the module
# Tables the admin forms write to; a refused form must leave every row as it was.
TABLES = ("members", "debates", "debate_settings", "debate_roles", "invitations", "events")
ADMIN_PAGES = ("/admin", "/admin/membres", "/admin/membres/anne", "/admin/invitations",
               "/admin/debats", "/admin/nouveau-debat", "/admin/debats/velo")


# --- Helpers ---------------------------------------------------------------------------------


async def add_member(node, username, role=Role.CITIZEN, *, password=PASSWORD, mandate=""):
    async with node.db.transaction() as tx:
        return await services.admit_member(
            tx, node.clock, Operator(),
            NewMember(username, username.replace("_", " ").title(), role, mandate,
                      _hash(password)))


async def add_debate(node, slug="velo", status=DebateStatus.DRAFT, **dates):
    operator = Operator()
    async with node.db.transaction() as tx:
        debate = await services.create_debate(
            tx, node.clock, Operator(),
            NewDebate(slug, f"Débat {slug}", "Une description.", **dates))
        if status is not DebateStatus.DRAFT:
            await services.change_debate_status(tx, node.clock, Operator(), slug, DebateStatus.OPEN)
        if status in (DebateStatus.CLOSED, DebateStatus.CONCLUDED):
            await services.change_debate_status(tx, node.clock, operator, slug, DebateStatus.CLOSED)
        if status is DebateStatus.CONCLUDED:
            await services.change_debate_status(tx, node.clock, Operator(), slug,
                                                DebateStatus.CONCLUDED)
        return debate


def _hash(password: str | None) -> str | None:
    if password is None:
        return None
    return PASSWORD_HASH if password == PASSWORD else hash_password(password)


def browser_for(node) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=node.client.connector, connector_owner=False,
                                 cookie_jar=aiohttp.CookieJar(unsafe=True))


async def sign_in(node, username, role=Role.CITIZEN, **kwargs) -> aiohttp.ClientSession:
    """A browser signed in as a new member with this role (through the sign-in form)."""
    await add_member(node, username, role, **kwargs)
    browser = browser_for(node)
    async with browser.get(f"{node.url}/connexion") as r:
        assert r.status == 200
    async with browser.post(f"{node.url}/connexion", allow_redirects=False, data={
            "csrf_token": csrf(browser, node), "username": username, "password": PASSWORD}) as r:
        assert r.status == 303, await r.text()
    return browser


async def anonymous(node) -> aiohttp.ClientSession:
    browser = browser_for(node)
    async with browser.get(f"{node.url}/connexion"):
        pass  # the CSRF cookie
    return browser


def csrf(browser, node) -> str:
    return browser.cookie_jar.filter_cookies(URL(node.url))["thc_csrf"].value


async def post(browser, node, path, data, **kwargs):
    """POST a form with the browser's CSRF token; returns (status, html, location)."""
    async with browser.post(f"{node.url}{path}", data={"csrf_token": csrf(browser, node), **data},
                            allow_redirects=False, **kwargs) as r:
        return r.status, await r.text(), r.headers.get("Location")


async def get(browser, node, path):
    async with browser.get(f"{node.url}{path}", allow_redirects=False) as r:
        return r.status, await r.text(), r.headers.get("Location")


async def snapshot(node) -> dict[str, list[tuple]]:
    """Every row of the tables admin forms write to (so "nothing stored" includes updates)."""
    rows = {}
    for table in TABLES:
        async with node.db.read().conn.execute(f"SELECT * FROM {table}") as cur:
            rows[table] = sorted((tuple(r) for r in await cur.fetchall()), key=repr)
    return rows


async def event_types(node) -> list[str]:
    async with node.db.read().conn.execute("SELECT type FROM events ORDER BY id") as cur:
        return [r[0] for r in await cur.fetchall()]


def field_error(html: str, field: str) -> str:
    """The error message shown under a field (and tied to it by aria-describedby)."""
    match = re.search(rf'<p class="error" id="erreur-{field}">([^<]*)</p>', html)
    assert match, f"no error on {field}"
    assert re.search(rf'aria-describedby="[^"]*erreur-{field}"', html), "error not tied to field"
    return match.group(1)


def h1_count(html: str) -> int:
    return len(re.findall(r"<h1[ >]", html))


@pytest.fixture
async def admin(node):
    await add_member(node, "anne")
    await add_debate(node)
    async with await sign_in(node, "mairie", Role.ADMIN) as browser:
        yield browser


# --- Who gets in -----------------------------------------------------------------------------


async def test_admin_pages_send_anonymous_visitors_to_the_sign_in_form(node):
    # Given nobody signed in
    await add_member(node, "anne")
    await add_debate(node)
    async with await anonymous(node) as browser:
        for path in (*ADMIN_PAGES, "/admin/verification"):
            # When
            status, _, location = await get(browser, node, path)
            # Then
            assert status == 303 and location == f"/connexion?suivant={path}", path


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.REPRESENTATIVE, Role.MODERATOR,
                                  Role.ASSOCIATION])
async def test_admin_pages_are_forbidden_to_other_roles(node, role):
    await add_member(node, "anne")
    await add_debate(node)
    async with await sign_in(node, "someone", role) as browser:
        for path in (*ADMIN_PAGES, "/admin/verification"):
            status, html, _ = await get(browser, node, path)
            assert status == 403, path
            assert "Erreur 403" in html and h1_count(html) == 1


async def test_trusted_third_party_sees_the_verification_page_only(node):
    await add_member(node, "anne")
    await add_debate(node)
    async with await sign_in(node, "garant", Role.TRUSTED_THIRD_PARTY) as browser:
        status, _, location = await get(browser, node, "/admin")
        assert status == 303 and location == "/admin/verification"
        status, html, _ = await get(browser, node, "/admin/verification")
        assert status == 200 and "Vérification de résidence" in html
        # Its navigation offers nothing else
        assert 'href="/admin/membres"' not in html and 'href="/admin/debats"' not in html
        for path in ADMIN_PAGES[1:]:
            assert (await get(browser, node, path))[0] == 403, path


async def test_admin_forms_refuse_other_roles_and_store_nothing(node):
    await add_member(node, "anne")
    await add_debate(node)
    async with await sign_in(node, "garant", Role.TRUSTED_THIRD_PARTY) as ttp, \
            await sign_in(node, "karim") as citizen, await anonymous(node) as nobody:
        before = await snapshot(node)
        forms = [
            ("/admin/membres/anne/role", {"role": "admin"}),
            ("/admin/invitations", {"valid_days": "14"}),
            ("/admin/nouveau-debat", {"slug": "pirate", "title": "Débat pirate"}),
            ("/admin/debats/velo/statut", {"status": "open"}),
            ("/admin/debats/velo/parametres", {"answer_delay_days": "10", "has_public_votes": "no",
                                                "threshold_classes": "remote"}),
            ("/admin/debats/velo/responsables", {"username": "karim", "role": "moderator"}),
        ]
        for path, data in forms:
            assert (await post(ttp, node, path, data))[0] == 403, path
            assert (await post(citizen, node, path, data))[0] == 403, path
            status, _, location = await post(nobody, node, path, data)
            assert status == 303 and location.startswith("/connexion"), path
        # Verification: trusted third parties may, citizens and visitors may not
        assert (await post(citizen, node, "/admin/verification", {"username": "anne"}))[0] == 403
        assert (await post(nobody, node, "/admin/verification", {"username": "anne"}))[0] == 303
        assert await snapshot(node) == before


async def test_admin_forms_without_csrf_token_are_refused(admin, node):
    before = await snapshot(node)
    async with admin.post(f"{node.url}/admin/membres/anne/role", data={"role": "admin"}) as r:
        assert r.status == 403
    async with admin.post(f"{node.url}/admin/invitations", data={
            "csrf_token": csrf(admin, node), "valid_days": "3"},
            headers={"Origin": "http://evil.example"}) as r:
        assert r.status == 403
    assert await snapshot(node) == before


async def test_every_admin_page_renders_with_one_h1_and_navigation(admin, node):
    for path in (*ADMIN_PAGES, "/admin/verification"):
        status, html, _ = await get(admin, node, path)
        assert status == 200, path
        assert h1_count(html) == 1, path
        assert 'aria-label="Sections de l’administration"' in html
        assert "<main" in html


async def test_admin_pages_speak_english_too(admin, node):
    status, html, _ = await get(admin, node, "/admin/debats/velo?lang=en")
    assert status == 200 and "Support threshold" in html and 'lang="en"' in html


# --- Members and roles -----------------------------------------------------------------------


async def test_members_list_pages_with_a_keyset_cursor(admin, node):
    # Given 60 more members
    async with node.db.transaction() as tx:
        for i in range(60):
            await services.admit_member(tx, node.clock, Operator(),
                                        NewMember(f"m{i:02d}", f"Membre {i}", Role.CITIZEN))
    # When the first page is read
    status, html, _ = await get(admin, node, "/admin/membres")
    assert status == 200
    first = re.findall(r'<th scope="row"><a href="/admin/membres/(\w+)">', html)
    cursor = re.search(r'href="\?q=&amp;apres=(\d+)" rel="next"', html).group(1)
    # Then the next page holds the rest, with no overlap and no further page
    status, html, _ = await get(admin, node, f"/admin/membres?apres={cursor}")
    second = re.findall(r'<th scope="row"><a href="/admin/membres/(\w+)">', html)
    assert len(first) == 50 and len(second) == 12 and not set(first) & set(second)
    assert 'rel="next"' not in html
    assert (await get(admin, node, "/admin/membres?apres=abc"))[0] == 422


async def test_members_search_by_username_prefix(admin, node):
    for username in ("annie", "annabelle", "bob"):
        await add_member(node, username, password=None)
    status, html, _ = await get(admin, node, "/admin/membres?q=ANN")
    found = re.findall(r'<th scope="row"><a href="/admin/membres/(\w+)">', html)
    assert status == 200 and found == ["anne", "annie", "annabelle"]
    status, html, _ = await get(admin, node, "/admin/membres?q=zz")
    assert "Aucun membre trouvé." in html


@pytest.mark.parametrize("q", ["a%", "é", "x" * 31, "a b"])
async def test_members_search_refuses_what_no_username_can_start_with(admin, node, q):
    async with admin.get(f"{node.url}/admin/membres", params={"q": q}) as r:
        html = await r.text()
    assert r.status == 422 and "Recherche" in field_error(html, "q")


async def test_admin_gives_a_member_the_representative_role_with_a_mandate(admin, node):
    status, _, location = await post(admin, node, "/admin/membres/anne/role", {
        "role": "representative", "mandate": "adjointe à la mobilité"})
    assert status == 303 and location == "/admin/membres/anne?fait=role"
    anne = await node.db.read().members.find_by_username("anne")
    assert anne.role is Role.REPRESENTATIVE and anne.mandate == "adjointe à la mobilité"
    assert (await event_types(node))[-1] == "MemberRoleChanged"
    status, html, _ = await get(admin, node, location)
    assert "Le rôle a été modifié." in html and "adjointe à la mobilité" in html


async def test_a_mandate_is_dropped_for_other_roles(admin, node):
    await post(admin, node, "/admin/membres/anne/role", {"role": "moderator", "mandate": "x"})
    anne = await node.db.read().members.find_by_username("anne")
    assert anne.role is Role.MODERATOR and anne.mandate == ""


@pytest.mark.parametrize(("data", "field"), [
    ({"role": "emperor"}, "role"),
    ({}, "role"),
    ({"role": "representative", "mandate": "m" * 201}, "mandate"),
])
async def test_role_change_with_bad_input_shows_the_form_again_and_stores_nothing(
        admin, node, data, field):
    before = await snapshot(node)
    status, html, _ = await post(admin, node, "/admin/membres/anne/role", data)
    assert status == 422 and field_error(html, field)
    assert await snapshot(node) == before
    if "mandate" in data:
        assert data["mandate"] in html  # the input is kept


async def test_admin_cannot_change_their_own_role(admin, node):
    before = await snapshot(node)
    status, html, _ = await post(admin, node, "/admin/membres/mairie/role", {"role": "citizen"})
    assert status == 422 and "votre propre rôle" in field_error(html, "role")
    assert await snapshot(node) == before


async def test_role_change_of_an_unknown_member_is_not_found(admin, node):
    before = await snapshot(node)
    assert (await post(admin, node, "/admin/membres/nobody/role", {"role": "admin"}))[0] == 404
    assert (await get(admin, node, "/admin/membres/nobody"))[0] == 404
    assert await snapshot(node) == before


# --- Resident verification -------------------------------------------------------------------


async def test_admin_verifies_a_resident_and_who_and_when_are_recorded(admin, node):
    mairie = await node.db.read().members.find_by_username("mairie")
    status, _, location = await post(admin, node, "/admin/verification",
                                     {"username": "anne", "retour": "membre"})
    assert status == 303 and location == "/admin/membres/anne?fait=verifie"
    anne = await node.db.read().members.find_by_username("anne")
    assert anne.is_verified_resident and anne.verified_by_id == mairie.id
    assert anne.verified_at == node.clock.now()
    assert (await event_types(node))[-1] == "ResidentVerified"
    status, html, _ = await get(admin, node, location)
    assert "par Mairie" in html and "La résidence de Anne est désormais vérifiée." in html


async def test_trusted_third_party_verifies_a_resident(node):
    await add_member(node, "anne")
    async with await sign_in(node, "garant", Role.TRUSTED_THIRD_PARTY) as browser:
        status, _, location = await post(browser, node, "/admin/verification",
                                         {"username": "anne", "retour": "membre"})
        # A trusted third party comes back to the verification page (the member page is not theirs)
        assert status == 303 and location == "/admin/verification?verifie=anne"
        status, html, _ = await get(browser, node, location)
        assert "La résidence de Anne est désormais vérifiée." in html
    garant = await node.db.read().members.find_by_username("garant")
    anne = await node.db.read().members.find_by_username("anne")
    assert anne.verified_by_id == garant.id and anne.verified_at == node.clock.now()


@pytest.mark.parametrize(("username", "message"), [
    ("nobody", "Aucun membre n’a ce nom d’utilisateur."),
    ("", "Aucun membre n’a ce nom d’utilisateur."),
    ("x" * 5000, "Aucun membre n’a ce nom d’utilisateur."),
    ("verified", "La résidence de ce membre est déjà vérifiée."),
])
async def test_verification_with_bad_input_shows_the_form_again_and_stores_nothing(
        admin, node, username, message):
    await add_member(node, "verified", password=None)
    async with node.db.transaction() as tx:
        await services.verify_resident(tx, node.clock, Operator(), "verified")
    before = await snapshot(node)
    status, html, _ = await post(admin, node, "/admin/verification", {"username": username})
    assert status == 422
    assert message in field_error(html, "username")
    assert f'value="{username}"' in html  # the input is kept
    assert await snapshot(node) == before


async def test_verification_page_lists_members_with_a_button_for_the_unverified(admin, node):
    status, html, _ = await get(admin, node, "/admin/verification?q=ann")
    assert status == 200
    assert re.search(r'name="username" value="anne">\s*<button', html)
    # A confirmation is only shown for a member who really is verified (no spoofed notice)
    for who in ("anne", "nobody", "<b>x</b>"):
        async with admin.get(f"{node.url}/admin/verification", params={"verifie": who}) as r:
            assert r.status == 200 and 'class="notice"' not in await r.text()


# --- Invitations -----------------------------------------------------------------------------


async def test_invitation_code_is_shown_once_and_works_for_registration(make_node):
    # Given a node where registration is by invitation
    node = await make_node("invite", node_config='registration = "invitation"')
    async with await sign_in(node, "mairie", Role.ADMIN) as browser:
        # When the admin creates an invitation
        status, html, _ = await post(browser, node, "/admin/invitations",
                                     {"valid_days": "7", "note": "Pour Lucie"})
        assert status == 201
        code = re.search(r'<code class="invitation-code">([^<]+)</code>', html).group(1)
        assert "Pour Lucie" in html
        # Then the code is never shown again
        status, html, _ = await get(browser, node, "/admin/invitations")
        assert code not in html and "Pas encore utilisée" in html
    invitation = (await node.db.read().invitations.list_page()).items[0]
    assert invitation.expires_at == node.clock.now() + timedelta(days=7)
    # And the code registers someone, once
    async with await anonymous(node) as visitor:
        status, _, _ = await post(visitor, node, "/inscription", {
            "username": "lucie", "password": "une phrase de passe longue", "invitation_code": code})
        assert status == 303
    async with await sign_in(node, "admin2", Role.ADMIN) as browser:
        status, html, _ = await get(browser, node, "/admin/invitations")
        assert "Utilisée le" in html and "Lucie" in html


@pytest.mark.parametrize(("data", "field"), [
    ({"valid_days": "0"}, "valid_days"),
    ({"valid_days": "91"}, "valid_days"),
    ({"valid_days": "abc"}, "valid_days"),
    ({"valid_days": "-3"}, "valid_days"),
    ({}, "valid_days"),
    ({"valid_days": "14", "note": "n" * 201}, "note"),
])
async def test_invitation_with_bad_input_shows_the_form_again_and_stores_nothing(
        admin, node, data, field):
    before = await snapshot(node)
    status, html, _ = await post(admin, node, "/admin/invitations", data)
    assert status == 422 and field_error(html, field)
    assert 'class="invitation-code"' not in html
    assert await snapshot(node) == before


# --- Debates ---------------------------------------------------------------------------------

NEW_DEBATE = {"slug": "ecoles", "title": "Rues scolaires", "description": "**Apaiser** les abords.",
              "opens_at": "2027-01-15T09:00", "closes_at": "2027-07-01T18:30"}


async def test_admin_creates_a_draft_debate_with_paris_times(admin, node):
    # When
    status, _, location = await post(admin, node, "/admin/nouveau-debat", NEW_DEBATE)
    # Then the times typed in Paris time are stored in UTC (winter UTC+1, summer UTC+2)
    assert status == 303 and location == "/admin/debats/ecoles?fait=cree"
    debate = await node.db.read().debates.find_by_slug("ecoles")
    assert debate.status is DebateStatus.DRAFT and debate.title == "Rues scolaires"
    assert debate.opens_at == datetime(2027, 1, 15, 8, 0, tzinfo=timezone.utc)
    assert debate.closes_at == datetime(2027, 7, 1, 16, 30, tzinfo=timezone.utc)
    assert (await event_types(node))[-1] == "DebateCreated"
    # And the admin page shows them back in Paris time, while the public page does not exist yet
    status, html, _ = await get(admin, node, location)
    assert "15 janvier 2027, 09:00" in html and "1 juillet 2027, 18:30" in html
    assert "Le débat a été créé comme brouillon." in html
    status, html, _ = await get(admin, node, "/admin/debats")
    assert "Rues scolaires" in html and "Brouillon" in html
    assert (await get(admin, node, "/debats/ecoles"))[0] == 404


async def test_debate_times_are_typed_in_the_territory_time_zone(make_node):
    # Given a territory in Guadeloupe (UTC-4, no summer time)
    node = await make_node("pointe", node_config='timezone = "America/Guadeloupe"')
    async with await sign_in(node, "mairie", Role.ADMIN) as browser:
        form = await get(browser, node, "/admin/nouveau-debat")
        assert "(America/Guadeloupe)" in form[1]
        status, _, location = await post(browser, node, "/admin/nouveau-debat", NEW_DEBATE)
        # Then 09:00 typed there is 13:00 UTC, and the admin page shows it back with its zone
        assert status == 303
        debate = await node.db.read().debates.find_by_slug("ecoles")
        assert debate.opens_at == datetime(2027, 1, 15, 13, 0, tzinfo=timezone.utc)
        _, html, _ = await get(browser, node, location)
    assert "15 janvier 2027, 09:00 AST" in html


async def test_a_debate_needs_no_dates(admin, node):
    status, _, _ = await post(admin, node, "/admin/nouveau-debat",
                              {"slug": "libre", "title": "Sans dates", "description": ""})
    assert status == 303
    debate = await node.db.read().debates.find_by_slug("libre")
    assert debate.opens_at is None and debate.closes_at is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": ""}, "title"),
    ({"title": "ab"}, "title"),
    ({"title": "t" * 201}, "title"),
    ({"slug": ""}, "slug"),
    ({"slug": "Pas Bon"}, "slug"),
    ({"slug": "s" * 61}, "slug"),
    ({"slug": "admin"}, "slug"),
    ({"slug": "velo"}, "slug"),  # another debate's
    ({"slug": "anne"}, "slug"),  # a member's handle
    ({"description": "d" * 20_001}, "description"),
    ({"opens_at": "demain"}, "opens_at"),
    ({"opens_at": "2027-13-01T10:00"}, "opens_at"),
    ({"opens_at": "2027-03-28T02:30"}, "opens_at"),  # skipped when Paris clocks go forward
    ({"closes_at": "2027-01-01T10:00"}, "closes_at"),  # before the opening
])
async def test_debate_creation_with_bad_input_shows_the_form_again_and_stores_nothing(
        admin, node, changes, field):
    before = await snapshot(node)
    status, html, _ = await post(admin, node, "/admin/nouveau-debat", {**NEW_DEBATE, **changes})
    assert status == 422 and field_error(html, field)
    if field != "title":
        assert 'value="Rues scolaires"' in html  # the input is kept
    assert await snapshot(node) == before


async def test_debate_goes_through_open_closed_and_concluded(admin, node):
    async def status_of():
        return (await node.db.read().debates.find_by_slug("velo")).status

    for target, expected in (("open", DebateStatus.OPEN), ("closed", DebateStatus.CLOSED),
                             ("open", DebateStatus.OPEN), ("closed", DebateStatus.CLOSED),
                             ("concluded", DebateStatus.CONCLUDED)):
        status, _, location = await post(admin, node, "/admin/debats/velo/statut",
                                         {"status": target})
        assert status == 303 and location == "/admin/debats/velo?fait=statut"
        assert await status_of() is expected
    assert (await get(admin, node, "/debats/velo"))[0] == 200
    status, html, _ = await get(admin, node, "/admin/debats/velo")
    assert "Un débat conclu ne peut plus changer." in html
    assert (await event_types(node)).count("DebateStatusChanged") == 5


@pytest.mark.parametrize("target", ["closed", "concluded", "draft", "bogus", ""])
async def test_impossible_status_changes_are_refused_and_store_nothing(admin, node, target):
    before = await snapshot(node)
    status, html, _ = await post(admin, node, "/admin/debats/velo/statut", {"status": target})
    assert status == 422 and "ne peut pas prendre ce statut" in html
    assert await snapshot(node) == before


async def test_a_debate_past_its_closing_date_cannot_be_opened(admin, node):
    await add_debate(node, "passe", closes_at=node.clock.now())
    before = await snapshot(node)
    status, html, _ = await post(admin, node, "/admin/debats/passe/statut", {"status": "open"})
    assert status == 422 and "La date de clôture est passée" in html
    assert await snapshot(node) == before


async def test_unknown_debates_are_not_found(admin, node):
    before = await snapshot(node)
    assert (await get(admin, node, "/admin/debats/inconnu"))[0] == 404
    for path in ("statut", "parametres", "responsables", "responsables/retrait"):
        assert (await post(admin, node, f"/admin/debats/inconnu/{path}", {}))[0] == 404
    assert await snapshot(node) == before


SETTINGS = {"support_threshold": "50", "answer_delay_days": "30", "has_public_votes": "yes",
            "threshold_classes": "verified_resident"}


async def test_admin_saves_the_debate_settings(admin, node):
    status, _, location = await post(admin, node, "/admin/debats/velo/parametres", SETTINGS)
    assert status == 303 and location == "/admin/debats/velo?fait=parametres"
    debate = await node.db.read().debates.find_by_slug("velo")
    settings = await node.db.read().debate_settings.get(debate.id)
    assert settings.support_threshold == 50 and settings.answer_delay_days == 30
    assert settings.has_public_votes is True
    assert {c.value for c in settings.threshold_classes} == {"verified_resident"}
    # Several classes, and no threshold at all
    data = [("support_threshold", ""), ("answer_delay_days", "365"), ("has_public_votes", "no"),
            ("threshold_classes", "verified_resident"), ("threshold_classes", "remote")]
    async with admin.post(f"{node.url}/admin/debats/velo/parametres", allow_redirects=False,
                          data=[("csrf_token", csrf(admin, node)), *data]) as r:
        assert r.status == 303
    settings = await node.db.read().debate_settings.get(debate.id)
    assert settings.support_threshold is None and not settings.has_public_votes
    assert {c.value for c in settings.threshold_classes} == {"verified_resident", "remote"}
    status, html, _ = await get(admin, node, "/admin/debats/velo")
    assert re.search(r'value="remote" checked', html)


@pytest.mark.parametrize(("changes", "field"), [
    ({"support_threshold": "0"}, "support_threshold"),
    ({"support_threshold": "1000001"}, "support_threshold"),
    ({"support_threshold": "beaucoup"}, "support_threshold"),
    ({"answer_delay_days": "0"}, "answer_delay_days"),
    ({"answer_delay_days": "366"}, "answer_delay_days"),
    ({"answer_delay_days": ""}, "answer_delay_days"),
    ({"has_public_votes": "maybe"}, "has_public_votes"),
    ({"has_public_votes": ""}, "has_public_votes"),
    ({"threshold_classes": ""}, "threshold_classes"),
    ({"threshold_classes": "aliens"}, "threshold_classes"),
])
async def test_settings_with_bad_input_show_the_form_again_and_store_nothing(
        admin, node, changes, field):
    before = await snapshot(node)
    status, html, _ = await post(admin, node, "/admin/debats/velo/parametres",
                                 {**SETTINGS, **changes})
    assert status == 422 and field_error(html, field)
    assert await snapshot(node) == before


async def test_settings_of_a_concluded_debate_are_final(admin, node):
    await add_debate(node, "fini", DebateStatus.CONCLUDED)
    before = await snapshot(node)
    status, html, _ = await post(admin, node, "/admin/debats/fini/parametres", SETTINGS)
    assert status == 422 and "error-summary" in html
    assert await snapshot(node) == before


async def test_admin_puts_moderators_and_representatives_in_charge_and_removes_them(admin, node):
    await add_member(node, "claire", Role.REPRESENTATIVE, password=None, mandate="maire")
    for username, role in (("anne", "moderator"), ("claire", "representative")):
        status, _, location = await post(admin, node, "/admin/debats/velo/responsables",
                                         {"username": username, "role": role})
        assert status == 303 and location == "/admin/debats/velo?fait=ajout"
    debate = await node.db.read().debates.find_by_slug("velo")
    in_charge = await node.db.read().debate_roles.list_for_debate(debate.id)
    assert {(a.username, a.role.value) for a in in_charge} == {
        ("anne", "moderator"), ("claire", "representative")}
    status, html, _ = await get(admin, node, "/admin/debats/velo")
    assert "Claire" in html and "(maire)" in html
    status, _, location = await post(admin, node, "/admin/debats/velo/responsables/retrait",
                                     {"username": "anne", "role": "moderator"})
    assert status == 303 and location == "/admin/debats/velo?fait=retrait"
    in_charge = await node.db.read().debate_roles.list_for_debate(debate.id)
    assert [(a.username, a.role.value) for a in in_charge] == [("claire", "representative")]
    assert (await event_types(node))[-3:] == ["DebateRoleAssigned", "DebateRoleAssigned",
                                              "DebateRoleRemoved"]


@pytest.mark.parametrize(("data", "field"), [
    ({"username": "nobody", "role": "moderator"}, "username"),
    ({"username": "", "role": "moderator"}, "username"),
    ({"username": "anne", "role": "representative"}, "username"),  # not a representative
    ({"username": "held", "role": "moderator"}, "username"),  # already holds it
    ({"username": "anne", "role": "king"}, "role"),
    ({"username": "anne"}, "role"),
])
async def test_putting_in_charge_with_bad_input_shows_the_form_again_and_stores_nothing(
        admin, node, data, field):
    await add_member(node, "held", password=None)
    async with node.db.transaction() as tx:
        await services.assign_debate_role(tx, node.clock, Operator(), "velo", "held", "moderator")
    before = await snapshot(node)
    status, html, _ = await post(admin, node, "/admin/debats/velo/responsables", data)
    assert status == 422 and field_error(html, field)
    assert f'value="{data["username"]}"' in html
    assert await snapshot(node) == before


@pytest.mark.parametrize("data", [{"username": "anne", "role": "moderator"},
                                  {"username": "nobody", "role": "moderator"},
                                  {"username": "anne", "role": "king"}])
async def test_removing_someone_not_in_charge_is_refused_and_stores_nothing(admin, node, data):
    before = await snapshot(node)
    status, html, _ = await post(admin, node, "/admin/debats/velo/responsables/retrait", data)
    assert status == 422 and "error-summary" in html
    assert await snapshot(node) == before
