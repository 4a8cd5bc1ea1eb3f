"""French for issue 3's remaining pages (web/contributions.py, argument_edit.html,
argument_withdraw.html, amendment_withdraw.html, coauthors.html, proposal_votes.html,
_contribution.html), the amendment tallies by class and the territory's time zone
(web/admin.py, admin templates).

Used by: python tools/fill_translations.py tools/i18n/*.py  (after `make messages`).
"""

FR = {
    # --- Done messages and refusals ---------------------------------------------------------
    "Your argument is updated.": "Votre argument est mis à jour.",
    "Your argument is withdrawn.": "Votre argument est retiré.",
    "Your amendment is withdrawn.": "Votre amendement est retiré.",
    "This member is already an author of this proposal.":
        "Ce membre est déjà auteur de cette proposition.",
    "Only its author can change an argument.": "Seul son auteur peut modifier un argument.",
    "Only its author can withdraw an amendment.": "Seul son auteur peut retirer un amendement.",
    "No member of this territory has this handle.":
        "Aucun membre de ce territoire n’a cet identifiant.",
    "This member is not a co-author of this proposal.":
        "Ce membre n’est pas coauteur de cette proposition.",
    "A proposal has at most %(num)d co-authors.":
        "Une proposition a au plus %(num)d coauteurs.",
    "The lead author cannot be removed.": "L’auteur principal ne peut pas être retiré.",
    "Only the lead author manages co-authors; a co-author may leave.":
        "Seul l’auteur principal gère les coauteurs ; un coauteur peut se retirer.",
    "The co-author is added: they can now edit the proposal.":
        "Le coauteur est ajouté : il peut désormais modifier la proposition.",
    "The co-author is removed.": "Le coauteur est retiré.",
    # --- Argument pages ---------------------------------------------------------------------
    "Edit your argument": "Modifier votre argument",
    "Your position stays: %(stance)s. The page will show that the argument was edited.":
        "Votre position reste : %(stance)s. La page indiquera que l’argument a été modifié.",
    "Save the argument": "Enregistrer l’argument",
    "Withdraw this argument instead": "Retirer plutôt cet argument",
    "Withdraw your argument": "Retirer votre argument",
    "Once withdrawn, the argument leaves the proposal page and its useful marks no longer "
    "count. This cannot be undone.":
        "Une fois retiré, l’argument quitte la page de la proposition et ses mentions « utile » "
        "ne comptent plus. C’est définitif.",
    "Withdraw the argument": "Retirer l’argument",
    "Keep it and go back to the proposal": "Le garder et revenir à la proposition",
    "Edit": "Modifier",
    "Withdraw": "Retirer",
    "your argument": "votre argument",
    # --- Amendments ---------------------------------------------------------------------------
    "Withdraw your amendment": "Retirer votre amendement",
    "Withdraw your amendment %(id)d to article %(num)d":
        "Retirer votre amendement %(id)d à l’article %(num)d",
    "Withdraw your amendment %(id)d to the text": "Retirer votre amendement %(id)d au texte",
    "Once withdrawn, the amendment can no longer be voted on or integrated; it stays "
    "readable, marked as withdrawn. This cannot be undone.":
        "Une fois retiré, l’amendement ne peut plus être voté ni intégré ; il reste lisible, "
        "marqué comme retiré. C’est définitif.",
    "Withdraw the amendment": "Retirer l’amendement",
    "your amendment %(id)d": "votre amendement %(id)d",
    "Votes by participant class": "Votes par catégorie de participants",
    "Votes on amendment %(id)d by participant class":
        "Votes sur l’amendement %(id)d par catégorie de participants",
    # --- Co-authors ---------------------------------------------------------------------------
    "Authors": "Auteurs",
    "Authors of the proposal": "Auteurs de la proposition",
    "Manage the co-authors": "Gérer les coauteurs",
    "Co-authors edit the proposal like its lead author. The lead author adds and removes "
    "them; a co-author may leave.":
        "Les coauteurs modifient la proposition comme son auteur principal. L’auteur principal "
        "les ajoute et les retire ; un coauteur peut se retirer.",
    "Lead author": "Auteur principal",
    "Co-authors": "Coauteurs",
    "Leave the authors": "Quitter les auteurs",
    "Remove": "Retirer",
    "No co-author yet.": "Pas encore de coauteur.",
    "Add a co-author": "Ajouter un coauteur",
    "Their handle": "Son identifiant",
    "The handle shown on their member page, for example anne or @anne.":
        "L’identifiant affiché sur sa page de membre, par exemple anne ou @anne.",
    "Add as co-author": "Ajouter comme coauteur",
    # --- Individual votes ---------------------------------------------------------------------
    "Who voted what": "Qui a voté quoi",
    "Who voted what: votes are public in this debate":
        "Qui a voté quoi : les votes sont publics dans ce débat",
    "Votes in this debate are private: only the totals are shown.":
        "Les votes de ce débat sont privés : seuls les totaux sont affichés.",
    "In this debate, votes are public: each one is listed with its author, first cast first.":
        "Dans ce débat, les votes sont publics : chacun est listé avec son auteur, du plus "
        "ancien au plus récent.",
    "Individual votes": "Votes individuels",
    "Participant": "Participant",
    "Vote": "Vote",
    "Last changed": "Dernière modification",
    "No vote yet.": "Pas encore de vote.",
    "Pages of votes": "Pages de votes",
    "More votes": "Plus de votes",
    "Back to the first votes": "Revenir aux premiers votes",
    # --- Time zone ----------------------------------------------------------------------------
    "Opening: a date and time that exists in the territory's time zone, or nothing.":
        "Ouverture : une date et une heure qui existent dans le fuseau horaire du territoire, "
        "ou rien.",
    "Closing: a date and time that exists in the territory's time zone, after the opening, "
    "or nothing.":
        "Clôture : une date et une heure qui existent dans le fuseau horaire du territoire, "
        "après l’ouverture, ou rien.",
    "Schedule, in the territory's time (%(zone)s)":
        "Calendrier, à l’heure du territoire (%(zone)s)",
    "Opening (local time)": "Ouverture (heure locale)",
    "Closing (local time)": "Clôture (heure locale)",
    "Times are the territory's time (%(zone)s).":
        "Les heures sont celles du territoire (%(zone)s).",
}
