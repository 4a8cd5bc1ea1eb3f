"""The JSON API under /api/v1: thin handlers and `ENDPOINTS`, the one table that declares every
operation (route, input checks, OpenAPI entry).

Each handler takes validated input (web/api_edge.py), makes one node.services call with the
viewer as actor (writes in one transaction, so the rules are those of the pages) and returns
JSON (web/api_json.py). Reads are public; hidden content is 404 except for moderators.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from node import rules, services
from node.errors import NotFound
from node.history import ModerationVerb
from node.model import (
    AmendmentDraft,
    AnswerKind,
    ArgumentOrder,
    Article,
    ContentKind,
    Debate,
    DebateSettings,
    DebateStatus,
    Member,
    NewDebate,
    ParticipantClass,
    ProposalDraft,
    ProposalOrder,
    ProposalStatus,
    Source,
    Stance,
    Tally,
    VoteChoice,
)

from . import appkeys, openapi
from .api_edge import Call, Endpoint, route
from .api_json import (
    amendment_json,
    answer_json,
    argument_columns_json,
    argument_json,
    debate_json,
    debate_summary_json,
    history_json,
    list_page_json,
    member_json,
    moderation_json,
    page_json,
    proposal_detail_json,
    proposal_summary_json,
    version_json,
    version_summary_json,
    vote_json,
)
from .schema import parse_date_time

HISTORY_IN_DETAIL = 20  # the proposal detail embeds the first page of its history
PUBLIC_DEBATE_STATUSES = (DebateStatus.OPEN, DebateStatus.CLOSED, DebateStatus.CONCLUDED)
PAGE = ("After", "Limit")


# --- Members and the document --------------------------------------------------------------


async def get_me(call: Call) -> dict[str, Any]:
    return member_json(call.member)


async def get_openapi_document(call: Call) -> dict[str, Any]:
    return openapi.build_document(ENDPOINTS, call.request.app[appkeys.CONFIG].node.base_url)


# --- Debates -------------------------------------------------------------------------------


def _sees_drafts(viewer: Member | None) -> bool:
    """Drafts are shown only to those who may open them."""
    return viewer is not None and rules.may_manage_debates(viewer)


async def _visible_debate(call: Call, reader) -> Debate:
    slug = call.path["slug"]
    debate = await services.get_debate(reader, slug)
    if debate.status is DebateStatus.DRAFT and not _sees_drafts(call.viewer):
        raise NotFound(f"no debate with slug {slug!r}")
    return debate


async def _debate_json(reader, debate: Debate) -> dict[str, Any]:
    return debate_json(debate, await reader.debate_settings.get(debate.id),
                       await reader.debate_roles.list_for_debate(debate.id))


def _when(value: str | None) -> datetime | None:
    return None if value is None else parse_date_time(value)


async def list_debates(call: Call) -> dict[str, Any]:
    shown = tuple(DebateStatus) if _sees_drafts(call.viewer) else PUBLIC_DEBATE_STATUSES
    wanted = tuple(s for s in shown if call.query["status"] is None or s in call.query["status"])
    if not wanted:
        return {"items": [], "next": None}
    page = await call.reader.debates.list_page(statuses=wanted, after=call.query["after"],
                                               limit=call.query["limit"])
    return page_json(page, debate_summary_json)


async def create_debate(call: Call) -> dict[str, Any]:
    body, defaults = call.body, DebateSettings()
    settings = DebateSettings(
        body.get("support_threshold"),
        body.get("answer_delay_days", defaults.answer_delay_days),
        body.get("has_public_votes", defaults.has_public_votes),
        frozenset(ParticipantClass(c) for c in body.get("threshold_classes", ()))
        or defaults.threshold_classes,
    )
    new = NewDebate(body["slug"], body["title"], body.get("description", ""),
                    _when(body.get("opens_at")), _when(body.get("closes_at")), settings)
    async with call.transaction() as tx:
        debate = await services.create_debate(tx, call.clock, call.member, new)
    return await _debate_json(call.reader, debate)


async def get_debate(call: Call) -> dict[str, Any]:
    reader = call.reader
    return await _debate_json(reader, await _visible_debate(call, reader))


async def change_debate_status(call: Call) -> dict[str, Any]:
    async with call.transaction() as tx:
        debate = await services.change_debate_status(
            tx, call.clock, call.member, call.path["slug"], DebateStatus(call.body["status"]))
    return await _debate_json(call.reader, debate)


async def list_moderation_actions(call: Call) -> dict[str, Any]:
    reader = call.reader
    debate = await _visible_debate(call, reader)
    page = await services.list_moderation(reader, debate.slug, after=call.query["after"],
                                          limit=call.query["limit"])
    return page_json(page, moderation_json)


# --- Proposals -----------------------------------------------------------------------------


def _draft(body: dict[str, Any]) -> ProposalDraft:
    return ProposalDraft(
        body["title"], body["body"],
        tuple(Article(a["number"], a.get("title", ""), a["text"])
              for a in body.get("articles", ())),
        tuple(Source(s["url"], s.get("title", "")) for s in body.get("sources", ())),
    )


async def _proposal_detail(call: Call, proposal_id: int) -> dict[str, Any]:
    reader = call.reader
    detail = await services.get_proposal_detail(reader, call.clock, proposal_id, call.viewer)
    history = await services.list_history(reader, proposal_id, limit=HISTORY_IN_DETAIL,
                                          viewer=call.viewer)
    return proposal_detail_json(detail, history, call.clock.now())


async def list_proposals(call: Call) -> dict[str, Any]:
    reader = call.reader
    debate = await _visible_debate(call, reader)
    statuses = call.query["status"]
    page = await services.list_proposals(
        reader, debate.slug, order=ProposalOrder(call.query["order"]),
        statuses=tuple(ProposalStatus(s) for s in statuses) if statuses else None,
        after=call.query["after"], limit=call.query["limit"],
    )
    now = call.clock.now()
    return page_json(page, lambda summary: proposal_summary_json(summary, now))


async def submit_proposal(call: Call) -> dict[str, Any]:
    async with call.transaction() as tx:
        proposal = await services.submit_proposal(tx, call.clock, call.member, call.path["slug"],
                                                  _draft(call.body))
    return await _proposal_detail(call, proposal.id)


async def get_proposal(call: Call) -> dict[str, Any]:
    return await _proposal_detail(call, call.path["proposal_id"])


async def edit_proposal(call: Call) -> dict[str, Any]:
    async with call.transaction() as tx:
        await services.edit_proposal(tx, call.clock, call.member, call.path["proposal_id"],
                                     _draft(call.body))
    return await _proposal_detail(call, call.path["proposal_id"])


async def list_versions(call: Call) -> dict[str, Any]:
    detail = await services.get_proposal_detail(call.reader, call.clock, call.path["proposal_id"],
                                                call.viewer)
    return list_page_json(detail.versions, lambda v: v.number, call.query["after"],
                          call.query["limit"], version_summary_json)


async def get_version(call: Call) -> dict[str, Any]:
    version = await services.get_proposal_version(
        call.reader, call.path["proposal_id"], call.path["number"], call.viewer)
    return version_json(version)


async def _proposal_page(call: Call, list_page, item_json) -> dict[str, Any]:
    """One page of a proposal's history, amendments or votes, as the viewer may see them."""
    page = await list_page(call.reader, call.path["proposal_id"], after=call.query["after"],
                           limit=call.query["limit"], viewer=call.viewer)
    return page_json(page, item_json)


async def list_history(call: Call) -> dict[str, Any]:
    return await _proposal_page(call, services.list_history, history_json)


# --- Arguments -----------------------------------------------------------------------------


async def list_arguments(call: Call) -> dict[str, Any]:
    stance = call.query["stance"]
    page = await services.list_arguments(
        call.reader, call.path["proposal_id"], stance=Stance(stance) if stance else None,
        order=ArgumentOrder(call.query["order"]), after=call.query["after"],
        limit=call.query["limit"], viewer=call.viewer,
    )
    return page_json(page, argument_json)


async def list_arguments_side_by_side(call: Call) -> dict[str, Any]:
    columns = await services.arguments_side_by_side(
        call.reader, call.path["proposal_id"], limit=call.query["limit"],
        after_for=call.query["after_for"], after_against=call.query["after_against"],
        after_neutral=call.query["after_neutral"], viewer=call.viewer,
    )
    return argument_columns_json(columns)


async def post_argument(call: Call) -> dict[str, Any]:
    async with call.transaction() as tx:
        argument = await services.post_argument(
            tx, call.clock, call.member, call.path["proposal_id"], Stance(call.body["stance"]),
            call.body["body"])
    return argument_json(argument)


async def edit_argument(call: Call) -> dict[str, Any]:
    async with call.transaction() as tx:
        argument = await services.edit_argument(tx, call.clock, call.member,
                                                call.path["argument_id"], call.body["body"])
    return argument_json(argument)


async def withdraw_argument(call: Call) -> dict[str, Any]:
    async with call.transaction() as tx:
        argument = await services.withdraw_argument(tx, call.clock, call.member,
                                                    call.path["argument_id"])
    return argument_json(argument)


async def mark_argument_useful(call: Call) -> dict[str, Any]:
    async with call.transaction() as tx:
        argument = await services.mark_argument_useful(tx, call.clock, call.member,
                                                       call.path["argument_id"])
    return argument_json(argument)


async def unmark_argument_useful(call: Call) -> dict[str, Any]:
    async with call.transaction() as tx:
        argument = await services.unmark_argument_useful(tx, call.clock, call.member,
                                                         call.path["argument_id"])
    return argument_json(argument)


# --- Amendments ----------------------------------------------------------------------------


async def _amendment_json(reader, amendment_id: int) -> dict[str, Any]:
    return amendment_json(await reader.amendments.get(amendment_id),
                          await reader.amendments.tally(amendment_id))


async def list_amendments(call: Call) -> dict[str, Any]:
    return await _proposal_page(call, services.list_amendments,
                                lambda summary: amendment_json(summary.amendment, summary.tally))


async def propose_amendment(call: Call) -> dict[str, Any]:
    body = call.body
    draft = AmendmentDraft(body["text"], body["rationale"], body.get("article_number"))
    async with call.transaction() as tx:
        amendment = await services.propose_amendment(tx, call.clock, call.member,
                                                     call.path["proposal_id"], draft)
    return amendment_json(amendment, Tally())


async def vote_on_amendment(call: Call) -> dict[str, Any]:
    return await _act_on_amendment(call, lambda tx, amendment_id: services.vote_on_amendment(
        tx, call.clock, call.member, amendment_id, VoteChoice(call.body["choice"])))


async def integrate_amendment(call: Call) -> dict[str, Any]:
    return await _act_on_amendment(call, lambda tx, amendment_id: services.integrate_amendment(
        tx, call.clock, call.member, amendment_id))


async def reject_amendment(call: Call) -> dict[str, Any]:
    return await _act_on_amendment(call, lambda tx, amendment_id: services.reject_amendment(
        tx, call.clock, call.member, amendment_id, call.body["reason"]))


async def withdraw_amendment(call: Call) -> dict[str, Any]:
    return await _act_on_amendment(call, lambda tx, amendment_id: services.withdraw_amendment(
        tx, call.clock, call.member, amendment_id))


async def _act_on_amendment(call: Call, act) -> dict[str, Any]:
    """Run `act(tx, amendment_id)`, then answer with the amendment as it stands after it."""
    amendment_id = call.path["amendment_id"]
    async with call.transaction() as tx:
        await act(tx, amendment_id)
        return await _amendment_json(tx, amendment_id)


# --- Votes ---------------------------------------------------------------------------------


async def get_own_vote(call: Call) -> dict[str, Any]:
    reader, proposal_id = call.reader, call.path["proposal_id"]
    # Reading the proposal as the viewer applies the visibility rules (hidden: 404).
    await services.get_proposal_detail(reader, call.clock, proposal_id, call.viewer)
    participant = await reader.participants.find_local(call.member.id)
    vote = participant and await reader.votes.find(proposal_id, participant.id)
    if not vote:
        raise NotFound("you have not voted on this proposal")
    return vote_json(vote)


async def cast_vote(call: Call) -> dict[str, Any]:
    # A vote is a few indexed statements: one write job on the writer's thread, committed
    # with the concurrent votes (storage/db.py, Database.write); answered once committed.
    member, proposal_id = call.member, call.path["proposal_id"]
    choice = VoteChoice(call.body["choice"])
    vote = await call.database.write(
        lambda tx: services.cast_vote(tx, call.clock, member, proposal_id, choice))
    return vote_json(vote)


async def withdraw_vote(call: Call) -> None:
    member, proposal_id = call.member, call.path["proposal_id"]
    await call.database.write(  # like cast_vote
        lambda tx: services.withdraw_vote(tx, call.clock, member, proposal_id))


async def list_votes(call: Call) -> dict[str, Any]:
    return await _proposal_page(call, services.list_votes, vote_json)


# --- Answers -------------------------------------------------------------------------------


async def list_answers(call: Call) -> dict[str, Any]:
    detail = await services.get_proposal_detail(call.reader, call.clock, call.path["proposal_id"],
                                                call.viewer)
    return list_page_json(detail.answer_revisions, lambda a: a.revision, call.query["after"],
                          call.query["limit"], answer_json)


async def answer_proposal(call: Call) -> dict[str, Any]:
    async with call.transaction() as tx:
        answer = await services.answer_proposal(
            tx, call.clock, call.member, call.path["proposal_id"], AnswerKind(call.body["kind"]),
            call.body["text"])
    return answer_json(answer)


# --- Moderation ----------------------------------------------------------------------------


async def moderate(call: Call) -> dict[str, Any]:
    body = call.body
    use_case = (services.hide_content if body["action"] == ModerationVerb.HIDE
                else services.unhide_content)
    async with call.transaction() as tx:
        action = await use_case(tx, call.clock, call.member, ContentKind(body["target_kind"]),
                                body["target_id"], body["reason"])
    return moderation_json(action)


# --- The table -----------------------------------------------------------------------------

E = Endpoint
ENDPOINTS: tuple[Endpoint, ...] = (
    E("GET", "/openapi.json", get_openapi_document, "This OpenAPI 3.1 document", "meta",
      "OpenApiDocument"),
    E("GET", "/me", get_me, "The member the token belongs to", "members", "Member", auth=True),
    # Debates
    E("GET", "/debates", list_debates, "List debates, oldest first", "debates", "DebatePage",
      query=("DebateStatusFilter", *PAGE)),
    E("POST", "/debates", create_debate, "Create a debate (a draft)", "debates", "Debate",
      status=201, auth=True, body="NewDebate", errors=(403, 409),
      description="For administrators, representatives and moderators."),
    E("GET", "/debates/{slug}", get_debate, "A debate, its settings and who is in charge",
      "debates", "Debate"),
    E("POST", "/debates/{slug}/status", change_debate_status, "Open, close or conclude a debate",
      "debates", "Debate", auth=True, body="DebateStatusChange", errors=(403,)),
    E("GET", "/debates/{slug}/moderation-actions", list_moderation_actions,
      "A debate's moderation history, newest first", "moderation", "ModerationActionPage",
      query=PAGE, description="Public for transparency; the hidden text itself is not shown."),
    # Proposals
    E("GET", "/debates/{slug}/proposals", list_proposals, "List a debate's proposals",
      "proposals", "ProposalPage", query=("ProposalOrder", "ProposalStatusFilter", *PAGE),
      description="Hidden proposals are never listed."),
    E("POST", "/debates/{slug}/proposals", submit_proposal, "Submit a proposal", "proposals",
      "ProposalDetail", status=201, auth=True, body="ProposalDraft", errors=(409,)),
    E("GET", "/proposals/{proposal_id}", get_proposal, "A proposal with everything it shows",
      "proposals", "ProposalDetail"),
    E("PUT", "/proposals/{proposal_id}", edit_proposal, "Edit a proposal (a new version)",
      "proposals", "ProposalDetail", auth=True, body="ProposalDraft", errors=(403, 409),
      description="Its authors only, while the debate is open and before the answer. "
                  "Sending the current text again records nothing."),
    E("GET", "/proposals/{proposal_id}/versions", list_versions, "List a proposal's versions",
      "proposals", "VersionPage", query=PAGE),
    E("GET", "/proposals/{proposal_id}/versions/{number}", get_version,
      "One version of a proposal", "proposals", "ProposalVersion"),
    E("GET", "/proposals/{proposal_id}/history", list_history, "A proposal's history",
      "proposals", "HistoryPage", query=PAGE),
    # Arguments
    E("GET", "/proposals/{proposal_id}/arguments", list_arguments, "List arguments",
      "arguments", "ArgumentPage", query=("Stance", "ArgumentOrder", *PAGE),
      description="Hidden and withdrawn arguments are never listed."),
    E("GET", "/proposals/{proposal_id}/arguments/side-by-side", list_arguments_side_by_side,
      "Arguments for and against side by side", "arguments", "ArgumentColumns",
      query=("Limit", "AfterFor", "AfterAgainst", "AfterNeutral")),
    E("POST", "/proposals/{proposal_id}/arguments", post_argument, "Post an argument",
      "arguments", "Argument", status=201, auth=True, body="NewArgument", errors=(409,)),
    E("PATCH", "/arguments/{argument_id}", edit_argument, "Edit one's argument", "arguments",
      "Argument", auth=True, body="ArgumentEdit", errors=(403, 409)),
    E("POST", "/arguments/{argument_id}/withdraw", withdraw_argument, "Withdraw one's argument",
      "arguments", "Argument", auth=True, errors=(403, 409)),
    E("PUT", "/arguments/{argument_id}/useful", mark_argument_useful,
      "Mark an argument useful", "arguments", "Argument", auth=True, errors=(403, 409),
      description="One mark per member; marking again changes nothing."),
    E("DELETE", "/arguments/{argument_id}/useful", unmark_argument_useful,
      "Take one's useful mark back", "arguments", "Argument", auth=True, errors=(409,)),
    # Amendments
    E("GET", "/proposals/{proposal_id}/amendments", list_amendments,
      "List amendments with their diffs and tallies", "amendments", "AmendmentPage",
      query=PAGE),
    E("POST", "/proposals/{proposal_id}/amendments", propose_amendment, "Propose an amendment",
      "amendments", "Amendment", status=201, auth=True, body="NewAmendment", errors=(409,)),
    E("PUT", "/amendments/{amendment_id}/vote", vote_on_amendment, "Vote on an amendment",
      "amendments", "Amendment", auth=True, body="ChoiceRequest", errors=(409,)),
    E("POST", "/amendments/{amendment_id}/integrate", integrate_amendment,
      "Integrate an amendment (a new proposal version)", "amendments", "Amendment", auth=True,
      errors=(403, 409),
      description="For the proposal's authors and the representatives who may answer it."),
    E("POST", "/amendments/{amendment_id}/reject", reject_amendment, "Reject an amendment",
      "amendments", "Amendment", auth=True, body="AmendmentRejection", errors=(403, 409)),
    E("POST", "/amendments/{amendment_id}/withdraw", withdraw_amendment,
      "Withdraw one's amendment", "amendments", "Amendment", auth=True, errors=(403, 409)),
    # Votes
    E("GET", "/proposals/{proposal_id}/vote", get_own_vote, "One's own vote", "votes", "Vote",
      auth=True),
    E("PUT", "/proposals/{proposal_id}/vote", cast_vote, "Cast or change one's vote", "votes",
      "Vote", auth=True, body="ChoiceRequest", errors=(409,),
      description="Until the debate closes; the same choice again changes nothing."),
    E("DELETE", "/proposals/{proposal_id}/vote", withdraw_vote, "Withdraw one's vote", "votes",
      None, status=204, auth=True, errors=(409,),
      description="Without a vote, nothing changes (still 204)."),
    E("GET", "/proposals/{proposal_id}/votes", list_votes, "List individual votes", "votes",
      "VotePage", query=PAGE, errors=(403,),
      description="Only where the debate made votes public (403 otherwise: totals only)."),
    # Answers
    E("GET", "/proposals/{proposal_id}/answers", list_answers,
      "The representatives' answer, every revision", "answers", "AnswerPage", query=PAGE),
    E("POST", "/proposals/{proposal_id}/answers", answer_proposal,
      "Answer a proposal (or revise the answer)", "answers", "Answer", status=201, auth=True,
      body="NewAnswer", errors=(403, 409),
      description="For representatives: those in charge of the debate, any otherwise."),
    # Moderation
    E("POST", "/moderation-actions", moderate, "Hide or unhide a proposal, argument or amendment",
      "moderation", "ModerationAction", status=201, auth=True, body="ModerationRequest",
      errors=(403, 404, 409), description="For the debate's moderators."),
)


def routes() -> list[web.RouteDef]:
    return [route(endpoint) for endpoint in ENDPOINTS]
