"""Proposals between territories: the Question a followed territory keeps (with `updated`, so
that it keeps the newer of two), and a peer's Question read back into what node.network
ingests (node.network validates and bounds every field again)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from node import network_validation
from node.errors import Invalid
from node.model import ChoiceCounts, ProposalDetail, Tally
from node.network import RemoteProposalInfo

from .core import id_of, types_of
from .deliberation import to_ap_update_question


def _instant(at: datetime) -> str:
    # Microseconds, unlike `published`: two changes within a second must still be ordered,
    # since a territory keeps an update only when its `updated` is newer.
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def territory_question(detail: ProposalDetail, question: dict,
                       shown_again_at: datetime | None = None) -> dict:
    """The Question with `updated`: the last change of its content, status or answer, or
    the moment moderation showed it again (a territory restores it only when `updated` is
    newer than the deletion it received)."""
    changed = detail.proposal.updated_at
    if detail.answer is not None:
        changed = max(changed, detail.answer.answered_at)
    if shown_again_at is not None:
        changed = max(changed, shown_again_at)
    return {**question, "updated": _instant(changed)}


def is_thc_question(raw: Any) -> bool:
    """A Question in our vocabulary (not any poll): a THC peer's proposal. An amendment put to
    a vote is a Question too, in the proposal's thread: it is not a proposal."""
    return (isinstance(raw, dict) and "Question" in types_of(raw)
            and isinstance(raw.get("tally"), dict) and isinstance(raw.get("status"), str)
            and id_of(raw.get("debate")) is not None
            and raw.get("inReplyTo") is None and raw.get("amendmentOf") is None)


def parse_moment(value: Any, what: str) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise Invalid(f"{what} must be a date and time", field=what)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"{what} must be a date and time", field=what) from None
    if moment.tzinfo is None:
        raise Invalid(f"{what} must have a time zone", field=what)
    return moment


def _counts(raw: Any) -> ChoiceCounts:
    # Types are checked by node.network (whole numbers within bounds); absent counts are 0.
    raw = raw if isinstance(raw, dict) else {}
    return ChoiceCounts(raw.get("for", 0), raw.get("mixed", 0), raw.get("against", 0))


def _source(raw: Any) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("content"), str):
        return raw["content"]
    return ""


def from_ap_thc_question(raw: dict) -> RemoteProposalInfo:
    """Our vocabulary read back into what node.network ingests (it validates every field)."""
    title = raw.get("title") if isinstance(raw.get("title"), str) else raw.get("name")
    published = parse_moment(raw.get("published"), "published")
    # Tally updates carry no `updated` (Mastodon would take them for edits): they leave the
    # content's time as it was, and only the tally moves (node.network `tallied_at`).
    updated = parse_moment(raw["updated"], "updated") if "updated" in raw else published
    tally = raw["tally"]
    answer = raw.get("answer") if isinstance(raw.get("answer"), dict) else None
    body = _source(raw.get("source"))
    return RemoteProposalInfo(
        ap_id=raw["id"], debate_ap_id=id_of(raw.get("debate")) or "",
        title=title if isinstance(title, str) else "", published_at=published,
        updated_at=updated, body=body, status=raw["status"],
        answer_kind=answer.get("answerKind") if answer else None,
        answered_at=parse_moment(answer.get("published"), "answered_at") if answer else None,
        answer_text=_source(answer.get("source")) if answer else "",
        tally=Tally(_counts(tally.get("verifiedResidents")), _counts(tally.get("localMembers")),
                    _counts(tally.get("remoteParticipants"))),
        themes=(network_validation.hashtags_in(f"{title}\n{body}") if isinstance(title, str)
                else ()),
        url=id_of(raw.get("url")),
    )


def to_ap_territory_update(activity_id: str, detail: ProposalDetail, question: dict) -> dict:
    """Update(Question) by the Group, with a newer `updated` (an edit, a status, an answer)."""
    document = territory_question(detail, question)
    return to_ap_update_question(activity_id, document, published=document["updated"])
