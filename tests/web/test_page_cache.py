"""The proposal and debate pages keep what they render (a visitor's whole page, each argument
and listed proposal) while the data is unchanged: never stale after a commit or as the clock
moves on, never one viewer's page served to another."""
from __future__ import annotations

import re

from node import services

from .deliberation_support import Visitor, add_member, open_debate, rich_proposal, submit


async def test_a_visitors_proposal_page_follows_every_commit(node):
    await open_debate(node)
    anne, bruno, proposal, argument, _ = await rich_proposal(node)
    path = f"/propositions/{proposal.id}"
    async with Visitor(node) as visitor:
        first = await visitor.get(path)
        again = await visitor.get(path)
        assert first.html == again.html
        assert "Le trottoir est étroit." in first.html
        # A new argument, a vote and a "useful" mark, committed after the page was kept
        async with node.db.transaction() as tx:
            await services.post_argument(tx, node.clock, anne, proposal.id, "neutral",
                                         "Et les trottinettes ?")
            await services.cast_vote(tx, node.clock, anne, proposal.id, "for")
            await services.mark_argument_useful(tx, node.clock, anne, argument.id)
        after = await visitor.get(path)
    assert "Et les trottinettes ?" in after.html
    assert re.search(r"<tfoot>\s*<tr>\s*<th scope=\"row\">[^<]+</th>\s*<td>1</td><td>1</td>",
                     after.html)
    assert "1 personne le juge utile" in after.html
    assert "0 personne le juge utile" in first.html
    # A visitor's page shows no form: no form token to share between visitors
    assert 'name="csrf_token"' not in after.html


async def test_a_members_proposal_page_is_their_own(node):
    await open_debate(node)
    anne, bruno, proposal, argument, _ = await rich_proposal(node)
    claire = await add_member(node, "claire")
    async with node.db.transaction() as tx:
        await services.mark_argument_useful(tx, node.clock, claire, argument.id)
    path = f"/propositions/{proposal.id}"
    async with Visitor(node) as visitor, Visitor(node) as c, Visitor(node) as a:
        before = await visitor.get(path)
        await c.sign_in("claire")
        await a.sign_in("anne")
        as_claire = await c.get(path)
        as_anne = await a.get(path)
        as_claire_again = await c.get(path)
        after = await visitor.get(path)
    assert before.html == after.html and "Claire" not in before.html
    # Each member's own form token, name and marks
    for page, visitor_ in ((as_claire, c), (as_anne, a)):
        tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', page.html))
        assert tokens == {visitor_.token}
    assert c.token != a.token
    assert ">Claire</a>" in as_claire.html and ">Anne</a>" in as_anne.html
    mark = f'action="/arguments/{argument.id}/utile"'
    pressed = re.compile(re.escape(mark) + r'.*?aria-pressed="(true|false)"', re.S)
    assert pressed.search(as_claire.html).group(1) == "true"
    assert pressed.search(as_anne.html).group(1) == "false"
    assert as_claire_again.html == as_claire.html


async def test_a_visitors_pages_follow_the_clock_without_any_commit(node):
    await open_debate(node, threshold=2, delay=30)
    anne = await add_member(node, "anne")
    bruno = await add_member(node, "bruno")
    proposal = await submit(node, anne)
    async with node.db.transaction() as tx:
        await services.cast_vote(tx, node.clock, anne, proposal.id, "for")
        await services.cast_vote(tx, node.clock, bruno, proposal.id, "for")
    path = f"/propositions/{proposal.id}"
    async with Visitor(node) as visitor:
        node.clock.advance(days=10)
        waiting = await visitor.get(path)
        debate_waiting = await visitor.get("/debats/velo")
        node.clock.advance(days=1)
        next_day = await visitor.get(path)
        node.clock.advance(days=20)
        overdue = await visitor.get(path)
        debate_overdue = await visitor.get("/debats/velo")
    assert "il reste 20 jours" in waiting.html and "il reste 19 jours" in next_day.html
    assert "délai dépassé depuis" in overdue.html
    assert "délai dépassé" not in debate_waiting.html
    assert "Pas encore de réponse — délai dépassé depuis le 27 décembre 2026" in \
        debate_overdue.html


async def test_a_visitors_debate_page_follows_every_commit_and_language(node):
    await open_debate(node)
    anne = await add_member(node, "anne")
    first = await submit(node, anne, title="Première idée")
    async with Visitor(node) as visitor, Visitor(node, lang="en") as english:
        before = await visitor.get("/debats/velo")
        before_en = await english.get("/debats/velo")
        await submit(node, anne, title="Seconde idée")
        async with node.db.transaction() as tx:
            await services.cast_vote(tx, node.clock, anne, first.id, "against")
        after = await visitor.get("/debats/velo")
        after_en = await english.get("/debats/velo")
    assert "Seconde idée" not in before.html and "Seconde idée" in after.html
    assert "Pas d’accord 0" in before.html and "Pas d’accord 1" in after.html
    assert '<html lang="en">' in before_en.html and "Disagree 1" in after_en.html
    assert 'name="csrf_token"' not in after.html
