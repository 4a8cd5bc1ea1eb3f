"""The participation forms over real HTTP, with a cookie session and the page's CSRF token:
each works, and each refusal (bad input, unknown ids, forbidden actions, a closed debate)
answers 4xx with a translated message, keeps the input and stores nothing."""
from __future__ import annotations

import re

import pytest

from node import services
from node.model import DebateRole, Role

from .deliberation_support import (
    Visitor,
    add_member,
    assign,
    close_debate,
    count,
    counts,
    open_debate,
    rich_proposal,
    submit,
)

# English sentences of node.errors that must never reach a French page.
ENGLISH_INTERNALS = ("only ", "must ", "debate 'velo'", "this proposal", "cannot", "Forbidden",
                     "Conflict", "Invalid")


def assert_french_refusal(page, status: int, message: str) -> None:
    assert page.status == status, (page.status, page.html[-2000:])
    assert message in page.html, page.html[-3000:]
    main = page.html[page.html.index("<main"):page.html.index("</main>")]
    for english in ENGLISH_INTERNALS:
        assert english not in main, english


# --- Submitting and editing a proposal ---------------------------------------------------


async def test_submitting_a_proposal_needs_a_signed_in_member(node):
    await open_debate(node)
    async with Visitor(node) as visitor:
        async with visitor.session.get(f"{node.url}/debats/velo/propositions/nouvelle",
                                       allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == \
                "/connexion?suivant=/debats/velo/propositions/nouvelle"


async def test_a_member_submits_a_proposal_with_articles_and_sources(node):
    # Given a signed-in member on the form
    await open_debate(node)
    await add_member(node, "anne")
    async with Visitor(node) as visitor:
        await visitor.sign_in("anne")
        form = await visitor.get("/debats/velo/propositions/nouvelle")
        assert form.status == 200 and 'name="article_1_text"' in form.html
        # When they ask for a second article, then submit
        more = await visitor.post("/debats/velo/propositions/nouvelle", {
            "title": "Une rue aux écoles", "body": "Fermer la rue **aux voitures**.",
            "article_count": "1", "article_1_number": "1", "article_1_title": "Horaires",
            "article_1_text": "De 8 h à 9 h.", "source_count": "1", "source_1_url": "",
            "source_1_title": "", "action": "ajouter-article"})
        assert more.status == 200 and 'name="article_2_text"' in more.html
        assert "Une rue aux écoles" in more.html and "De 8 h à 9 h." in more.html
        assert await count(node, "proposals") == 0
        done = await visitor.post("/debats/velo/propositions/nouvelle", {
            "title": "Une rue aux écoles", "body": "Fermer la rue **aux voitures**.",
            "article_count": "2", "article_1_number": "1", "article_1_title": "Horaires",
            "article_1_text": "De 8 h à 9 h.", "article_2_number": "2", "article_2_title": "",
            "article_2_text": "Sauf riverains.", "source_count": "1",
            "source_1_url": "https://example.org/rues", "source_1_title": "Rues aux écoles",
            "action": "envoyer"})
    # Then they land on the new proposal
    assert done.status == 200 and re.search(r"/propositions/\d+\?fait=proposition$", done.url)
    assert "Votre proposition est publiée." in done.html
    assert "Article 2" in done.html and "Sauf riverains." in done.html
    assert 'href="https://example.org/rues" rel="nofollow noopener ugc"' in done.html
    detail = await services.get_proposal_detail(node.db.read(), node.clock, 1)
    assert [a.number for a in detail.version.articles] == [1, 2]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"title": "", "body": "Un texte."}, "title", "Titre : entre 3 et 200 caractères."),
    ({"title": "Un titre", "body": ""}, "body", "Texte : entre 1 et 20 000 caractères."),
    ({"title": "Un titre", "body": "x" * 20_001}, "body", "Texte : entre 1 et 20 000 caractères."),
    ({"title": "Un titre", "body": "Un texte.", "article_count": "1",
      "article_1_title": "Sans texte", "article_1_text": ""},
     "article_1_text", "Texte de l’article : entre 1 et 10 000 caractères."),
    ({"title": "Un titre", "body": "Un texte.", "source_count": "1",
      "source_1_url": "javascript:alert(1)", "source_1_title": "piège"},
     "source_1_url", "Lien : une adresse commençant par http:// ou https://."),
])
async def test_a_bad_proposal_shows_the_form_again_and_stores_nothing(node, fields, field, message):
    await open_debate(node)
    await add_member(node, "anne")
    async with Visitor(node) as visitor:
        await visitor.sign_in("anne")
        before = await counts(node)
        page = await visitor.post("/debats/velo/propositions/nouvelle", fields)
    assert_french_refusal(page, 422, message)
    # The error is tied to its field, and the summary links to it
    assert re.search(rf'id="champ-{field}"[^>]*aria-describedby="[^"]*erreur-{field}"[^>]*'
                     r'aria-invalid="true"', page.html, re.S)
    assert f'href="#champ-{field}"' in page.html
    if fields["title"]:
        assert f'value="{fields["title"]}"' in page.html  # the input is kept
    assert await counts(node) == before


async def test_proposals_cannot_be_submitted_to_a_closed_debate(node):
    await open_debate(node)
    await add_member(node, "anne")
    await close_debate(node)
    async with Visitor(node) as visitor:
        await visitor.sign_in("anne")
        form = await visitor.get("/debats/velo/propositions/nouvelle")
        before = await counts(node)
        page = await visitor.post("/debats/velo/propositions/nouvelle",
                                  {"title": "Trop tard", "body": "Un texte."})
    assert_french_refusal(form, 409, "Ce débat est clos : plus rien ne peut changer.")
    assert_french_refusal(page, 409, "Ce débat est clos : plus rien ne peut changer.")
    assert await counts(node) == before


async def test_only_authors_edit_a_proposal_and_each_edit_is_a_new_version(node):
    await open_debate(node)
    anne, _, proposal, _, _ = await rich_proposal(node)
    async with Visitor(node) as intruder:
        await intruder.sign_in("bruno")
        refused_form = await intruder.get(f"/propositions/{proposal.id}/modifier")
        before = await counts(node)
        refused = await intruder.post(f"/propositions/{proposal.id}/modifier",
                                      {"title": "Détourné", "body": "Autre chose."})
    assert refused_form.status == 403 and refused.status == 403
    assert_french_refusal(refused, 403, "Action non autorisée")
    assert await counts(node) == before
    async with Visitor(node) as author:
        await author.sign_in("anne")
        form = await author.get(f"/propositions/{proposal.id}/modifier")
        assert 'value="Des arceaux devant l&#39;école"' in form.html and "Côté cour." in form.html
        done = await author.post(f"/propositions/{proposal.id}/modifier", {
            "title": "Des arceaux devant chaque école", "body": "Vingt arceaux par école.",
            "article_count": "1", "article_1_number": "1", "article_1_title": "Emplacement",
            "article_1_text": "Devant le portail.\nCôté cour.", "source_count": "0"})
    assert done.status == 200 and "La nouvelle version est publiée." in done.html
    assert "Des arceaux devant chaque école" in done.html and "Version 2 du" in done.html


# --- Votes -------------------------------------------------------------------------------


async def test_a_member_votes_sees_the_vote_and_changes_it(node):
    await open_debate(node)
    _, _, proposal, _, _ = await rich_proposal(node)
    await add_member(node, "chloe")
    async with Visitor(node) as visitor:
        await visitor.sign_in("chloe")
        first = await visitor.post(f"/propositions/{proposal.id}/vote", {"choice": "for"})
        assert first.status == 200 and "Votre vote est enregistré." in first.html
        assert "Votre vote : <strong>D’accord</strong>" in first.html
        assert re.search(r'value="for" id="champ-choice" checked', first.html)
        second = await visitor.post(f"/propositions/{proposal.id}/vote", {"choice": "against"})
    assert "Votre vote : <strong>Pas d’accord</strong>" in second.html
    tally = (await services.get_proposal_detail(node.db.read(), node.clock, proposal.id)).tally
    assert (tally.all.for_votes, tally.all.mixed_votes, tally.all.against_votes) == (0, 1, 1)


@pytest.mark.parametrize("choice", ["", "peut-être", "x" * 10_000])
async def test_a_bad_vote_is_refused_and_stores_nothing(node, choice):
    await open_debate(node)
    _, _, proposal, _, _ = await rich_proposal(node)
    async with Visitor(node) as visitor:
        await visitor.sign_in("anne")
        before = await counts(node)
        page = await visitor.post(f"/propositions/{proposal.id}/vote", {"choice": choice})
    assert_french_refusal(page, 422, "Choisissez d’accord, mitigé ou pas d’accord.")
    assert 'href="#champ-choice"' in page.html
    assert await counts(node) == before


async def test_voting_in_a_closed_debate_is_refused(node):
    await open_debate(node)
    _, _, proposal, _, _ = await rich_proposal(node)
    await close_debate(node)
    async with Visitor(node) as visitor:
        await visitor.sign_in("anne")
        before = await counts(node)
        page = await visitor.post(f"/propositions/{proposal.id}/vote", {"choice": "for"})
    assert_french_refusal(page, 409, "Ce débat est clos : plus rien ne peut changer.")
    assert await counts(node) == before


async def test_an_anonymous_post_goes_to_the_sign_in_form_and_stores_nothing(node):
    await open_debate(node)
    _, _, proposal, argument, amendment = await rich_proposal(node)
    before = await counts(node)
    async with Visitor(node) as visitor:
        await visitor.get("/")
        for path, data in ((f"/propositions/{proposal.id}/vote", {"choice": "for"}),
                           (f"/propositions/{proposal.id}/arguments",
                            {"stance": "for", "argument_body": "Anonyme"}),
                           (f"/arguments/{argument.id}/utile", {"utile": "oui"}),
                           (f"/amendements/{amendment.id}/vote", {"choice": "for"}),
                           (f"/propositions/{proposal.id}/reponse",
                            {"answer_kind": "adopted", "answer_text": "Une réponse anonyme"})):
            page = await visitor.post(path, data, allow_redirects=False)
            assert page.status == 303, path
    assert await counts(node) == before


async def test_posts_to_unknown_ids_are_not_found_and_store_nothing(node):
    await open_debate(node)
    await rich_proposal(node)
    async with Visitor(node) as visitor:
        await visitor.sign_in("anne")
        before = await counts(node)
        for path, data in (("/propositions/999/vote", {"choice": "for"}),
                           ("/propositions/999/arguments", {"stance": "for", "argument_body": "x"}),
                           ("/propositions/999/reponse", {"answer_kind": "adopted",
                                                          "answer_text": "Une réponse"}),
                           ("/propositions/999/amendements", {"text": "x", "rationale": "xyz"}),
                           ("/propositions/999/statut", {"status": "in_discussion"}),
                           ("/arguments/999/utile", {"utile": "oui"}),
                           ("/amendements/999/vote", {"choice": "for"}),
                           ("/amendements/999/integrer", {}),
                           ("/amendements/999/rejeter", {"reason": "Hors sujet"}),
                           ("/moderation/argument/999/masquer", {"reason": "Hors sujet"}),
                           ("/moderation/truc/1/masquer", {"reason": "Hors sujet"}),
                           ("/moderation/argument/1/effacer", {"reason": "Hors sujet"})):
            page = await visitor.post(path, data)
            assert page.status == 404, path
            assert "Page introuvable" in page.html, path
    assert await counts(node) == before


# --- Arguments and "useful" marks --------------------------------------------------------


async def test_a_member_posts_an_argument(node):
    await open_debate(node)
    _, _, proposal, _, _ = await rich_proposal(node)
    async with Visitor(node) as visitor:
        await visitor.sign_in("anne")
        page = await visitor.post(f"/propositions/{proposal.id}/arguments", {
            "stance": "against", "argument_body": "Il faudra **aussi** un abri."})
    assert page.status == 200 and "Votre argument est publié." in page.html
    assert page.url.endswith("?fait=argument")
    against = page.html[page.html.index('id="arguments-against"'):]
    assert "<strong>aussi</strong>" in against[:against.index("</section>")]


STANCE = "Choisissez pour, contre ou commentaire."
LENGTH = "Votre argument : entre 1 et 5 000 caractères."


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"stance": "", "argument_body": "Un argument."}, "stance", STANCE),
    ({"stance": "pour", "argument_body": "Un argument."}, "stance", STANCE),
    ({"stance": "for", "argument_body": "   "}, "argument_body", LENGTH),
    ({"stance": "for", "argument_body": "x" * 5_001}, "argument_body", LENGTH),
])
async def test_a_bad_argument_is_refused_keeps_the_input_and_stores_nothing(node, fields, field,
                                                                          message):
    await open_debate(node)
    _, _, proposal, _, _ = await rich_proposal(node)
    async with Visitor(node) as visitor:
        await visitor.sign_in("anne")
        before = await counts(node)
        page = await visitor.post(f"/propositions/{proposal.id}/arguments", fields)
    assert_french_refusal(page, 422, message)
    assert f'href="#champ-{field}"' in page.html
    if field == "stance" and fields["argument_body"].strip():
        assert fields["argument_body"] in page.html
    assert await counts(node) == before


async def test_useful_marks_toggle_and_one_cannot_mark_ones_own_argument(node):
    await open_debate(node)
    _, _, proposal, argument, _ = await rich_proposal(node)
    async with Visitor(node) as anne:
        await anne.sign_in("anne")
        marked = await anne.post(f"/arguments/{argument.id}/utile", {"utile": "oui"})
        assert "1 personne le juge utile" in marked.html and 'aria-pressed="true"' in marked.html
        unmarked = await anne.post(f"/arguments/{argument.id}/utile", {"utile": "non"})
        assert "0 personne le juge utile" in unmarked.html
    async with Visitor(node) as bruno:
        await bruno.sign_in("bruno")
        before = await counts(node)
        own = await bruno.post(f"/arguments/{argument.id}/utile", {"utile": "oui"})
    assert_french_refusal(own, 403, "Vous ne pouvez pas juger utile votre propre argument.")
    assert await counts(node) == before


# --- Amendments --------------------------------------------------------------------------


async def test_an_amendment_is_proposed_voted_and_integrated_by_an_author(node):
    await open_debate(node)
    _, _, proposal, _, _ = await rich_proposal(node)
    async with Visitor(node) as bruno:
        await bruno.sign_in("bruno")
        form = await bruno.get(f"/propositions/{proposal.id}/amendements/nouveau")
        assert "Installer **vingt arceaux** devant l&#39;école." in form.html  # prefilled
        unchanged = await bruno.post(f"/propositions/{proposal.id}/amendements", {
            "article": "", "text": "Installer **vingt arceaux** devant l'école.",
            "rationale": "Aucune"})
        assert_french_refusal(unchanged, 422, "L’amendement doit modifier le texte.")
        done = await bruno.post(f"/propositions/{proposal.id}/amendements", {
            "article": "", "text": "Installer **trente arceaux** devant l'école.",
            "rationale": "Les besoins sont plus grands."})
        assert done.status == 200 and "Votre amendement est publié." in done.html
        amendment_id = int(re.search(r"#amendement-(\d+)", done.url + "#amendement-2").group(1))
    async with Visitor(node) as anne:
        await anne.sign_in("anne")
        voted = await anne.post(f"/amendements/{amendment_id}/vote", {"choice": "mixed"})
        assert "Votre vote sur l’amendement est enregistré." in voted.html
        integrated = await anne.post(f"/amendements/{amendment_id}/integrer", {})
    assert "L’amendement est intégré" in integrated.html and "trente arceaux" in integrated.html
    assert "Version 2 du" in integrated.html


async def test_a_citizen_who_is_not_an_author_cannot_decide_an_amendment(node):
    await open_debate(node)
    _, _, proposal, _, amendment = await rich_proposal(node)
    await add_member(node, "chloe")
    async with Visitor(node) as chloe:
        await chloe.sign_in("chloe")
        before = await counts(node)
        integrate = await chloe.post(f"/amendements/{amendment.id}/integrer", {})
        reject = await chloe.post(f"/amendements/{amendment.id}/rejeter", {"reason": "Non merci"})
    message = "Seuls les auteurs de la proposition et les élus responsables tranchent les amendements."
    assert_french_refusal(integrate, 403, message)
    assert_french_refusal(reject, 403, message)
    assert await counts(node) == before


async def test_a_representative_rejects_an_amendment_with_a_reason(node):
    await open_debate(node)
    await add_member(node, "claire", Role.REPRESENTATIVE, "adjointe")
    _, _, proposal, _, amendment = await rich_proposal(node)
    async with Visitor(node) as claire:
        await claire.sign_in("claire")
        before = await counts(node)
        short = await claire.post(f"/amendements/{amendment.id}/rejeter", {"reason": "x"})
        assert_french_refusal(short, 422, "Motif : entre 3 et 1 000 caractères.")
        assert f'href="#champ-rejet-{amendment.id}"' in short.html
        assert await counts(node) == before
        done = await claire.post(f"/amendements/{amendment.id}/rejeter",
                                 {"reason": "La cour reste ouverte."})
    assert "L’amendement est rejeté." in done.html and "La cour reste ouverte." in done.html


# --- Answers, status, moderation ---------------------------------------------------------


async def test_a_representative_answers_and_a_citizen_cannot(node):
    await open_debate(node)
    await add_member(node, "claire", Role.REPRESENTATIVE, "adjointe à la mobilité")
    _, _, proposal, _, _ = await rich_proposal(node)
    async with Visitor(node) as citizen:
        await citizen.sign_in("bruno")
        page = await citizen.get(f"/propositions/{proposal.id}")
        assert 'action="/propositions/1/reponse"' not in page.html
        before = await counts(node)
        refused = await citizen.post(f"/propositions/{proposal.id}/reponse", {
            "answer_kind": "adopted", "answer_text": "Je réponds à la place des élus."})
    assert_french_refusal(refused, 403, "Seul un élu ou une élue responsable de ce débat peut "
                                         "répondre à ses propositions.")
    assert await counts(node) == before
    async with Visitor(node) as claire:
        await claire.sign_in("claire")
        form = await claire.get(f"/propositions/{proposal.id}")
        assert "Vous signez la réponse en tant que Claire, adjointe à la mobilité." in form.html
        bad_kind = await claire.post(f"/propositions/{proposal.id}/reponse", {
            "answer_kind": "peut-etre", "answer_text": "Nous étudions la question."})
        assert_french_refusal(bad_kind, 422, "Choisissez le sens de la réponse.")
        short = await claire.post(f"/propositions/{proposal.id}/reponse", {
            "answer_kind": "adopted", "answer_text": "Oui."})
        assert_french_refusal(short, 422, "La réponse : entre 10 et 20 000 caractères.")
        assert 'value="adopted" id="champ-answer_kind" checked' in short.html  # input kept
        assert await counts(node) == before
        done = await claire.post(f"/propositions/{proposal.id}/reponse", {
            "answer_kind": "adopted_with_changes", "answer_text": "Adoptée, avec dix arceaux."})
    assert "La réponse est publiée." in done.html and "Adoptée avec modifications" in done.html
    assert "Claire</a>, adjointe à la mobilité" in done.html


async def test_only_the_representatives_in_charge_answer_when_the_debate_names_some(node):
    await open_debate(node)
    await add_member(node, "claire", Role.REPRESENTATIVE, "adjointe")
    await add_member(node, "marc", Role.REPRESENTATIVE, "maire")
    await assign(node, "velo", "claire", DebateRole.REPRESENTATIVE)
    _, _, proposal, _, _ = await rich_proposal(node)
    async with Visitor(node) as marc:
        await marc.sign_in("marc")
        before = await counts(node)
        refused = await marc.post(f"/propositions/{proposal.id}/reponse", {
            "answer_kind": "rejected", "answer_text": "Pas cette année, faute de budget."})
    assert refused.status == 403 and await counts(node) == before


async def test_moderators_hide_and_show_again_with_a_reason(node):
    await open_debate(node)
    await add_member(node, "modo", Role.MODERATOR)
    _, _, proposal, argument, _ = await rich_proposal(node)
    async with Visitor(node) as citizen:
        await citizen.sign_in("anne")
        before = await counts(node)
        refused = await citizen.post(f"/moderation/argument/{argument.id}/masquer",
                                     {"reason": "Je n’aime pas"})
        assert_french_refusal(refused, 403, "Seule la modération masque ou rétablit un contenu.")
        assert await counts(node) == before
    async with Visitor(node) as modo:
        await modo.sign_in("modo")
        no_reason = await modo.post(f"/moderation/argument/{argument.id}/masquer", {"reason": ""})
        assert_french_refusal(no_reason, 422, "Motif : entre 3 et 1 000 caractères.")
        assert f"<details class=\"moderation\" open>" in no_reason.html
        assert await counts(node) == before
        hidden = await modo.post(f"/moderation/argument/{argument.id}/masquer",
                                 {"reason": "Attaque personnelle"})
        assert "Le contenu est masqué." in hidden.html
        assert f'id="argument-{argument.id}"' not in hidden.html
        again = await modo.post(f"/moderation/argument/{argument.id}/masquer",
                                {"reason": "Encore"})
        assert_french_refusal(again, 409, "Ce contenu est déjà masqué.")
        history = await modo.get("/debats/velo/moderation")
        assert "Attaque personnelle" in history.html
        assert f'action="/moderation/argument/{argument.id}/afficher"' in history.html
        shown = await modo.post(f"/moderation/argument/{argument.id}/afficher",
                                {"reason": "Reformulé", "retour": "moderation"})
    assert shown.status == 200 and shown.url.endswith("/debats/velo/moderation?fait=affiche")
    async with Visitor(node) as visitor:
        page = await visitor.get(f"/propositions/{proposal.id}")
    assert f'id="argument-{argument.id}"' in page.html


async def test_a_hidden_proposal_is_gone_for_others_and_visible_to_moderators(node):
    await open_debate(node)
    await add_member(node, "modo", Role.MODERATOR)
    _, _, proposal, _, _ = await rich_proposal(node)
    async with Visitor(node) as modo:
        await modo.sign_in("modo")
        await modo.get(f"/propositions/{proposal.id}")
        page = await modo.post(f"/moderation/proposition/{proposal.id}/masquer",
                               {"reason": "Doublon d’une autre proposition"})
        assert page.status == 200
        assert "Cette proposition a été masquée par la modération" in page.html
        assert f'action="/moderation/proposition/{proposal.id}/afficher"' in page.html
    async with Visitor(node) as visitor:
        gone = await visitor.get(f"/propositions/{proposal.id}")
        debate = await visitor.get("/debats/velo")
    assert gone.status == 404 and "Des arceaux" not in debate.html


async def test_those_in_charge_move_a_proposal_into_discussion(node):
    await open_debate(node)
    await add_member(node, "claire", Role.REPRESENTATIVE, "adjointe")
    await assign(node, "velo", "claire", DebateRole.REPRESENTATIVE)
    _, _, proposal, _, _ = await rich_proposal(node)
    async with Visitor(node) as bruno:
        await bruno.sign_in("bruno")
        refused = await bruno.post(f"/propositions/{proposal.id}/statut",
                                   {"status": "in_discussion"})
        assert refused.status == 403
    async with Visitor(node) as claire:
        await claire.sign_in("claire")
        done = await claire.post(f"/propositions/{proposal.id}/statut", {"status": "in_discussion"})
    assert "La proposition est maintenant en discussion." in done.html


async def test_a_refused_post_shows_page_links_that_still_work(node):
    # Given a proposal with more arguments for than a column shows
    await open_debate(node)
    anne = await add_member(node, "anne")
    bruno = await add_member(node, "bruno")
    proposal = await submit(node, anne)
    async with node.db.transaction() as tx:
        for i in range(11):
            await services.post_argument(tx, node.clock, bruno, proposal.id, "for", f"Pour {i}")
    # When a post is refused, the page comes back at the form's address
    async with Visitor(node) as visitor:
        await visitor.sign_in("anne")
        page = await visitor.post(f"/propositions/{proposal.id}/vote", {"choice": ""})
    # Then its page links still name the proposal's own address
    assert page.url.endswith(f"/propositions/{proposal.id}/vote")
    assert re.search(rf'href="/propositions/{proposal.id}\?pour=[^"]+#arguments-for"', page.html)
