"""A small territory for API tests, built through the real use cases (the act under test then
goes through HTTP), and `Stored`, which proves a refused request wrote nothing.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from node import services
from node.accounts import NewMember, Session
from node.model import (
    AmendmentDraft,
    Article,
    DebateRole,
    DebateSettings,
    DebateStatus,
    NewDebate,
    Operator,
    ProposalDraft,
    Role,
    Source,
    Stance,
    VoteChoice,
)

from .client import Api

OP = Operator()
MEMBERS = {  # username: (role, mandate, verified resident)
    "ada": (Role.ADMIN, "", False),
    "rita": (Role.REPRESENTATIVE, "adjointe à la mobilité", False),
    "remi": (Role.REPRESENTATIVE, "adjoint aux finances", False),
    "modo": (Role.MODERATOR, "", False),
    "anne": (Role.CITIZEN, "", True),
    "bruno": (Role.CITIZEN, "", False),
    "carla": (Role.CITIZEN, "", True),
}
ARTICLES = (
    Article(1, "Objet", "La rue Victor Hugo reçoit une piste cyclable."),
    Article(2, "Calendrier", "Les travaux ont lieu en 2027."),
)
SOURCES = (Source("https://example.org/etude-mobilite", "Étude de mobilité 2025"),)
DRAFT = ProposalDraft("Une piste cyclable rue Victor Hugo",
                      "Sécuriser le trajet des écoliers entre la gare et le collège.",
                      ARTICLES, SOURCES)


async def run(node, use_case, *args):
    """One use case in its own transaction, on the node's database."""
    async with node.db.transaction() as tx:
        return await use_case(tx, node.clock, *args)


@dataclass
class World:
    """Who and what exists; ids of the items the tests act on.

    voirie (open, private votes, rita in charge): proposal `proposal` by anne with two
    articles, argument `argument` (for) by bruno marked useful by anne, amendment `amendment`
    by bruno on article 1, carla's vote `for`.
    budget (open, public votes): proposal `public_proposal` by bruno, voted by anne and carla.
    ecoles (closed): proposal `closed_proposal` by anne, with an argument by bruno.
    brouillon: a draft debate.
    """

    node: Any
    api: Api
    members: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def __getattr__(self, name: str) -> int:
        try:
            return self.__dict__["ids"][name]
        except KeyError:
            raise AttributeError(name) from None

    async def act(self, username: str, use_case, *args):
        return await run(self.node, use_case, self.members[username], *args)


async def add_member(node, api: Api, username: str, role=Role.CITIZEN, mandate="",
                     verified=False):
    member = await run(node, services.admit_member, OP,
                       NewMember(username, username.capitalize(), role, mandate))
    if verified:
        member = await run(node, services.verify_resident, OP, username)
    api.tokens[username] = await run(node, services.issue_api_token, OP, username)
    return member


async def add_debate(node, slug: str, *, status=DebateStatus.OPEN, public_votes=False,
                     threshold: int | None = None):
    await run(node, services.create_debate, OP,
              NewDebate(slug, f"Débat {slug}", "Parlons-en **ensemble**.", None, None,
                        DebateSettings(support_threshold=threshold,
                                       has_public_votes=public_votes)))
    if status is not DebateStatus.DRAFT:
        await run(node, services.change_debate_status, OP, slug, DebateStatus.OPEN)
    if status in (DebateStatus.CLOSED, DebateStatus.CONCLUDED):
        await run(node, services.change_debate_status, OP, slug, DebateStatus.CLOSED)


async def build_world(node) -> World:
    api = Api(node)
    world = World(node, api)
    for username, (role, mandate, verified) in MEMBERS.items():
        world.members[username] = await add_member(node, api, username, role, mandate, verified)
    await add_debate(node, "voirie")
    await run(node, services.assign_debate_role, OP, "voirie", "rita", DebateRole.REPRESENTATIVE)
    await add_debate(node, "budget", public_votes=True)
    await add_debate(node, "ecoles")
    await add_debate(node, "brouillon", status=DebateStatus.DRAFT)

    proposal = await world.act("anne", services.submit_proposal, "voirie", DRAFT)
    argument = await world.act("bruno", services.post_argument, proposal.id, Stance.FOR,
                               "Les enfants viendraient enfin à vélo.")
    await world.act("anne", services.mark_argument_useful, argument.id)
    amendment = await world.act(
        "bruno", services.propose_amendment, proposal.id,
        AmendmentDraft("La rue Victor Hugo reçoit une piste cyclable séparée.",
                       "Une piste séparée protège mieux.", 1))
    await world.act("carla", services.cast_vote, proposal.id, VoteChoice.FOR)

    public = await world.act("bruno", services.submit_proposal, "budget",
                             ProposalDraft("Un budget participatif", "Dix pour cent du budget."))
    await world.act("anne", services.cast_vote, public.id, VoteChoice.FOR)
    await world.act("carla", services.cast_vote, public.id, VoteChoice.AGAINST)

    closed = await world.act("anne", services.submit_proposal, "ecoles",
                             ProposalDraft("Des repas bio", "Servir des repas bio à la cantine."))
    closed_argument = await world.act("bruno", services.post_argument, closed.id, Stance.AGAINST,
                                      "Le coût est trop élevé.")
    await run(node, services.change_debate_status, OP, "ecoles", DebateStatus.CLOSED)
    world.ids.update(proposal=proposal.id, argument=argument.id, amendment=amendment.id,
                     public_proposal=public.id, closed_proposal=closed.id,
                     closed_argument=closed_argument.id)
    return world


async def session_cookie(node, username: str) -> str:
    """A real, valid login session for `username` (as the login form would open)."""
    member = await node.db.read().members.find_by_username(username)
    cookie = secrets.token_urlsafe(32)
    now = node.clock.now()
    async with node.db.transaction() as tx:
        await tx.sessions.add(Session(hashlib.sha256(cookie.encode()).hexdigest(), member.id,
                                      secrets.token_urlsafe(16), now, now + timedelta(days=30)))
    return cookie


class Stored:
    """Every row of every table, to assert that a refused request stored nothing."""

    def __init__(self, node, rows: dict[str, list[tuple]]):
        self.node = node
        self.rows = rows

    @classmethod
    async def take(cls, node) -> "Stored":
        return cls(node, await _rows(node))

    def count(self, table: str) -> int:
        return len(self.rows[table])

    async def assert_unchanged(self, what: str = "") -> None:
        now = await _rows(self.node)
        counts_before = {t: len(r) for t, r in self.rows.items()}
        counts_after = {t: len(r) for t, r in now.items()}
        assert counts_after == counts_before, f"{what}: rows were added or removed"
        assert now["events"] == self.rows["events"], f"{what}: an event was appended"
        changed = [t for t in now if now[t] != self.rows[t]]
        assert not changed, f"{what}: rows changed in {changed}"

    async def assert_new_events(self, count: int | None = None) -> int:
        added = len(await _rows(self.node, "events")) - self.count("events")
        assert added > 0 if count is None else added == count
        return added


async def _rows(node, only: str | None = None) -> dict[str, list[tuple]] | list[tuple]:
    conn = node.db.read().conn
    async with conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ) as cur:
        tables = sorted(r[0] for r in await cur.fetchall())
    rows: dict[str, list[tuple]] = {}
    for table in tables if only is None else [only]:
        async with conn.execute(f'SELECT * FROM "{table}" ORDER BY 1') as cur:
            rows[table] = [tuple(r) for r in await cur.fetchall()]
    return rows if only is None else rows[only]
