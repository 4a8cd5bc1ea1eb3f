"""Follow relations started or answered by our side: follow / unfollow a remote actor, and
approve or reject a pending follower (manual node-to-node approval)."""
from __future__ import annotations


from node.errors import Conflict, Invalid, NotFound
from storage.repos.follows import Follower, FollowRepo, Following
from storage.repos.remote import RemoteActor

from . import outbox, vocab
from .deps import Deps
from .local_actors import LocalActor


async def follow(fed: Deps, local: LocalActor, target_uri: str) -> Following:
    """Follow a remote actor: record it pending and queue a signed Follow to its inbox.

    The Accept, when it arrives, moves the row to accepted (handlers.receive_accept_follow).
    Following again while pending sends nothing new.
    """
    if fed.uris.is_local(target_uri):
        raise Invalid("local actors are followed without ActivityPub", field="target")
    target = await fed.remote.get(target_uri)  # network first, outside the transaction
    async with fed.db.transaction() as tx:
        repo = FollowRepo(tx.conn)
        existing = await repo.find_following(local.owner, target.ap_id)
        if existing is not None:
            return existing
        activity = vocab.Follow(fed.uris.new_activity_uri(), local.ap_id, target.ap_id)
        row = await repo.add_following(local.owner, target.ap_id, activity.id, fed.now())
        await outbox.enqueue(fed, tx.conn, activity=vocab.to_ap_follow(activity), actor=local,
                             inboxes=[target.inbox])
    return row


async def unfollow(fed: Deps, local: LocalActor, target_uri: str) -> bool:
    """Stop following: Undo(Follow) echoing our Follow's id. False when we did not follow."""
    target = await fed.remote.get(target_uri)
    async with fed.db.transaction() as tx:
        repo = FollowRepo(tx.conn)
        row = await repo.find_following(local.owner, target.ap_id)
        if row is None:
            return False
        await repo.delete_following(row.id)
        undo = vocab.Response("Undo", fed.uris.new_activity_uri(), local.ap_id, row.follow_ap_id,
                              "Follow", vocab.Follow(row.follow_ap_id, local.ap_id, target.ap_id))
        await outbox.enqueue(fed, tx.conn, activity=vocab.to_ap_response(undo), actor=local,
                             inboxes=[target.inbox])
    return True


async def queue_response(fed: Deps, conn, kind: str, local: LocalActor,
                         follower: RemoteActor, follow_ap_id: str) -> None:
    """Queue an Accept or Reject of a Follow, echoing it with its id (Mastodon accept.rb)."""
    follow = vocab.Follow(follow_ap_id, follower.ap_id, local.ap_id)
    response = vocab.Response(kind, fed.uris.new_activity_uri(), local.ap_id, follow_ap_id,
                              "Follow", follow)
    await outbox.enqueue(fed, conn, activity=vocab.to_ap_response(response), actor=local,
                         inboxes=[follower.inbox])


async def pending_followers(fed: Deps, local: LocalActor,
                            limit: int = 100) -> list[Follower]:
    """Follow requests waiting for approval (node-to-node follows under manual approval)."""
    return await FollowRepo(fed.db.read().conn).list_pending_followers(local.owner, limit)


async def approve_follower(fed: Deps, local: LocalActor, follower_ap_id: str) -> None:
    """Accept a pending follower (node-to-node follows under manual approval)."""
    async def accept(repo: FollowRepo, row: Follower) -> None:
        if row.state == "accepted":
            raise Conflict("this follower is already accepted")
        await repo.accept_follower(row.id, fed.now())

    await _answer_follower(fed, local, follower_ap_id, "Accept", accept,
                           missing="no such follow request")


async def reject_follower(fed: Deps, local: LocalActor, follower_ap_id: str) -> None:
    """Refuse a follow request, or remove an accepted follower; either way tell them."""
    await _answer_follower(fed, local, follower_ap_id, "Reject",
                           lambda repo, row: repo.delete_follower(row.id),
                           missing="no such follower")


async def _answer_follower(fed: Deps, local: LocalActor, follower_ap_id: str, kind: str,
                           change, *, missing: str) -> None:
    """Apply `change(repo, row)` to the follower's row, then queue the Accept or Reject."""
    follower = await fed.remote.get(follower_ap_id)  # network first, outside the transaction
    async with fed.db.transaction() as tx:
        repo = FollowRepo(tx.conn)
        row = await repo.find_follower(local.owner, follower_ap_id)
        if row is None:
            raise NotFound(missing)
        await change(repo, row)
        await queue_response(fed, tx.conn, kind, local, follower, row.follow_ap_id)
