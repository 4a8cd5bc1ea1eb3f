"""Arguments: posting, editing, withdrawing, "useful" marks and the side-by-side order."""
from __future__ import annotations

import pytest

from node import services
from node.errors import Conflict, Forbidden, Invalid
from node.events import ArgumentEdited, ArgumentMarkedUseful, ArgumentPosted, ArgumentWithdrawn
from node.model import ArgumentOrder, Role, Stance

from .builders import a_member, a_proposal, an_open_debate, event_log, run, snapshot


async def _setup(db, clock):
    anne = await a_member(db, clock, "anne")
    bruno = await a_member(db, clock, "bruno")
    debate = await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne)
    return anne, bruno, debate, proposal


async def test_post_argument_records_it_and_its_event(db, clock):
    # Given
    anne, bruno, debate, proposal = await _setup(db, clock)
    # When
    argument = await run(db, services.post_argument, clock, bruno, proposal.id, "against",
                         "Les commerçants perdront des places de livraison.")
    # Then
    assert (argument.stance, argument.author.username, argument.useful_count) == (
        Stance.AGAINST, "bruno", 0)
    assert (await event_log(db))[-1] == ArgumentPosted(
        clock.now(), f"member:{bruno.id}", argument.id, proposal.id, debate.id,
        argument.author.id, bruno.id, "against", "Les commerçants perdront des places de livraison.")


async def test_post_argument_is_refused_when_the_input_is_bad(db, clock):
    anne, bruno, _, proposal = await _setup(db, clock)
    before = await snapshot(db)
    with pytest.raises(Invalid):
        await run(db, services.post_argument, clock, bruno, proposal.id, "maybe", "Texte")
    with pytest.raises(Invalid):
        await run(db, services.post_argument, clock, bruno, proposal.id, "for", "x" * 5_001)
    assert await snapshot(db) == before


async def test_only_its_author_edits_an_argument_and_the_edit_is_dated(db, clock):
    # Given
    anne, bruno, _, proposal = await _setup(db, clock)
    argument = await run(db, services.post_argument, clock, bruno, proposal.id, "for", "Premier jet.")
    # When someone else tries, then the author edits
    with pytest.raises(Forbidden):
        await run(db, services.edit_argument, clock, anne, argument.id, "Réécrit par Anne.")
    clock.advance(minutes=10)
    edited = await run(db, services.edit_argument, clock, bruno, argument.id, "Mieux argumenté.")
    # Then
    assert edited.body == "Mieux argumenté." and edited.edited_at == clock.now()
    assert isinstance((await event_log(db))[-1], ArgumentEdited)


async def test_withdrawn_argument_leaves_the_listing_but_stays_recorded(db, clock):
    # Given
    anne, bruno, _, proposal = await _setup(db, clock)
    argument = await run(db, services.post_argument, clock, bruno, proposal.id, "for", "À retirer.")
    # When
    await run(db, services.withdraw_argument, clock, bruno, argument.id)
    # Then
    assert (await services.list_arguments(db.read(), proposal.id)).items == ()
    assert (await db.read().arguments.get(argument.id)).withdrawn_at == clock.now()
    assert isinstance((await event_log(db))[-1], ArgumentWithdrawn)
    with pytest.raises(Conflict, match="withdrawn"):
        await run(db, services.edit_argument, clock, bruno, argument.id, "Finalement non.")


async def test_useful_mark_is_one_per_member_removable_and_never_on_ones_own(db, clock):
    # Given
    anne, bruno, debate, proposal = await _setup(db, clock)
    argument = await run(db, services.post_argument, clock, bruno, proposal.id, "for", "Utile ?")
    # When anne marks it twice
    marked = await run(db, services.mark_argument_useful, clock, anne, argument.id)
    before = await snapshot(db)
    again = await run(db, services.mark_argument_useful, clock, anne, argument.id)
    # Then it counts once, and the second mark wrote nothing
    assert marked.useful_count == 1 and again.useful_count == 1
    assert await snapshot(db) == before
    assert (await event_log(db))[-1] == ArgumentMarkedUseful(
        clock.now(), f"member:{anne.id}", argument.id, proposal.id, debate.id,
        (await db.read().participants.find_local(anne.id)).id, anne.id)
    # And she can take it back; bruno cannot mark his own
    unmarked = await run(db, services.unmark_argument_useful, clock, anne, argument.id)
    assert unmarked.useful_count == 0
    with pytest.raises(Forbidden):
        await run(db, services.mark_argument_useful, clock, bruno, argument.id)


async def test_arguments_side_by_side_are_most_useful_first(db, clock):
    # Given three arguments for, one against, and voters marking them
    anne, bruno, _, proposal = await _setup(db, clock)
    markers = [await a_member(db, clock, f"m{i}") for i in range(3)]
    ids = {}
    for key, stance in (("a", "for"), ("b", "for"), ("c", "for"), ("d", "against")):
        ids[key] = (await run(db, services.post_argument, clock, bruno, proposal.id, stance, key)).id
    for marker in markers:
        await run(db, services.mark_argument_useful, clock, marker, ids["c"])
    await run(db, services.mark_argument_useful, clock, markers[0], ids["b"])
    # When
    columns = await services.arguments_side_by_side(db.read(), proposal.id)
    # Then
    assert [a.id for a in columns.for_arguments.items] == [ids["c"], ids["b"], ids["a"]]
    assert [a.useful_count for a in columns.for_arguments.items] == [3, 1, 0]
    assert [a.id for a in columns.against_arguments.items] == [ids["d"]]
    assert columns.neutral_arguments.items == ()
    newest = await services.list_arguments(db.read(), proposal.id, order=ArgumentOrder.NEWEST)
    assert [a.id for a in newest.items] == [ids["d"], ids["c"], ids["b"], ids["a"]]


async def test_arguments_by_most_useful_page_with_a_keyset_on_score_and_id(db, clock):
    # Given 7 arguments with scores 3, 2, 2, 1, 0, 0, 0
    anne, bruno, _, proposal = await _setup(db, clock)
    markers = [await a_member(db, clock, f"m{i}") for i in range(3)]
    scores = [3, 2, 2, 1, 0, 0, 0]
    ids = []
    for score in scores:
        argument = await run(db, services.post_argument, clock, bruno, proposal.id, "for", "texte")
        ids.append(argument.id)
        for marker in markers[:score]:
            await run(db, services.mark_argument_useful, clock, marker, argument.id)
    # When walking pages of 3
    seen, cursor, pages = [], None, 0
    while True:
        page = await services.list_arguments(db.read(), proposal.id, stance=Stance.FOR, limit=3,
                                             after=cursor)
        seen += [(a.useful_count, a.id) for a in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    # Then every argument comes once, in (score desc, id asc) order, the last page short
    assert pages == 3
    assert seen == sorted(zip(scores, ids), key=lambda s: (-s[0], s[1]))
    assert len(page.items) == 1


async def test_hidden_argument_disappears_with_its_useful_marks(db, clock):
    # Given a useful argument
    anne, bruno, _, proposal = await _setup(db, clock)
    moderator = await a_member(db, clock, "mod", Role.MODERATOR)
    argument = await run(db, services.post_argument, clock, bruno, proposal.id, "for", "Insultant.")
    await run(db, services.mark_argument_useful, clock, anne, argument.id)
    # When
    await run(db, services.hide_content, clock, moderator, "argument", argument.id, "Insulte")
    # Then it is gone from listings and counts, but not from the moderation history
    columns = await services.arguments_side_by_side(db.read(), proposal.id)
    assert columns.for_arguments.items == ()
    summary = (await services.list_proposals(db.read(), "voirie")).items[0]
    assert summary.argument_count == 0
    history = await services.list_moderation(db.read(), "voirie")
    assert [(a.target_kind.value, a.target_id, a.action.value, a.reason) for a in history.items] == [
        ("argument", argument.id, "hide", "Insulte")]
    with pytest.raises(Conflict, match="hidden"):
        await run(db, services.mark_argument_useful, clock, moderator, argument.id)
