"""Deliberation as AS2: a proposal is a Mastodon poll (`Question`) by its debate's Group, with
current totals; an amendment put to a vote is a poll in the proposal's thread; a member's
argument is a Note announced by the Group; the Group's replies (answers, status changes) are
Notes in the poll's thread. Mastodon reads `content`, `oneOf`, `votersCount`, `endTime`, `url`
(INTEROP.md "Polls"); THC peers read the whole proposal in our vocabulary under the node's
JSON-LD context (context_document). Individual votes never appear anywhere."""
from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from node.model import (
    Amendment,
    AmendmentStatus,
    Answer,
    Argument,
    ChoiceCounts,
    Debate,
    DebateStatus,
    ParticipantKind,
    ParticipantRef,
    Proposal,
    ProposalDetail,
    Tally,
    VoteChoice,
)

from ..uris import FOLLOWERS, Uris
from .core import AS_CONTEXT, PUBLIC, iso, ld_context, without_context


LANGUAGE = "fr"  # the node's default language (no per-node setting yet)


# Mastodon: at most 4 options of at most 50 characters; a vote's `name` must match exactly.
OPTION_LABELS: dict[str, dict[VoteChoice, str]] = {
    "fr": {VoteChoice.FOR: "D'accord", VoteChoice.MIXED: "Mitigé",
           VoteChoice.AGAINST: "Pas d'accord"},
    "en": {VoteChoice.FOR: "Agree", VoteChoice.MIXED: "Mixed", VoteChoice.AGAINST: "Disagree"},
}
SUMMARY_CHARS = 280

# Terms of our vocabulary used by proposals, amendments and arguments (context_document).
QUESTION_TERMS = {
    "votersCount": "toot:votersCount",
    "title": "thc:title",
    "version": "thc:version",
    "articles": "thc:articles",
    "number": "thc:number",
    "text": "thc:text",
    "authors": "thc:authors",
    "answer": "thc:answer",
    "answerKind": "thc:answerKind",
    "mandate": "thc:mandate",
    "tally": "thc:tally",
    "verifiedResidents": "thc:verifiedResidents",
    "localMembers": "thc:localMembers",
    "remoteParticipants": "thc:remoteParticipants",
    "for": "thc:for",
    "mixed": "thc:mixed",
    "against": "thc:against",
    "support": "thc:support",
    "appreciations": "thc:appreciations",
    "debate": {"@id": "thc:debate", "@type": "@id"},
    # Amendments and arguments.
    "amendmentOf": {"@id": "thc:amendmentOf", "@type": "@id"},
    "originalText": "thc:originalText",
    "rationale": "thc:rationale",
    "stance": "thc:stance",
}


def context_document(context_url: str) -> dict:
    """The JSON-LD context of our vocabulary: actors' terms and deliberation's."""
    return {"@context": {"thc": context_url + "#", "toot": "http://joinmastodon.org/ns#",
                         "role": "thc:role", "mandate": "thc:mandate", "status": "thc:status",
                         **QUESTION_TERMS}}


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
            "published": iso(answer.answered_at)}


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
    context = ld_context(context_url)
    return [*context[:-1], {**context[-1], **QUESTION_TERMS}]


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
        "to": [PUBLIC],
        "cc": [Uris.sub_uri(group, FOLLOWERS)],
        "content": content,
        "contentMap": {LANGUAGE: content},  # the text is French; the options follow the node
        "url": url,
        "published": iso(detail.proposal.created_at),
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
        doc["endTime"] = iso(detail.debate.closes_at)
    if detail.debate.status is not DebateStatus.OPEN:
        # Votes are refused once the debate is not open: Mastodon shows the poll as closed.
        doc["closed"] = iso(detail.debate.closes_at or detail.debate.updated_at)
    if detail.answer is not None:
        doc["answer"] = _answer(detail.answer)
    return doc


def to_ap_create(activity_id: str, question: dict, *, published: datetime) -> dict:
    """Create(Question) by the Group (Mastodon needs the Create; a bare Question is ignored)."""
    return {"@context": question["@context"], "id": activity_id, "type": "Create",
            "actor": question["attributedTo"], "object": without_context(question),
            "to": question["to"], "cc": question["cc"], "published": iso(published)}


def to_ap_reply(note_id: str, *, uris: Uris, detail: ProposalDetail, text: str,
                published: datetime) -> dict:
    """A Note by the Group in the poll's thread (answers, status changes)."""
    group = uris.debate_uri(detail.debate.slug)
    question = uris.proposal_uri(detail.proposal.id)
    content = "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n\n") if line)
    return {"id": note_id, "type": "Note", "attributedTo": group, "audience": group,
            "inReplyTo": question, "to": [PUBLIC], "cc": [Uris.sub_uri(group, FOLLOWERS)],
            "content": content, "contentMap": {LANGUAGE: content}, "url": question,
            "published": iso(published)}


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n") if part.strip())


def to_ap_argument(uris: Uris, argument: Argument, *, debate: Debate) -> dict:
    """A local member's argument as a Note in the poll's thread (markdown source travels)."""
    group = uris.debate_uri(debate.slug)
    author = uris.member_uri(argument.author.username or "")
    content = _paragraphs(argument.body)
    doc = {"@context": question_context(uris.context_uri()),
           "id": uris.argument_uri(argument.id), "type": "Note", "attributedTo": author,
           "audience": group, "inReplyTo": uris.proposal_uri(argument.proposal_id),
           "to": [PUBLIC], "cc": [Uris.sub_uri(group, FOLLOWERS), group],
           "content": content, "contentMap": {LANGUAGE: content},
           "source": {"content": argument.body, "mediaType": "text/markdown"},
           "stance": argument.stance.value,
           "url": f"{uris.proposal_uri(argument.proposal_id)}#argument-{argument.id}",
           "published": iso(argument.created_at)}
    if argument.edited_at is not None:
        doc["updated"] = iso(argument.edited_at)
    return doc


def to_ap_argument_create(note: dict) -> dict:
    """The member's Create of the Note, at its own URL (announced embedded, fetchable too)."""
    return {"@context": note["@context"], "id": f"{note['id']}/create", "type": "Create",
            "actor": note["attributedTo"], "object": without_context(note),
            "to": note["to"], "cc": note["cc"], "audience": note["audience"],
            "published": note["published"]}


def announce_of(activity_id: str, group: str, activity: dict, *, published) -> dict:
    """The Group's Announce of a whole activity, embedded as it is (FEP-1b12)."""
    return {"@context": AS_CONTEXT, "id": activity_id, "type": "Announce", "actor": group,
            "object": activity, "to": [PUBLIC], "cc": [Uris.sub_uri(group, FOLLOWERS)],
            "published": iso(published)}


def amendment_content(amendment: Amendment, proposal: Proposal, url: str) -> str:
    where = (f"l'article {amendment.article_number}" if amendment.article_number
             else "le texte")
    parts = [f"<p><strong>Amendement à la proposition « {html.escape(proposal.title)} »"
             f"</strong></p>",
             f"<p>Nouvelle rédaction pour {where} : "
             f"{html.escape(plain_text(amendment.text, SUMMARY_CHARS))}</p>"]
    if amendment.rationale.strip():
        parts.append(f"<p>Motif : {html.escape(plain_text(amendment.rationale, 200))}</p>")
    parts.append(f'<p><a href="{html.escape(url, quote=True)}">Voir l\'amendement</a></p>')
    return "".join(parts)


def to_ap_amendment_question(uris: Uris, amendment: Amendment, *, proposal: Proposal,
                             debate: Debate, tally: Tally, language: str) -> dict:
    """The amendment as a poll by the debate's Group, replying to the proposal's poll."""
    group = uris.debate_uri(debate.slug)
    proposal_url = uris.proposal_uri(proposal.id)
    page = f"{proposal_url}#amendement-{amendment.id}"
    counts = tally.all
    content = amendment_content(amendment, proposal, page)
    doc = {
        "@context": question_context(uris.context_uri()),
        "id": uris.amendment_uri(amendment.id), "type": "Question",
        "attributedTo": group, "audience": group, "inReplyTo": proposal_url,
        "to": [PUBLIC], "cc": [Uris.sub_uri(group, FOLLOWERS)],
        "content": content, "contentMap": {LANGUAGE: content}, "url": page,
        "published": iso(amendment.created_at),
        "oneOf": [{"type": "Note", "name": label,
                   "replies": {"type": "Collection", "totalItems": counts.of(choice)}}
                  for choice, label in options(language).items()],
        "votersCount": counts.total,
        # Our vocabulary, for THC peers.
        "amendmentOf": proposal_url,
        "number": amendment.article_number,
        "text": amendment.text,
        "originalText": amendment.original_text,
        "rationale": amendment.rationale,
        "version": amendment.base_version,
        "status": amendment.status.value,
        "authors": [author_doc(uris, amendment.author)],
        "tally": tally_doc(tally),
        "debate": group,
    }
    if debate.closes_at is not None:
        doc["endTime"] = iso(debate.closes_at)
    if debate.status is not DebateStatus.OPEN or amendment.status is not AmendmentStatus.PROPOSED:
        # Votes are refused then: Mastodon shows the poll as closed.
        doc["closed"] = iso(amendment.decided_at or debate.closes_at or debate.updated_at)
    return doc


def to_ap_pending_update(activity_id: str, actor: str, question_id: str) -> dict:
    """What a tally Update says until its debounce window closes: the Question by id only
    (stored, never delivered: federation/tally_updates.py renders it when the window ends)."""
    return {"@context": AS_CONTEXT, "id": activity_id, "type": "Update", "actor": actor,
            "object": question_id}


def to_ap_update_question(activity_id: str, question: dict, *,
                          published: str | None = None) -> dict:
    """Update(Question) by the Group. Tally updates carry no `updated` and no `published`
    (Mastodon would take them for an edit); an edit, a status or an answer carries the
    Question's newer `updated` as `published` (territories keep the newer one)."""
    update = {"@context": question["@context"], "id": activity_id, "type": "Update",
              "actor": question["attributedTo"], "object": without_context(question),
              "to": question["to"], "cc": question["cc"]}
    if published is not None:
        update["published"] = published
    return update


def to_ap_reply_create(activity_id: str, note: dict) -> dict:
    """Create(Note) of a Group reply (to_ap_reply), with the Create's own id."""
    return {"@context": AS_CONTEXT, "id": activity_id, "type": "Create",
            "actor": note["attributedTo"], "object": note, "to": note["to"], "cc": note["cc"],
            "published": note["published"]}


def to_ap_question_delete(activity_id: str, actor: str, question_id: str, *, followers: str,
                          deleted: datetime) -> dict:
    """Delete of a poll by its Group, with a Tombstone as Mastodon sends: receivers need not
    fetch what is gone, and a territory compares `deleted` with a later Create."""
    return {"@context": AS_CONTEXT, "id": activity_id, "type": "Delete", "actor": actor,
            "object": {"id": question_id, "type": "Tombstone", "formerType": "Question",
                       "deleted": iso(deleted)},
            "to": [PUBLIC], "cc": [followers], "published": iso(deleted)}
