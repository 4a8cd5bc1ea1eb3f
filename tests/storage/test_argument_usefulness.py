"""Arguments most useful first (migration 0009): the stored count follows every mark and
unmark, and keyset pages walk the whole column in order, whatever the ties."""
from __future__ import annotations

import sqlite3

from node import services
from node.model import ArgumentOrder, Stance
from tests.node.builders import a_member, a_proposal, an_open_debate, run
from tests.support import FrozenClock


async def test_useful_count_follows_marks_and_pages_keep_the_order(db):
    clock = FrozenClock()
    # Given 12 arguments for, and members marking some of them useful
    author = await a_member(db, clock, "anne")
    markers = [await a_member(db, clock, f"marque{i}") for i in range(4)]
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, author)
    ids = [(await run(db, services.post_argument, clock, author, proposal.id, Stance.FOR,
                      f"Argument {i}")).id for i in range(12)]
    for i, argument_id in enumerate(ids):
        for marker in markers[: i % 4]:
            await run(db, services.mark_argument_useful, clock, marker, argument_id)
    # When one mark is taken back
    await run(db, services.unmark_argument_useful, clock, markers[0], ids[3])
    # Then every stored count equals the marks
    with sqlite3.connect(db.path) as raw:
        wrong = raw.execute(
            "SELECT count(*) FROM arguments a WHERE a.useful_count !="
            " (SELECT count(*) FROM argument_marks mk WHERE mk.argument_id = a.id)").fetchone()
    assert wrong[0] == 0
    # And pages of 5 walk the column most useful first, ties oldest first, each once
    marks = {argument_id: i % 4 for i, argument_id in enumerate(ids)}
    marks[ids[3]] -= 1
    expected = sorted(ids, key=lambda argument_id: (-marks[argument_id], argument_id))
    seen, cursor = [], None
    while True:
        page = await db.read().arguments.list_page(
            proposal.id, stance=Stance.FOR, order=ArgumentOrder.MOST_USEFUL, after=cursor,
            limit=5)
        seen += [a.id for a in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected
    counts = {a.id: a.useful_count for a in (await db.read().arguments.list_page(
        proposal.id, stance=Stance.FOR, limit=20)).items}
    assert counts[ids[3]] == 2 and counts[ids[2]] == 2 and counts[ids[0]] == 0
