"""The home page's reads are kept until the next commit (storage/cache.py): a change shows at
once, whether this node or another process (the CLI) committed it."""
from __future__ import annotations

import sqlite3

from node import services
from node.model import DebateStatus, NewDebate, Operator


async def _open_debate(node, slug: str, title: str):
    async with node.db.transaction() as tx:
        await services.create_debate(tx, node.clock, Operator(), NewDebate(slug, title, "Texte."))
        await services.change_debate_status(tx, node.clock, Operator(), slug, DebateStatus.OPEN)


async def _home(node) -> str:
    async with node.client.get(f"{node.url}/") as response:
        assert response.status == 200
        return await response.text()


async def test_home_page_shows_a_change_right_after_its_commit(node):
    # Given the home page read (and its data cached) with one open debate
    await _open_debate(node, "voirie", "La voirie")
    assert "La voirie" in await _home(node)
    assert "La voirie" in await _home(node)
    # When the node commits another debate
    await _open_debate(node, "ecoles", "Les écoles")
    # Then the next home page lists it
    assert "Les écoles" in await _home(node)
    # And when another process renames it, the home page follows too
    with sqlite3.connect(node.db.path) as other:
        other.execute("UPDATE debates SET title = 'Nos écoles' WHERE slug = 'ecoles'")
    html = await _home(node)
    assert "Nos écoles" in html and "Les écoles" not in html
