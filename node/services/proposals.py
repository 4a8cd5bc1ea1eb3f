"""Proposal use cases: submit, edit (a new version), move into discussion, co-authors, and
the representatives' answer that ends the loop."""
from __future__ import annotations

from .. import content_rules, rules
from ..errors import Conflict, Invalid, NotFound
from ..events import (
    CoauthorAdded,
    CoauthorRemoved,
    ProposalAnswered,
    ProposalEdited,
    ProposalStatusChanged,
    ProposalSubmitted,
)
from ..history import HistoryKind
from .lookup import (
    get_debate,
    get_member,
    may_answer_in,
    participant_of,
    proposal_in_debate,
    roles_in,
)
from ..model import Actor, Answer, AnswerKind, Member, Proposal, ProposalDraft, ProposalStatus
from ..ports import Clock, Tx


async def submit_proposal(
    tx: Tx, clock: Clock, actor: Actor, slug: str, draft: ProposalDraft
) -> Proposal:
    """A participant submits a proposal (version 1) to an open debate."""
    debate = await get_debate(tx, slug)
    rules.require(rules.may_take_part(actor), "only members submit proposals")
    rules.check_debate_open(debate)
    draft = content_rules.check_proposal_draft(draft)
    now = clock.now()
    author = await participant_of(tx, actor, now)
    proposal = await tx.proposals.add(debate.id, author.id, draft, now)
    await tx.proposals.add_history(
        proposal.id, HistoryKind.SUBMITTED, by=rules.by_label(actor),
        by_member_id=rules.actor_member_id(actor), at=now,
        new_status=ProposalStatus.SUBMITTED, version=proposal.version,
    )
    await tx.events.append(
        ProposalSubmitted(
            now, rules.by_label(actor), proposal.id, debate.id, debate.slug, author.id,
            author.member_id, proposal.version, draft.title, draft.body, draft.articles,
            draft.sources,
        )
    )
    return proposal


async def edit_proposal(
    tx: Tx, clock: Clock, actor: Actor, proposal_id: int, draft: ProposalDraft
) -> Proposal:
    """An author saves a new version; earlier versions stay readable. No change, no version."""
    proposal, debate = await proposal_in_debate(tx, proposal_id)
    authors = await tx.proposals.list_authors(proposal.id)
    rules.require(
        rules.may_edit_proposal(actor, authors), "only the proposal's authors can edit it"
    )
    rules.check_debate_open(debate)
    rules.check_visible(proposal.hidden_at, "proposal")
    rules.check_proposal_editable(proposal)
    draft = content_rules.check_proposal_draft(draft)
    current = await tx.proposals.get_version(proposal.id, proposal.version)
    if (draft.title, draft.body, draft.articles, draft.sources) == (
        current.title, current.body, current.articles, current.sources
    ):
        return proposal
    now = clock.now()
    editor = await participant_of(tx, actor, now)
    updated = await tx.proposals.add_version(proposal.id, draft, editor.id, None, now)
    await tx.proposals.add_history(
        proposal.id, HistoryKind.EDITED, by=rules.by_label(actor),
        by_member_id=rules.actor_member_id(actor), at=now, version=updated.version,
    )
    await tx.events.append(
        ProposalEdited(
            now, rules.by_label(actor), proposal.id, debate.id, editor.id, updated.version,
            draft.title, draft.body, draft.articles, draft.sources,
        )
    )
    return updated


async def change_proposal_status(
    tx: Tx, clock: Clock, actor: Actor, proposal_id: int, target: ProposalStatus
) -> Proposal:
    """Moderators and those in charge move a proposal into discussion; answering is
    `answer_proposal`'s job."""
    proposal, debate = await proposal_in_debate(tx, proposal_id)
    roles = await roles_in(tx, debate.id, actor)
    rules.require(
        rules.may_steer_debate(actor, roles),
        "only moderators and those in charge of the debate change a proposal's status",
    )
    target = rules.parse_choice(ProposalStatus, target, field="status")
    if target is ProposalStatus.ANSWERED:
        raise Invalid("a proposal becomes answered when a representative answers it",
                      field="status")
    rules.check_debate_open(debate)
    rules.check_visible(proposal.hidden_at, "proposal")
    rules.check_proposal_transition(proposal, target)
    now = clock.now()
    updated = await tx.proposals.update_status(proposal.id, target, now)
    await tx.proposals.add_history(
        proposal.id, HistoryKind.STATUS_CHANGED, by=rules.by_label(actor),
        by_member_id=rules.actor_member_id(actor), at=now, old_status=proposal.status,
        new_status=target,
    )
    await tx.events.append(
        ProposalStatusChanged(now, rules.by_label(actor), proposal.id, debate.id,
                              proposal.status.value, target.value)
    )
    return updated


async def add_coauthor(
    tx: Tx, clock: Clock, actor: Actor, proposal_id: int, username: str
) -> None:
    """The lead author adds a co-author, who may then edit the proposal too.

    Kept simple on purpose: no invitation to accept; a co-author may leave (remove_coauthor).
    """
    proposal, debate = await proposal_in_debate(tx, proposal_id)
    rules.require(rules.may_manage_coauthors(actor, proposal),
                  "only the proposal's lead author adds co-authors")
    rules.check_debate_open(debate)
    rules.check_visible(proposal.hidden_at, "proposal")
    rules.check_proposal_editable(proposal)
    member = await get_member(tx, username)
    authors = await tx.proposals.list_authors(proposal.id)
    if any(a.member_id == member.id for a in authors):
        raise Conflict(f"{username!r} is already an author of this proposal",
                       code="already_author")
    if len(authors) - 1 >= rules.MAX_COAUTHORS:
        raise Invalid(f"a proposal has at most {rules.MAX_COAUTHORS} co-authors", field="username")
    now = clock.now()
    coauthor = await tx.participants.ensure_local(member.id, now)
    await tx.proposals.add_author(proposal.id, coauthor.id, now)
    await tx.proposals.add_history(
        proposal.id, HistoryKind.COAUTHOR_ADDED, by=rules.by_label(actor),
        by_member_id=rules.actor_member_id(actor), at=now, note=username,
    )
    await tx.events.append(
        CoauthorAdded(now, rules.by_label(actor), proposal.id, debate.id, coauthor.id, member.id,
                      username)
    )


async def remove_coauthor(
    tx: Tx, clock: Clock, actor: Actor, proposal_id: int, username: str
) -> None:
    """The lead author removes a co-author, or a co-author leaves."""
    proposal, debate = await proposal_in_debate(tx, proposal_id)
    member = await get_member(tx, username)
    rules.require(
        rules.may_remove_coauthor(actor, proposal, member.id),
        "only the lead author removes co-authors, or a co-author leaves",
    )
    rules.check_debate_open(debate)
    rules.check_proposal_editable(proposal)
    if proposal.author.member_id == member.id:
        raise Invalid("the lead author cannot be removed", field="username")
    coauthor = next(
        (a for a in await tx.proposals.list_authors(proposal.id) if a.member_id == member.id), None
    )
    if coauthor is None:
        raise NotFound(f"{username!r} is not a co-author of this proposal")
    now = clock.now()
    await tx.proposals.remove_author(proposal.id, coauthor.id)
    await tx.proposals.add_history(
        proposal.id, HistoryKind.COAUTHOR_REMOVED, by=rules.by_label(actor),
        by_member_id=rules.actor_member_id(actor), at=now, note=username,
    )
    await tx.events.append(
        CoauthorRemoved(now, rules.by_label(actor), proposal.id, debate.id, coauthor.id,
                        member.id, username)
    )


async def answer_proposal(
    tx: Tx, clock: Clock, actor: Actor, proposal_id: int, kind: AnswerKind, text: str
) -> Answer:
    """A representative answers; the proposal becomes answered and the loop ends.

    One answer per proposal: answering again records a correction as a new revision (the
    proposal's status stays answered; every revision stays readable and in the history).
    Answers are still accepted once the debate is closed or concluded.
    """
    proposal, debate = await proposal_in_debate(tx, proposal_id)
    rules.require(
        await may_answer_in(tx, actor, debate.id),
        "only a representative in charge of this debate can answer its proposals",
    )
    rules.check_answerable(debate, proposal)
    kind = rules.parse_choice(AnswerKind, kind, field="kind")
    text = content_rules.check_answer_text(text)
    latest = await tx.answers.latest(proposal.id)
    if latest is not None and (latest.kind, latest.text) == (kind, text):
        return latest
    now = clock.now()
    assert isinstance(actor, Member)  # may_answer admits members only
    answer = await tx.answers.add(
        proposal.id, 1 if latest is None else latest.revision + 1, kind, text, actor.id,
        actor.mandate, now,
    )
    by, member_id = rules.by_label(actor), actor.id
    if latest is None:
        await tx.proposals.mark_answered(proposal.id, now)
        await tx.proposals.add_history(
            proposal.id, HistoryKind.ANSWERED, by=by, by_member_id=member_id, at=now,
            old_status=proposal.status, new_status=ProposalStatus.ANSWERED, note=kind.value,
        )
    else:
        await tx.proposals.add_history(
            proposal.id, HistoryKind.ANSWER_REVISED, by=by, by_member_id=member_id, at=now,
            note=kind.value,
        )
    await tx.events.append(
        ProposalAnswered(
            now, by, proposal.id, debate.id, answer.revision, kind.value,
            latest.kind.value if latest else None, text, actor.id, actor.username,
            actor.mandate, proposal.answer_due_at,
            # Late means the first answer came after the deadline; corrections keep its verdict.
            proposal.answer_due_at is not None
            and (proposal.answered_at or now) > proposal.answer_due_at,
        )
    )
    return answer
