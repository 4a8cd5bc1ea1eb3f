"""The demo territory that `make run` loads into an empty database (French content).

It is written through the same use cases as real participation, with a demo clock that walks
from 80 days ago to now, so the history, the answer deadlines (one met, one overdue) and the
events are those a real territory would have."""
from __future__ import annotations

from datetime import datetime, timedelta

from node import services
from node.accounts import NewMember
from node.model import (
    AmendmentDraft,
    AnswerKind,
    Article,
    DebateRole,
    DebateSettings,
    DebateStatus,
    NewDebate,
    Operator,
    ProposalDraft,
    ProposalStatus,
    Role,
    Source,
    Stance,
    VoteChoice,
)
from node.ports import Clock

from .auth import hash_password

OPERATOR = Operator()
# Every demo account signs in with this password (shown in the README); never in production.
DEMO_PASSWORD = "demonstration"

MEMBERS = [
    ("mairie", "Mairie de Saint-Aubin-sur-Loire", Role.ADMIN, ""),
    ("claire_dubois", "Claire Dubois", Role.REPRESENTATIVE, "adjointe à la mobilité"),
    ("marc_lefevre", "Marc Lefèvre", Role.REPRESENTATIVE, "maire"),
    ("karim_benali", "Karim Benali", Role.CITIZEN, ""),
    ("lucie_martin", "Lucie Martin", Role.CITIZEN, ""),
    ("ines_moreau", "Inès Moreau", Role.CITIZEN, ""),
    ("paul_girard", "Paul Girard", Role.CITIZEN, ""),
    ("sophie_lambert", "Sophie Lambert", Role.CITIZEN, ""),
    ("thomas_roux", "Thomas Roux", Role.CITIZEN, ""),
    ("amina_diallo", "Amina Diallo", Role.CITIZEN, ""),
    ("julien_petit", "Julien Petit", Role.CITIZEN, ""),
    ("nathalie_blanc", "Nathalie Blanc", Role.CITIZEN, ""),
    ("velo_saint_aubin", "Association Vélo Saint-Aubin", Role.ASSOCIATION, ""),
    ("boulangerie_roux", "Boulangerie Roux", Role.COMPANY, ""),
    ("mediation", "Équipe de médiation", Role.MODERATOR, ""),
    ("garant", "Jeanne Garnier, garante de la concertation", Role.TRUSTED_THIRD_PARTY, ""),
]
VERIFIED = ["karim_benali", "lucie_martin", "ines_moreau", "paul_girard", "sophie_lambert",
            "thomas_roux", "amina_diallo", "julien_petit"]

MOBILITY = """La municipalité souhaite **réduire la place de la voiture** aux abords des écoles
et du marché, sans isoler les habitants des hameaux.

Nous vous invitons à proposer, argumenter et amender :

- des aménagements cyclables entre les hameaux et le centre ;
- la piétonnisation du parvis de l'école aux heures d'entrée et de sortie ;
- un service de navette à la demande pour les personnes âgées.

Les propositions soutenues par **5 habitants** recevront une réponse publique du conseil
municipal dans un délai de deux mois.
"""

BUDGET = """En 2027, **150 000 €** du budget d'investissement seront consacrés à des projets
proposés et choisis par les habitants.

Chaque projet doit relever des compétences de la commune, être réalisable en moins de deux ans
et bénéficier à l'intérêt général. La garante de la concertation veille au respect de la
procédure.
"""


class _DemoClock:
    def __init__(self, start: datetime):
        self.current = start

    def now(self) -> datetime:
        return self.current

    def walk(self, **delta) -> None:
        self.current += timedelta(**delta)


async def load_demo(database, clock: Clock) -> bool:
    """Fill an empty node with the demo territory; return False if it already has content."""
    real_now = clock.now()
    demo = _DemoClock(real_now - timedelta(days=80))
    password_hash = hash_password(DEMO_PASSWORD)
    async with database.transaction() as tx:
        if await tx.members.count():
            return False
        m = {}
        for username, name, role, mandate in MEMBERS:
            m[username] = await services.admit_member(
                tx, demo, OPERATOR, NewMember(username, name, role, mandate, password_hash))
        for username in VERIFIED:
            await services.verify_resident(tx, demo, m["garant"], username)

        claire, marc = m["claire_dubois"], m["marc_lefevre"]
        await services.create_debate(tx, demo, claire, NewDebate(
            "mobilites-douces", "Mobilités douces dans le centre-bourg", MOBILITY,
            demo.now(), real_now + timedelta(days=45),
            DebateSettings(support_threshold=5, answer_delay_days=60)))
        await services.create_debate(tx, demo, marc, NewDebate(
            "budget-participatif-2027", "Budget participatif 2027", BUDGET,
            demo.now(), real_now + timedelta(days=90),
            # Budget votes are public: who voted what is listed on each proposal.
            DebateSettings(support_threshold=10, answer_delay_days=45, has_public_votes=True)))
        for slug, who in (("mobilites-douces", claire), ("budget-participatif-2027", marc)):
            await services.change_debate_status(tx, demo, who, slug, DebateStatus.OPEN)
            await services.assign_debate_role(tx, demo, OPERATOR, slug, who.username,
                                              DebateRole.REPRESENTATIVE)
            await services.assign_debate_role(tx, demo, OPERATOR, slug, "mediation",
                                              DebateRole.MODERATOR)

        # 1. Answered, with an integrated amendment: a cycle path between hamlets.
        demo.walk(days=2)
        cycle = await services.submit_proposal(tx, demo, m["velo_saint_aubin"], "mobilites-douces", ProposalDraft(
            "Une piste cyclable sécurisée entre les hameaux et le bourg",
            "Les enfants des hameaux de **La Brosse** et des **Grands Champs** ne peuvent pas venir "
            "à l'école à vélo : la départementale n'a ni bande ni piste. Nous proposons une piste "
            "séparée de la chaussée le long de l'ancienne voie ferrée.",
            (Article(1, "Tracé", "La piste suit l'ancienne voie ferrée sur 3,2 km, de La Brosse à la place du marché."),
             Article(2, "Calendrier", "Les travaux commencent en 2028.")),
            (Source("https://www.cerema.fr/fr/actualites/amenagements-cyclables", "Cerema : guide des aménagements cyclables"),),
        ))
        await services.add_coauthor(tx, demo, m["velo_saint_aubin"], cycle.id, "lucie_martin")
        demo.walk(days=1)
        for username, stance, text in [
            ("karim_benali", Stance.FOR, "Mes deux enfants pourraient enfin aller au collège à vélo. Aujourd'hui je les conduis tous les matins."),
            ("boulangerie_roux", Stance.AGAINST, "Le tracé prévu supprime six places de stationnement devant les commerces de la place du marché."),
            ("ines_moreau", Stance.FOR, "L'ancienne voie ferrée est plate et déjà propriété de la commune : le coût reste raisonnable."),
            ("paul_girard", Stance.AGAINST, "2028, c'est trop tard ; mieux vaudrait des bandes cyclables provisoires dès maintenant."),
            ("sophie_lambert", Stance.NEUTRAL, "Pensez à l'éclairage : en hiver les enfants rentrent de nuit."),
        ]:
            argument = await services.post_argument(tx, demo, m[username], cycle.id, stance, text)
            demo.walk(hours=3)
            if stance is Stance.FOR:
                for voter in ("lucie_martin", "thomas_roux"):
                    await services.mark_argument_useful(tx, demo, m[voter], argument.id)
        amendment = await services.propose_amendment(tx, demo, m["paul_girard"], cycle.id, AmendmentDraft(
            "Des bandes cyclables provisoires sont tracées dès 2026 ; les travaux de la piste commencent en 2027.",
            "Sécuriser tout de suite les trajets, sans attendre la piste définitive.", article_number=2))
        for username, choice in (("karim_benali", VoteChoice.FOR), ("amina_diallo", VoteChoice.FOR),
                                 ("boulangerie_roux", VoteChoice.MIXED)):
            await services.vote_on_amendment(tx, demo, m[username], amendment.id, choice)
        demo.walk(days=3)
        await services.integrate_amendment(tx, demo, m["velo_saint_aubin"], amendment.id)
        for username, choice in (("karim_benali", VoteChoice.FOR), ("lucie_martin", VoteChoice.FOR),
                                 ("ines_moreau", VoteChoice.FOR), ("thomas_roux", VoteChoice.FOR),
                                 ("amina_diallo", VoteChoice.FOR), ("nathalie_blanc", VoteChoice.FOR),
                                 ("boulangerie_roux", VoteChoice.AGAINST), ("paul_girard", VoteChoice.MIXED)):
            await services.cast_vote(tx, demo, m[username], cycle.id, choice)
            demo.walk(hours=5)
        demo.walk(days=20)
        await services.answer_proposal(tx, demo, claire, cycle.id, AnswerKind.ADOPTED_WITH_CHANGES,
            "Le conseil municipal du 14 octobre a voté l'étude de la piste. Les bandes provisoires "
            "seront tracées au printemps ; pour compenser les places supprimées, le parking de la "
            "salle des fêtes sera ouvert aux clients du marché.")

        # 2. Overdue: supported by 6 residents 72 days ago, no answer since.
        demo.current = real_now - timedelta(days=75)
        school = await services.submit_proposal(tx, demo, m["amina_diallo"], "mobilites-douces", ProposalDraft(
            "Piétonniser le parvis de l'école aux heures d'entrée et de sortie",
            "Entre 8 h 15 et 8 h 45 puis entre 16 h 15 et 16 h 45, la rue des Écoles serait fermée "
            "aux voitures, avec des barrières amovibles tenues par des parents volontaires.",
        ))
        await services.change_proposal_status(tx, demo, m["mediation"], school.id, ProposalStatus.IN_DISCUSSION)
        for username, stance, text in [
            ("julien_petit", Stance.FOR, "Plusieurs enfants ont failli être renversés cette année devant le portail."),
            ("marc_lefevre", Stance.NEUTRAL, "La question des riverains qui doivent sortir leur voiture à ces heures-là reste à régler."),
            ("nathalie_blanc", Stance.AGAINST, "Je dépose ma fille en allant travailler : sans voiture devant l'école, je serai en retard."),
        ]:
            await services.post_argument(tx, demo, m[username], school.id, stance, text)
            demo.walk(hours=6)
        for username in ("amina_diallo", "julien_petit", "karim_benali", "sophie_lambert",
                         "ines_moreau", "thomas_roux"):
            await services.cast_vote(tx, demo, m[username], school.id, VoteChoice.FOR)
            demo.walk(hours=2)
        await services.cast_vote(tx, demo, m["nathalie_blanc"], school.id, VoteChoice.AGAINST)

        # 3. Still gathering support: an on-demand shuttle.
        demo.current = real_now - timedelta(days=12)
        shuttle = await services.submit_proposal(tx, demo, m["lucie_martin"], "mobilites-douces", ProposalDraft(
            "Une navette à la demande pour les aînés des hameaux",
            "Un minibus de huit places, réservable la veille par téléphone, relierait les hameaux "
            "au bourg les mardis et vendredis, jours de marché.",
        ))
        await services.post_argument(tx, demo, m["paul_girard"], shuttle.id, Stance.FOR,
                                     "Ma mère ne conduit plus ; elle ne vient plus au marché depuis un an.")
        await services.post_argument(tx, demo, m["thomas_roux"], shuttle.id, Stance.AGAINST,
                                     "Le transport à la demande du département existe déjà : mieux vaut le faire connaître.")
        for username, choice in (("paul_girard", VoteChoice.FOR), ("lucie_martin", VoteChoice.FOR),
                                 ("thomas_roux", VoteChoice.MIXED)):
            await services.cast_vote(tx, demo, m[username], shuttle.id, choice)

        # The participatory budget.
        demo.current = real_now - timedelta(days=6)
        garden = await services.submit_proposal(tx, demo, m["sophie_lambert"], "budget-participatif-2027", ProposalDraft(
            "Des jardins partagés derrière la médiathèque",
            "Vingt parcelles, un récupérateur d'eau de pluie et un abri à outils : 18 000 €.",
        ))
        await services.post_argument(tx, demo, m["ines_moreau"], garden.id, Stance.FOR,
                                     "Le terrain est en friche depuis dix ans ; les écoles pourraient y faire de l'éducation à l'environnement.")
        await services.post_argument(tx, demo, m["julien_petit"], garden.id, Stance.AGAINST,
                                     "Qui arrosera en août ? Il faut prévoir une association gestionnaire.")
        for username in ("sophie_lambert", "ines_moreau", "karim_benali"):
            await services.cast_vote(tx, demo, m[username], garden.id, VoteChoice.FOR)
        demo.walk(days=2)
        await services.submit_proposal(tx, demo, m["thomas_roux"], "budget-participatif-2027", ProposalDraft(
            "Rénover le city-stade du quartier des Tilleuls",
            "Le revêtement est fendu et les filets sont arrachés. Devis : 42 000 €.",
        ))
    return True
