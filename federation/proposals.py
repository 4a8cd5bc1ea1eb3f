"""Proposals on the wire (issue 5): a proposal is a Mastodon poll (`Question`) authored by its
debate's Group, served at /propositions/{id} with current totals; answers and status changes
are the Group's replies in the poll's thread.

Mastodon reads `content`, `oneOf` (each option's `replies.totalItems`), `votersCount`,
`endTime`, `url` (INTEROP.md "Polls"); THC peers read the whole proposal in our vocabulary
(markdown source, articles, authors, status, answer, tallies by class, debate) under the
node's JSON-LD context (vocab.context_document). Individual votes never appear anywhere.
"""
from __future__ import annotations


from aiohttp import web

from node import services
from node.errors import NotFound
from node.model import (
    AnswerKind,
    DebateStatus,
    ProposalDetail,
    ProposalStatus,
)

from storage.repos.appreciations import AppreciationRepo

from . import vocab
from .deps import Deps
from .documents import AS2_HEADERS, require_signature


STATUS_LABELS = {
    ProposalStatus.SUBMITTED: "déposée",
    ProposalStatus.IN_DISCUSSION: "en discussion",
    ProposalStatus.ANSWERED: "répondue",
}
ANSWER_LABELS = {
    AnswerKind.ADOPTED: "adoptée",
    AnswerKind.ADOPTED_WITH_CHANGES: "adoptée avec modifications",
    AnswerKind.REJECTED: "rejetée",
    AnswerKind.NEEDS_STUDY: "mise à l'étude",
}


def node_language(fed: Deps) -> str:
    """The node's language ([node] default_language), if poll options exist in it."""
    return fed.language if fed.language in vocab.OPTION_LABELS else vocab.LANGUAGE


def status_text(detail: ProposalDetail, status: ProposalStatus | None = None) -> str:
    """The status the event moved to (the proposal may have moved on since)."""
    status = status or detail.proposal.status
    return (f"La proposition « {detail.proposal.title} » est maintenant "
            f"{STATUS_LABELS.get(status, status.value)}.")


def answer_text(detail: ProposalDetail) -> str:
    answer = detail.answer
    if answer is None:
        return status_text(detail)
    signer = answer.display_name + (f", {answer.mandate}" if answer.mandate else "")
    return (f"Réponse à la proposition « {detail.proposal.title} » : "
            f"{ANSWER_LABELS.get(answer.kind, answer.kind.value)}.\n\n"
            f"{vocab.plain_text(answer.text, 400)}\n\n— {signer}")


async def current_detail(fed: Deps, proposal_id: int) -> ProposalDetail:
    """The proposal as anyone outside sees it now: hidden ones and drafts' are not found."""
    detail = await services.get_proposal_detail(fed.db.read(), fed.clock, proposal_id)
    if detail.debate.status is DebateStatus.DRAFT:
        raise NotFound(f"no proposal with id {proposal_id}")
    return detail


async def current_question(fed: Deps, proposal_id: int) -> tuple[ProposalDetail, dict]:
    """The proposal and its Question as served now (the GET and the fan-out agree)."""
    detail = await current_detail(fed, proposal_id)
    count = await AppreciationRepo(fed.db.read().conn).count(proposal_id)
    return detail, vocab.to_ap_question(detail, uris=fed.uris, language=node_language(fed),
                                  appreciations=count)


async def question_document(fed: Deps, request: web.Request) -> web.Response:
    """GET /propositions/{id} as AS2: always the current totals (Mastodon refetches polls)."""
    if fed.settings.authorized_fetch:
        await require_signature(fed, request)
    _, question = await current_question(fed, int(request.match_info["id"]))
    return web.Response(body=vocab.dumps(question),
                        headers={**AS2_HEADERS, "Cache-Control": "no-cache"})
