"""One's own contributions afterwards, over real HTTP with a cookie session and the page's CSRF
token: editing and withdrawing an argument, withdrawing an amendment, managing co-authors, the
public list of votes, amendment tallies by class, and times in the territory's time zone. Every
refusal (another member, a closed debate, a missing CSRF token, bad input) answers 4xx in French
and stores nothing."""
from __future__ import annotations

import re

from node import services
from node.model import AmendmentStatus, DebateSettings, DebateStatus, NewDebate

from .deliberation_support import (
    OPERATOR,
    Visitor,
    add_member,
    close_debate,
    counts,
    open_debate,
    rich_proposal,
    submit,
)
from .test_deliberation_forms import assert_french_refusal

CLOSED = "Ce débat est clos : plus rien ne peut changer."


async def _proposal_authors(node, proposal_id: int) -> list[str]:
    return [a.username for a in await node.db.read().proposals.list_authors(proposal_id)]


# --- Arguments -------------------------------------------------------------------------------


async def test_its_author_edits_an_argument_from_the_proposal_page(node):
    # Given bruno's argument on anne's proposal
    await open_debate(node)
    _, _, proposal, argument, _ = await rich_proposal(node)
    async with Visitor(node) as bruno:
        await bruno.sign_in("bruno")
        page = await bruno.get(f"/propositions/{proposal.id}")
        assert f'href="/arguments/{argument.id}/modifier"' in page.html
        assert f'href="/arguments/{argument.id}/retirer"' in page.html
        # When he opens the edit form and saves a new text
        form = await bruno.get(f"/arguments/{argument.id}/modifier")
        assert form.status == 200 and "Les enfants viendront à vélo." in form.html
        assert 'aria-describedby="aide-argument_body"' in form.html
        done = await bruno.post(f"/arguments/{argument.id}/modifier",
                                {"argument_body": "Les enfants viendront **à vélo** et à pied."})
    # Then the proposal page shows the new text, marked edited
    assert done.status == 200 and done.url.endswith("?fait=argument-modifie")
    assert "Votre argument est mis à jour." in done.html
    assert "<strong>à vélo</strong> et à pied." in done.html and "modifié" in done.html
    stored = await node.db.read().arguments.get(argument.id)
    assert stored.body == "Les enfants viendront **à vélo** et à pied." and stored.edited_at


async def test_another_member_cannot_edit_or_withdraw_an_argument(node):
    await open_debate(node)
    _, _, proposal, argument, _ = await rich_proposal(node)
    async with Visitor(node) as anne:
        await anne.sign_in("anne")
        page = await anne.get(f"/propositions/{proposal.id}")
        assert f'/arguments/{argument.id}/modifier' not in page.html
        form = await anne.get(f"/arguments/{argument.id}/modifier")
        before = await counts(node)
        edit = await anne.post(f"/arguments/{argument.id}/modifier", {"argument_body": "Détourné"})
        withdraw = await anne.post(f"/arguments/{argument.id}/retirer", {})
    assert form.status == 403
    assert_french_refusal(edit, 403, "Action non autorisée")
    assert_french_refusal(withdraw, 403, "Action non autorisée")
    assert await counts(node) == before
    stored = await node.db.read().arguments.get(argument.id)
    assert stored.body == "Les enfants viendront à vélo." and stored.withdrawn_at is None


async def test_a_bad_argument_edit_keeps_the_input_and_stores_nothing(node):
    await open_debate(node)
    _, _, _, argument, _ = await rich_proposal(node)
    async with Visitor(node) as bruno:
        await bruno.sign_in("bruno")
        await bruno.get(f"/arguments/{argument.id}/modifier")
        before = await counts(node)
        empty = await bruno.post(f"/arguments/{argument.id}/modifier", {"argument_body": "  "})
        long = await bruno.post(f"/arguments/{argument.id}/modifier",
                                {"argument_body": "x" * 5001})
    assert_french_refusal(empty, 422, "Votre argument : entre 1 et 5 000 caractères.")
    assert 'aria-describedby="aide-argument_body erreur-argument_body"' in empty.html
    assert 'href="#champ-argument_body"' in empty.html
    assert long.status == 422 and "x" * 5001 in long.html
    assert await counts(node) == before


async def test_its_author_withdraws_an_argument_after_confirming(node):
    await open_debate(node)
    _, _, proposal, argument, _ = await rich_proposal(node)
    async with Visitor(node) as bruno:
        await bruno.sign_in("bruno")
        confirm = await bruno.get(f"/arguments/{argument.id}/retirer")
        assert confirm.status == 200 and "Retirer l’argument" in confirm.html
        assert "Les enfants viendront à vélo." in confirm.html
        done = await bruno.post(f"/arguments/{argument.id}/retirer", {})
        again = await bruno.post(f"/arguments/{argument.id}/retirer", {})
        edit = await bruno.get(f"/arguments/{argument.id}/modifier")
    assert done.status == 200 and "Votre argument est retiré." in done.html
    assert f'id="argument-{argument.id}"' not in done.html
    assert (await node.db.read().arguments.get(argument.id)).withdrawn_at is not None
    assert_french_refusal(again, 409, "Cet argument a été retiré par son auteur.")
    assert edit.status == 409 and "Cet argument a été retiré par son auteur." in edit.html


async def test_a_closed_debate_refuses_argument_changes(node):
    await open_debate(node)
    _, _, proposal, argument, _ = await rich_proposal(node)
    await close_debate(node)
    async with Visitor(node) as bruno:
        await bruno.sign_in("bruno")
        page = await bruno.get(f"/propositions/{proposal.id}")
        assert f'/arguments/{argument.id}/modifier' not in page.html
        form = await bruno.get(f"/arguments/{argument.id}/modifier")
        before = await counts(node)
        edit = await bruno.post(f"/arguments/{argument.id}/modifier", {"argument_body": "Tard"})
        withdraw = await bruno.post(f"/arguments/{argument.id}/retirer", {})
    assert form.status == 409 and CLOSED in form.html and "<textarea" not in form.html
    assert_french_refusal(edit, 409, CLOSED)
    assert_french_refusal(withdraw, 409, CLOSED)
    assert await counts(node) == before


async def test_posts_without_the_csrf_token_are_refused_and_store_nothing(node):
    await open_debate(node)
    _, _, proposal, argument, amendment = await rich_proposal(node)
    async with Visitor(node) as bruno:
        await bruno.sign_in("bruno")
        before = await counts(node)
        for path, data in [(f"/arguments/{argument.id}/modifier", {"argument_body": "Sans"}),
                           (f"/arguments/{argument.id}/retirer", {}),
                           (f"/amendements/{amendment.id}/retirer", {}),
                           (f"/propositions/{proposal.id}/coauteurs", {"username": "anne"}),
                           (f"/propositions/{proposal.id}/coauteurs/retrait",
                            {"coauthor": "anne"})]:
            async with bruno.session.post(node.url + path, data=data) as response:
                assert response.status == 403, path
    assert await counts(node) == before
    assert await _proposal_authors(node, proposal.id) == ["anne"]


async def test_unknown_ids_are_not_found(node):
    await open_debate(node)
    await rich_proposal(node)
    async with Visitor(node) as bruno:
        await bruno.sign_in("bruno")
        for path in ("/arguments/999/modifier", "/arguments/999/retirer",
                     "/amendements/999/retirer", "/propositions/999/coauteurs",
                     "/propositions/999/votes", "/arguments/99999999999999999999/modifier"):
            assert (await bruno.get(path)).status == 404, path
        before = await counts(node)
        assert (await bruno.post("/arguments/999/retirer", {})).status == 404
        assert (await bruno.post("/propositions/999/coauteurs", {"username": "anne"})).status \
            == 404
    assert await counts(node) == before


async def test_changing_an_argument_needs_a_signed_in_member(node):
    await open_debate(node)
    _, _, proposal, argument, _ = await rich_proposal(node)
    async with Visitor(node) as anonymous:
        async with anonymous.session.get(f"{node.url}/arguments/{argument.id}/modifier",
                                         allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == \
                f"/connexion?suivant=/propositions/{proposal.id}"


# --- Amendments ------------------------------------------------------------------------------


async def test_its_author_withdraws_an_amendment_and_others_cannot(node):
    await open_debate(node)
    _, _, proposal, _, amendment = await rich_proposal(node)
    async with Visitor(node) as anne:
        await anne.sign_in("anne")
        page = await anne.get(f"/propositions/{proposal.id}")
        assert f"/amendements/{amendment.id}/retirer" not in page.html
        before = await counts(node)
        refused = await anne.post(f"/amendements/{amendment.id}/retirer", {})
        assert_french_refusal(refused, 403, "Action non autorisée")
        assert await counts(node) == before
    async with Visitor(node) as bruno:
        await bruno.sign_in("bruno")
        page = await bruno.get(f"/propositions/{proposal.id}")
        assert f'href="/amendements/{amendment.id}/retirer"' in page.html
        confirm = await bruno.get(f"/amendements/{amendment.id}/retirer")
        assert confirm.status == 200 and "La cour est fermée le soir." in confirm.html
        done = await bruno.post(f"/amendements/{amendment.id}/retirer", {})
        again = await bruno.post(f"/amendements/{amendment.id}/retirer", {})
    assert done.status == 200 and "Votre amendement est retiré." in done.html
    assert "Retiré" in done.html
    assert (await node.db.read().amendments.get(amendment.id)).status is \
        AmendmentStatus.WITHDRAWN
    assert_french_refusal(again, 409, "Cet amendement a déjà été tranché.")


async def test_a_closed_debate_refuses_withdrawing_an_amendment(node):
    await open_debate(node)
    _, _, _, _, amendment = await rich_proposal(node)
    await close_debate(node)
    async with Visitor(node) as bruno:
        await bruno.sign_in("bruno")
        confirm = await bruno.get(f"/amendements/{amendment.id}/retirer")
        before = await counts(node)
        refused = await bruno.post(f"/amendements/{amendment.id}/retirer", {})
    assert confirm.status == 409 and CLOSED in confirm.html
    assert_french_refusal(refused, 409, CLOSED)
    assert await counts(node) == before


async def test_amendment_tallies_are_split_by_participant_class(node):
    await open_debate(node)
    _, _, proposal, _, amendment = await rich_proposal(node)
    chloe = await add_member(node, "chloe", verified=True)
    david = await add_member(node, "david")
    async with node.db.transaction() as tx:
        await services.vote_on_amendment(tx, node.clock, chloe, amendment.id, "for")
        await services.vote_on_amendment(tx, node.clock, david, amendment.id, "against")
    async with Visitor(node) as visitor:
        page = await visitor.get(f"/propositions/{proposal.id}")
    table = page.html[page.html.index(f"Votes sur l’amendement {amendment.id}"):]
    table = table[:table.index("</table>")]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">([^<]+)</th>\s*<td>(\d+)</td><td>(\d+)</td>"
                      r"<td>(\d+)</td><td>(\d+)</td>", table)
    assert rows == [("Habitants vérifiés", "1", "0", "0", "1"),
                    ("Autres membres du territoire", "0", "0", "1", "1"),
                    ("Participants du fédivers", "0", "0", "0", "0"),
                    ("Tous les participants", "1", "0", "1", "2")]


# --- Co-authors ------------------------------------------------------------------------------


async def test_the_lead_author_adds_and_removes_a_co_author(node):
    await open_debate(node)
    _, _, proposal, _, _ = await rich_proposal(node)
    await add_member(node, "chloe")
    async with Visitor(node) as anne:
        await anne.sign_in("anne")
        page = await anne.get(f"/propositions/{proposal.id}")
        assert f'href="/propositions/{proposal.id}/coauteurs"' in page.html
        form = await anne.get(f"/propositions/{proposal.id}/coauteurs")
        assert form.status == 200 and 'id="champ-username"' in form.html
        added = await anne.post(f"/propositions/{proposal.id}/coauteurs", {"username": "@chloe"})
        assert added.status == 200 and "Le coauteur est ajouté" in added.html
        assert await _proposal_authors(node, proposal.id) == ["anne", "chloe"]
        removed = await anne.post(f"/propositions/{proposal.id}/coauteurs/retrait",
                                  {"coauthor": "chloe"})
    assert removed.status == 200 and await _proposal_authors(node, proposal.id) == ["anne"]
    history = await services.list_history(node.db.read(), proposal.id)
    assert [e.kind.value for e in history.items][-2:] == ["coauthor_added", "coauthor_removed"]


async def test_a_co_author_edits_and_may_leave_but_not_add_others(node):
    await open_debate(node)
    anne, _, proposal, _, _ = await rich_proposal(node)
    await add_member(node, "chloe")
    await add_member(node, "david")
    async with node.db.transaction() as tx:
        await services.add_coauthor(tx, node.clock, anne, proposal.id, "chloe")
    async with Visitor(node) as chloe:
        await chloe.sign_in("chloe")
        page = await chloe.get(f"/propositions/{proposal.id}/coauteurs")
        assert 'id="champ-username"' not in page.html and "Quitter les auteurs" in page.html
        before = await counts(node)
        refused = await chloe.post(f"/propositions/{proposal.id}/coauteurs", {"username": "david"})
        assert_french_refusal(refused, 403, "Seul l’auteur principal gère les coauteurs")
        assert await counts(node) == before
        left = await chloe.post(f"/propositions/{proposal.id}/coauteurs/retrait",
                                {"coauthor": "chloe"})
    assert left.status == 200 and await _proposal_authors(node, proposal.id) == ["anne"]


async def test_bad_co_author_input_is_refused_next_to_its_field(node):
    await open_debate(node)
    anne, _, proposal, _, _ = await rich_proposal(node)
    async with Visitor(node) as visitor:
        await visitor.sign_in("anne")
        await visitor.get(f"/propositions/{proposal.id}/coauteurs")
        before = await counts(node)
        unknown = await visitor.post(f"/propositions/{proposal.id}/coauteurs",
                                     {"username": "personne"})
        empty = await visitor.post(f"/propositions/{proposal.id}/coauteurs", {"username": ""})
        twice = await visitor.post(f"/propositions/{proposal.id}/coauteurs", {"username": "bruno"})
        twice = await visitor.post(f"/propositions/{proposal.id}/coauteurs", {"username": "bruno"})
        lead = await visitor.post(f"/propositions/{proposal.id}/coauteurs/retrait",
                                  {"coauthor": "anne"})
    assert_french_refusal(unknown, 422, "Aucun membre de ce territoire n’a cet identifiant.")
    assert 'aria-describedby="aide-username erreur-username"' in unknown.html
    assert 'value="personne"' in unknown.html
    assert empty.status == 422
    assert_french_refusal(twice, 409, "Ce membre est déjà auteur de cette proposition.")
    assert_french_refusal(lead, 422, "L’auteur principal ne peut pas être retiré.")
    assert await _proposal_authors(node, proposal.id) == ["anne", "bruno"]
    assert (await counts(node))["proposals"] == before["proposals"]


async def test_co_authors_cannot_change_once_the_debate_is_closed(node):
    await open_debate(node)
    _, _, proposal, _, _ = await rich_proposal(node)
    await close_debate(node)
    async with Visitor(node) as anne:
        await anne.sign_in("anne")
        page = await anne.get(f"/propositions/{proposal.id}/coauteurs")
        assert CLOSED in page.html and 'id="champ-username"' not in page.html
        before = await counts(node)
        refused = await anne.post(f"/propositions/{proposal.id}/coauteurs", {"username": "bruno"})
    assert_french_refusal(refused, 409, CLOSED)
    assert await counts(node) == before and await _proposal_authors(node, proposal.id) == ["anne"]


# --- Individual votes ------------------------------------------------------------------------


async def _public_debate(node, slug="quartier"):
    async with node.db.transaction() as tx:
        await services.create_debate(tx, node.clock, OPERATOR, NewDebate(
            slug, "La place du quartier", "Que faire de la place ?",
            settings=DebateSettings(has_public_votes=True)))
        await services.change_debate_status(tx, node.clock, OPERATOR, slug, DebateStatus.OPEN)


async def test_public_votes_are_listed_page_by_page(node):
    await _public_debate(node)
    anne = await add_member(node, "anne")
    proposal = await submit(node, anne, slug="quartier", title="Des bancs sur la place")
    voters = [await add_member(node, f"votant_{i:02d}") for i in range(55)]
    async with node.db.transaction() as tx:
        for i, voter in enumerate(voters):
            await services.cast_vote(tx, node.clock, voter, proposal.id,
                                     "for" if i % 2 else "against")
    async with Visitor(node) as visitor:
        page = await visitor.get(f"/propositions/{proposal.id}")
        assert f'href="/propositions/{proposal.id}/votes"' in page.html
        first = await visitor.get(f"/propositions/{proposal.id}/votes")
        assert first.status == 200 and "Votant 00" in first.html and "Votant 49" in first.html
        assert "Votant 50" not in first.html
        link = re.search(r'href="([^"]+)" rel="next"', first.html).group(1).replace("&amp;", "&")
        second = await visitor.get(link)
        bad = await visitor.get(f"/propositions/{proposal.id}/votes?apres=n%27importe")
    assert second.status == 200 and "Votant 54" in second.html and "Votant 00" not in second.html
    assert 'rel="next"' not in second.html
    assert "Pas d’accord" in first.html and "D’accord" in first.html
    assert bad.status == 422


async def test_private_votes_show_totals_only(node):
    await open_debate(node)
    _, _, proposal, _, _ = await rich_proposal(node)
    async with Visitor(node) as visitor:
        page = await visitor.get(f"/propositions/{proposal.id}")
        listing = await visitor.get(f"/propositions/{proposal.id}/votes")
    assert f"/propositions/{proposal.id}/votes" not in page.html
    assert listing.status == 403 and "seuls les totaux sont affichés" in listing.html
    assert "Bruno" not in listing.html[listing.html.index("<main"):]


# --- Time zone -------------------------------------------------------------------------------


async def test_pages_show_times_in_the_territory_time_zone(make_node):
    # Given a territory in Nouméa (UTC+11) and a proposal posted at 12:00 UTC
    node = await make_node("noumea", node_config='timezone = "Pacific/Noumea"')
    await open_debate(node)
    anne = await add_member(node, "anne")
    proposal = await submit(node, anne)
    async with Visitor(node) as visitor:
        page = await visitor.get(f"/propositions/{proposal.id}")
    # Then people read 23:00, machines get UTC
    assert "27 novembre 2026, 23:00" in page.html
    assert '<time datetime="2026-11-27T12:00:00+00:00">' in page.html


async def test_deadlines_name_the_time_zone(node):
    await open_debate(node, threshold=1, delay=30)
    anne = await add_member(node, "anne", verified=True)
    bruno = await add_member(node, "bruno", verified=True)
    proposal = await submit(node, anne)
    async with node.db.transaction() as tx:
        await services.cast_vote(tx, node.clock, bruno, proposal.id, "for")
    async with Visitor(node) as visitor:
        page = await visitor.get(f"/propositions/{proposal.id}")
    # 27 November 12:00 UTC + 30 days = 27 December 13:00 in Paris (winter time, CET)
    assert "27 décembre 2026, 13:00 CET" in page.html


async def test_the_co_author_page_is_public_without_its_forms(node):
    await open_debate(node)
    _, _, proposal, _, _ = await rich_proposal(node)
    async with Visitor(node) as anonymous:
        page = await anonymous.get(f"/propositions/{proposal.id}/coauteurs")
    assert page.status == 200 and "Anne" in page.html and 'id="champ-username"' not in page.html
    assert "<form method=\"post\" action=\"/propositions" not in page.html


# --- Error codes -----------------------------------------------------------------------------


def test_every_conflict_code_of_the_deliberation_use_cases_has_a_french_sentence():
    # Pages map node.errors codes, never the English wording (which may change).
    import pathlib

    from web.pages_shared import _conflict_message, conflict_messages
    from web.i18n import Translations
    from node.errors import Conflict

    root = pathlib.Path(__file__).resolve().parents[2] / "node"
    raised = set()
    for path in root.rglob("*.py"):
        raised |= set(re.findall(r'raise Conflict\([^;]*?code="(\w+)"', path.read_text(), re.S))
    french = Translations.load("fr").get("fr").gettext
    messages = conflict_messages(french)
    # debate_concluded is the admin area's (its own form messages)
    assert raised - {"debate_concluded"} <= set(messages), raised - set(messages)
    assert set(messages) <= raised
    reworded = Conflict("the debate is shut, whatever the wording", code="debate_closed")
    assert _conflict_message(french, reworded) == CLOSED
    assert _conflict_message(french, Conflict("new")).startswith("Cela entre en conflit")


async def test_the_new_pages_speak_english_too(node):
    await open_debate(node)
    _, _, proposal, argument, amendment = await rich_proposal(node)
    async with Visitor(node, lang="en") as bruno:
        await bruno.sign_in("bruno")
        edit = await bruno.get(f"/arguments/{argument.id}/modifier")
        withdraw = await bruno.get(f"/amendements/{amendment.id}/retirer")
        authors = await bruno.get(f"/propositions/{proposal.id}/coauteurs")
        votes = await bruno.get(f"/propositions/{proposal.id}/votes")
    assert '<html lang="en">' in edit.html and "<h1>Edit your argument</h1>" in edit.html
    assert "Withdraw the amendment" in withdraw.html
    assert "<h1>Authors of the proposal</h1>" in authors.html
    assert "Votes in this debate are private: only the totals are shown." in votes.html
