"""Proposals on the wire (issue 5): a proposal is a Mastodon poll (`Question`) authored by its
debate's Group, served at /propositions/{id} with current totals; answers and status changes
are the Group's replies in the poll's thread.

Mastodon reads `content`, `oneOf` (each option's `replies.totalItems`), `votersCount`,
`endTime`, `url` (INTEROP.md "Polls"); THC peers read the whole proposal in our vocabulary
(markdown source, articles, authors, status, answer, tallies by class, debate) under the
node's JSON-LD context (vocab.context_document). Individual votes never appear anywhere.
"""
from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from aiohttp import web

from node import services
from node.errors import NotFound
from node.model import (
    Answer,
    AnswerKind,
    ChoiceCounts,
    DebateStatus,
    ParticipantKind,
    ParticipantRef,
    ProposalDetail,
    ProposalStatus,
    Tally,
    VoteChoice,
)

from storage.repos.appreciations import AppreciationRepo

from . import vocab
from .deps import Deps
from .documents import AS2_HEADERS, require_signature
from .uris import FOLLOWERS, Uris

LANGUAGE = "fr"  # the node's default language (no per-node setting yet)

# Mastodon: at most 4 options of at most 50 characters; a vote's `name` must match exactly.
OPTION_LABELS: dict[str, dict[VoteChoice, str]] = {
    "fr": {VoteChoice.FOR: "D'accord", VoteChoice.MIXED: "Mitigé",
           VoteChoice.AGAINST: "Pas d'accord"},
    "en": {VoteChoice.FOR: "Agree", VoteChoice.MIXED: "Mixed", VoteChoice.AGAINST: "Disagree"},
}
SUMMARY_CHARS = 280

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

def options(language: str = LANGUAGE) -> dict[VoteChoice, str]:
    return OPTION_LABELS.get(language, OPTION_LABELS["fr"])


def choice_of_option(name: str, language: str = LANGUAGE) -> VoteChoice | None:
    """The choice an exact option name stands for (Mastodon sends the option's exact text).
    The node's language first, then the others': a vote on a poll published before the
    node's language changed still counts."""
    for labels in (options(language), *OPTION_LABELS.values()):
        for choice, label in labels.items():
            if label == name:
                return choice
    return None


def node_language(fed: Deps) -> str:
    """The node's language ([node] default_language), if poll options exist in it."""
    return fed.language if fed.language in OPTION_LABELS else LANGUAGE


def plain_text(markdown: str, limit: int) -> str:
    """A short plain-text summary of markdown source (no rendering: web/render.py renders)."""
    text = re.sub(r"[`*_>#\[\]]+", "", markdown)
    text = re.sub(r"\(https?://[^)\s]*\)", "", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _author_name(ref: ParticipantRef) -> str:
    return ref.display_name or ref.username or ref.ap_id or "?"


def author_doc(uris: Uris, ref: ParticipantRef) -> dict:
    if ref.kind is ParticipantKind.REMOTE:
        return {"type": "Person", "id": ref.ap_id, "name": _author_name(ref)}
    return {"type": "Person", "id": uris.member_uri(ref.username) if ref.username else None,
            "name": _author_name(ref)}


def _counts(counts: ChoiceCounts) -> dict:
    return {"for": counts.for_votes, "mixed": counts.mixed_votes, "against": counts.against_votes}


def tally_doc(tally: Tally) -> dict:
    return {"verifiedResidents": _counts(tally.verified_residents),
            "localMembers": _counts(tally.local_members),
            "remoteParticipants": _counts(tally.remote)}


def _answer(answer: Answer) -> dict:
    return {"answerKind": answer.kind.value, "source": {"content": answer.text,
                                                        "mediaType": "text/markdown"},
            "attributedTo": answer.display_name, "mandate": answer.mandate,
            "published": vocab.iso(answer.answered_at)}


def question_content(detail: ProposalDetail, url: str) -> str:
    """What Mastodon shows: only tags its sanitizer keeps (p, strong, a, br)."""
    names = ", ".join(_author_name(a) for a in detail.authors)
    parts = [f"<p><strong>{html.escape(detail.proposal.title)}</strong></p>"]
    if names:
        parts.append(f"<p>Proposée par {html.escape(names)}</p>")
    summary = plain_text(detail.proposal.body, SUMMARY_CHARS)
    if summary:
        parts.append(f"<p>{html.escape(summary)}</p>")
    parts.append(f'<p><a href="{html.escape(url, quote=True)}">'
                 "Lire la proposition complète</a></p>")
    return "".join(parts)


def question_context(context_url: str) -> list:
    context = vocab.ld_context(context_url)
    return [*context[:-1], {**context[-1], **vocab.QUESTION_TERMS}]


def to_ap_question(detail: ProposalDetail, *, uris: Uris, language: str = LANGUAGE,
                   appreciations: int = 0) -> dict:
    """The proposal as a poll by its debate's Group, with current totals (all classes)."""
    url = uris.proposal_uri(detail.proposal.id)
    group = uris.debate_uri(detail.debate.slug)
    counts = detail.tally.all
    content = question_content(detail, url)
    doc: dict[str, Any] = {
        "@context": question_context(uris.context_uri()),
        "id": url,
        "type": "Question",
        "attributedTo": group,
        "audience": group,
        "to": [vocab.PUBLIC],
        "cc": [Uris.sub_uri(group, FOLLOWERS)],
        "content": content,
        "contentMap": {LANGUAGE: content},  # the text is French; the options follow the node
        "url": url,
        "published": vocab.iso(detail.proposal.created_at),
        "oneOf": [{"type": "Note", "name": label,
                   "replies": {"type": "Collection", "totalItems": counts.of(choice)}}
                  for choice, label in options(language).items()],
        "votersCount": counts.total,
        # Our vocabulary: the whole proposal for THC peers.
        "title": detail.proposal.title,
        "version": detail.proposal.version,
        "source": {"content": detail.proposal.body, "mediaType": "text/markdown"},
        "articles": [{"number": a.number, "title": a.title, "text": a.text}
                     for a in detail.version.articles],
        "authors": [author_doc(uris, a) for a in detail.authors],
        "status": detail.proposal.status.value,
        "tally": tally_doc(detail.tally),
        "support": detail.support,
        "appreciations": appreciations,  # fediverse favourites: never votes
        "debate": group,
    }
    if detail.debate.closes_at is not None:
        doc["endTime"] = vocab.iso(detail.debate.closes_at)
    if detail.debate.status is not DebateStatus.OPEN:
        # Votes are refused once the debate is not open: Mastodon shows the poll as closed.
        doc["closed"] = vocab.iso(detail.debate.closes_at or detail.debate.updated_at)
    if detail.answer is not None:
        doc["answer"] = _answer(detail.answer)
    return doc


def to_ap_create(activity_id: str, question: dict, *, published: datetime) -> dict:
    """Create(Question) by the Group (Mastodon needs the Create; a bare Question is ignored)."""
    return {"@context": question["@context"], "id": activity_id, "type": "Create",
            "actor": question["attributedTo"], "object": vocab.without_context(question),
            "to": question["to"], "cc": question["cc"], "published": vocab.iso(published)}


def to_ap_reply(note_id: str, *, uris: Uris, detail: ProposalDetail, text: str,
                published: datetime) -> dict:
    """A Note by the Group in the poll's thread (answers, status changes)."""
    group = uris.debate_uri(detail.debate.slug)
    question = uris.proposal_uri(detail.proposal.id)
    content = "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n\n") if line)
    return {"id": note_id, "type": "Note", "attributedTo": group, "audience": group,
            "inReplyTo": question, "to": [vocab.PUBLIC], "cc": [Uris.sub_uri(group, FOLLOWERS)],
            "content": content, "contentMap": {LANGUAGE: content}, "url": question,
            "published": vocab.iso(published)}


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
            f"{plain_text(answer.text, 400)}\n\n— {signer}")


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
    return detail, to_ap_question(detail, uris=fed.uris, language=node_language(fed),
                                  appreciations=count)


async def question_document(fed: Deps, request: web.Request) -> web.Response:
    """GET /propositions/{id} as AS2: always the current totals (Mastodon refetches polls)."""
    if fed.settings.authorized_fetch:
        await require_signature(fed, request)
    _, question = await current_question(fed, int(request.match_info["id"]))
    return web.Response(body=vocab.dumps(question),
                        headers={**AS2_HEADERS, "Cache-Control": "no-cache"})
