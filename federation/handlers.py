"""One `receive_<activity>_<object>` per supported pair: protocol checks, then one write
transaction that also marks the message processed. The signer is already proven to be the
activity's actor (inbox.py); here we check what the activity claims about our own objects."""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, AsyncIterator

from node.errors import Forbidden, NotFound
from storage.repos.follows import Following, FollowRepo
from storage.repos.inbox import InboxMessage, InboxRepo

from . import follows, vocab

if TYPE_CHECKING:
    from .context import Federation


class Ignored(Exception):
    """Nothing for us to do with this activity (recorded as `ignored`, with the reason)."""


@dataclass
class Work:
    """One message being processed; its handler commits through `transaction()`."""

    fed: Federation
    message: InboxMessage
    committed: bool = field(default=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator:
        """The handler's one write transaction; it also marks the message processed."""
        async with self.fed.db.transaction() as tx:
            yield tx
            await InboxRepo(tx.conn).finish(self.message.id, "processed", self.fed.now())
        self.committed = True


async def receive_follow(work: Work, follow: vocab.Follow) -> None:
    """Someone follows one of our actors: auto-accept, except node-to-node when manual."""
    fed = work.fed
    target = await fed.local.find_by_uri(follow.object)
    if target is None:
        raise NotFound("the followed actor is not one of ours")
    follower = await fed.remote.get(follow.actor)  # cached since the key check; else fetched
    manual = (target.kind == "node" and follower.type == "Application"
              and fed.settings.manual_node_follow_approval)
    async with work.transaction() as tx:
        row = await FollowRepo(tx.conn).put_follower(
            target.owner, follower.ap_id, follow.id, "pending" if manual else "accepted", fed.now())
        if row.state == "accepted":
            # Mastodon re-sends Accept to a repeated Follow, so a lost Accept heals itself.
            await follows.queue_response(fed, tx.conn, "Accept", target, follower, follow.id)


async def _our_follow(work: Work, repo: FollowRepo, response: vocab.Response) -> Following:
    row = await repo.find_following_by_follow(response.object_id)
    if row is None and response.follow is not None:
        # Some peers echo the Follow without its original id: match it by its parties.
        local = await work.fed.local.find_by_uri(response.follow.actor)
        if local is not None:
            row = await repo.find_following(local.owner, response.actor)
    if row is None:
        raise Ignored("it answers no Follow of ours")
    if row.target_ap_id != response.actor:
        # Mastodon accept.rb: only the followed actor may answer the Follow.
        raise Forbidden("only the followed actor may answer this Follow")
    return row


async def receive_accept_follow(work: Work, response: vocab.Response) -> None:
    async with work.transaction() as tx:
        repo = FollowRepo(tx.conn)
        row = await _our_follow(work, repo, response)
        await repo.accept_following(row.id, work.fed.now())


async def receive_reject_follow(work: Work, response: vocab.Response) -> None:
    async with work.transaction() as tx:
        repo = FollowRepo(tx.conn)
        row = await _our_follow(work, repo, response)
        await repo.delete_following(row.id)


async def receive_undo_follow(work: Work, response: vocab.Response) -> None:
    async with work.transaction() as tx:
        repo = FollowRepo(tx.conn)
        row = await repo.find_follower_by_follow(response.object_id)
        if row is None and response.follow is not None:
            local = await work.fed.local.find_by_uri(response.follow.object)
            if local is not None:
                row = await repo.find_follower(local.owner, response.actor)
        if row is None:
            raise Ignored("it undoes no Follow we know")
        if row.follower_ap_id != response.actor:
            raise Forbidden("only the follower may undo its Follow")
        await repo.delete_follower(row.id)
