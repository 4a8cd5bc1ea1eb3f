"""Atom feeds (RFC 4287) over real HTTP, parsed with xml.etree: a debate's, the network's and
a search's; valid XML whatever the content, absolute URLs, permanent ids, translated."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import timedelta

from node import services
from node.model import AnswerKind, NewDebate, VoteChoice
from node.network import RemoteDebateInfo, RemoteProposalInfo, TerritoryInfo
from tests.node.builders import OP, a_draft, a_member, a_proposal, an_open_debate, run

A = "{http://www.w3.org/2005/Atom}"
BETA = "http://beta.test/actor"
BETA_DEBATE = "http://beta.test/debats/mobilite"
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


async def fetch(node, path: str, lang: str = "fr", **params):
    async with node.client.get(f"{node.url}{path}", params=params,
                               headers={"Accept-Language": lang}) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.read()


def parse(body: bytes) -> ET.Element:
    root = ET.fromstring(body)
    assert root.tag == f"{A}feed"
    return root


def check_atom(root: ET.Element) -> None:
    """What RFC 4287 requires of a feed and its entries, and our habits (absolute URLs)."""
    for required in ("id", "title", "updated"):
        assert root.find(f"{A}{required}") is not None, required
    assert RFC3339_UTC.match(root.findtext(f"{A}updated"))
    assert root.find(f"{A}author/{A}name").text
    self_link = root.find(f"{A}link[@rel='self']")
    assert self_link.get("href").startswith("http://alpha.test/")
    for entry in root.findall(f"{A}entry"):
        for required in ("id", "title", "updated", "published", "summary"):
            assert entry.find(f"{A}{required}") is not None, required
        assert re.match(r"^(tag:|https?://)", entry.findtext(f"{A}id"))
        assert RFC3339_UTC.match(entry.findtext(f"{A}updated"))
        assert entry.find(f"{A}link[@rel='alternate']").get("href").startswith("http")


def entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{A}entry")


async def a_debate_with_proposals(node):
    alice = await a_member(node.db, node.clock, "alice")
    bob = await a_member(node.db, node.clock, "bob", verified=True)
    await an_open_debate(node.db, node.clock, "voirie")
    first = await a_proposal(node.db, node.clock, alice, "voirie", a_draft(
        "Piétonniser la rue des écoles", "Pour le #vélo et les enfants."))
    node.clock.advance(hours=1)
    second = await a_proposal(node.db, node.clock, alice, "voirie", a_draft(
        "Des bancs <b>&</b> ]]> de l'ombre", "Texte avec un caractère interdit en XML."))
    # A text stored before node/text.py refused control characters: the feed still drops
    # what XML forbids
    async with node.db.transaction() as tx:
        changed = await tx.conn.execute(
            "UPDATE proposal_versions SET body = ? WHERE proposal_id = ?",
            ("Texte avec \x0b un caractère interdit en XML.", second.id))
        assert changed.rowcount == 1
    await run(node.db, services.cast_vote, node.clock, bob, first.id, VoteChoice.FOR)
    return first, second


async def with_beta(node):
    await run(node.db, services.upsert_territory, node.clock,
              TerritoryInfo(BETA, "http://beta.test", "Territoire Beta"))
    await run(node.db, services.upsert_remote_debate, node.clock, BETA,
              RemoteDebateInfo(BETA_DEBATE, "mobilite", "Mobilité douce"))
    at = node.clock.now() - timedelta(days=2)
    info = RemoteProposalInfo("http://beta.test/propositions/7", BETA_DEBATE, "Un vélobus",
                              at, at, summary="Accompagner les enfants à vélo.",
                              themes=("velo",), url="http://beta.test/p/velobus")
    await run(node.db, services.upsert_remote_proposal, node.clock, BETA, info)
    answered = replace(info, updated_at=at + timedelta(days=1), status="answered",
                       answer_kind=AnswerKind.ADOPTED, answered_at=at + timedelta(days=1))
    await run(node.db, services.upsert_remote_proposal, node.clock, BETA, answered)


async def test_debate_feed_is_valid_atom_with_its_proposals_newest_first(node):
    # Given
    first, second = await a_debate_with_proposals(node)
    # When
    status, content_type, body = await fetch(node, "/debats/voirie/flux.atom")
    # Then
    assert status == 200
    assert content_type == "application/atom+xml; charset=utf-8"
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = parse(body)
    check_atom(root)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert root.findtext(f"{A}id") == "http://alpha.test/debats/voirie/flux.atom"
    assert root.find(f"{A}link[@rel='alternate']").get("href") == "http://alpha.test/debats/voirie"
    newest, oldest = entries(root)
    assert newest.findtext(f"{A}id") == f"tag:alpha.test,2026:proposition:{second.id}"
    # Markup and CDATA ends stay text; the vertical tab XML forbids is dropped
    assert newest.findtext(f"{A}title") == "Des bancs <b>&</b> ]]> de l'ombre"
    assert "\x0b" not in newest.findtext(f"{A}summary")
    assert "Texte avec un caractère" in newest.findtext(f"{A}summary")
    assert oldest.find(f"{A}link").get("href") == (
        f"http://alpha.test/propositions/{first.id}")
    assert oldest.findtext(f"{A}summary").startswith("Déposée · 1 vote — Pour le #vélo")
    assert oldest.findtext(f"{A}author/{A}name") == "Alice"
    assert [c.get("term") for c in oldest.findall(f"{A}category")] == ["vélo"]
    assert root.findtext(f"{A}updated") == newest.findtext(f"{A}updated")


async def test_debate_feed_in_english(node):
    # Given
    await a_debate_with_proposals(node)
    # When
    _, _, body = await fetch(node, "/debats/voirie/flux.atom", lang="en")
    # Then
    root = parse(body)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert entries(root)[1].findtext(f"{A}summary").startswith("Submitted · 1 vote")


async def test_feed_of_a_draft_or_unknown_debate_is_not_found(node):
    # Given
    await run(node.db, services.create_debate, node.clock, OP,
              NewDebate("brouillon", "Brouillon", ""))
    # When / Then
    assert (await fetch(node, "/debats/brouillon/flux.atom"))[0] == 404
    assert (await fetch(node, "/debats/nulle-part/flux.atom"))[0] == 404


async def test_empty_debate_feed_is_still_valid(node):
    # Given
    await an_open_debate(node.db, node.clock, "vide")
    # When
    _, _, body = await fetch(node, "/debats/vide/flux.atom")
    # Then
    root = parse(body)
    check_atom(root)
    assert entries(root) == []


async def test_network_feed_mixes_local_and_remote_with_their_origins(node):
    # Given
    first, second = await a_debate_with_proposals(node)
    await with_beta(node)
    # When
    status, content_type, body = await fetch(node, "/reseau/flux.atom")
    # Then
    assert status == 200 and content_type.startswith("application/atom+xml")
    root = parse(body)
    check_atom(root)
    assert root.findtext(f"{A}title") == "Réseau des territoires · Territoire alpha"
    ids = [e.findtext(f"{A}id") for e in entries(root)]
    assert ids == [f"tag:alpha.test,2026:proposition:{second.id}",
                   f"tag:alpha.test,2026:proposition:{first.id}",
                   "http://beta.test/propositions/7"]
    remote = entries(root)[2]
    assert remote.find(f"{A}link").get("href") == "http://beta.test/p/velobus"
    assert remote.findtext(f"{A}author/{A}name") == "Territoire Beta"
    assert remote.findtext(f"{A}summary").startswith("Répondue : Adoptée · 0 vote")


async def test_search_feed_follows_the_query_and_names_it(node):
    # Given
    await a_debate_with_proposals(node)
    await with_beta(node)
    # When
    _, _, body = await fetch(node, "/reseau/flux.atom", q='vélo "&<', territoire="", tri="x")
    # Then
    root = parse(body)
    check_atom(root)
    assert [e.findtext(f"{A}title") for e in entries(root)] == [
        "Piétonniser la rue des écoles", "Un vélobus"]
    assert root.findtext(f"{A}title").startswith('Recherche : vélo "&< · Réseau des territoires')
    self_href = root.find(f"{A}link[@rel='self']").get("href")
    assert self_href == "http://alpha.test/reseau/flux.atom?q=v%C3%A9lo+%22%26%3C"
    assert root.findtext(f"{A}id") == self_href
    assert root.find(f"{A}link[@rel='alternate']").get("href") == (
        "http://alpha.test/reseau?q=v%C3%A9lo+%22%26%3C")


async def test_hostile_query_strings_still_give_a_valid_feed(node):
    # Given
    await with_beta(node)
    # When: control characters, bytes that are not UTF-8, FTS syntax, a huge query
    for query in ("q=%00%01%0b", "q=%FF%FE%ED%A0%80", 'q=%22AND(', "q=" + "a" * 5000,
                  "du=%00&au=x&theme=%3C%3E&territoire=-1&statut=%27"):
        async with node.client.get(f"{node.url}/reseau/flux.atom?{query}") as response:
            body = await response.read()
        # Then
        assert response.status == 200, query
        check_atom(parse(body))


async def test_network_feed_with_filters_and_no_result_is_valid(node):
    # Given
    await with_beta(node)
    # When
    _, _, body = await fetch(node, "/reseau/flux.atom", statut="submitted", theme="velo")
    # Then
    root = parse(body)
    check_atom(root)
    assert entries(root) == []
    assert root.findtext(f"{A}updated") == "2026-11-27T12:00:00Z"  # the clock: nothing newer


async def test_feed_survives_hostile_remote_text(node):
    # Given a remote title full of XML trouble (control characters are dropped at ingestion,
    # markup and entities must come out as text)
    await with_beta(node)
    at = node.clock.now() - timedelta(hours=1)
    await run(node.db, services.upsert_remote_proposal, node.clock, BETA, RemoteProposalInfo(
        "http://beta.test/propositions/8", BETA_DEBATE, '<?xml ?><!DOCTYPE x [<!ENTITY a "b">]>&a;',
        at, at, summary="]]></summary><evil/>"))
    # When
    _, _, body = await fetch(node, "/reseau/flux.atom")
    # Then
    root = parse(body)
    check_atom(root)
    newest = entries(root)[0]
    assert newest.findtext(f"{A}title") == '<?xml ?><!DOCTYPE x [<!ENTITY a "b">]>&a;'
    assert newest.findtext(f"{A}summary").endswith("]]></summary><evil/>")
    assert root.find(f".//{A}evil") is None and root.find(".//evil") is None
