"""axe-core (WCAG 2.1 A and AA) on each page, in French and English: no serious or critical
violation. Every violation found, whatever its impact, is saved to tests/artifacts/axe/."""
from __future__ import annotations

import subprocess

import pytest

from .axe import BLOCKING, by_impact, describe, run_axe
from .conftest import PHONE, _thc_node

PAGES = {
    "home": "/",
    "debate": "/debats/mobilites-douces",
    "not-found": "/debats/ce-debat-n-existe-pas",
    "profile": "/membres/karim_benali",
    "moderation": "/debats/mobilites-douces/moderation",
}
# Every page in French (the node's default); English changes only the words, so one page in
# English is enough to check its lang attribute and translated names.
CASES = [(name, "fr") for name in PAGES] + [("home", "en")]


@pytest.mark.parametrize(("name", "lang"), CASES, ids=[f"{n}-{lang}" for n, lang in CASES])
def test_no_serious_or_critical_axe_violation(new_page, name, lang):
    # bypass_csp: the test injects axe-core as an inline script, which the node's CSP
    # (script-src 'self') blocks, as it should; the page itself ships no JavaScript.
    page = new_page(bypass_csp=True)
    page.goto(f"{PAGES[name]}?lang={lang}")
    report = run_axe(page, f"{name}-{lang}")
    print(f"axe-core {report['version']} on {name} ({lang}):", by_impact(report["violations"]))
    blocking = [v for v in report["violations"] if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)


def test_no_serious_or_critical_axe_violation_on_a_phone(new_page):
    page = new_page(bypass_csp=True, viewport=PHONE)
    page.goto("/")
    report = run_axe(page, "home-phone")
    blocking = [v for v in report["violations"] if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)


def test_the_axe_check_catches_known_violations(new_page):
    """A control: on a page built to fail, the same check finds what it must (so a clean
    result above means axe ran, not that the injection silently did nothing)."""
    page = new_page(bypass_csp=True)
    page.set_content('<!doctype html><html><head><title>bad</title></head><body><main>'
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                     '<p style="color:#aaa;background:#fff">faint text</p></main></body></html>')
    report = run_axe(page, "control")
    found = {v["id"]: v["impact"] for v in report["violations"]}
    assert found.get("image-alt") == "critical" and found.get("color-contrast") == "serious", found
    assert found.get("html-has-lang") == "serious", found


# Signed-in pages: the admin area and one's own profile, as the demo's administrator. The
# operator gives them a password through the CLI's one-time reset link, as on a real node.
ADMIN = "mairie"
ADMIN_PASSWORD = "une phrase de passe pour les tests"
SIGNED_IN_PAGES = {
    "own-profile": f"/membres/{ADMIN}",
    "admin": "/admin",
    "admin-members": "/admin/membres",
    "admin-member": "/admin/membres/karim_benali",
    "admin-verification": "/admin/verification",
    "admin-invitations": "/admin/invitations",
    "admin-debates": "/admin/debats",
    "admin-new-debate": "/admin/nouveau-debat",
    "admin-debate": "/admin/debats/mobilites-douces",
}


@pytest.fixture(scope="module")
def admin_password(node_server, browser) -> str:
    done = subprocess.run([_thc_node(), "--config", str(node_server.directory / "config.toml"),
                           "member", "reset-link", ADMIN], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    context = browser.new_context(base_url=node_server.url)
    page = context.new_page()
    page.goto(done.stdout.strip())
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{node_server.url}/")
    context.close()
    return ADMIN_PASSWORD


@pytest.mark.parametrize("name", list(SIGNED_IN_PAGES))
def test_no_serious_or_critical_axe_violation_when_signed_in(new_page, admin_password, name):
    page = new_page(bypass_csp=True)
    page.goto("/connexion")
    page.fill("input[name=username]", ADMIN)
    page.fill("input[name=password]", admin_password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/")
    page.goto(SIGNED_IN_PAGES[name])
    assert page.locator("h1").count() == 1
    report = run_axe(page, f"{name}-fr")
    print(f"axe-core {report['version']} on {name} (fr):", by_impact(report["violations"]))
    blocking = [v for v in report["violations"] if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)


# Deliberation pages (issue 3). The demo's proposals are found as a visitor finds them, from
# the debate page: the answered one (with an integrated amendment, so two versions) and the
# overdue one.
DEBATE = "/debats/mobilites-douces"


def _demo_proposal(page, kind: str) -> str:
    page.goto(DEBATE)
    item = page.locator(".proposal-item").filter(has=page.locator(f".answer-line.{kind}")).first
    return item.locator("h3 a").get_attribute("href")


PROPOSAL_CASES = [("answered", "", "fr", None), ("overdue", "", "fr", None),
                  ("answered", "/versions/1", "fr", None), ("answered", "", "en", None),
                  ("answered", "", "fr", PHONE)]


@pytest.mark.parametrize(("kind", "suffix", "lang", "viewport"), PROPOSAL_CASES,
                         ids=["answered", "overdue", "earlier-version", "answered-en",
                              "answered-phone"])
def test_no_serious_or_critical_axe_violation_on_proposal_pages(new_page, kind, suffix, lang,
                                                                viewport):
    page = new_page(bypass_csp=True, viewport=viewport)
    path = _demo_proposal(page, kind) + suffix
    page.goto(f"{path}?lang={lang}")
    assert page.locator("h1").count() == 1
    name = f"proposal-{kind}{suffix.replace('/', '-')}-{lang}{'-phone' if viewport else ''}"
    report = run_axe(page, name)
    print(f"axe-core {report['version']} on {name}:", by_impact(report["violations"]))
    blocking = [v for v in report["violations"] if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)


CITIZEN = ("axe_citoyenne", "Alex Citoyenne", "une phrase de passe pour axe")


@pytest.fixture(scope="module")
def citizen(node_server, browser) -> dict:
    """A citizen who registered and wrote a proposal with an article and an amendment to it:
    their cookies and the proposal's address (the forms that only open content shows)."""
    context = browser.new_context(base_url=node_server.url)
    page = context.new_page()
    username, name, password = CITIZEN
    page.goto("/inscription")
    page.fill("#champ-username", username)
    page.fill("#champ-display_name", name)
    page.fill("#champ-password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{node_server.url}/")
    page.goto(f"{DEBATE}/propositions/nouvelle")
    page.fill("#champ-title", "Des bancs le long de la voie verte")
    page.fill("#champ-body", "Un banc tous les 300 mètres, pour que chacun puisse marcher.")
    page.fill("#champ-article_1_text", "Les bancs sont en bois local.")
    page.locator("button[value=envoyer]").click()
    page.wait_for_url("**/propositions/*?fait=proposition")
    proposal = page.url.split("?")[0].removeprefix(node_server.url)
    page.goto(f"{proposal}/amendements/nouveau?article=1")
    page.fill("#champ-text", "Les bancs sont en bois local, avec un dossier.")
    page.fill("#champ-rationale", "Les aînés ont besoin d'un dossier.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/propositions/*?fait=amendement*")
    cookies = context.cookies()
    context.close()
    return {"cookies": cookies, "proposal": proposal}


def _signed_in_page(new_page, cookies):
    page = new_page(bypass_csp=True)
    page.context.add_cookies(cookies)
    return page


@pytest.mark.parametrize("name", ["own-proposal", "answered-proposal", "proposal-form-errors",
                                  "amendment-form"])
def test_no_serious_or_critical_axe_violation_on_participation_forms(new_page, citizen, name):
    page = _signed_in_page(new_page, citizen["cookies"])
    if name == "own-proposal":  # vote, argument, amendment vote, integrate and reject forms
        page.goto(citizen["proposal"])
        page.locator("details summary").first.click()
    elif name == "answered-proposal":  # "useful" buttons on others' arguments
        page.goto(_demo_proposal(page, "answered"))
    elif name == "proposal-form-errors":  # the form sent empty: every error tied to its field
        page.goto(f"{DEBATE}/propositions/nouvelle")
        page.locator("button[value=envoyer]").click()
        assert page.locator(".error-summary").is_visible()
    else:
        page.goto(f"{citizen['proposal']}/amendements/nouveau?article=1")
    assert page.locator("h1").count() == 1
    report = run_axe(page, f"{name}-fr")
    print(f"axe-core {report['version']} on {name} (fr):", by_impact(report["violations"]))
    blocking = [v for v in report["violations"] if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)


def test_no_serious_or_critical_axe_violation_for_a_moderator(new_page, admin_password):
    # The demo's administrator moderates: every hide form, unfolded.
    page = new_page(bypass_csp=True)
    page.goto("/connexion")
    page.fill("input[name=username]", ADMIN)
    page.fill("input[name=password]", admin_password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/")
    page.goto(_demo_proposal(page, "overdue"))
    for summary in page.locator("details.moderation summary").all():
        summary.click()
    report = run_axe(page, "proposal-moderator-fr")
    print(f"axe-core {report['version']} on proposal-moderator (fr):",
          by_impact(report["violations"]))
    blocking = [v for v in report["violations"] if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)
