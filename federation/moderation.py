"""Moderation on the wire: a proposal hidden by moderation is deleted from the
followers that got its poll — the debate's Group sends `Delete` with a `Tombstone` of the
Question to the inboxes its `Create` went to (and to the followers) — and unhiding it
publishes it again (a new `Create`, as when it was submitted). Publishers for
fanout.PUBLISHERS."""
from __future__ import annotations

from node.events import ContentHidden, ContentUnhidden
from node.model import ContentKind
from storage.repos.outbox import OutboxRepo

from . import vocab
from .publication import Audience, Context, Publication
from .territories import is_territory


async def publish_content_hidden(ctx: Context, event: ContentHidden) -> list[Publication]:
    """Delete(Tombstone of the Question) by the Group, to where its Create went."""
    if event.target_kind != ContentKind.PROPOSAL.value:
        return []  # arguments and amendments: not yet withdrawn on the wire
    group = await ctx.debate(event.debate_id)
    if group is None:
        return []
    question_id = ctx.fed.uris.proposal_uri(event.target_id)
    inboxes = await OutboxRepo(ctx.read.conn).list_delivery_inboxes(
        actor=group.ap_id, type="Create", object_ap_id=question_id)
    delete = vocab.to_ap_question_delete(ctx.new_id(), group.ap_id, question_id,
                                         followers=ctx.followers(group),
                                         deleted=event.occurred_at)
    # Where the Create went, and the followers it goes to (the deliveries of an old Create
    # may have been forgotten by retention): a Delete of something never received is ignored.
    audience = Audience(followers_of=(group, ctx.node()), inboxes=tuple(inboxes))
    return [Publication(group, delete, audience, question_id)]


async def publish_content_unhidden(ctx: Context, event: ContentUnhidden) -> list[Publication]:
    """The proposal is shown again: its poll is created again, as when it was submitted. The
    territories among the followers get the Question with `updated` at this moment: they keep
    a deleted proposal's tombstone until a Create newer than the deletion (node/services/network.py);
    Mastodon gets it without (it would show an "edited" mark)."""
    if event.target_kind != ContentKind.PROPOSAL.value:
        return []
    group, found = await ctx.proposal(event.proposal_id, event.debate_id)
    if found is None:
        return []
    detail, question = found
    followers = (group, ctx.node())
    plain = vocab.to_ap_create(ctx.new_id(), question, published=event.occurred_at)
    restored = vocab.to_ap_create(
        ctx.new_id(), vocab.territory_question(detail, question, shown_again_at=event.occurred_at),
        published=event.occurred_at)
    return [
        Publication(group, plain, Audience(followers_of=followers,
                                           where=lambda r: not is_territory(r)),
                    question["id"]),
        Publication(group, restored, Audience(followers_of=followers, where=is_territory),
                    question["id"]),
    ]
