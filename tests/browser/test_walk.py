"""The walk of issue 3 in a real browser, without JavaScript on the node's side: a citizen
registers, opens a debate, submits a proposal (with articles and a source), argues and votes;
then the representative in charge signs in and answers. A screenshot is saved at each step
(tests/artifacts/screenshots/walk_*.png).

It writes to the shared demo node, under names no other test reads.
"""
from __future__ import annotations

import re
import subprocess

from playwright.sync_api import expect

from .conftest import PHONE, SCREENSHOTS, _thc_node

DEBATE = "Mobilités douces dans le centre-bourg"
CITIZEN = ("camille_parcours", "Camille Parcours", "une phrase de passe pour le parcours")
TITLE = "Des stationnements vélo couverts près de la gare"
REPRESENTATIVE_PASSWORD = "une phrase de passe pour l'élue"


def shot(page, step: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"walk_{step}.png", full_page=True)


def test_a_citizen_proposes_argues_and_votes_then_the_representative_answers(new_page,
                                                                             node_server):
    page = new_page()
    username, display_name, password = CITIZEN

    # 1. A citizen registers (the node's registration is open).
    page.goto("/inscription")
    page.get_by_label("Nom d'utilisateur").fill(username)
    page.get_by_label("Nom affiché").fill(display_name)
    page.get_by_label("Mot de passe").fill(password)
    shot(page, "01_register")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(node_server.url + "/")
    expect(page.get_by_role("navigation", name="Votre compte")).to_contain_text(display_name)

    # 2. They open a debate from the home page.
    page.get_by_role("link", name=DEBATE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DEBATE)
    shot(page, "02_debate")

    # 3. They submit a proposal: a second article through the JS-free "add" button, a source.
    page.get_by_role("link", name="Déposer une proposition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déposer une proposition")
    page.locator("#champ-title").fill(TITLE)
    page.get_by_label("Texte de la proposition").fill(
        "Les vélos des navetteurs rouillent sous la pluie. Nous proposons **vingt places "
        "couvertes** et un arceau pour les vélos cargo.")
    page.locator("#champ-article_1_title").fill("Emplacement")
    page.locator("#champ-article_1_text").fill("Sur le parvis de la gare, côté parking.")
    page.get_by_role("button", name="Ajouter un article").click()
    expect(page.locator("#champ-article_2_text")).to_be_visible()
    expect(page.locator("#champ-title")).to_have_value(TITLE)  # nothing typed is lost
    page.locator("#champ-article_2_text").fill("Les travaux sont faits avant la rentrée.")
    page.locator("#champ-source_1_url").fill("https://www.ecologie.gouv.fr/plan-velo")
    page.locator("#champ-source_1_title").fill("Plan vélo et marche")
    shot(page, "03_proposal_form")
    page.get_by_role("button", name="Déposer la proposition").click()
    expect(page).to_have_url(re.compile(r"/propositions/\d+\?fait=proposition$"))
    proposal_url = page.url.split("?")[0]
    expect(page.get_by_role("status")).to_have_text("Votre proposition est publiée.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("heading", name="Article 2")).to_be_visible()
    expect(page.get_by_role("link", name="Plan vélo et marche")).to_have_attribute(
        "rel", "nofollow noopener ugc")
    shot(page, "04_proposal")

    # 4. They add an argument for it.
    form = page.locator("#nouvel-argument")
    form.get_by_label("Pour", exact=True).check()
    form.get_by_label("Votre argument").fill("Je prendrais le train chaque jour si mon vélo "
                                             "restait au sec.")
    form.get_by_role("button", name="Publier l’argument").click()
    expect(page.get_by_role("status")).to_have_text("Votre argument est publié.")
    for_column = page.get_by_role("region", name=re.compile("^Arguments pour"))
    expect(for_column).to_contain_text("si mon vélo restait au sec")
    shot(page, "05_argument")

    # 5. They vote d'accord; the page shows their vote and lets them change it.
    votes = page.locator("#vote")
    votes.get_by_label("D’accord", exact=True).check()
    votes.get_by_role("button", name="Voter").click()
    expect(page.get_by_role("status")).to_have_text("Votre vote est enregistré.")
    expect(votes).to_contain_text("Votre vote : D’accord")
    expect(votes.get_by_label("D’accord", exact=True)).to_be_checked()
    tally = votes.get_by_role("table")
    expect(tally.locator("tfoot td").first).to_have_text("1")
    shot(page, "06_vote")
    page.get_by_role("button", name="Se déconnecter").click()

    # 6. The representative in charge of the debate gets a one-time link from the operator,
    #    chooses a password, and answers.
    representative = _representative_in_charge(page, node_server)
    answer_page = new_page()
    answer_page.goto(_reset_link(node_server, representative))
    answer_page.get_by_label("Nouveau mot de passe").fill(REPRESENTATIVE_PASSWORD)
    answer_page.locator("main form button[type=submit]").click()
    expect(answer_page).to_have_url(node_server.url + "/")
    answer_page.goto(proposal_url)
    answer = answer_page.locator("#repondre")
    expect(answer).to_contain_text("Vous signez la réponse en tant que")
    answer.get_by_label("Adoptée", exact=True).check()
    answer.get_by_label("La réponse").fill(
        "Le conseil municipal inscrit vingt places couvertes au budget 2027 ; la SNCF met le "
        "parvis à disposition.")
    shot(answer_page, "07_answer_form")
    answer.get_by_role("button", name="Publier la réponse").click()
    expect(answer_page.get_by_role("status")).to_have_text("La réponse est publiée.")
    box = answer_page.get_by_role("region", name="La réponse des élus")
    expect(box).to_contain_text("Adoptée")
    expect(box).to_contain_text("vingt places couvertes au budget 2027")
    expect(box.locator(".signature")).to_contain_text("—")
    expect(answer_page.locator(".facts .status")).to_have_text("Répondue")
    shot(answer_page, "08_answered")

    # 7. On a phone, the citizen finds it answered; for and against stack, nothing scrolls
    #    sideways.
    phone = new_page(viewport=PHONE)
    phone.goto(proposal_url)
    expect(phone.get_by_role("region", name="La réponse des élus")).to_be_visible()
    widths = phone.evaluate("() => [document.documentElement.scrollWidth,"
                            " document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"scrollWidth, clientWidth = {widths}"
    columns = [phone.locator(f"#arguments-{s}").bounding_box() for s in ("for", "against")]
    assert columns[0]["y"] < columns[1]["y"] and columns[0]["x"] == columns[1]["x"]
    shot(phone, "09_phone")


def _representative_in_charge(page, node_server) -> str:
    """The username of the debate's first representative in charge, as its page lists them."""
    page.goto("/")
    page.get_by_role("link", name=DEBATE).first.click()
    in_charge = page.get_by_role("region", name="Responsables du débat")
    href = in_charge.locator("dd.representatives a").first.get_attribute("href")
    return href.rsplit("/", 1)[1]


def _reset_link(node_server, username: str) -> str:
    done = subprocess.run([_thc_node(), "--config", str(node_server.directory / "config.toml"),
                           "member", "reset-link", username], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# --- One's own contributions afterwards (issue 3) --------------------------------------------

AUTHOR = ("dominique_suite", "Dominique Suite", "une phrase de passe pour la suite")
COAUTHOR = "karim_benali"  # a demo member


def _axe_clean(page, name: str) -> None:
    from .axe import BLOCKING, describe, run_axe

    report = run_axe(page, name)
    blocking = [v for v in report["violations"] if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)


def test_an_author_edits_and_withdraws_an_argument_and_manages_co_authors(new_page,
                                                                          node_server):
    # bypass_csp: the test injects axe-core on each new page; the pages ship no JavaScript.
    page = new_page(bypass_csp=True)
    username, display_name, password = AUTHOR
    page.goto("/inscription")
    page.get_by_label("Nom d'utilisateur").fill(username)
    page.get_by_label("Nom affiché").fill(display_name)
    page.get_by_label("Mot de passe").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(node_server.url + "/")

    # A proposal of their own, and an argument on it.
    page.get_by_role("link", name=DEBATE).first.click()
    page.get_by_role("link", name="Déposer une proposition").click()
    page.locator("#champ-title").fill("Une zone de rencontre rue du Marché")
    page.get_by_label("Texte de la proposition").fill("Limiter la rue du Marché à 20 km/h.")
    page.get_by_role("button", name="Déposer la proposition").click()
    expect(page).to_have_url(re.compile(r"/propositions/\d+\?fait=proposition$"))
    form = page.locator("#nouvel-argument")
    form.get_by_label("Pour", exact=True).check()
    form.get_by_label("Votre argument").fill("Les piétons traversent partout.")
    form.get_by_role("button", name="Publier l’argument").click()
    expect(page.get_by_role("status")).to_have_text("Votre argument est publié.")

    # 1. They edit the argument from the proposal page.
    page.get_by_role("link", name="Modifier — votre argument").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier votre argument")
    expect(page.get_by_label("Votre argument")).to_have_value("Les piétons traversent partout.")
    _axe_clean(page, "argument-edit")
    shot(page, "10_argument_edit")
    page.get_by_label("Votre argument").fill("")
    page.get_by_role("button", name="Enregistrer l’argument").click()
    error = page.locator("#erreur-argument_body")  # the error is tied to its field
    expect(error).to_be_visible()
    expect(page.get_by_label("Votre argument")).to_have_attribute(
        "aria-describedby", "aide-argument_body erreur-argument_body")
    page.get_by_label("Votre argument").fill("Les piétons traversent partout, surtout le samedi.")
    page.get_by_role("button", name="Enregistrer l’argument").click()
    expect(page.get_by_role("status")).to_have_text("Votre argument est mis à jour.")
    for_column = page.get_by_role("region", name=re.compile("^Arguments pour"))
    expect(for_column).to_contain_text("surtout le samedi")
    expect(for_column).to_contain_text("modifié")

    # 2. They withdraw it, after a confirmation page.
    page.get_by_role("link", name="Retirer — votre argument").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retirer votre argument")
    _axe_clean(page, "argument-withdraw")
    shot(page, "11_argument_withdraw")
    page.get_by_role("button", name="Retirer l’argument").click()
    expect(page.get_by_role("status")).to_have_text("Votre argument est retiré.")
    expect(page.get_by_role("region", name=re.compile("^Arguments pour"))).not_to_contain_text(
        "surtout le samedi")

    # 3. They add a co-author by handle, then remove them.
    page.get_by_role("link", name="Gérer les coauteurs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Auteurs de la proposition")
    _axe_clean(page, "coauthors")
    page.get_by_label("Son identifiant").fill("@personne_inconnue")
    page.get_by_role("button", name="Ajouter comme coauteur").click()
    expect(page.locator("#erreur-username")).to_have_text(
        "Aucun membre de ce territoire n’a cet identifiant.")
    _axe_clean(page, "coauthors-error")
    page.get_by_label("Son identifiant").fill(COAUTHOR)
    page.get_by_role("button", name="Ajouter comme coauteur").click()
    expect(page.get_by_role("status")).to_contain_text("Le coauteur est ajouté")
    coauthors = page.get_by_role("region", name=re.compile("^Coauteurs"))
    expect(coauthors.get_by_role("listitem")).to_have_count(1)
    shot(page, "12_coauthors")
    coauthors.get_by_role("button", name=re.compile("^Retirer")).click()
    expect(page.get_by_role("status")).to_have_text("Le coauteur est retiré.")
    expect(page.get_by_role("region", name=re.compile("^Coauteurs"))).to_contain_text(
        "Pas encore de coauteur.")

    # 4. They propose an amendment to their own text, then withdraw it.
    page.get_by_role("link", name="Retour à la proposition").click()
    proposal_url = page.url.split("?")[0].split("#")[0]
    page.get_by_role("link", name="Proposer un amendement au texte").click()
    page.get_by_label("Nouveau texte").fill("Limiter la rue du Marché à 20 km/h le samedi.")
    page.get_by_label("Pourquoi ce changement ?").fill("Le marché a lieu le samedi.")
    page.get_by_role("button", name="Publier l’amendement").click()
    expect(page.get_by_role("status")).to_have_text("Votre amendement est publié.")
    page.get_by_role("link", name=re.compile("^Retirer — votre amendement")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Retirer votre amendement")
    _axe_clean(page, "amendment-withdraw")
    page.get_by_role("button", name="Retirer l’amendement").click()
    expect(page.get_by_role("status")).to_have_text("Votre amendement est retiré.")
    expect(page.locator(".amendment .status").first).to_have_text("Retiré")

    # 5. Votes are private in this debate: the list of votes says so and shows totals only.
    page.goto(proposal_url + "/votes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Qui a voté quoi")
    expect(page.locator("main")).to_contain_text("seuls les totaux sont affichés")
    _axe_clean(page, "proposal-votes-private")
