"""Domain objects as the JSON API shows them: snake_case, ISO 8601 UTC times, integer ids.

Each function mirrors one schema of web/api_schemas.py; the API tests validate every
response against the published document, so the two cannot drift apart unnoticed.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any, TypeVar

from node import tallies
from node.diff import amendment_diff
from node.errors import Invalid
from node.history import HistoryEntry, ModerationAction
from node.model import (
    Amendment,
    Answer,
    Argument,
    ArgumentColumns,
    Article,
    ChoiceCounts,
    Debate,
    DebateRoleAssignment,
    DebateSettings,
    Member,
    Page,
    ParticipantClass,
    ParticipantRef,
    Proposal,
    ProposalDetail,
    ProposalSummary,
    ProposalVersion,
    Source,
    Tally,
    VersionSummary,
    Vote,
)

T = TypeVar("T")
_CURSOR = re.compile(r"[0-9]{1,18}")
Json = dict[str, Any]


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not timezone.utc:  # the clock's own times are UTC already
        value = value.astimezone(timezone.utc)
    return value.isoformat().replace("+00:00", "Z")


def page_json(page: Page[T], convert: Callable[[T], Json]) -> Json:
    return {"items": [convert(item) for item in page.items], "next": page.next_cursor}


def list_page_json(items: Iterable[T], key: Callable[[T], int], after: str | None, limit: int,
                   convert: Callable[[T], Json]) -> Json:
    """Keyset paging over a short list held whole in memory (versions, answer revisions);
    the cursor is the last key seen, as for the repositories' lists."""
    if after is not None and not _CURSOR.fullmatch(after):
        raise Invalid("the page cursor is not valid", field="after")
    start = int(after) if after else 0
    remaining = [item for item in items if key(item) > start]
    kept = remaining[:limit]
    more = len(remaining) > limit
    return {"items": [convert(item) for item in kept],
            "next": str(key(kept[-1])) if more else None}


def member_json(member: Member) -> Json:
    return {
        "id": member.id,
        "username": member.username,
        "display_name": member.display_name,
        "role": member.role.value,
        "mandate": member.mandate,
        "is_verified_resident": member.is_verified_resident,
        "verified_at": iso(member.verified_at),
        "created_at": iso(member.created_at),
    }


def participant_json(ref: ParticipantRef) -> Json:
    return {
        "id": ref.id,
        "kind": ref.kind.value,
        "member_id": ref.member_id,
        "username": ref.username,
        "display_name": ref.display_name,
        "is_verified_resident": ref.is_verified_resident,
        "participant_class": ref.participant_class.value,
        "ap_id": ref.ap_id,
    }


def counts_json(counts: ChoiceCounts) -> Json:
    return {"for": counts.for_votes, "mixed": counts.mixed_votes,
            "against": counts.against_votes, "total": counts.total}


def tally_json(tally: Tally) -> Json:
    return {
        "verified_residents": counts_json(tally.of_class(ParticipantClass.VERIFIED_RESIDENT)),
        "local_members": counts_json(tally.of_class(ParticipantClass.LOCAL_MEMBER)),
        "remote": counts_json(tally.of_class(ParticipantClass.REMOTE)),
        "all": counts_json(tally.all),
    }


# --- Debates -------------------------------------------------------------------------------


def debate_summary_json(debate: Debate) -> Json:
    return {
        "id": debate.id,
        "slug": debate.slug,
        "title": debate.title,
        "description": debate.description,
        "status": debate.status.value,
        "opens_at": iso(debate.opens_at),
        "closes_at": iso(debate.closes_at),
        "created_at": iso(debate.created_at),
        "updated_at": iso(debate.updated_at),
    }


def settings_json(settings: DebateSettings) -> Json:
    return {
        "support_threshold": settings.support_threshold,
        "answer_delay_days": settings.answer_delay_days,
        "has_public_votes": settings.has_public_votes,
        "threshold_classes": sorted(c.value for c in settings.threshold_classes),
    }


def in_charge_json(assignment: DebateRoleAssignment) -> Json:
    return {
        "member_id": assignment.member_id,
        "username": assignment.username,
        "display_name": assignment.display_name,
        "mandate": assignment.mandate,
        "role": assignment.role.value,
    }


def debate_json(debate: Debate, settings: DebateSettings,
                in_charge: Iterable[DebateRoleAssignment]) -> Json:
    return {**debate_summary_json(debate), "settings": settings_json(settings),
            "in_charge": [in_charge_json(a) for a in in_charge]}


# --- Proposals -----------------------------------------------------------------------------


def article_json(article: Article) -> Json:
    return {"number": article.number, "title": article.title, "text": article.text}


def source_json(source: Source) -> Json:
    return {"url": source.url, "title": source.title}


def version_json(version: ProposalVersion) -> Json:
    return {
        "number": version.number,
        "title": version.title,
        "body": version.body,
        "articles": [article_json(a) for a in version.articles],
        "sources": [source_json(s) for s in version.sources],
        "amendment_id": version.amendment_id,
        "created_at": iso(version.created_at),
    }


def version_summary_json(version: VersionSummary) -> Json:
    return {"number": version.number, "title": version.title,
            "amendment_id": version.amendment_id, "created_at": iso(version.created_at)}


def answer_json(answer: Answer) -> Json:
    return {
        "id": answer.id,
        "proposal_id": answer.proposal_id,
        "revision": answer.revision,
        "kind": answer.kind.value,
        "text": answer.text,
        "signed_by": {"member_id": answer.member_id, "username": answer.username,
                      "display_name": answer.display_name, "mandate": answer.mandate},
        "answered_at": iso(answer.answered_at),
    }


def history_json(entry: HistoryEntry) -> Json:
    return {
        "id": entry.id,
        "kind": entry.kind.value,
        "by": entry.by,
        "by_member_id": entry.by_member_id,
        "by_display_name": entry.by_display_name,
        "old_status": entry.old_status.value if entry.old_status else None,
        "new_status": entry.new_status.value if entry.new_status else None,
        "version": entry.version,
        "note": entry.note,
        "occurred_at": iso(entry.occurred_at),
    }


def _proposal_fields(proposal: Proposal, tally: Tally, support: int, now: datetime) -> Json:
    return {
        "id": proposal.id,
        "debate_id": proposal.debate_id,
        "title": proposal.title,
        "status": proposal.status.value,
        "version": proposal.version,
        "author": participant_json(proposal.author),
        "created_at": iso(proposal.created_at),
        "updated_at": iso(proposal.updated_at),
        "threshold_reached_at": iso(proposal.threshold_reached_at),
        "answer_due_at": iso(proposal.answer_due_at),
        "answered_at": iso(proposal.answered_at),
        "answer_kind": proposal.answer_kind.value if proposal.answer_kind else None,
        "is_overdue": tallies.is_answer_overdue(proposal, now),
        "hidden_at": iso(proposal.hidden_at),
        "tally": tally_json(tally),
        "support": support,
    }


def proposal_summary_json(summary: ProposalSummary, now: datetime) -> Json:
    return {
        **_proposal_fields(summary.proposal, summary.tally, summary.support, now),
        "argument_count": summary.argument_count,
        "amendment_count": summary.amendment_count,
    }


def proposal_detail_json(detail: ProposalDetail, history: Page[HistoryEntry],
                         now: datetime) -> Json:
    debate = detail.debate
    return {
        **_proposal_fields(detail.proposal, detail.tally, detail.support, now),
        "debate": {"id": debate.id, "slug": debate.slug, "title": debate.title,
                   "status": debate.status.value},
        "support_threshold": detail.settings.support_threshold,
        "current_version": version_json(detail.version),
        "versions": [version_summary_json(v) for v in detail.versions],
        "authors": [participant_json(a) for a in detail.authors],
        "answer": answer_json(detail.answer) if detail.answer else None,
        "answer_revisions": [answer_json(a) for a in detail.answer_revisions],
        "history": page_json(history, history_json),
    }


# --- Arguments, amendments, votes, moderation ----------------------------------------------


def argument_json(argument: Argument) -> Json:
    return {
        "id": argument.id,
        "proposal_id": argument.proposal_id,
        "author": participant_json(argument.author),
        "stance": argument.stance.value,
        "body": argument.body,
        "useful_count": argument.useful_count,
        "created_at": iso(argument.created_at),
        "edited_at": iso(argument.edited_at),
        "withdrawn_at": iso(argument.withdrawn_at),
        "hidden_at": iso(argument.hidden_at),
    }


def argument_columns_json(columns: ArgumentColumns) -> Json:
    return {
        "for": page_json(columns.for_arguments, argument_json),
        "against": page_json(columns.against_arguments, argument_json),
        "neutral": page_json(columns.neutral_arguments, argument_json),
    }


def amendment_json(amendment: Amendment, tally: Tally) -> Json:
    return {
        "id": amendment.id,
        "proposal_id": amendment.proposal_id,
        "author": participant_json(amendment.author),
        "article_number": amendment.article_number,
        "base_version": amendment.base_version,
        "original_text": amendment.original_text,
        "text": amendment.text,
        "rationale": amendment.rationale,
        "status": amendment.status.value,
        "decided_by_id": amendment.decided_by_id,
        "decided_at": iso(amendment.decided_at),
        "decision_note": amendment.decision_note,
        "integrated_version": amendment.integrated_version,
        "created_at": iso(amendment.created_at),
        "hidden_at": iso(amendment.hidden_at),
        "diff": [
            {"kind": op.kind.value, "lines": list(op.lines), "old_start": op.old_start,
             "new_start": op.new_start}
            for op in amendment_diff(amendment)
        ],
        "tally": tally_json(tally),
    }


def vote_json(vote: Vote) -> Json:
    return {
        "id": vote.id,
        "proposal_id": vote.proposal_id,
        "voter": participant_json(vote.participant),
        "choice": vote.choice.value,
        "cast_at": iso(vote.cast_at),
        "updated_at": iso(vote.updated_at),
    }


def moderation_json(action: ModerationAction) -> Json:
    return {
        "id": action.id,
        "debate_id": action.debate_id,
        "proposal_id": action.proposal_id,
        "target_kind": action.target_kind.value,
        "target_id": action.target_id,
        "action": action.action.value,
        "reason": action.reason,
        "member_id": action.member_id,
        "by": action.by,
        "occurred_at": iso(action.occurred_at),
    }
