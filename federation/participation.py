"""Fediverse participants: what remote actors send about our proposals.

- A vote: `Create(Note{name, inReplyTo: <our Question>})` without content (Mastodon's
  vote_serializer.rb) → `cast_vote` by a remote participant (`vote_on_amendment` when the
  Question is an amendment put to a vote): one per actor, a new choice
  replaces the old; duplicate activity ids are dropped by the inbox before we get here.
- A reply: `Create(Note{content, inReplyTo: <our Question>})` → `post_argument` (a reply to an
  amendment's poll argues on its proposal), announced unchanged by the Group to group-aware
  followers (contributions.py); stance from
  #pour / #contre (#for / #against) in the text or the `tag` array, else neutral; the HTML is
  reduced to plain text (web/render.py alone renders, from source).
- The author's `Update(Note)` edits the argument, `Delete` withdraws it.
- A `Like` of a poll (a Mastodon favourite) is an informal appreciation: counted, never a vote.

Everything else (notes about other objects) goes on to the generic handlers. The signer is
already proven to be the activity's actor (inbox.py); here the Note must be the actor's own.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from node import services
from node.errors import Forbidden, Invalid, NotFound
from node.model import RemoteParticipant, Stance, VoteChoice
from node.text import strip_forbidden
from storage.repos.appreciations import AppreciationRepo
from storage.repos.arguments import ArgumentRepo

from . import contributions, handlers, proposals, vocab
from .uris import origin_of
from .work import Ignored, Work

STANCE_TAGS = {"pour": Stance.FOR, "for": Stance.FOR, "contre": Stance.AGAINST,
               "against": Stance.AGAINST}
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")


class _Text(HTMLParser):
    """Text of remote HTML: paragraphs and line breaks kept, every tag and attribute dropped."""

    BREAKS = {"br": "\n", "p": "\n\n", "li": "\n", "blockquote": "\n\n", "pre": "\n\n"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0  # inside <script> / <style>: dropped with their text

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BREAKS and tag != "br":
            self.parts.append(self.BREAKS[tag])

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_to_text(content: str) -> str:
    """Plain text from remote HTML, stored as markdown source: web/render.py escapes raw HTML
    and sanitises what markdown yields, so the text needs no further defusing."""
    parser = _Text()
    parser.feed(content)
    parser.close()
    text = strip_forbidden("".join(parser.parts))  # node/text.py's rule, as remote text
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def stance_of(text: str, raw: dict) -> Stance:
    found = [m.group(1).lower() for m in _HASHTAG.finditer(text)]
    tags = raw.get("tag")
    for tag in tags if isinstance(tags, list) else [tags] if isinstance(tags, dict) else []:
        if isinstance(tag, dict) and tag.get("type") == "Hashtag":
            name = tag.get("name")
            if isinstance(name, str):
                found.append(name.lstrip("#").lower())
    for tag in found:
        if tag in STANCE_TAGS:
            return STANCE_TAGS[tag]
    return Stance.NEUTRAL


def _strip_mentions(text: str, group_handles: tuple[str, ...]) -> str:
    """Mastodon starts a reply with the mention of whom it answers: not part of the argument."""
    for handle in group_handles:
        text = re.sub(rf"(?<!\w)@{re.escape(handle)}(@[\w.:-]+)?\s*", "", text)
    return text.strip()


async def _note_for_us(work: Work, activity: vocab.Activity):
    """(note, raw JSON, proposal id, amendment id or None) when the Note answers one of our
    proposals or amendments put to a vote, else None."""
    embedded = vocab.embedded_object(activity)
    if embedded is None:
        return None
    in_reply_to = embedded[0].in_reply_to
    proposal_id = work.fed.uris.proposal_id_of(in_reply_to)
    amendment_id = work.fed.uris.amendment_id_of(in_reply_to)
    if amendment_id is not None:
        # NotFound (rejected) for an unknown amendment, like an unknown proposal's vote.
        proposal_id = (await work.fed.db.read().amendments.get(amendment_id)).proposal_id
    if proposal_id is None:
        return None
    obj, body = await handlers.authentic_object(work, activity)
    if obj.attributed_to != activity.actor:
        raise Forbidden("the note is not attributed to its sender")
    if obj.in_reply_to != in_reply_to:
        raise Forbidden("the note's origin answers another object")
    raw = json.loads(body)
    return obj, raw if isinstance(raw, dict) else {}, proposal_id, amendment_id


@dataclass(frozen=True, slots=True)
class RemoteVote:
    """A remote actor's vote on one of our polls, checked, to apply inside a transaction."""

    actor: RemoteParticipant
    proposal_id: int
    amendment_id: int | None  # the vote is on this amendment of the proposal
    choice: VoteChoice


async def vote_of(work: Work, activity: vocab.Activity) -> RemoteVote | None:
    """The vote a `Create(Note)` casts, with receive_create_note's checks (attribution, reply
    target, option); None when it is no vote of ours (a reply, a note about something else)."""
    found = await _note_for_us(work, activity)
    if found is None:
        return None
    obj, _, proposal_id, amendment_id = found
    if obj.name is None or (obj.content or "").strip():
        return None
    choice = vocab.choice_of_option(obj.name, proposals.node_language(work.fed))
    if choice is None:
        raise Invalid(f"unknown option {obj.name[:50]!r}")
    return RemoteVote(RemoteParticipant(activity.actor), proposal_id, amendment_id, choice)


async def apply_vote(tx, clock, vote: RemoteVote) -> None:
    """The vote through the node's use case (debate open, one per actor, a new choice
    replaces the old); a DomainError says why it does not count."""
    if vote.amendment_id is not None:
        await services.vote_on_amendment(tx, clock, vote.actor, vote.amendment_id, vote.choice)
    else:
        await services.cast_vote(tx, clock, vote.actor, vote.proposal_id, vote.choice)


async def receive_create_note(work: Work, activity: vocab.Activity) -> None:
    found = await _note_for_us(work, activity)
    if found is None:
        return await handlers.receive_create_object(work, activity)
    obj, raw, proposal_id, amendment_id = found
    actor = RemoteParticipant(activity.actor)
    fed = work.fed
    if obj.name is not None and not (obj.content or "").strip():
        choice = vocab.choice_of_option(obj.name, proposals.node_language(fed))
        if choice is None:
            raise Invalid(f"unknown option {obj.name[:50]!r}")
        async with work.transaction() as tx:
            await apply_vote(tx, fed.clock, RemoteVote(actor, proposal_id, amendment_id, choice))
        return None
    # A reply (to the proposal's poll, or to one of its amendments' polls) is an argument.
    text = html_to_text(obj.content or "")
    debate = await _debate_of(work, proposal_id)
    body = _strip_mentions(text, (debate.slug,) if debate is not None else ())
    if not body:
        raise Invalid("the reply has no text")
    async with work.transaction() as tx:
        if await ArgumentRepo(tx.conn).find_by_ap_id(obj.id) is not None:
            raise Ignored("this reply was already received")
        await services.post_argument(tx, fed.clock, actor, proposal_id, stance_of(text, raw),
                                     body, ap_id=obj.id)
        if debate is not None:
            # Group-aware followers get the reply as the Group's Announce of what arrived.
            await contributions.announce_received(fed, tx.conn, debate=debate,
                                                  activity=json.loads(work.message.body),
                                                  sender=activity.actor)
    return None


async def _debate_of(work: Work, proposal_id: int):
    """The proposal's debate (its handle is what a reply's leading mention names)."""
    read = work.fed.db.read()
    try:
        return await read.debates.get((await read.proposals.get(proposal_id)).debate_id)
    except NotFound:
        return None  # the use case then says the proposal is unknown


async def _group_handles(work: Work, proposal_id: int) -> tuple[str, ...]:
    debate = await _debate_of(work, proposal_id)
    return (debate.slug,) if debate is not None else ()


async def receive_update_note(work: Work, activity: vocab.Activity) -> None:
    """The author edited their reply: the argument's text follows (same origin, same author)."""
    existing = (await ArgumentRepo(work.fed.db.read().conn).find_by_ap_id(activity.object_id)
                if activity.object_id else None)
    if existing is None:
        return await handlers.receive_update_object(work, activity)
    if origin_of(activity.object_id) != origin_of(activity.actor):
        raise Forbidden("only the object's origin may update it")
    obj, body = await handlers.authentic_object(work, activity)
    if obj.attributed_to != activity.actor:
        raise Forbidden("the note is not attributed to its sender")
    text = _strip_mentions(html_to_text(obj.content or ""),
                           await _group_handles(work, existing.proposal_id))
    async with work.transaction() as tx:
        await services.edit_argument(tx, work.fed.clock, RemoteParticipant(activity.actor),
                                     existing.id, text)
    return None


async def receive_delete(work: Work, activity: vocab.Activity) -> None:
    """The author deleted their reply: the argument is withdrawn (kept, no longer listed)."""
    existing = (await ArgumentRepo(work.fed.db.read().conn).find_by_ap_id(activity.object_id)
                if activity.object_id else None)
    if existing is None:
        return await handlers.receive_delete_object(work, activity)
    if origin_of(activity.object_id) != origin_of(activity.actor):
        raise Forbidden("only the object's origin may delete it")
    if existing.withdrawn_at is not None:
        raise Ignored("this reply was already deleted")
    async with work.transaction() as tx:
        await services.withdraw_argument(tx, work.fed.clock, RemoteParticipant(activity.actor),
                                         existing.id)
    return None


async def receive_like(work: Work, activity: vocab.Activity) -> None:
    """A favourite of one of our polls: an informal appreciation, counted, never a vote."""
    proposal_id = work.fed.uris.proposal_id_of(activity.object_id)
    if proposal_id is None:
        raise Ignored("it likes nothing of ours we count")
    proposal = await work.fed.db.read().proposals.get(proposal_id)  # NotFound: rejected
    if proposal.hidden_at is not None:
        raise Forbidden("this proposal is hidden")
    async with work.transaction() as tx:
        if not await AppreciationRepo(tx.conn).add(proposal_id, activity.actor, activity.id,
                                                   work.fed.now()):
            raise Ignored("this actor already appreciates this proposal")


async def receive_undo_like(work: Work, response: vocab.Response) -> None:
    async with work.transaction() as tx:
        if not await AppreciationRepo(tx.conn).remove(response.object_id, response.actor):
            raise Ignored("it undoes no Like of this actor we counted")
