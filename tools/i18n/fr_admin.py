"""French for the admin area and the member profile (web/admin.py, web/profile.py,
web/templates/admin_*.html, web/templates/member.html).

Used by: python tools/fill_translations.py tools/i18n/*.py  (after `make messages`).
Epicene wording where French allows it ("résidence vérifiée", "tiers de confiance"); otherwise
both forms, never the median dot, which screen readers read out badly.
"""

FR = {
    # --- Errors tied to form fields --------------------------------------------------------
    "No member has this username.": "Aucun membre n’a ce nom d’utilisateur.",
    "Mandate: at most 200 characters.": "Mandat : 200 caractères au plus.",
    "Choose one of the roles.": "Choisissez l’un des rôles.",
    "Note: at most 200 characters.": "Note : 200 caractères au plus.",
    "Validity: a whole number of days, from 1 to 90.":
        "Validité : un nombre entier de jours, de 1 à 90.",
    "Address: 1 to 60 characters, lowercase letters, digits or inner hyphens, and not a reserved "
    "word.":
        "Adresse : 1 à 60 caractères, lettres minuscules, chiffres ou tirets (ni au début ni à la "
        "fin), hors mots réservés.",
    "Title: 3 to 200 characters.": "Titre : 3 à 200 caractères.",
    "Description: at most 20,000 characters.": "Description : 20 000 caractères au plus.",
    "Opening: a date and time that exists in Paris, or nothing.":
        "Ouverture : une date et une heure qui existent à Paris, ou rien.",
    "Closing: a date and time that exists in Paris, after the opening, or nothing.":
        "Clôture : une date et une heure qui existent à Paris, après l’ouverture, ou rien.",
    "Support threshold: a whole number from 1 to 1,000,000, or nothing for no threshold.":
        "Seuil de soutien : un nombre entier de 1 à 1 000 000, ou rien pour aucun seuil.",
    "Answer delay: a whole number of days, from 1 to 365.":
        "Délai de réponse : un nombre entier de jours, de 1 à 365.",
    "Choose whether individual votes are public.":
        "Indiquez si les votes individuels sont publics.",
    "Choose at least one class of participants.":
        "Choisissez au moins une catégorie de participants.",
    "The debate cannot take this status from its current one.":
        "Le débat ne peut pas prendre ce statut depuis son statut actuel.",
    "Search: 1 to 30 lowercase letters, digits or _ (the start of a username).":
        "Recherche : 1 à 30 lettres minuscules, chiffres ou _ (le début d’un nom d’utilisateur).",
    "This value is not valid.": "Cette valeur n’est pas valide.",
    "You cannot change your own role: ask another administrator.":
        "Vous ne pouvez pas changer votre propre rôle : demandez-le à un autre administrateur ou "
        "une autre administratrice.",
    "This member is already a verified resident.":
        "La résidence de ce membre est déjà vérifiée.",
    "This address is already taken by a member or a debate.":
        "Cette adresse est déjà prise par un membre ou un débat.",
    "The closing date has passed: the debate cannot be opened.":
        "La date de clôture est passée : le débat ne peut pas être ouvert.",
    "This member is not a representative: give them the representative role first.":
        "Ce membre n’est pas élu : donnez-lui d’abord le rôle d’élu ou élue.",
    "No member with this username holds this role here.":
        "Aucun membre de ce nom n’a cette charge dans ce débat.",
    "This member already holds this role in this debate.":
        "Ce membre a déjà cette charge dans ce débat.",
    "This is not your current password.": "Ce n’est pas votre mot de passe actuel.",
    "The two new passwords differ.": "Les deux nouveaux mots de passe diffèrent.",
    # --- Labels shared with the debate pages -----------------------------------------------
    "Submitted": "Déposée",
    "In discussion": "En discussion",
    "Answered": "Répondue",
    "For": "Pour",
    "Against": "Contre",
    "Comment": "Commentaire",
    "Verified residents": "Habitants vérifiés",
    # --- Roles and classes -----------------------------------------------------------------
    "Citizen": "Citoyen ou citoyenne",
    "Elected representative": "Élu ou élue",
    "Association": "Association",
    "Company": "Entreprise",
    "Moderator of the territory": "Modérateur ou modératrice du territoire",
    "Trusted third party": "Tiers de confiance",
    "Administrator": "Administrateur ou administratrice",
    "Other members of this node": "Autres membres de ce nœud",
    "Participants from other nodes (fediverse)": "Participants d’autres nœuds (fédivers)",
    "Moderator of the debate": "Modération du débat",
    "Representative in charge": "Élu ou élue en charge",
    # --- Admin layout and overview ---------------------------------------------------------
    "Administration sections": "Sections de l’administration",
    "Overview": "Vue d’ensemble",
    "Members": "Membres",
    "Resident verification": "Vérification de résidence",
    "Invitations": "Invitations",
    "Debates: %(status)s": "Débats : %(status)s",
    "Members and roles": "Membres et rôles",
    "Verify residents": "Vérifier des résidences",
    "Invite people to register": "Inviter des personnes à s’inscrire",
    "All debates, drafts included": "Tous les débats, brouillons compris",
    "Next page": "Page suivante",
    # --- Members ---------------------------------------------------------------------------
    "Search members": "Rechercher des membres",
    "Username starts with": "Le nom d’utilisateur commence par",
    "Lowercase letters, digits or _; leave empty to list everyone.":
        "Lettres minuscules, chiffres ou _ ; laissez vide pour lister tout le monde.",
    "Search": "Rechercher",
    "Members whose username starts with “%(q)s”":
        "Membres dont le nom d’utilisateur commence par « %(q)s »",
    "Members, oldest first": "Membres, du plus ancien au plus récent",
    "Name": "Nom",
    "Role": "Rôle",
    "Verified resident": "Résidence vérifiée",
    "Member since": "Membre depuis",
    "No member found.": "Aucun membre trouvé.",
    "Members pages": "Pages de membres",
    "Yes, since %(date)s": "Oui, depuis le %(date)s",
    "by %(name)s": "par %(name)s",
    "by the node operator": "par l’exploitant du nœud",
    "No": "Non",
    "The role has been changed.": "Le rôle a été modifié.",
    "%(name)s is now a verified resident.": "La résidence de %(name)s est désormais vérifiée.",
    "public profile": "profil public",
    "Mandate": "Mandat",
    "Change the role": "Changer le rôle",
    "Representatives only, for example “adjointe à la mobilité”; at most 200 characters. "
    "Ignored for other roles.":
        "Pour les élus seulement, par exemple « adjointe à la mobilité » ; 200 caractères au "
        "plus. Ignoré pour les autres rôles.",
    "Save the role": "Enregistrer le rôle",
    "Mark this member a verified resident once you have checked that they live in the "
    "territory. Your name and the date are recorded.":
        "Vérifiez la résidence de ce membre une fois que vous vous êtes assuré qu’il ou elle vit "
        "sur le territoire. Votre nom et la date sont enregistrés.",
    "Verify %(name)s as a resident": "Vérifier la résidence de %(name)s",
    # --- Resident verification -------------------------------------------------------------
    "A verified resident's support counts toward the thresholds that oblige the representatives "
    "to answer. Verify a member only once you have checked that they live in the territory: "
    "your name and the date are recorded.":
        "Le soutien d’un membre à la résidence vérifiée compte pour les seuils qui obligent les "
        "élus à répondre. Ne vérifiez un membre qu’après vous être assuré qu’il ou elle vit sur le "
        "territoire : votre nom et la date sont enregistrés.",
    "Verify a member": "Vérifier un membre",
    "The member's username, without @ or the node's address.":
        "Le nom d’utilisateur du membre, sans @ ni l’adresse du nœud.",
    "Verify as a resident": "Vérifier la résidence",
    "Verify": "Vérifier",
    "Action": "Action",
    # --- Invitations -----------------------------------------------------------------------
    "New invitation code": "Nouveau code d’invitation",
    "Copy it now and hand it to the person you invite: it is shown only once and cannot be "
    "found again. It works for one registration.":
        "Copiez-le maintenant et remettez-le à la personne invitée : il n’est affiché qu’une fois "
        "et ne pourra pas être retrouvé. Il sert à une seule inscription.",
    "Registration on this node is open to anyone: an invitation code is not needed to register.":
        "L’inscription sur ce nœud est ouverte à tous : aucun code d’invitation n’est nécessaire.",
    "Create an invitation": "Créer une invitation",
    "Valid for (days)": "Valable (en jours)",
    "From 1 to 90 days.": "De 1 à 90 jours.",
    "Note": "Note",
    "For your records, for example who the invitation is for; at most 200 characters.":
        "Pour mémoire, par exemple à qui l’invitation est destinée ; 200 caractères au plus.",
    "Create the invitation": "Créer l’invitation",
    "Invitations created": "Invitations créées",
    "Invitations, newest first": "Invitations, de la plus récente à la plus ancienne",
    "Created": "Créée le",
    "Created by": "Créée par",
    "Expires": "Expire le",
    "State": "État",
    "The node operator": "L’exploitant du nœud",
    "Used on %(date)s by %(name)s": "Utilisée le %(date)s par %(name)s",
    "Expired": "Expirée",
    "Not used yet": "Pas encore utilisée",
    "No invitation yet.": "Aucune invitation pour l’instant.",
    "Invitations pages": "Pages d’invitations",
    # --- Debates ---------------------------------------------------------------------------
    "Create a debate": "Créer un débat",
    "Every debate, drafts included, oldest first":
        "Tous les débats, brouillons compris, du plus ancien au plus récent",
    "Title": "Titre",
    "Address": "Adresse",
    "No debate yet.": "Aucun débat pour l’instant.",
    "Times are Paris time (Europe/Paris).": "Les heures sont à l’heure de Paris (Europe/Paris).",
    "Debates pages": "Pages de débats",
    "A new debate is a draft: only administrators see it until you open it.":
        "Un nouveau débat est un brouillon : seuls les administrateurs le voient tant que vous "
        "ne l’ouvrez pas.",
    "3 to 200 characters.": "3 à 200 caractères.",
    "The end of the debate's address (/debats/…) and its handle on the fediverse: 1 to 60 "
    "lowercase letters, digits or hyphens, for example mobilites-douces. It cannot change later.":
        "La fin de l’adresse du débat (/debats/…) et son identifiant sur le fédivers : 1 à 60 "
        "lettres minuscules, chiffres ou tirets, par exemple mobilites-douces. Elle ne pourra "
        "plus changer.",
    "Description": "Description",
    "In Markdown: **bold**, lists with -, links. At most 20,000 characters.":
        "En Markdown : **gras**, listes avec -, liens. 20 000 caractères au plus.",
    "Schedule, in Paris time (Europe/Paris)": "Calendrier, à l’heure de Paris (Europe/Paris)",
    "Both are optional. The debate closes by itself at its closing time.":
        "Les deux sont facultatives. Le débat se clôt de lui-même à l’heure de clôture.",
    "Opening (Paris time)": "Ouverture (heure de Paris)",
    "Day and time, for example 2027-01-15 09:00.": "Jour et heure, par exemple 15/01/2027 09:00.",
    "Closing (Paris time)": "Clôture (heure de Paris)",
    "Day and time, after the opening.": "Jour et heure, après l’ouverture.",
    "Create the debate": "Créer le débat",
    "The debate has been created as a draft.": "Le débat a été créé comme brouillon.",
    "The status has been changed.": "Le statut a été modifié.",
    "The settings have been saved.": "Les paramètres ont été enregistrés.",
    "The member has been put in charge.": "Le membre a été mis en charge.",
    "The member is no longer in charge.": "Le membre n’est plus en charge.",
    "not public while a draft": "pas publique tant que c’est un brouillon",
    "(Paris time)": "(heure de Paris)",
    "No date": "Pas de date",
    "Reopen the debate": "Rouvrir le débat",
    "Open the debate": "Ouvrir le débat",
    "Close the debate": "Clore le débat",
    "Mark the debate as concluded": "Déclarer le débat conclu",
    "A concluded debate cannot change any more.": "Un débat conclu ne peut plus changer.",
    "Settings": "Paramètres",
    "Support threshold": "Seuil de soutien",
    "How many supporters oblige the representatives to answer a proposal publicly; leave empty "
    "for no threshold.":
        "Nombre de soutiens qui oblige les élus à répondre publiquement à une proposition ; "
        "laissez vide pour aucun seuil.",
    "Answer delay (days)": "Délai de réponse (en jours)",
    "Days the representatives have to answer once a proposal reaches the threshold: 1 to 365.":
        "Jours dont disposent les élus pour répondre une fois le seuil atteint : de 1 à 365.",
    "Individual votes": "Votes individuels",
    "Private: only totals are shown": "Privés : seuls les totaux sont affichés",
    "Public: everyone sees who voted what": "Publics : chacun voit qui a voté quoi",
    "Who counts toward the threshold": "Qui compte pour le seuil",
    "Choose at least one.": "Choisissez-en au moins une.",
    "Save the settings": "Enregistrer les paramètres",
    "In charge of the debate": "En charge du débat",
    "Moderators and representatives in charge": "Modération et élus en charge",
    "Member": "Membre",
    "Charge": "Charge",
    "Since": "Depuis le",
    "Remove": "Retirer",
    "Nobody is in charge of this debate yet: any representative of the territory may answer its "
    "proposals.":
        "Personne n’est encore en charge de ce débat : tout élu ou élue du territoire peut "
        "répondre à ses propositions.",
    "Put a member in charge": "Mettre un membre en charge",
    "A representative must already have the representative role.":
        "Un élu ou une élue doit déjà avoir le rôle d’élu.",
    "Put in charge": "Mettre en charge",
    # --- Member profile --------------------------------------------------------------------
    "Your password has been changed. Your other sessions have been signed out.":
        "Votre mot de passe a été changé. Vos autres sessions ont été déconnectées.",
    "Verified resident since %(date)s": "Résidence vérifiée depuis le %(date)s",
    "verified by %(name)s": "vérifiée par %(name)s",
    "verified by the node operator": "vérifiée par l’exploitant du nœud",
    "Proposals": "Propositions",
    "In the debate %(title)s, on %(date)s": "Dans le débat %(title)s, le %(date)s",
    "Proposals pages": "Pages de propositions",
    "No proposal yet.": "Aucune proposition pour l’instant.",
    "Arguments": "Arguments",
    "About the proposal:": "Sur la proposition :",
    "Arguments pages": "Pages d’arguments",
    "No argument yet.": "Aucun argument pour l’instant.",
    "Change my password": "Changer mon mot de passe",
    "Current password": "Mot de passe actuel",
    "New password, again": "Nouveau mot de passe, à nouveau",
}
