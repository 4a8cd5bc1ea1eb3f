"""Markdown rendering is bounded by construction: adversarial texts up to the length limits
scan a bounded number of characters for links and nest a bounded number of levels, their
output stays safe, and realistic texts render exactly as the plain library renders them."""
from __future__ import annotations

import asyncio
import random
import re

import markdown
import nh3
import pytest

from node.content_rules import MAX_ARGUMENT, MAX_PROPOSAL_BODY
from tests.web.deliberation_support import add_member, open_debate, submit
from web import demo, render
from web.render import LINK_SCAN, LINK_SCAN_BUDGET, MAX_LINK_SPAN, MAX_NESTING

# Each piece is a construct whose naive cost grows with the rest of the block.
_PIECES = ["[a](", "![a](", "[a](b ", '[a]("', "[a](<", "](", "(", "[", "[a]", "*a", "**a",
           "_a", "- ", "> ", ">", "1. ", "`", "[a][b]", "\\", "'", ")", " ", "\n", "# "]


def _adversarial(limit: int) -> list[str]:
    """Repetitions of each piece, and seeded random mixes of them, at exactly `limit` chars."""
    texts = [(piece * (limit // len(piece) + 1))[:limit] for piece in _PIECES]
    rng = random.Random(17)
    for _ in range(12):
        chosen = rng.sample(_PIECES, 4)
        parts: list[str] = []
        size = 0
        while size < limit:
            parts.append(rng.choice(chosen))
            size += len(parts[-1])
        texts.append("".join(parts)[:limit])
    return texts


def _naive_scan(text: str) -> int:
    """What the library alone would scan for links: from each `](` to the end of the text."""
    return sum(len(text) - m.end() for m in re.finditer(r"\]\(", text))


def _depth(html: str) -> int:
    depth = deepest = 0
    for m in re.finditer(r"<(/?)(?:ul|ol|blockquote)>", html):
        depth += -1 if m.group(1) else 1
        deepest = max(deepest, depth)
    return deepest


@pytest.mark.parametrize("limit", [MAX_PROPOSAL_BODY, MAX_ARGUMENT])
def test_adversarial_texts_scan_and_nest_within_their_bounds(limit):
    texts = _adversarial(limit)
    worst_naive = max(_naive_scan(text) for text in texts)
    for text in texts:
        html = render.render_uncached(text)
        # The link scan is charged per render, each link at most MAX_LINK_SPAN
        assert LINK_SCAN.spent <= LINK_SCAN_BUDGET, text[:40]
        # Nesting stays within MAX_NESTING lists or quotes per line
        assert _depth(html) <= MAX_NESTING + 1, text[:40]
        # And the output is the sanitiser's: nothing it would change
        assert "<script" not in html and "javascript:" not in html
    # The bound is what makes it linear: the library alone would scan ~100x more
    assert worst_naive > 50 * LINK_SCAN_BUDGET if limit == MAX_PROPOSAL_BODY else True


def test_a_link_longer_than_its_span_is_text_and_the_budget_holds_across_links():
    url = "https://example.org/" + "a" * (MAX_LINK_SPAN + 10)
    assert "<a " not in render.render_uncached(f"[long]({url})")
    # Openers with a `)` in reach that never balances: each scans its whole span
    render.render_uncached(("[a](" + "(" * 40 + ")") * 500)
    assert LINK_SCAN.spent == LINK_SCAN_BUDGET  # charged opener after opener, up to the budget
    # Openers with no `)` in reach cannot close: refused before any scan
    render.render_uncached("[a](" * 1000)
    assert LINK_SCAN.spent < 20_000  # the `[a]` texts alone


@pytest.mark.parametrize(("source", "shown"), [
    ("- " * 20 + "a", "- - - - a"), (">" * 20 + " a", "&gt;&gt;&gt;&gt; a"),
    ("1. " * 18 + "a", "1. 1. a"), ("> " * 17 + "- a", "&gt; - a"),
])
def test_markers_beyond_the_nesting_bound_show_as_typed(source, shown):
    html = render.render_uncached(source)
    assert _depth(html) == MAX_NESTING
    assert re.sub(r"</?(?:ul|ol|li|blockquote|p)>|\n", "", html) == shown


def test_a_line_of_markers_and_blanks_that_falls_short_is_given_up_at_once():
    # 15 markers each followed by 1,000 blanks: a backtracking scan would split the blanks
    # between markers in 1,000^15 ways before giving up
    line = ("-" + " " * 1000) * (MAX_NESTING - 1) + "x"
    assert render.bounded_source(line * 3) == line * 3


# --- Realistic texts render exactly as the library renders them ------------------------------

def _reference(source: str) -> str:
    """The renderer as it was before the bounds: Python-Markdown with no limit of ours."""
    md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    html = md.convert(source)
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(f"</h{level}>", f"</h{level + 2}>")
    return nh3.clean(html, tags=render.ALLOWED_TAGS, attributes=render.ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener ugc")


_CORPUS = [
    demo.MOBILITY,
    demo.BUDGET,
    "Installer **vingt arceaux** devant l'école.",
    "Comment **rouler** plus sereinement ?\n\n- pistes\n- parkings",
    "# Titre\n\n## Sous-titre\n\n### Section\n\nTexte *en italique*, **gras**, `code`.",
    "Voir [le plan](https://example.org/plan.pdf) et [l'étude](https://example.org/etude "
    "\"Étude de 2025\"), ou <https://example.org/direct>.",
    "Une page [Paris](https://fr.wikipedia.org/wiki/Paris_(France)) entre parenthèses.",
    "Une adresse [avec apostrophe](https://fr.wikipedia.org/wiki/C%C3%B4te_d'Ivoire) ici.",
    "![Plan du quartier](https://example.org/plan.png \"Le plan\")\n\nLégende.",
    "1. Premier point\n2. Deuxième point\n   - sous-point a\n   - sous-point b\n"
    "     - encore plus bas\n3. Troisième",
    "- un\n- deux\n\n    suite du deux\n\n- trois",
    "> Citation du conseil.\n>\n> > Citation dans la citation.\n> > > Et une troisième.",
    "| Poste | Montant |\n|:------|--------:|\n| Pistes | 120 000 € |\n| Parkings | 30 000 € |",
    "Du code :\n\n    def f():\n        return 1\n\nFin.",
    "Une ligne  \navec un saut forcé.\n\n---\n\n* étoile\n* puce",
    "Caractères \\*échappés\\* et \\[crochets\\] et (parenthèses) [sans lien].",
    "Un [lien de référence][ref] et un autre [ref].\n\n[ref]: https://example.org/ref",
    "Le budget (voir [annexe](https://example.org/a \"Annexe (2027)\")) est de 5 %.",
    "Longue adresse : [ici](https://example.org/?" + "&".join(f"k{i}=v{i}" for i in range(150))
    + ")",
    "Mail : [écrire](mailto:mairie@example.org) ; un lien [javascript](javascript:alert(1)).",
    "Sans fin de lien [a](https://example.org/ouvert et la suite du texte.",
]


def _long_realistic(limit: int) -> str:
    """A proposal at its limit with a link, a titled link and a list every paragraph."""
    parts, i, size = [], 0, 0
    while size < limit:
        parts.append(f"Paragraphe {i} : voir [la source {i}](https://example.org/doc/{i}) et "
                     f"[l'annexe](https://example.org/annexe/{i} \"Annexe {i}\").\n\n- point {i}\n"
                     f"- [lien](https://example.org/{i}_(x))\n\n")
        size += len(parts[-1])
        i += 1
    return "".join(parts)[:limit]


@pytest.mark.parametrize("source", [*_CORPUS, _long_realistic(MAX_PROPOSAL_BODY)],
                         ids=lambda s: s[:24])
def test_realistic_markdown_renders_as_the_library_renders_it(source):
    assert render.render_uncached(source) == _reference(source)


# --- A stored version renders once, whoever asks -------------------------------------------

async def test_concurrent_version_pages_render_an_adversarial_body_once(node, monkeypatch):
    # Given a proposal whose body is 20,000 characters of unclosed links
    anne = await add_member(node, "anne")
    await open_debate(node)
    body = "[a](" * (MAX_PROPOSAL_BODY // 4)
    proposal = await submit(node, anne, body=body)
    rendered: list[str] = []
    real = render.render_uncached
    monkeypatch.setattr(render, "render_uncached",
                        lambda source: rendered.append(source) or real(source))
    render.clear_caches()

    async def get(path: str) -> int:
        async with node.client.get(node.url + path) as response:
            await response.read()
            return response.status

    # When four visitors ask for its version page at once, and /healthz meanwhile
    version = f"/propositions/{proposal.id}/versions/1"
    statuses = await asyncio.gather(*(get(version) for _ in range(4)), get("/healthz"))
    # Then every answer is given, the body was parsed once, within the scan budget
    assert statuses == [200] * 5
    assert rendered.count(body) == 1
    assert LINK_SCAN.spent <= LINK_SCAN_BUDGET


# --- Hashtags are not headings ---------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "#pour les pistes cyclables", "#contre\nTrop cher.", "Premier paragraphe.\n#pour la suite",
    "##deux dièses", "- #pour en liste", "> #contre en citation", "#1 en tête",
])
def test_a_line_starting_with_a_hashtag_is_text_not_a_heading(source):
    html = render.render_uncached(source)
    assert "<h" not in html
    assert "#" in html  # the hashtag is shown as written


@pytest.mark.parametrize(("source", "heading"), [
    ("# Titre", "<h3>Titre</h3>"), ("## Sous-titre ##", "<h4>Sous-titre</h4>"),
    ("###\tSection", "<h3>Section</h3>"), ("Texte.\n# Titre\nSuite.", "<h3>Titre</h3>"),
    ("- # Titre en liste", "<h3>Titre en liste</h3>"),
])
def test_a_hash_and_a_space_still_make_a_heading(source, heading):
    assert heading in render.render_uncached(source)
