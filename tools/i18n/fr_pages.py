"""French for the deliberation pages and forms (web/deliberation.py, web/pages_debate.py,
web/pages_proposal.py, web/proposal_form.py, web/participation.py, web/templates/debate.html,
proposal*.html, amendment_form.html, moderation.html, _deliberation.html, _proposal_items.html
and the home page's latest proposals).

Used by: python tools/fill_translations.py tools/i18n/*.py  (after `make messages`).
The vote choices keep Parlement & Citoyens' words: d’accord, mitigé, pas d’accord.
"""

FR = {
    # --- Labels of states and kinds --------------------------------------------------------
    "Adopted": "Adoptée",
    "Adopted with changes": "Adoptée avec modifications",
    "Rejected": "Rejetée",
    "Needs further study": "À l’étude",
    "Agree": "D’accord",
    "Mixed": "Mitigé",
    "Disagree": "Pas d’accord",
    "Other members of the territory": "Autres membres du territoire",
    "Fediverse participants": "Participants du fédivers",
    "Open to votes": "Soumis au vote",
    "Integrated": "Intégré",
    "Withdrawn": "Retiré",
    "Proposal": "Proposition",
    "Argument": "Argument",
    "Amendment": "Amendement",
    "Hidden": "Masqué",
    "Shown again": "Rétabli",
    ("Moderator in charge", "Moderators in charge"): ("Modération", "Modération"),
    ("Representative in charge", "Representatives in charge"):
        ("Élu ou élue responsable", "Élus responsables"),
    "New version written by its authors": "Nouvelle version écrite par ses auteurs",
    "Status changed": "Statut changé",
    "Co-author added": "Coauteur ajouté",
    "Co-author removed": "Coauteur retiré",
    "Support threshold reached: the answer deadline starts":
        "Seuil de soutien atteint : le délai de réponse commence",
    "Amendment integrated: new version": "Amendement intégré : nouvelle version",
    "Answered by a representative": "Réponse d’un élu ou d’une élue",
    "Answer corrected": "Réponse corrigée",
    "verified resident": "habitant vérifié",
    "edited": "modifié",
    # --- After a form was sent -------------------------------------------------------------
    "Your proposal is published.": "Votre proposition est publiée.",
    "The new version is published.": "La nouvelle version est publiée.",
    "Your vote is recorded.": "Votre vote est enregistré.",
    "Your argument is published.": "Votre argument est publié.",
    "Your mark is recorded.": "C’est noté.",
    "Your amendment is published.": "Votre amendement est publié.",
    "Your vote on the amendment is recorded.": "Votre vote sur l’amendement est enregistré.",
    "The amendment is integrated: the proposal has a new version.":
        "L’amendement est intégré : la proposition a une nouvelle version.",
    "The amendment is rejected.": "L’amendement est rejeté.",
    "The answer is published.": "La réponse est publiée.",
    "The proposal is now in discussion.": "La proposition est maintenant en discussion.",
    "The content is hidden.": "Le contenu est masqué.",
    "The content is shown again.": "Le contenu est rétabli.",
    # --- Refusals --------------------------------------------------------------------------
    "This debate is not open yet.": "Ce débat n’est pas encore ouvert.",
    "This debate is closed: nothing can change any more.":
        "Ce débat est clos : plus rien ne peut changer.",
    "This content was hidden by a moderator.": "Ce contenu a été masqué par la modération.",
    "This proposal has been answered: it can no longer change.":
        "Cette proposition a reçu sa réponse : elle ne peut plus changer.",
    "This amendment has already been decided.": "Cet amendement a déjà été tranché.",
    "The text changed since this amendment was written: it cannot be integrated any more.":
        "Le texte a changé depuis l’écriture de cet amendement : il ne peut plus être intégré.",
    "The article this amendment changes no longer exists.":
        "L’article que modifie cet amendement n’existe plus.",
    "This content is already hidden.": "Ce contenu est déjà masqué.",
    "This content is not hidden.": "Ce contenu n’est pas masqué.",
    "This argument was withdrawn by its author.": "Cet argument a été retiré par son auteur.",
    "You cannot mark your own argument as useful.":
        "Vous ne pouvez pas juger utile votre propre argument.",
    "You are not allowed to do this.": "Vous n’êtes pas autorisé à faire cela.",
    "Only members of the territory vote.": "Seuls les membres du territoire votent.",
    "Only members of the territory post arguments.":
        "Seuls les membres du territoire publient des arguments.",
    "Only members of the territory propose amendments.":
        "Seuls les membres du territoire proposent des amendements.",
    "Only the proposal's authors and the representatives in charge decide on amendments.":
        "Seuls les auteurs de la proposition et les élus responsables tranchent les amendements.",
    "Only a representative in charge of this debate can answer its proposals.":
        "Seul un élu ou une élue responsable de ce débat peut répondre à ses propositions.",
    "Only moderators and those in charge of the debate change a proposal's status.":
        "Seuls la modération et les responsables du débat changent le statut d’une proposition.",
    "Only moderators hide or show content.": "Seule la modération masque ou rétablit un contenu.",
    "Only the proposal's authors can change it.":
        "Seuls les auteurs de la proposition peuvent la modifier.",
    # --- Errors tied to fields -------------------------------------------------------------
    "Title: between 3 and 200 characters.": "Titre : entre 3 et 200 caractères.",
    "Choose agree, mixed or disagree.": "Choisissez d’accord, mitigé ou pas d’accord.",
    "Choose for, against or comment.": "Choisissez pour, contre ou commentaire.",
    "Choose the kind of answer.": "Choisissez le sens de la réponse.",
    "Reason: between 3 and 1,000 characters.": "Motif : entre 3 et 1 000 caractères.",
    "Why: between 3 and 5,000 characters.": "Justification : entre 3 et 5 000 caractères.",
    "Choose the text or one of its articles.": "Choisissez le texte ou l’un de ses articles.",
    "This change of status is not possible.": "Ce changement de statut n’est pas possible.",
    "This page link is not valid.": "Ce lien de page n’est pas valide.",
    "Articles: at most 100, each with a text; in all, the text and the articles hold at most "
    "100,000 characters.":
        "Articles : 100 au plus, chacun avec un texte ; en tout, le texte et les articles font "
        "100 000 caractères au plus.",
    "Sources: at most 20 different links starting with http:// or https://.":
        "Sources : 20 liens différents au plus, commençant par http:// ou https://.",
    "Your argument: between 1 and 5,000 characters.":
        "Votre argument : entre 1 et 5 000 caractères.",
    "The amendment must change the text.": "L’amendement doit modifier le texte.",
    "New text: between 1 and %(limit)s characters.":
        "Nouveau texte : entre 1 et %(limit)s caractères.",
    "The answer: between 10 and 20,000 characters.":
        "La réponse : entre 10 et 20 000 caractères.",
    "Text: between 1 and 20,000 characters.": "Texte : entre 1 et 20 000 caractères.",
    "Title of the article: at most 200 characters.":
        "Titre de l’article : 200 caractères au plus.",
    "Text of the article: between 1 and 10,000 characters.":
        "Texte de l’article : entre 1 et 10 000 caractères.",
    "Link: an address starting with http:// or https://.":
        "Lien : une adresse commençant par http:// ou https://.",
    "This link is already listed.": "Ce lien figure déjà dans la liste.",
    "Title of the source: at most 200 characters.": "Titre de la source : 200 caractères au plus.",
    "In all, the text and its articles hold at most 100,000 characters.":
        "En tout, le texte et ses articles font 100 000 caractères au plus.",
    # --- Shared pieces ---------------------------------------------------------------------
    "Participants": "Participants",
    "Total": "Total",
    "All participants": "Tous les participants",
    ("… %(num)d unchanged line …", "… %(num)d unchanged lines …"):
        ("… %(num)d ligne inchangée …", "… %(num)d lignes inchangées …"),
    "Removed:": "Supprimé :",
    "Added:": "Ajouté :",
    "Articles": "Articles",
    "Article %(num)d": "Article %(num)d",
    "Article %(num)s": "Article %(num)s",
    "Propose an amendment to article %(num)d": "Proposer un amendement à l’article %(num)d",
    "Sources": "Sources",
    "Moderate": "Modérer",
    "Reason for hiding": "Motif du masquage",
    "Reason for showing it again": "Motif du rétablissement",
    "Public: it appears in the moderation history.":
        "Public : il figure dans l’historique de modération.",
    "Hide": "Masquer",
    "Show again": "Rétablir",
    ("%(num)d person finds it useful", "%(num)d people find it useful"):
        ("%(num)d personne le juge utile", "%(num)d personnes le jugent utile"),
    "Useful": "Utile",
    "argument by %(name)s; press to take your mark back":
        "argument de %(name)s ; activer pour retirer votre mention",
    "argument by %(name)s": "argument de %(name)s",
    "Amendment %(id)d to article %(num)d": "Amendement %(id)d à l’article %(num)d",
    "Amendment %(id)d to the text": "Amendement %(id)d au texte",
    "By": "Par",
    "integrated in version %(num)d": "intégré dans la version %(num)d",
    "Written against version %(num)d.": "Écrit sur la version %(num)d.",
    "Why": "Pourquoi",
    "Changes": "Modifications",
    "Reason given:": "Motif donné :",
    "Votes:": "Votes :",
    "Your vote on amendment %(id)d": "Votre vote sur l’amendement %(id)d",
    "Change my vote": "Changer mon vote",
    "Vote": "Voter",
    "amendment %(id)d": "amendement %(id)d",
    "Integrate into the proposal": "Intégrer à la proposition",
    "Reject": "Rejeter",
    "Reason for rejecting it": "Motif du rejet",
    "Reject the amendment": "Rejeter l’amendement",
    # --- Amendment form --------------------------------------------------------------------
    "Propose an amendment": "Proposer un amendement",
    "Propose an amendment to the text": "Proposer un amendement au texte",
    "This proposal can no longer be amended: the debate is closed or the proposal has been "
    "answered.":
        "Cette proposition ne peut plus être amendée : le débat est clos ou la proposition a "
        "reçu sa réponse.",
    "Back to the proposal": "Retour à la proposition",
    "Rewrite the text as you would like it to be: the page will show what your amendment "
    "removes and adds. If the authors or a representative integrate it, the proposal gets a "
    "new version.":
        "Réécrivez le texte tel que vous le souhaitez : la page montrera ce que votre amendement "
        "retire et ajoute. Si les auteurs ou un élu l’intègrent, la proposition aura une nouvelle "
        "version.",
    "The current text": "Le texte actuel",
    "New text": "Nouveau texte",
    "The whole text as amended (markdown).": "Le texte entier, tel qu’amendé (markdown).",
    "Why this change?": "Pourquoi ce changement ?",
    "3 to 5,000 characters.": "3 à 5 000 caractères.",
    "Publish the amendment": "Publier l’amendement",
    # --- Debate page -----------------------------------------------------------------------
    "How this debate works": "Fonctionnement du débat",
    "Public answer": "Réponse publique",
    ("A proposal supported by %(num)d participant gets a public answer from the "
     "representatives within %(days)d days.",
     "A proposal supported by %(num)d participants gets a public answer from the "
     "representatives within %(days)d days."):
        ("Une proposition soutenue par %(num)d participant reçoit une réponse publique des élus "
         "sous %(days)d jours.",
         "Une proposition soutenue par %(num)d participants reçoit une réponse publique des élus "
         "sous %(days)d jours."),
    "No support threshold: the representatives answer the proposals they choose.":
        "Pas de seuil de soutien : les élus répondent aux propositions de leur choix.",
    "Who counts toward it": "Qui compte pour le seuil",
    "Votes": "Votes",
    "Public: everyone can see who voted what.": "Publics : chacun peut voir qui a voté quoi.",
    "Private: only the totals are shown.": "Secrets : seuls les totaux sont affichés.",
    "In charge of this debate": "Responsables du débat",
    "Every representative of the territory may answer; the territory's moderators look after "
    "the exchanges.":
        "Tout élu du territoire peut répondre ; l’équipe de modération du territoire veille aux "
        "échanges.",
    "Moderation history": "Historique de modération",
    "Submit a proposal": "Déposer une proposition",
    "Sign in to submit a proposal": "Se connecter pour déposer une proposition",
    "This debate does not take new proposals.": "Ce débat ne reçoit plus de propositions.",
    "Order": "Ordre",
    "Newest first": "Les plus récentes d’abord",
    "Most supported first": "Les plus soutenues d’abord",
    "All": "Toutes",
    "Show": "Afficher",
    ("%(num)d argument", "%(num)d arguments"): ("%(num)d argument", "%(num)d arguments"),
    ("%(num)d amendment", "%(num)d amendments"): ("%(num)d amendement", "%(num)d amendements"),
    ("%(num)d vote", "%(num)d votes"): ("%(num)d vote", "%(num)d votes"),
    "Support: %(num)d of %(needed)d": "Soutiens : %(num)d sur %(needed)d",
    "Answer: %(kind)s": "Réponse : %(kind)s",
    "No answer yet — overdue since %(date)s": "Pas encore de réponse — délai dépassé depuis le %(date)s",
    "Answer expected before %(date)s": "Réponse attendue avant le %(date)s",
    "Pages of proposals": "Pages de propositions",
    "First page": "Première page",
    "Next proposals": "Propositions suivantes",
    "No proposal here.": "Aucune proposition ici.",
    "No proposal yet: be the first to submit one.":
        "Pas encore de proposition : soyez le premier ou la première à en déposer une.",
    "Latest proposals": "Dernières propositions",
    "In %(debate)s, by %(author)s, on %(date)s": "Dans « %(debate)s », par %(author)s, le %(date)s",
    # --- Moderation history ----------------------------------------------------------------
    "Every hidden contribution stays recorded: here is what was hidden or shown again, when, "
    "by whom and why. The hidden text itself is not shown.":
        "Toute contribution masquée reste enregistrée : voici ce qui a été masqué ou rétabli, "
        "quand, par qui et pourquoi. Le texte masqué lui-même n’est pas affiché.",
    "on": "sur",
    "proposal %(id)d": "proposition %(id)d",
    "the node's operator": "l’exploitant du nœud",
    "Reason:": "Motif :",
    "Older actions": "Actions plus anciennes",
    "Nothing has been moderated in this debate.": "Rien n’a été modéré dans ce débat.",
    # --- Proposal page ---------------------------------------------------------------------
    "This proposal was hidden by a moderator: only moderators see it.":
        "Cette proposition a été masquée par la modération : seule la modération la voit.",
    ("Author", "Authors"): ("Auteur", "Auteurs"),
    "Submitted on": "Déposée le",
    "Version": "Version",
    "Version %(num)d of %(date)s": "Version %(num)d du %(date)s",
    "Edit the proposal": "Modifier la proposition",
    "Versions of the proposal": "Versions de la proposition",
    "Versions:": "Versions :",
    "Version %(num)d (current)": "Version %(num)d (actuelle)",
    "Version %(num)d": "Version %(num)d",
    "amendment %(id)d integrated": "amendement %(id)d intégré",
    "The representatives' answer": "La réponse des élus",
    "Answered after the deadline of %(date)s.": "Réponse donnée après le délai du %(date)s.",
    "Earlier wordings of the answer": "Formulations précédentes de la réponse",
    "The proposal reached its support threshold on %(date)s: the representatives had to "
    "answer publicly within %(days)d days.":
        "La proposition a atteint son seuil de soutien le %(date)s : les élus devaient répondre "
        "publiquement sous %(days)d jours.",
    "Awaiting the representatives' answer": "En attente de la réponse des élus",
    ("Answer expected before %(date)s, %(num)d day left.",
     "Answer expected before %(date)s, %(num)d days left."):
        ("Réponse attendue avant le %(date)s, il reste %(num)d jour.",
         "Réponse attendue avant le %(date)s, il reste %(num)d jours."),
    "The proposal reached its support threshold on %(date)s.":
        "La proposition a atteint son seuil de soutien le %(date)s.",
    "Toward a public answer": "Vers une réponse publique",
    ("Support: %(num)d of %(needed)d. At %(needed)d, the representatives must answer publicly "
     "within %(days)d day.",
     "Support: %(num)d of %(needed)d. At %(needed)d, the representatives must answer publicly "
     "within %(days)d days."):
        ("Soutiens : %(num)d sur %(needed)d. À %(needed)d, les élus doivent répondre "
         "publiquement sous %(days)d jour.",
         "Soutiens : %(num)d sur %(needed)d. À %(needed)d, les élus doivent répondre "
         "publiquement sous %(days)d jours."),
    "Text of the proposal": "Texte de la proposition",
    "Votes on this proposal by participant class": "Votes sur cette proposition, par catégorie de participants",
    "Your vote:": "Votre vote :",
    "You can change it while the debate is open.":
        "Vous pouvez le changer tant que le débat est ouvert.",
    "Your vote on this proposal": "Votre vote sur cette proposition",
    "Votes are closed: the debate is no longer open.":
        "Les votes sont clos : le débat n’est plus ouvert.",
    "Sign in to vote and take part": "Se connecter pour voter et participer",
    "Arguments for": "Arguments pour",
    "More arguments for": "Plus d’arguments pour",
    "Arguments against": "Arguments contre",
    "More arguments against": "Plus d’arguments contre",
    "Comments": "Commentaires",
    "More comments": "Plus de commentaires",
    "Back to the first page of each list": "Revenir à la première page de chaque liste",
    "Add an argument": "Ajouter un argument",
    "Your position": "Votre position",
    "Comment, neither for nor against": "Commentaire, ni pour ni contre",
    "Your argument": "Votre argument",
    "Markdown is accepted: **bold**, *italics*, lists, links. At most 5,000 characters.":
        "Le markdown est accepté : **gras**, *italique*, listes, liens. 5 000 caractères au plus.",
    "Publish the argument": "Publier l’argument",
    "Amendments": "Amendements",
    "(each article has its own link above)": "(chaque article a son propre lien plus haut)",
    "No amendment yet.": "Pas encore d’amendement.",
    "More amendments": "Plus d’amendements",
    "Correct the answer": "Corriger la réponse",
    "Answer this proposal": "Répondre à cette proposition",
    "You sign the answer as %(name)s.": "Vous signez la réponse en tant que %(name)s.",
    "Kind of answer": "Sens de la réponse",
    "The answer": "La réponse",
    "Markdown is accepted. Explain the decision and what comes next; at least 10 characters.":
        "Le markdown est accepté. Expliquez la décision et la suite ; 10 caractères au moins.",
    "Publish the answer": "Publier la réponse",
    "Follow-up and moderation": "Suivi et modération",
    "Move into discussion": "Mettre en discussion",
    "Moderation history of the debate": "Historique de modération du débat",
    "History": "Historique",
    "%(event)s: %(status)s": "%(event)s : %(status)s",
    "version %(num)d": "version %(num)d",
    "More history": "Suite de l’historique",
    # --- Proposal form and versions --------------------------------------------------------
    "Back to the debate": "Retour au débat",
    "Saving creates a new version; earlier versions stay readable.":
        "Enregistrer crée une nouvelle version ; les versions précédentes restent lisibles.",
    "Your proposal is public as soon as you submit it. Members can then argue for or against "
    "it, amend it and vote.":
        "Votre proposition est publique dès que vous la déposez. Les membres peuvent alors "
        "argumenter pour ou contre, l’amender et voter.",
    "3 to 200 characters: what you propose, in a few words.":
        "3 à 200 caractères : ce que vous proposez, en quelques mots.",
    "Markdown is accepted: **bold**, *italics*, lists, links. At most 20,000 characters.":
        "Le markdown est accepté : **gras**, *italique*, listes, liens. 20 000 caractères au "
        "plus.",
    "Optional: split the proposal into numbered articles that can be amended one by one. "
    "Empty articles are ignored.":
        "Facultatif : découpez la proposition en articles numérotés, amendables un à un. Les "
        "articles vides sont ignorés.",
    "Title of the article": "Titre de l’article",
    "Text of the article": "Texte de l’article",
    "Add an article": "Ajouter un article",
    "Optional: links to studies, articles or data that support the proposal.":
        "Facultatif : des liens vers des études, articles ou données qui appuient la "
        "proposition.",
    "Source %(num)d": "Source %(num)d",
    "Link": "Lien",
    "Starts with https:// or http://": "Commence par https:// ou http://",
    "Title of the source": "Titre de la source",
    "Add a source": "Ajouter une source",
    "Save the new version": "Enregistrer la nouvelle version",
    "Submit the proposal": "Déposer la proposition",
    "You are reading version %(num)d of %(total)d, an earlier version.":
        "Vous lisez la version %(num)d sur %(total)d, une version antérieure.",
    "Read the current version": "Lire la version actuelle",
    "Origin": "Origine",
}
