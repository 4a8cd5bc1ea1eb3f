"""One `receive_<activity>_<object>` per supported pair: protocol checks, then one write
transaction that also marks the message processed. The signer is already proven to be the
activity's actor (inbox.py); here we check what the activity claims about our own objects."""
from __future__ import annotations

from node.errors import Forbidden, NotFound
from storage.repos.follows import Following, FollowRepo
from storage.repos.remote import RemoteObjectRepo, RemoteRepo

from . import follows, territory_receivers, vocab
from .uris import host_of, origin_of
from .work import Ignored, Work


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


# -- objects of remote actors we follow, generic: participation.py and territory_receivers.py
# take the notes about our polls and the territories' Questions first

# remote_objects is keyed by remote input, so it is capped (INTEROP security rule 6): past
# this many objects from one actor, its oldest are dropped.
MAX_OBJECTS_PER_ACTOR = 5000


def _refuse_local(work: Work, *ids: str | None) -> None:
    """INTEROP security rule 4: our objects change only through our own code."""
    if any(i is not None and work.fed.uris.is_local(i) for i in ids):
        raise Forbidden("a remote activity cannot create, change or delete one of our objects")


async def authentic_object(work: Work,
                            activity: vocab.Activity) -> tuple[vocab.ObjectDocument, str]:
    """The object as its origin has it, and its JSON to keep.

    An embedded copy with the sender's origin is the sender's word, signed with the request:
    kept. Another origin's copy, or a bare id, is fetched from its origin (signed GET, id ==
    final URL): what was sent is never trusted (INTEROP rules 1 and 3).
    """
    fed = work.fed
    embedded = vocab.embedded_object(activity)
    if embedded is not None and origin_of(embedded[0].id) == origin_of(activity.actor):
        obj, body = embedded
    else:
        url, raw = await fed.fetcher.get_ap(activity.object_id, sign_as=fed.node_identity)
        obj = vocab.from_ap_object(raw)
        if url != activity.object_id or obj.id != activity.object_id:
            raise Forbidden("the object's origin serves it under another id")
        body = vocab.dumps(raw).decode()
    # At this point `obj` is what its origin says. It must be the sender's to create or change.
    _refuse_local(work, obj.id, obj.attributed_to)
    if obj.attributed_to is not None and origin_of(obj.attributed_to) != origin_of(activity.actor):
        raise Forbidden("the object is attributed to another origin than its sender's")
    if obj.type in vocab.ACTOR_TYPES:
        raise Ignored("an actor is not an object to record")
    return obj, body


async def receive_create_object(work: Work, activity: vocab.Activity) -> None:
    """A followed actor created an object: record it once (a tombstone keeps it deleted)."""
    fed = work.fed
    _refuse_local(work, activity.object_id)
    # A followed territory's proposal goes to the network view.
    if activity.object_type == "Question" and await territory_receivers.receive_question(work, activity):
        return
    if not await FollowRepo(fed.db.read().conn).is_followed(activity.actor):
        raise Ignored("not from an actor we follow")
    obj, body = await authentic_object(work, activity)
    async with work.transaction() as tx:
        repo = RemoteObjectRepo(tx.conn)
        existing = await repo.find(obj.id)
        if existing is not None:
            raise Ignored("this object was deleted" if existing.is_deleted
                          else "this object was already received")
        await repo.add(ap_id=obj.id, type=obj.type[:64], actor=activity.actor,
                       attributed_to=obj.attributed_to, host=host_of(obj.id), body=body,
                       activity_id=activity.id, at=fed.now())
        if await repo.count_by_actor(activity.actor) > MAX_OBJECTS_PER_ACTOR:
            await repo.prune_actor(activity.actor, MAX_OBJECTS_PER_ACTOR)


async def receive_update_object(work: Work, activity: vocab.Activity) -> None:
    """The object's origin changed it: replace our copy (never one we do not have)."""
    if activity.object_id == activity.actor:
        return await receive_update_actor(work, activity)
    fed = work.fed
    _refuse_local(work, activity.object_id)
    if origin_of(activity.object_id) != origin_of(activity.actor):
        raise Forbidden("only the object's origin may update it")
    if activity.object_type == "Question" and await territory_receivers.receive_question(work, activity):
        return  # a followed territory's proposal changed (status, answer, tally)
    obj, body = await authentic_object(work, activity)
    async with work.transaction() as tx:
        repo = RemoteObjectRepo(tx.conn)
        existing = await repo.find(obj.id)
        if existing is None:
            raise Ignored("it updates an object we do not have")
        if existing.is_deleted:
            raise Ignored("it updates a deleted object")
        await repo.update(obj.id, type=obj.type[:64], attributed_to=obj.attributed_to,
                          body=body, activity_id=activity.id, at=fed.now())


async def receive_update_actor(work: Work, activity: vocab.Activity) -> None:
    """An actor changed its profile: refetch it from its origin (the copy sent is not used)."""
    _refuse_local(work, activity.object_id)
    if origin_of(activity.object_id) != origin_of(activity.actor):
        raise Forbidden("only the object's origin may update it")
    if activity.object_id != activity.actor:
        raise Forbidden("an actor may only update itself")
    await work.fed.remote.get(activity.actor, refresh=True)
    # A followed territory's debate changed (its status): the network view follows.
    await territory_receivers.receive_group_update(work, activity)


async def receive_delete_object(work: Work, activity: vocab.Activity) -> None:
    """The origin deleted an object (tombstoned here), or an actor deleted itself (gone)."""
    fed = work.fed
    _refuse_local(work, activity.object_id)
    if origin_of(activity.object_id) != origin_of(activity.actor):
        raise Forbidden("only the object's origin may delete it")
    if activity.object_id != activity.actor and await territory_receivers.receive_delete(work, activity):
        return  # a followed territory's proposal, tombstoned in the network view
    async with work.transaction() as tx:
        if activity.object_id == activity.actor:
            await RemoteRepo(tx.conn).mark_gone(activity.actor)  # nothing goes to it any more
            fed.remote.forget(activity.actor)  # nor is anything accepted from it
            return
        repo = RemoteObjectRepo(tx.conn)
        existing = await repo.find(activity.object_id)
        if existing is not None and existing.is_deleted:
            raise Ignored("this object was already deleted")
        if existing is None and not await FollowRepo(tx.conn).is_followed(activity.actor):
            raise Ignored("it deletes an object we do not have")
        # Unknown but from a followed actor: a tombstone, so that a late Create stays dead.
        await repo.tombstone(ap_id=activity.object_id, actor=activity.actor,
                             host=host_of(activity.object_id), activity_id=activity.id,
                             at=fed.now())
