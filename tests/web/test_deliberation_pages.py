"""The public deliberation pages, read over real HTTP: debate, proposal, versions, moderation
history and the home page's latest proposals, in French and English."""
from __future__ import annotations

import re

import pytest

from node import services
from node.model import AnswerKind, DebateRole, NewDebate, Role, Stance

from .deliberation_support import (
    OPERATOR,
    Visitor,
    add_member,
    assign,
    close_debate,
    open_debate,
    rich_proposal,
    submit,
)


async def test_debate_page_shows_rules_people_in_charge_and_proposals_in_french(node):
    # Given an open debate with a threshold, a representative in charge and a proposal
    await open_debate(node)
    await add_member(node, "claire", Role.REPRESENTATIVE, "adjointe à la mobilité")
    await assign(node, "velo", "claire", DebateRole.REPRESENTATIVE)
    _, _, proposal, _, _ = await rich_proposal(node)
    # When a visitor opens it
    async with Visitor(node) as visitor:
        page = await visitor.get("/debats/velo")
    # Then
    assert page.status == 200
    html = page.html
    assert "<h1>Le vélo au quotidien</h1>" in html and html.count("<h1") == 1
    assert "Une proposition soutenue par 2 participants reçoit une réponse publique des élus " \
           "sous 30 jours." in html
    assert "Secrets : seuls les totaux sont affichés." in html
    assert 'href="/membres/claire">Claire</a>, adjointe à la mobilité' in html
    assert f'href="/propositions/{proposal.id}">Des arceaux devant l&#39;école</a>' in html
    assert "D’accord 0 · Mitigé 1 · Pas d’accord 0" in html
    assert "2 arguments" in html and "1 amendement" in html and "Soutiens : 0 sur 2" in html
    # Times read in the territory's zone (Europe/Paris by default); machines get UTC
    assert re.search(r'<time datetime="2026-11-27T12:00:00\+00:00">27 novembre 2026, 13:00</time>',
                     html)
    # Anonymous visitors are invited to sign in before submitting
    assert "/connexion?suivant=/debats/velo/propositions/nouvelle" in html


async def test_debate_page_in_english(node):
    await open_debate(node)
    await rich_proposal(node)
    async with Visitor(node, lang="en") as visitor:
        page = await visitor.get("/debats/velo")
    assert page.status == 200 and '<html lang="en">' in page.html
    assert "How this debate works" in page.html and "Agree 0 · Mixed 1 · Disagree 0" in page.html
    # An anonymous visitor is invited to sign in, not shown the members' submit button
    assert ('<a href="/connexion?suivant=/debats/velo/propositions/nouvelle">'
            "Sign in to submit a proposal</a>") in page.html
    assert 'class="button" href="/debats/velo/propositions/nouvelle"' not in page.html


async def test_debate_page_pages_proposals_with_a_keyset_cursor(node):
    # Given 21 proposals: one more than a page holds
    await open_debate(node)
    anne = await add_member(node, "anne")
    for i in range(21):
        await submit(node, anne, title=f"Proposition numéro {i:02d}")
    async with Visitor(node) as visitor:
        first = await visitor.get("/debats/velo")
        link = re.search(r'href="(/debats/velo\?[^"]*apres=[^"#]+)#propositions" rel="next"',
                         first.html)
        assert link, "no link to the next page"
        second = await visitor.get(link.group(1).replace("&amp;", "&"))
    # Then the newest 20 come first, the oldest one on the second page with a way back
    assert first.html.count('class="proposal-item"') == 20
    assert "Proposition numéro 20" in first.html and "Proposition numéro 00" not in first.html
    assert second.html.count('class="proposal-item"') == 1 and "Proposition numéro 00" in second.html
    assert "Première page" in second.html and 'rel="next"' not in second.html


async def test_debate_page_orders_by_support_and_filters_by_status(node):
    await open_debate(node, threshold=None)
    anne = await add_member(node, "anne")
    bruno = await add_member(node, "bruno")
    first = await submit(node, anne, title="La moins récente mais soutenue")
    second = await submit(node, anne, title="La plus récente")
    async with node.db.transaction() as tx:
        await services.cast_vote(tx, node.clock, bruno, first.id, "for")
        await services.change_proposal_status(tx, node.clock, OPERATOR, second.id,
                                              "in_discussion")
    async with Visitor(node) as visitor:
        newest = await visitor.get("/debats/velo")
        supported = await visitor.get("/debats/velo?ordre=soutenues")
        discussed = await visitor.get("/debats/velo?statut=en-discussion")
    assert newest.html.index("La plus récente") < newest.html.index("La moins récente")
    assert supported.html.index("La moins récente") < supported.html.index("La plus récente")
    assert "La plus récente" in discussed.html and "La moins récente" not in discussed.html
    assert '<option value="soutenues" selected>' in supported.html


async def test_draft_and_unknown_debates_are_not_found(node):
    async with node.db.transaction() as tx:
        await services.create_debate(tx, node.clock, OPERATOR, NewDebate("brouillon", "Brouillon", ""))
    async with Visitor(node) as visitor:
        for path in ("/debats/brouillon", "/debats/inconnu", "/debats/inconnu/moderation",
                     "/debats/brouillon/propositions/nouvelle"):
            page = await visitor.get(path)
            assert page.status == 404, path
            assert "Page introuvable" in page.html and "no debate" not in page.html


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_proposal_page_shows_text_tallies_arguments_amendments_and_history(node, lang):
    # Given a proposal with an article, a source, arguments, an amendment and a vote
    await open_debate(node)
    _, _, proposal, argument, amendment = await rich_proposal(node)
    # When
    async with Visitor(node, lang=lang) as visitor:
        page = await visitor.get(f"/propositions/{proposal.id}")
    html = page.html
    # Then
    assert page.status == 200 and f'<html lang="{lang}">' in html and html.count("<h1") == 1
    assert "<strong>vingt arceaux</strong>" in html  # the body's markdown
    assert 'id="article-1"' in html and "Devant le portail." in html
    assert '<a href="https://example.org/etude" rel="nofollow noopener ugc">Étude vélo 2025</a>' in html
    # The tally: a table with a caption and headers for rows and columns
    tally = re.search(r'<table class="tally-table">.*?</table>', html, re.S).group(0)
    assert "<caption>" in tally and tally.count('scope="col"') == 5 and tally.count('scope="row"') == 4
    # Arguments side by side, each column headed by its stance and count
    assert f'id="argument-{argument.id}"' in html
    assert html.index('id="arguments-for"') < html.index('id="arguments-against"')
    # The amendment's diff: removed and added lines, each with a word for screen readers
    removed, added = ("Supprimé :", "Ajouté :") if lang == "fr" else ("Removed:", "Added:")
    assert f'<del><span class="visually-hidden">{removed} </span>Côté cour.</del>' in html
    assert f'<ins><span class="visually-hidden">{added} </span>Côté rue.</ins>' in html
    assert f'id="amendement-{amendment.id}"' in html
    assert ("Déposée le" if lang == "fr" else "Submitted on") in html
    if lang == "fr":
        assert "Vers une réponse publique" in html and "Soutiens : 0 sur 2." in html
        assert "Autres membres du territoire" in html and "Participants du fédivers" in html
        for english in ("Agree", "Arguments for", "Amendment", "History", "Votes on this"):
            assert english not in html, english


async def test_proposal_page_counts_down_to_the_answer_then_shows_it_overdue(node):
    # Given a debate whose threshold is 2 supports, with a 30-day answer delay
    await open_debate(node, threshold=2, delay=30)
    anne = await add_member(node, "anne")
    bruno = await add_member(node, "bruno")
    proposal = await submit(node, anne)
    async with node.db.transaction() as tx:
        await services.cast_vote(tx, node.clock, anne, proposal.id, "for")
        await services.cast_vote(tx, node.clock, bruno, proposal.id, "for")
    # When the threshold is reached: a countdown
    node.clock.advance(days=10)
    async with Visitor(node) as visitor:
        waiting = await visitor.get(f"/propositions/{proposal.id}")
        node.clock.advance(days=21)
        overdue = await visitor.get(f"/propositions/{proposal.id}")
        debate = await visitor.get("/debats/velo")
    assert "En attente de la réponse des élus" in waiting.html
    assert re.search(r"Réponse attendue avant le <time datetime=\"2026-12-27T12:00:00\+00:00\">"
                     r"27 décembre 2026, 13:00 CET</time>, il reste 20 jours\.", waiting.html)
    # Then, once the deadline passes: as prominent as an answer (the same box, a heading)
    assert re.search(r'<section aria-labelledby="reponse" class="answer-box overdue"[^>]*>\s*'
                     r'<h2 id="reponse">Pas encore de réponse — délai dépassé depuis le <time',
                     overdue.html)
    assert "Pas encore de réponse — délai dépassé depuis le 27 décembre 2026" in debate.html


async def test_answered_proposal_shows_the_signed_answer(node):
    await open_debate(node)
    claire = await add_member(node, "claire", Role.REPRESENTATIVE, "adjointe à la mobilité")
    anne = await add_member(node, "anne")
    proposal = await submit(node, anne)
    async with node.db.transaction() as tx:
        await services.answer_proposal(tx, node.clock, claire, proposal.id, AnswerKind.ADOPTED,
                                       "Les arceaux seront posés **au printemps**.")
    async with Visitor(node) as visitor:
        page = await visitor.get(f"/propositions/{proposal.id}")
        home = await visitor.get("/")
    assert "La réponse des élus" in page.html and "Adoptée" in page.html
    assert "<strong>au printemps</strong>" in page.html
    assert '— <a href="/membres/claire">Claire</a>, adjointe à la mobilité, <time' in page.html
    assert "Réponse d’un élu ou d’une élue" in page.html  # in the history
    # The home page lists the latest proposals
    assert "Dernières propositions" in home.html and f'href="/propositions/{proposal.id}"' in home.html


async def test_earlier_versions_stay_readable_at_their_own_address(node):
    await open_debate(node)
    anne, _, proposal, _, amendment = await rich_proposal(node)
    async with node.db.transaction() as tx:
        await services.integrate_amendment(tx, node.clock, anne, amendment.id)
    async with Visitor(node) as visitor:
        current = await visitor.get(f"/propositions/{proposal.id}")
        first = await visitor.get(f"/propositions/{proposal.id}/versions/1")
        second = await visitor.get(f"/propositions/{proposal.id}/versions/2")
        missing = await visitor.get(f"/propositions/{proposal.id}/versions/3")
    assert "Côté rue." in current.html and "Version 2 du" in current.html
    assert f'href="/propositions/{proposal.id}/versions/1">Version 1</a>' in current.html
    assert first.status == 200 and "Côté cour." in first.html
    assert "Vous lisez la version 1 sur 2, une version antérieure." in first.html
    assert second.status == 200 and "Côté rue." in second.html and "version antérieure" not in second.html
    assert missing.status == 404
    assert "Intégré" in current.html and "intégré dans la version 2" in current.html


async def test_unknown_ids_are_not_found_in_french(node):
    await open_debate(node)
    anne = await add_member(node, "anne")
    async with Visitor(node) as visitor:
        await visitor.sign_in("anne")
        for path in ("/propositions/999", "/propositions/999/versions/1",
                     "/propositions/999/modifier", "/propositions/999/amendements/nouveau",
                     "/propositions/99999999999999999999", "/propositions/abc"):
            page = await visitor.get(path)
            assert page.status == 404, path
            assert "Page introuvable" in page.html and "no proposal" not in page.html, path
        proposal = await submit(node, anne)
        page = await visitor.get(f"/propositions/{proposal.id}/amendements/nouveau?article=7")
        assert page.status == 404


async def test_script_in_an_argument_is_shown_escaped(node):
    await open_debate(node)
    anne = await add_member(node, "anne")
    proposal = await submit(node, anne)
    async with node.db.transaction() as tx:
        await services.post_argument(tx, node.clock, anne, proposal.id, Stance.AGAINST,
                                     "<script>alert('x')</script> et <b>gras</b>")
    async with Visitor(node) as visitor:
        page = await visitor.get(f"/propositions/{proposal.id}")
    assert "<script>alert" not in page.html and "<b>gras</b>" not in page.html
    assert "&lt;script&gt;alert(" in page.html


async def test_a_hidden_argument_disappears_for_everyone_but_the_moderation_history(node):
    await open_debate(node)
    await add_member(node, "modo", Role.MODERATOR)
    _, _, proposal, argument, _ = await rich_proposal(node)
    async with node.db.transaction() as tx:
        moderator = await services.get_member(tx, "modo")
        await services.hide_content(tx, node.clock, moderator, "argument", argument.id,
                                    "Propos hors sujet")
    async with Visitor(node) as visitor:
        page = await visitor.get(f"/propositions/{proposal.id}")
        history = await visitor.get("/debats/velo/moderation")
    assert f'id="argument-{argument.id}"' not in page.html and "viendront à vélo" not in page.html
    assert "Propos hors sujet" in history.html and "Masqué" in history.html
    assert "viendront à vélo" not in history.html and "Rétablir" not in history.html


async def test_closed_debate_shows_no_participation_forms(node):
    await open_debate(node)
    _, _, proposal, _, _ = await rich_proposal(node)
    await close_debate(node)
    async with Visitor(node) as visitor:
        await visitor.sign_in("bruno")
        page = await visitor.get(f"/propositions/{proposal.id}")
        debate = await visitor.get("/debats/velo")
    assert "Les votes sont clos : le débat n’est plus ouvert." in page.html
    assert 'action="/propositions/1/vote"' not in page.html
    assert 'action="/propositions/1/arguments"' not in page.html
    assert "Ce débat ne reçoit plus de propositions." in debate.html


async def test_argument_columns_page_on_their_own_most_useful_first(node):
    # Given 11 arguments for (the last one marked useful) and one against
    await open_debate(node)
    anne = await add_member(node, "anne")
    bruno = await add_member(node, "bruno")
    proposal = await submit(node, anne)
    async with node.db.transaction() as tx:
        for i in range(11):
            last = await services.post_argument(tx, node.clock, bruno, proposal.id, Stance.FOR,
                                                f"Argument pour numéro {i:02d}")
        await services.post_argument(tx, node.clock, bruno, proposal.id, Stance.AGAINST,
                                     "Le seul argument contre")
        await services.mark_argument_useful(tx, node.clock, anne, last.id)
    async with Visitor(node) as visitor:
        first = await visitor.get(f"/propositions/{proposal.id}")
        link = re.search(r'href="(/propositions/\d+\?pour=[^"#]+)#arguments-for" rel="next"',
                         first.html)
        assert link, "no link to more arguments for"
        second = await visitor.get(link.group(1))
    column = first.html[first.html.index('id="arguments-for"'):first.html.index('id="arguments-against"')]
    # The useful one leads, then the oldest first; ten per column
    assert column.index("numéro 10") < column.index("numéro 00")
    assert column.count('class="argument"') == 10 and "numéro 09" not in column
    assert "Arguments pour <span class=\"count\">(11)</span>" in first.html
    assert "numéro 09" in second.html and "Le seul argument contre" in second.html
    assert "Revenir à la première page de chaque liste" in second.html


@pytest.mark.parametrize("path", ["/debats/velo?apres=pas-un-curseur",
                                  "/propositions/1?pour=1.2.3",
                                  "/propositions/1?amendements=x"])
async def test_a_bad_page_cursor_is_invalid_input_in_french(node, path):
    await open_debate(node)
    anne = await add_member(node, "anne")
    await submit(node, anne)
    async with Visitor(node) as visitor:
        page = await visitor.get(path)
    assert page.status == 422 and "Saisie invalide" in page.html
    assert "cursor" not in page.html


async def test_an_unknown_done_key_shows_no_notice(node):
    await open_debate(node)
    anne = await add_member(node, "anne")
    proposal = await submit(node, anne)
    async with Visitor(node) as visitor:
        page = await visitor.get(f"/propositions/{proposal.id}?fait=<script>")
    assert page.status == 200 and 'role="status"' not in page.html and "<script>" not in page.html
