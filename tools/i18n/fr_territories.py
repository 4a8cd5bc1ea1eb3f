"""French for the territories a node follows (issue 5): web/admin.py's follow page
(web/templates/admin_territories.html) and the admin navigation.

Used by: python tools/fill_translations.py tools/i18n/*.py  (after `make messages`).
"""

FR = {
    "Territories this node follows": "Territoires suivis par ce nœud",
    "The follow request was sent: the territory appears as followed once it accepts.":
        "La demande de suivi est envoyée : le territoire apparaît comme suivi dès qu’il "
        "l’accepte.",
    "This node no longer follows this territory.": "Ce nœud ne suit plus ce territoire.",
    "A followed territory sends its public debates and proposals, their status changes and "
    "answers; they appear in the network view. Its existing proposals are read once the follow "
    "is accepted.":
        "Un territoire suivi envoie ses débats et propositions publics, leurs changements "
        "d’état et leurs réponses ; ils apparaissent dans la vue Réseau. Ses propositions "
        "existantes sont lues dès que le suivi est accepté.",
    "Follow a territory": "Suivre un territoire",
    "Address of the territory": "Adresse du territoire",
    "Its web address (https://…) or its handle (@name@host).":
        "Son adresse web (https://…) ou son identifiant (@nom@hôte).",
    "Follow this territory": "Suivre ce territoire",
    "Followed territories": "Territoires suivis",
    "Territories followed or asked, newest first":
        "Territoires suivis ou demandés, du plus récent au plus ancien",
    "Follow": "Suivi",
    "Existing proposals": "Propositions existantes",
    "Accepted on %(date)s": "Accepté le %(date)s",
    "Waiting for its acceptance": "En attente de son acceptation",
    "Read once the follow is accepted": "Lues dès que le suivi est accepté",
    ("%(num)d proposal read", "%(num)d proposals read"):
        ("%(num)d proposition lue", "%(num)d propositions lues"),
    "Reading failed: %(error)s": "La lecture a échoué : %(error)s",
    ("Reading: %(num)d proposal so far", "Reading: %(num)d proposals so far"):
        ("Lecture en cours : %(num)d proposition pour l’instant",
         "Lecture en cours : %(num)d propositions pour l’instant"),
    "Stop following": "Ne plus suivre",
    "This node follows no other territory yet.": "Ce nœud ne suit encore aucun autre territoire.",
    "This address does not lead to another territory: give the address of a THC node "
    "(https://…) or its handle (@name@host).":
        "Cette adresse ne mène pas à un autre territoire : indiquez l’adresse d’un nœud THC "
        "(https://…) ou son identifiant (@nom@hôte).",
    "This node does not follow this territory.": "Ce nœud ne suit pas ce territoire.",
}
