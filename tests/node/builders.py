"""Small builders for deliberation tests: each makes one thing through the real use cases."""
from __future__ import annotations

from datetime import datetime

from node import services
from node.accounts import NewMember
from node.model import (
    Article,
    DebateSettings,
    DebateStatus,
    Member,
    NewDebate,
    Operator,
    ProposalDraft,
    Role,
    Source,
)
from storage.db import Database

OP = Operator()


async def run(db: Database, use_case, *args, **kwargs):
    """Run one use case in its own write transaction."""
    async with db.transaction() as tx:
        return await use_case(tx, *args, **kwargs)


async def a_member(
    db: Database, clock, username: str, role: Role = Role.CITIZEN, *, verified: bool = False,
    mandate: str = "",
) -> Member:
    member = await run(db, services.admit_member, clock, OP,
                       NewMember(username, username.capitalize(), role, mandate))
    if verified:
        member = await run(db, services.verify_resident, clock, OP, username)
    return member


async def an_open_debate(
    db: Database, clock, slug: str = "voirie", *, settings: DebateSettings | None = None,
    closes_at: datetime | None = None,
):
    await run(db, services.create_debate, clock, OP,
              NewDebate(slug, f"Débat {slug}", "Parlons-en.", None, closes_at,
                        settings or DebateSettings()))
    return await run(db, services.change_debate_status, clock, OP, slug, DebateStatus.OPEN)


async def close(db: Database, clock, slug: str = "voirie", status=DebateStatus.CLOSED):
    return await run(db, services.change_debate_status, clock, OP, slug, status)


def a_draft(title: str = "Des pistes cyclables rue Victor Hugo", body: str = "Sécuriser le trajet des écoliers.",
            articles=(), sources=()) -> ProposalDraft:
    return ProposalDraft(title, body, tuple(articles), tuple(sources))


ARTICLES = (
    Article(1, "Objet", "La rue Victor Hugo reçoit une piste cyclable."),
    Article(2, "Calendrier", "Les travaux ont lieu en 2027."),
)
SOURCES = (Source("https://example.org/etude-mobilite", "Étude de mobilité 2025"),)


async def a_proposal(db: Database, clock, author: Member, slug: str = "voirie", draft=None):
    return await run(db, services.submit_proposal, clock, author, slug, draft or a_draft())


async def event_log(db: Database) -> list:
    return [stored.event for stored in await db.read().events.list_after(0, limit=10_000)]


async def snapshot(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table: to prove a failed use case wrote nothing."""
    conn = db.read().conn
    async with conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ) as cur:
        tables = [r[0] for r in await cur.fetchall()]
    rows = {}
    for table in sorted(tables):
        async with conn.execute(f'SELECT * FROM "{table}" ORDER BY 1') as cur:
            rows[table] = [tuple(r) for r in await cur.fetchall()]
    return rows
