"""The network view over real HTTP (/reseau): territories, search, filters, pagination, French
and English, escaping of remote content, and every string translated."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from html import unescape
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from node import services
from node.model import ChoiceCounts, Tally
from node.network import RemoteDebateInfo, RemoteProposalInfo, TerritoryInfo
from tests.node.builders import a_draft, a_member, a_proposal, an_open_debate, run

ROOT = Path(__file__).resolve().parents[2]
BETA = "http://beta.test/actor"
BETA_DEBATE = "http://beta.test/debats/mobilite"


async def beta(node, proposals: int = 1, **changes):
    """Territory Beta, its debate and `proposals` remote proposals, as federation stores them."""
    clock = node.clock
    await run(node.db, services.upsert_territory, clock,
              TerritoryInfo(BETA, "http://beta.test", "Territoire Beta", users=40, proposals=7))
    await run(node.db, services.upsert_remote_debate, clock, BETA,
              RemoteDebateInfo(BETA_DEBATE, "mobilite", "Mobilité douce"))
    for n in range(1, proposals + 1):
        at = clock.now() - timedelta(days=3, minutes=n)
        info = RemoteProposalInfo(
            f"http://beta.test/propositions/{n}", BETA_DEBATE, f"Garage à vélos {n}", at, at,
            summary="Des arceaux près de l'école.", themes=("velo",),
            tally=Tally(ChoiceCounts(3, 1, 0), remote=ChoiceCounts(n % 4, 0, 2)))
        await run(node.db, services.upsert_remote_proposal, clock, BETA, replace(info, **changes))


async def local(node):
    alice = await a_member(node.db, node.clock, "alice")
    await an_open_debate(node.db, node.clock, "voirie")
    return await a_proposal(node.db, node.clock, alice, "voirie", a_draft(
        "Piétonniser la rue des écoles", "Pour le #vélo et les enfants."))


async def get(node, path: str, lang: str = "fr", **params) -> tuple[int, str]:
    async with node.client.get(f"{node.url}{path}", params=params,
                               headers={"Accept-Language": lang}) as response:
        return response.status, await response.text()


def titles(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'<h3 id="item-\d+"><a [^>]*>([^<]*)</a>', html)]


async def test_network_page_in_french_lists_territories_debates_and_proposals(node):
    # Given
    proposal = await local(node)
    await beta(node)
    # When
    status, html = await get(node, "/reseau")
    # Then
    assert status == 200
    assert '<html lang="fr">' in html and "Réseau des territoires" in html
    assert '<a href="/reseau" aria-current="page">Réseau</a>' in html
    assert "Territoire Beta" in html and "beta.test" in html and "Territoire alpha" in html
    assert titles(html) == ["Piétonniser la rue des écoles", "Garage à vélos 1"]
    # Each item links to its origin, or to its page here
    assert '<a href="http://beta.test/propositions/1" rel="external">Garage à vélos 1</a>' in html
    assert f'<a href="/propositions/{proposal.id}">' in html
    # Tallies by participant class, and the feed in the head
    assert "Participants du fédivers" in html and "Habitants vérifiés" in html
    assert '<link rel="alternate" type="application/atom+xml" href="/reseau/flux.atom"' in html


async def test_network_page_in_english(node):
    # Given
    await beta(node)
    # When
    status, html = await get(node, "/reseau", lang="en")
    # Then
    assert status == 200
    assert '<html lang="en">' in html and "Network of territories" in html
    assert "Fediverse participants" in html and "Most votes first" in html


async def test_a_territory_filter_shows_its_debates(node):
    # Given
    await local(node)
    await beta(node)
    territory = await node.db.read().network.find_territory(BETA)
    # When
    _, remote_html = await get(node, "/reseau", territoire=str(territory.id))
    _, local_html = await get(node, "/reseau", territoire="local")
    # Then
    assert ('<a href="http://beta.test/debats/mobilite" rel="external">Mobilité douce</a>'
            in remote_html)
    assert titles(remote_html) == ["Garage à vélos 1"]
    assert '<a href="/debats/voirie">Débat voirie</a>' in local_html
    assert titles(local_html) == ["Piétonniser la rue des écoles"]


async def test_search_over_http_with_and_without_accents(node):
    # Given
    await local(node)
    await beta(node)
    # When / Then
    for typed in ("ecole", "écoles", "ÉCOLE"):
        assert set(titles((await get(node, "/reseau", q=typed))[1])) == {
            "Piétonniser la rue des écoles", "Garage à vélos 1"}
    assert titles((await get(node, "/reseau", q="pieton"))[1]) == ["Piétonniser la rue des écoles"]
    assert titles((await get(node, "/reseau", q="velos"))[1]) == [
        "Piétonniser la rue des écoles", "Garage à vélos 1"]
    _, html = await get(node, "/reseau", q="introuvable")
    assert "Aucune proposition ne correspond à ces critères." in html


async def test_hostile_search_text_and_filters_never_fail(node):
    # Given
    await beta(node)
    # When
    for typed in ('"', "AND(", "NEAR(a b)", "*", "col:velo", "\x00", "😀" * 500, "' OR 1=1 --"):
        status, _ = await get(node, "/reseau", q=typed)
        assert status == 200, typed
    status, html = await get(node, "/reseau", du="hier", statut="pirate", territoire="x",
                             theme="<script>", tri="hasard")
    # Then invalid filters are named and left out, never echoed unescaped
    assert status == 200
    assert "Ces filtres n’étaient pas valides et ont été ignorés" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert titles(html) == ["Garage à vélos 1"]


async def test_remote_content_is_escaped(node):
    # Given a hostile title and summary
    await beta(node, title='<script>alert("x")</script>', summary="<img src=x onerror=alert(1)>")
    # When
    _, html = await get(node, "/reseau")
    # Then
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


async def test_pagination_links_reach_the_last_page_and_keep_the_filters(node):
    # Given 45 matching remote proposals
    await beta(node, proposals=45)
    # When following the "next" links
    path, seen, pages = "/reseau?q=garage&tri=participation", [], 0
    while path:
        async with node.client.get(node.url + path) as response:
            html = await response.text()
        pages += 1
        seen += titles(html)
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        path = unescape(found.group(1)) if found else None
        if path:
            assert "q=garage" in path and "tri=participation" in path
    # Then every proposal came once, over three pages; later pages link back to the first
    assert pages == 3 and len(seen) == len(set(seen)) == 45
    assert "Première page" in html


async def test_debate_page_advertises_its_feed(node):
    # Given
    await local(node)
    # When
    _, html = await get(node, "/debats/voirie")
    # Then
    assert ('<link rel="alternate" type="application/atom+xml" href="/debats/voirie/flux.atom"'
            in html)


def test_every_string_of_the_network_view_is_translated_into_french():
    # Given the French catalogue
    with open(ROOT / "web/locale/fr/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f, locale="fr")
    # When extracting the messages of the network view's files
    sources = [("web/templates/network.html", "jinja2.ext:babel_extract"),
               ("web/pages_network.py", "python"),
               ("web/feeds.py", "python"), ("web/templates/base.html", "jinja2.ext:babel_extract")]
    missing = []
    for path, method in sources:
        for _line, msgid, _comments, _context in extract_from_file(
                method, str(ROOT / path), keywords={"_": None, "ngettext": (1, 2)}):
            key = msgid if isinstance(msgid, str) else msgid[0]
            message = catalog.get(key)
            strings = () if message is None else (
                message.string if isinstance(message.string, tuple) else (message.string,))
            if not strings or not all(strings):
                missing.append(key)
    # Then none is left untranslated
    assert missing == []
