"""The public pages in a real browser: what a visitor sees, clicks and reaches with the keyboard.

The node serves the demo territory (French content): two open debates, mobilites-douces and
budget-participatif-2027.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, SCREENSHOTS

DEBATES = {
    "mobilites-douces": "Mobilités douces dans le centre-bourg",
    "budget-participatif-2027": "Budget participatif 2027",
}


def test_home_page_in_french_lists_the_open_debates(page, node_server):
    response = page.goto("/")
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_title(f"{node_server.name} · THC Node")
    expect(page.get_by_role("heading", level=1)).to_have_text(node_server.name)
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_attached()
    expect(page.get_by_role("navigation", name="Langue").get_by_role("link", name="Français")) \
        .to_have_attribute("aria-current", "true")

    open_debates = page.get_by_role("region", name="Débats ouverts")
    cards = open_debates.get_by_role("listitem")
    expect(cards).to_have_count(len(DEBATES))
    for slug, title in DEBATES.items():
        link = open_debates.get_by_role("link", name=title)
        expect(link).to_have_attribute("href", f"/debats/{slug}")
    expect(open_debates.get_by_text(re.compile(r"^Clôture le \d{1,2} [^\s,]+ \d{4}, \d\d:\d\d$"))) \
        .to_have_count(len(DEBATES))
    expect(page.get_by_text(re.compile(r"^\d+ membres participent\.$"))).to_be_visible()

    # The stylesheet loaded under the node's CSP (style-src 'self'): the header is painted
    # and the off-screen skip link is out of sight.
    header = page.locator(".site-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert not _in_viewport(page.get_by_role("link", name="Aller au contenu"))


def test_clicking_a_debate_opens_its_page(page):
    page.goto("/")
    page.get_by_role("link", name="Mobilités douces dans le centre-bourg").click()

    expect(page).to_have_url(re.compile(r"/debats/mobilites-douces$"))
    expect(page).to_have_title("Mobilités douces dans le centre-bourg · THC Node")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mobilités douces dans le centre-bourg")
    facts = page.locator("dl.facts")
    expect(facts.locator("dt")).to_have_text(["Statut", "Ouverture", "Clôture"])
    expect(facts.locator(".status")).to_have_text("Ouvert")
    about = page.get_by_role("region", name="À propos de ce débat")
    # The markdown description is rendered: bold text and a list of three items.
    expect(about.locator("strong").first).to_have_text("réduire la place de la voiture")
    expect(about.get_by_role("listitem")).to_have_count(3)

    page.get_by_role("link", name="Débats").first.click()  # the breadcrumb, back home
    expect(page).to_have_url(re.compile(r"/$"))


def test_language_switch_to_english_and_back_persists_in_a_cookie(page, node_server):
    page.goto("/debats/budget-participatif-2027")
    languages = page.get_by_role("navigation", name="Langue")
    languages.get_by_role("link", name="English").click()

    expect(page).to_have_url(re.compile(r"/debats/budget-participatif-2027\?lang=en$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="About this debate")).to_be_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["lang"]["value"] == "en" and cookies["lang"]["httpOnly"]

    # The choice persists without ?lang=: follow the site name back home.
    page.get_by_role("link", name=node_server.name).click()
    expect(page).to_have_url(node_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=2, name="Open debates")).to_be_visible()
    english = page.get_by_role("navigation", name="Language").get_by_role("link", name="English")
    expect(english).to_have_attribute("aria-current", "true")

    page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto("/debats/budget-participatif-2027")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="À propos de ce débat")).to_be_visible()
    assert {c["name"]: c["value"] for c in page.context.cookies()}["lang"] == "fr"


@pytest.mark.parametrize(("browser_locale", "lang"), [
    ("en-US", "en"),  # Accept-Language is honoured when the node speaks it
    ("de-DE", "fr"),  # otherwise the node's default language, French
])
def test_without_a_choice_the_browser_language_then_the_default_applies(new_page, browser_locale,
                                                                        lang):
    page = new_page(locale=browser_locale)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", lang)


def test_unknown_debate_shows_the_404_page(page, node_server):
    response = page.goto("/debats/ce-debat-n-existe-pas")
    assert response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Erreur 404 · Page introuvable")
    expect(page).to_have_title(re.compile(r"^Erreur 404 · Page introuvable · "))
    # The whole page speaks French: no English status phrase or internal detail leaks in.
    expect(page.locator("main")).not_to_contain_text("Not Found")
    expect(page.locator("main")).not_to_contain_text("no debate with slug")
    page.get_by_role("link", name="Retour à l'accueil").click()
    expect(page).to_have_url(node_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(node_server.name)


def test_skip_link_moves_keyboard_focus_to_the_main_content(page):
    page.goto("/")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert not _in_viewport(skip), "the skip link should stay off screen until focused"

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    assert _in_viewport(skip), "the focused skip link must be visible"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "skip_link_focused.png")

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#contenu$"))
    expect(page.locator("main#contenu")).to_be_focused()
    # The next Tab continues from the main content, not from the top of the page.
    page.keyboard.press("Tab")
    first_link_in_main = page.locator("main a").first
    expect(first_link_in_main).to_be_focused()


@pytest.mark.parametrize("path", ["/", "/debats/mobilites-douces", "/nulle-part"],
                         ids=["home", "debate", "not-found"])
def test_phone_viewport_has_no_horizontal_scroll(new_page, path):
    page = new_page(viewport=PHONE)
    page.goto(path)
    widths = page.evaluate("() => [document.documentElement.scrollWidth,"
                           " document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == PHONE["width"], f"scrollWidth, clientWidth = {widths}"


def _in_viewport(locator) -> bool:
    box = locator.bounding_box()
    size = locator.page.viewport_size
    return (box is not None and box["x"] >= 0 and box["y"] >= 0
            and box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"])
