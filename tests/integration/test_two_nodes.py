"""Two real nodes in one process, each with its own SQLite file, talking real HTTP."""
from __future__ import annotations

from node import services
from node.model import DebateStatus, NewDebate, Operator
from web import appkeys


async def test_two_nodes_answer_each_other_over_http(make_node):
    # Given two nodes with different content
    alpha = await make_node("alpha")
    beta = await make_node("beta")
    async with beta.db.transaction() as tx:
        await services.create_debate(tx, beta.clock, Operator(), NewDebate("eau", "L'eau potable", ""))
        await services.change_debate_status(tx, beta.clock, Operator(), "eau", DebateStatus.OPEN)
    # When each one calls the other through its own outgoing HTTP client (fake DNS → loopback)
    async with alpha.app[appkeys.HTTP_CLIENT].get(
        "http://beta.test/healthz"
    ) as response:
        beta_health = await response.json()
    async with beta.client.get("http://alpha.test/") as response:
        alpha_home = await response.text()
    async with alpha.client.get("http://beta.test/debats/eau") as response:
        beta_debate = await response.text()
    # Then each answered with its own data, from its own database file
    assert beta_health == {"status": "ok", "database": "ok"}
    assert "Territoire alpha" in alpha_home and "L&#39;eau potable" not in alpha_home
    assert "L&#39;eau potable" in beta_debate
    assert alpha.db.path != beta.db.path and alpha.db.path.exists() and beta.db.path.exists()
