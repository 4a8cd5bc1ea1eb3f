"""The network tables (0005_network.sql): the search index kept in sync by triggers, the
constraints that back node/network.py's bounds, and FTS query quoting."""
from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest

from node import services
from node.model import ChoiceCounts, ContentKind, Tally
from node.network import RemoteDebateInfo, RemoteProposalInfo, TerritoryInfo
from storage.db import Database
from storage.migrate import load_migrations
from storage.repos.network import fts_expression
from tests.node.builders import OP, a_draft, a_member, a_proposal, an_open_debate, run
from tests.support import FrozenClock

BETA = "http://beta.test/actor"
DEBATE = "http://beta.test/debats/mobilite"


@pytest.fixture
def clock():
    return FrozenClock()


async def index(db) -> dict[int, tuple[str, str, str]]:
    """The search index's rows by rowid."""
    async with db.read().conn.execute(
        "SELECT rowid, title, body, themes FROM network_search ORDER BY rowid"
    ) as cur:
        return {r[0]: (r[1], r[2], r[3]) for r in await cur.fetchall()}


async def a_remote_proposal(db, clock, **changes):
    await run(db, services.upsert_territory, clock,
              TerritoryInfo(BETA, "http://beta.test", "Beta"))
    await run(db, services.upsert_remote_debate, clock, BETA,
              RemoteDebateInfo(DEBATE, "mobilite", "Mobilité"))
    at = clock.now() - timedelta(days=1)
    info = replace(RemoteProposalInfo("http://beta.test/p/1", DEBATE, "Vélo-école", at, at,
                                      summary="Apprendre", body="Le mercredi.",
                                      themes=("velo", "ecole")), **changes)
    return (await run(db, services.upsert_remote_proposal, clock, BETA, info)).proposal


async def test_local_proposals_are_indexed_on_submit_and_reindexed_on_edit(db, clock):
    # Given
    alice = await a_member(db, clock, "alice")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, alice, draft=a_draft("Des bancs", "Pour s'asseoir."))
    assert (await index(db))[2 * proposal.id] == ("Des bancs", "Pour s'asseoir.", "")
    # When the author edits it
    await run(db, services.edit_proposal, clock, alice, proposal.id,
              a_draft("Des bancs à l'ombre", "Sous les arbres."))
    # Then the index holds the current version only
    assert await index(db) == {2 * proposal.id: ("Des bancs à l'ombre", "Sous les arbres.", "")}


async def test_hiding_leaves_the_index_alone_and_the_list_filters(db, clock):
    # Given
    alice = await a_member(db, clock, "alice")
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, alice)
    # When
    await run(db, services.hide_content, clock, OP, ContentKind.PROPOSAL, proposal.id, "Doublon")
    # Then (moderation needs no trigger: the list query filters hidden proposals)
    assert 2 * proposal.id in await index(db)


async def test_remote_proposals_are_indexed_updated_and_dropped_when_tombstoned(db, clock):
    # Given
    proposal = await a_remote_proposal(db, clock)
    key = 2 * proposal.id + 1
    assert (await index(db))[key] == ("Vélo-école", "Apprendre\nLe mercredi.", "velo ecole")
    # When a newer version arrives
    await run(db, services.upsert_remote_proposal, clock, BETA, RemoteProposalInfo(
        proposal.ap_id, DEBATE, "Vélobus", proposal.published_at, clock.now(), themes=("bus",)))
    # Then
    assert (await index(db))[key] == ("Vélobus", "\n", "bus")
    # When it is deleted
    await run(db, services.tombstone_remote_proposal, clock, BETA, proposal.ap_id)
    # Then
    assert key not in await index(db)
    async with db.read().conn.execute("SELECT count(*) FROM remote_proposal_themes") as cur:
        assert (await cur.fetchone())[0] == 0


async def test_a_tally_update_does_not_touch_the_index(db, clock):
    # Given
    proposal = await a_remote_proposal(db, clock)
    clock.advance(minutes=5)
    # When
    await run(db, services.upsert_remote_proposal, clock, BETA, RemoteProposalInfo(
        proposal.ap_id, DEBATE, "Vélo-école", proposal.published_at, proposal.updated_at,
        tally=Tally(remote=ChoiceCounts(7, 2, 1))))
    # Then the total is derived by SQLite, and the index row is the same
    async with db.read().conn.execute(
        "SELECT total_votes FROM remote_proposals WHERE id = ?", (proposal.id,)
    ) as cur:
        assert (await cur.fetchone())[0] == 10
    assert (await index(db))[2 * proposal.id + 1][0] == "Vélo-école"


async def test_migration_indexes_proposals_written_before_it(tmp_path, clock):
    # Given a database at the schema before the network view, with a proposal
    db = Database(tmp_path / "old.sqlite3")
    await db.open(apply_migrations=False)
    try:
        before = [m for m in load_migrations() if m.name < "0005"]
        await db.migrate(before)
        alice = await a_member(db, clock, "alice")
        await an_open_debate(db, clock)
        proposal = await a_proposal(db, clock, alice, draft=a_draft("Un marché bio", "Le samedi."))
        # When the network migration runs
        applied = await db.migrate()
        # Then the existing proposal is searchable
        assert "0005_network.sql" in applied
        assert (await index(db))[2 * proposal.id] == ("Un marché bio", "Le samedi.", "")
    finally:
        await db.close()


@pytest.mark.parametrize(("column", "value"), [
    ("title", "x" * 201), ("summary", "x" * 2001), ("body", "x" * 20_001),
    ("url", "javascript:alert(1)"), ("remote_for", -1), ("status", "hacked"),
    ("themes", "x" * 1101),
])
async def test_constraints_are_the_last_line_against_oversized_rows(db, clock, column, value):
    # Given
    proposal = await a_remote_proposal(db, clock)
    # When something bypassed node/network_validation.py
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.conn.execute(
                f"UPDATE remote_proposals SET {column} = ? WHERE id = ?", (value, proposal.id))


async def test_a_live_remote_proposal_needs_a_debate_and_a_title(db, clock):
    proposal = await a_remote_proposal(db, clock)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.conn.execute(
                "UPDATE remote_proposals SET debate_id = NULL WHERE id = ?", (proposal.id,))


def test_fts_expression_quotes_every_term_as_a_prefix():
    assert fts_expression(()) is None
    assert fts_expression(("velo",)) == '"velo"*'
    assert fts_expression(("velo", "ecol")) == '"velo"* AND "ecol"*'
    # A quote can never end the string early (terms have none, but the quoting holds anyway)
    assert fts_expression(('a"b',)) == '"a""b"*'


@pytest.mark.parametrize("term", ['a"b', "NEAR(", "AND", "*", "x:y", "^z", "'"])
async def test_fts_expression_is_safe_even_for_raw_terms(db, term):
    # Given a term that did not go through node.network_search.search_terms
    expression = fts_expression((term,))
    # When / Then: SQLite accepts it as a plain string
    async with db.read().conn.execute(
        "SELECT count(*) FROM network_search WHERE network_search MATCH ?", (expression,)
    ) as cur:
        assert (await cur.fetchone())[0] == 0
