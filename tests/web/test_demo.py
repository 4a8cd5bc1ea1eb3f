"""The demo territory shows every part of the deliberation with realistic French content."""
from __future__ import annotations

import pytest

from node import services
from node.model import AnswerKind, ProposalStatus, Stance
from storage.db import Database
from tests.support import FrozenClock
from web.auth import check_password
from web.demo import DEMO_PASSWORD, load_demo


@pytest.fixture
async def demo(tmp_path):
    database = await Database(tmp_path / "demo.sqlite3").open()
    clock = FrozenClock()
    assert await load_demo(database, clock) is True
    yield database, clock
    await database.close()


async def _by_title(database, clock, slug):
    page = await services.list_proposals(database.read(), slug, limit=50)
    return {s.proposal.title: await services.get_proposal_detail(database.read(), clock, s.proposal.id)
            for s in page.items}


async def test_demo_loads_once(demo):
    database, clock = demo
    assert await load_demo(database, clock) is False
    assert await database.read().members.count() == 16


async def test_demo_has_an_answered_proposal_with_an_integrated_amendment(demo):
    database, clock = demo
    proposals = await _by_title(database, clock, "mobilites-douces")
    cycle = proposals["Une piste cyclable sécurisée entre les hameaux et le bourg"]
    assert cycle.proposal.status is ProposalStatus.ANSWERED
    assert cycle.answer.kind is AnswerKind.ADOPTED_WITH_CHANGES
    assert len(cycle.versions) == 2  # the amendment made version 2; version 1 stays readable
    assert "2026" in cycle.version.articles[1].text
    amendments = await services.list_amendments(database.read(), cycle.proposal.id)
    assert [a.amendment.status.value for a in amendments.items] == ["integrated"]


async def test_demo_has_an_overdue_proposal_and_arguments_on_both_sides(demo):
    database, clock = demo
    proposals = await _by_title(database, clock, "mobilites-douces")
    school = proposals["Piétonniser le parvis de l'école aux heures d'entrée et de sortie"]
    assert school.is_overdue and school.answer is None
    assert school.support >= 5
    sides = await services.arguments_side_by_side(database.read(), school.proposal.id, limit=10)
    assert sides.for_arguments.items and sides.against_arguments.items


async def test_demo_accounts_share_the_documented_password(demo):
    database, _ = demo
    stored = await database.read().members.find_password_hash("claire_dubois")
    assert check_password(stored, DEMO_PASSWORD)
