"""Proposals as served and published: the Question of a proposal as anyone outside sees it
now (the GET and the fan-out agree), our public proposals as a paged collection (followed
territories backfill from it), the node's language for poll options, and the texts of the
Group's replies (status changes, answers). The AS2 itself is vocab.deliberation's."""
from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from node import services
from node.errors import Invalid, NotFound
from node.model import AnswerKind, DebateStatus, ProposalDetail, ProposalStatus
from node.network import NetworkQuery
from storage.repos.appreciations import AppreciationRepo

from . import vocab
from .deps import Deps
from .documents import AS2_HEADERS, require_signature
from .uris import PROPOSALS_PATH


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


PAGE_SIZE = 20  # Questions are 2-5 KiB each: a page stays far below Mastodon's 1 MiB


async def proposals_collection(fed: Deps, request: web.Request) -> web.Response:
    """GET /actor/proposals: our public proposals as current Questions, newest first, paged."""
    if fed.settings.authorized_fetch:
        await require_signature(fed, request)
    collection_id = fed.uris.base + PROPOSALS_PATH
    reader = fed.db.read()
    if "page" not in request.query:
        _, _, total = await reader.network.local_figures()
        document = vocab.to_ap_ordered_collection(collection_id, total,
                                                  f"{collection_id}?page=true")
        return web.Response(body=vocab.dumps(document), headers=AS2_HEADERS)
    after = request.query.get("after")
    if after is not None and len(after) > 100:
        raise Invalid("the page cursor is not valid", field="after")
    page = await services.search_network(reader, NetworkQuery(local_only=True), after=after,
                                        limit=PAGE_SIZE)
    items = []
    for item in page.items:
        detail, question = await current_question(fed, item.proposal_id)
        items.append(vocab.without_context(vocab.territory_question(detail, question)))
    query = {"page": "true", **({"after": after} if after else {})}
    next_id = (f"{collection_id}?{urlencode({'page': 'true', 'after': page.next_cursor})}"
               if page.next_cursor else None)
    document = vocab.to_ap_collection_page(f"{collection_id}?{urlencode(query)}", collection_id,
                                           items, next_id)
    # The items use our vocabulary: the page carries the Question's context.
    document["@context"] = vocab.question_context(fed.uris.context_uri())
    return web.Response(body=vocab.dumps(document), headers=AS2_HEADERS)
