"""axe-core (WCAG 2.1 A and AA) on each page, in French and English: no serious or critical
violation. Every violation found, whatever its impact, is saved to tests/artifacts/axe/."""
from __future__ import annotations

import pytest

from .axe import BLOCKING, by_impact, describe, run_axe
from .conftest import PHONE

PAGES = {
    "home": "/",
    "debate": "/debats/mobilites-douces",
    "not-found": "/debats/ce-debat-n-existe-pas",
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
