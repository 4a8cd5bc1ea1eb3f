"""The demo territory that `make run` loads into an empty database (French content)."""
from __future__ import annotations

from datetime import timedelta

from node import services
from node.model import DebateStatus, NewDebate, NewMember, Operator, Role
from node.ports import Clock

OPERATOR = Operator()

MEMBERS = [
    ("mairie", "Mairie de Saint-Aubin-sur-Loire", Role.ADMIN, ""),
    ("claire_dubois", "Claire Dubois", Role.REPRESENTATIVE, "adjointe à la mobilité"),
    ("marc_lefevre", "Marc Lefèvre", Role.REPRESENTATIVE, "maire"),
    ("karim_benali", "Karim Benali", Role.CITIZEN, ""),
    ("lucie_martin", "Lucie Martin", Role.CITIZEN, ""),
    ("ines_moreau", "Inès Moreau", Role.CITIZEN, ""),
    ("velo_saint_aubin", "Association Vélo Saint-Aubin", Role.ASSOCIATION, ""),
    ("boulangerie_roux", "Boulangerie Roux", Role.COMPANY, ""),
    ("mediation", "Équipe de médiation", Role.MODERATOR, ""),
    ("garant", "Jeanne Garnier, garante de la concertation", Role.TRUSTED_THIRD_PARTY, ""),
]
VERIFIED = ["karim_benali", "lucie_martin", "ines_moreau"]

DEBATES = [
    (
        "mobilites-douces",
        "Mobilités douces dans le centre-bourg",
        """La municipalité souhaite **réduire la place de la voiture** aux abords des écoles et du
marché, sans isoler les habitants des hameaux.

Nous vous invitons à proposer, argumenter et amender :

- des aménagements cyclables entre les hameaux et le centre ;
- la piétonnisation du parvis de l'école aux heures d'entrée et de sortie ;
- un service de navette à la demande pour les personnes âgées.

Les propositions qui recueillent le soutien de **50 habitants vérifiés** recevront une
réponse publique du conseil municipal dans un délai de deux mois.
""",
        45,
    ),
    (
        "budget-participatif-2027",
        "Budget participatif 2027",
        """En 2027, **150 000 €** du budget d'investissement seront consacrés à des projets
proposés et choisis par les habitants.

Chaque projet doit relever des compétences de la commune, être réalisable en moins de deux ans
et bénéficier à l'intérêt général. La garante de la concertation veille au respect de la
procédure.
""",
        90,
    ),
]


async def load_demo(database, clock: Clock) -> bool:
    """Fill an empty node with the demo territory; return False if it already has content."""
    async with database.transaction() as tx:
        if await tx.members.count():
            return False
        for username, name, role, mandate in MEMBERS:
            await services.admit_member(tx, clock, OPERATOR, NewMember(username, name, role, mandate))
        admin = await services.get_member(tx, "garant")
        for username in VERIFIED:
            await services.verify_resident(tx, clock, admin, username)
        creator = await services.get_member(tx, "claire_dubois")
        now = clock.now()
        for slug, title, description, days in DEBATES:
            await services.create_debate(
                tx, clock, creator, NewDebate(slug, title, description, now, now + timedelta(days=days))
            )
            await services.change_debate_status(tx, clock, creator, slug, DebateStatus.OPEN)
    return True
