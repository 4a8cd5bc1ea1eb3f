"""A closed debate refuses every change but answers, and a failed use case writes nothing."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from node import services
from node.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from node.model import (
    AmendmentDraft,
    Argument,
    Amendment,
    DebateStatus,
    Member,
    Proposal,
    Role,
)

from .builders import (
    ARTICLES,
    OP,
    a_draft,
    a_member,
    a_proposal,
    an_open_debate,
    close,
    event_log,
    run,
    snapshot,
)

ANSWER = "La commune adopte cette proposition pour la rentrée 2027."


@dataclass
class World:
    anne: Member  # author
    bruno: Member  # another participant
    carla: Member  # a participant who has not acted yet
    claire: Member  # representative
    mod: Member  # moderator
    proposal: Proposal
    argument: Argument
    amendment: Amendment


async def a_world(db, clock) -> World:
    anne = await a_member(db, clock, "anne")
    bruno = await a_member(db, clock, "bruno")
    carla = await a_member(db, clock, "carla")
    claire = await a_member(db, clock, "claire", Role.REPRESENTATIVE)
    mod = await a_member(db, clock, "mod", Role.MODERATOR)
    await an_open_debate(db, clock)
    proposal = await a_proposal(db, clock, anne, draft=a_draft(articles=ARTICLES))
    argument = await run(db, services.post_argument, clock, bruno, proposal.id, "for", "Oui.")
    amendment = await run(db, services.propose_amendment, clock, bruno, proposal.id,
                          AmendmentDraft("Corps amendé.", "Plus précis."))
    await run(db, services.cast_vote, clock, bruno, proposal.id, "for")
    await run(db, services.mark_argument_useful, clock, anne, argument.id)
    await run(db, services.vote_on_amendment, clock, anne, amendment.id, "mixed")
    return World(anne, bruno, carla, claire, mod, proposal, argument, amendment)


# Every change a participant, an author or those in charge can make in an open debate.
CHANGES = {
    "submit_proposal": lambda c, w: (services.submit_proposal, c, w.carla, "voirie", a_draft()),
    "edit_proposal": lambda c, w: (services.edit_proposal, c, w.anne, w.proposal.id,
                                   a_draft(title="Nouveau titre")),
    "change_proposal_status": lambda c, w: (services.change_proposal_status, c, OP,
                                            w.proposal.id, "in_discussion"),
    "add_coauthor": lambda c, w: (services.add_coauthor, c, w.anne, w.proposal.id, "carla"),
    "post_argument": lambda c, w: (services.post_argument, c, w.carla, w.proposal.id, "against",
                                   "Non."),
    "edit_argument": lambda c, w: (services.edit_argument, c, w.bruno, w.argument.id, "Si."),
    "withdraw_argument": lambda c, w: (services.withdraw_argument, c, w.bruno, w.argument.id),
    "mark_argument_useful": lambda c, w: (services.mark_argument_useful, c, w.carla,
                                          w.argument.id),
    "unmark_argument_useful": lambda c, w: (services.unmark_argument_useful, c, w.anne,
                                            w.argument.id),
    "propose_amendment": lambda c, w: (services.propose_amendment, c, w.carla, w.proposal.id,
                                       AmendmentDraft("Autre.", "Autre raison.")),
    "vote_on_amendment": lambda c, w: (services.vote_on_amendment, c, w.carla, w.amendment.id,
                                       "for"),
    "integrate_amendment": lambda c, w: (services.integrate_amendment, c, w.anne,
                                         w.amendment.id),
    "reject_amendment": lambda c, w: (services.reject_amendment, c, w.anne, w.amendment.id,
                                      "Non retenu."),
    "withdraw_amendment": lambda c, w: (services.withdraw_amendment, c, w.bruno,
                                        w.amendment.id),
    "cast_vote": lambda c, w: (services.cast_vote, c, w.carla, w.proposal.id, "against"),
    "change_vote": lambda c, w: (services.cast_vote, c, w.bruno, w.proposal.id, "against"),
    "withdraw_vote": lambda c, w: (services.withdraw_vote, c, w.bruno, w.proposal.id),
}


@pytest.mark.parametrize("status", [DebateStatus.CLOSED, DebateStatus.CONCLUDED])
@pytest.mark.parametrize("change", sorted(CHANGES))
async def test_closed_debate_refuses_every_change(db, clock, change, status):
    # Given a lively debate, then closed (or concluded)
    world = await a_world(db, clock)
    await close(db, clock)
    if status is DebateStatus.CONCLUDED:
        await close(db, clock, status=DebateStatus.CONCLUDED)
    before = await snapshot(db)
    use_case, *args = CHANGES[change](clock, world)
    # When / Then
    with pytest.raises(Conflict, match=status.value):
        await run(db, use_case, *args)
    assert await snapshot(db) == before


@pytest.mark.parametrize("change", sorted(CHANGES))
async def test_every_change_is_accepted_while_the_debate_is_open(db, clock, change):
    # The counterpart of the test above: the same calls succeed in an open debate.
    world = await a_world(db, clock)
    use_case, *args = CHANGES[change](clock, world)
    events_before = len(await event_log(db))
    await run(db, use_case, *args)
    assert len(await event_log(db)) > events_before


@pytest.mark.parametrize("status", [DebateStatus.CLOSED, DebateStatus.CONCLUDED])
async def test_closed_debate_still_accepts_the_representatives_answer(db, clock, status):
    # Given
    world = await a_world(db, clock)
    await close(db, clock)
    if status is DebateStatus.CONCLUDED:
        await close(db, clock, status=DebateStatus.CONCLUDED)
    # When
    answer = await run(db, services.answer_proposal, clock, world.claire, world.proposal.id,
                       "adopted", ANSWER)
    # Then
    assert answer.revision == 1
    assert (await db.read().proposals.get(world.proposal.id)).answered_at == clock.now()


# Failing calls in an OPEN debate, each with the error it must raise.
FAILURES = [
    ("submit to an unknown debate", NotFound,
     lambda c, w: (services.submit_proposal, c, w.carla, "inconnu", a_draft())),
    ("submit a too-short title", Invalid,
     lambda c, w: (services.submit_proposal, c, w.carla, "voirie", a_draft(title="ab"))),
    ("edit someone else's proposal", Forbidden,
     lambda c, w: (services.edit_proposal, c, w.bruno, w.proposal.id, a_draft(title="Volé"))),
    ("edit an unknown proposal", NotFound,
     lambda c, w: (services.edit_proposal, c, w.anne, 999, a_draft())),
    ("status changed by a citizen", Forbidden,
     lambda c, w: (services.change_proposal_status, c, w.bruno, w.proposal.id, "in_discussion")),
    ("status to an unknown value", Invalid,
     lambda c, w: (services.change_proposal_status, c, OP, w.proposal.id, "adopted")),
    ("coauthor added by a non-lead", Forbidden,
     lambda c, w: (services.add_coauthor, c, w.bruno, w.proposal.id, "carla")),
    ("coauthor unknown", NotFound,
     lambda c, w: (services.add_coauthor, c, w.anne, w.proposal.id, "personne")),
    ("argument by the operator", Forbidden,
     lambda c, w: (services.post_argument, c, OP, w.proposal.id, "for", "Oui.")),
    ("argument too long", Invalid,
     lambda c, w: (services.post_argument, c, w.carla, w.proposal.id, "for", "x" * 5_001)),
    ("argument edited by another", Forbidden,
     lambda c, w: (services.edit_argument, c, w.anne, w.argument.id, "Pris.")),
    ("argument withdrawn by another", Forbidden,
     lambda c, w: (services.withdraw_argument, c, w.carla, w.argument.id)),
    ("own argument marked useful", Forbidden,
     lambda c, w: (services.mark_argument_useful, c, w.bruno, w.argument.id)),
    ("unknown argument marked", NotFound,
     lambda c, w: (services.mark_argument_useful, c, w.carla, 999)),
    ("amendment to a missing article", Invalid,
     lambda c, w: (services.propose_amendment, c, w.carla, w.proposal.id,
                   AmendmentDraft("Texte", "Raison.", 7))),
    ("amendment vote with a bad choice", Invalid,
     lambda c, w: (services.vote_on_amendment, c, w.carla, w.amendment.id, "oui")),
    ("amendment integrated by a stranger", Forbidden,
     lambda c, w: (services.integrate_amendment, c, w.carla, w.amendment.id)),
    ("amendment rejected by a stranger", Forbidden,
     lambda c, w: (services.reject_amendment, c, w.carla, w.amendment.id, "Non.")),
    ("amendment withdrawn by another", Forbidden,
     lambda c, w: (services.withdraw_amendment, c, w.anne, w.amendment.id)),
    ("vote with a bad choice", Invalid,
     lambda c, w: (services.cast_vote, c, w.carla, w.proposal.id, "oui")),
    ("vote on an unknown proposal", NotFound,
     lambda c, w: (services.cast_vote, c, w.carla, 999, "for")),
    ("answer by a citizen", Forbidden,
     lambda c, w: (services.answer_proposal, c, w.anne, w.proposal.id, "adopted", ANSWER)),
    ("answer of an unknown kind", Invalid,
     lambda c, w: (services.answer_proposal, c, w.claire, w.proposal.id, "maybe", ANSWER)),
    ("answer too short", Invalid,
     lambda c, w: (services.answer_proposal, c, w.claire, w.proposal.id, "adopted", "Oui.")),
    ("hide by a citizen", Forbidden,
     lambda c, w: (services.hide_content, c, w.anne, "argument", w.argument.id, "Raison")),
    ("hide an unknown kind", Invalid,
     lambda c, w: (services.hide_content, c, w.mod, "debate", 1, "Raison")),
    ("unhide a visible item", Conflict,
     lambda c, w: (services.unhide_content, c, w.mod, "argument", w.argument.id, "Raison")),
]


@pytest.mark.parametrize(("case", "error", "call"), FAILURES, ids=[f[0] for f in FAILURES])
async def test_failed_use_case_writes_nothing(db, clock, case, error, call):
    # Given
    world = await a_world(db, clock)
    before = await snapshot(db)
    use_case, *args = call(clock, world)
    # When / Then
    with pytest.raises(error) as caught:
        await run(db, use_case, *args)
    assert isinstance(caught.value, DomainError)
    assert await snapshot(db) == before
