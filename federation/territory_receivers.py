"""What a followed territory sends, received: its proposals as `Question`s in our vocabulary,
its debates leaving draft (Announce of a Group) or changing status (Update(Group)), its
proposals deleted. Only THC peers: a `Question` is ingested when its sender's origin is a
territory our Application actor follows (accepted) and it carries our vocabulary; anything
else goes on to the generic handlers and to participation (Mastodon-style votes stay apart)."""
from __future__ import annotations

from node import services
from node.errors import Invalid
from storage.repos.network import NetworkRepo

from . import territory_ingest as ingest
from . import vocab
from .territories import territory_of
from .uris import origin_of
from .work import Ignored, Work


async def receive_question(work: Work, activity: vocab.Activity) -> bool:
    """Create/Update(Question) from a followed territory: into the network view. False when
    it is not one (another sender, or a poll without our vocabulary): the caller goes on."""
    fed = work.fed
    territory = await territory_of(fed, activity.actor)
    if (territory is None or activity.object_id is None
            or origin_of(activity.object_id) != origin_of(territory)):
        return False  # not a territory's own proposal: the generic handlers decide
    raw = vocab.parse_json(activity.object_json) if activity.object_json else None
    if not isinstance(raw, dict) or origin_of(str(raw.get("id"))) != origin_of(activity.actor):
        # Only the sender's own origin is taken as sent (signed with the request); anything
        # else is fetched from its origin (INTEROP rules 1 and 3).
        url, raw = await fed.fetcher.get_ap(activity.object_id, sign_as=fed.node_identity)
        if url != activity.object_id:
            raise vocab.MalformedActivity("the object's origin serves it under another id")
    if not vocab.is_thc_question(raw):
        return False
    # At this point: the sender speaks for a territory we follow, the Question is its own.
    info = vocab.from_ap_thc_question(raw)
    pending = await ingest.prepare(fed, territory, [info])
    async with work.transaction() as tx:
        await ingest.write(tx, fed, territory, pending)
        await services.upsert_remote_proposal(tx, fed.clock, territory, info,
                                             created=activity.type == "Create")
    return True


async def receive_announce(work: Work, activity: vocab.Activity) -> None:
    """A followed territory's Application announces a debate leaving draft: its Group is
    fetched from its origin (nothing embedded is trusted) and recorded in the network view."""
    fed = work.fed
    territory = await territory_of(fed, activity.actor)
    if territory is None or territory != activity.actor:
        raise Ignored("not an announce by a territory we follow")
    if activity.object_id is None or origin_of(activity.object_id) != origin_of(territory):
        raise Ignored("it announces nothing of the territory's own")
    if activity.object_type not in (None, "Group"):
        raise Ignored("only a territory's debates (Group) are taken from its announces")
    if not await refresh_debate(work, territory, activity.object_id):
        raise Ignored("it announces no debate")


async def receive_group_update(work: Work, activity: vocab.Activity) -> bool:
    """Update(Group) by a followed territory's debate (its status changed): refreshed here.
    False when the sender is not a followed territory's actor."""
    territory = await territory_of(work.fed, activity.actor)
    if territory is None or activity.object_type != "Group":
        return False
    return await refresh_debate(work, territory, activity.actor)


async def refresh_debate(work: Work, territory: str, group: str) -> bool:
    """Fetch a territory's Group from its origin and record it; False when it is no Group."""
    fed = work.fed
    try:
        debate = await ingest.debate_info(fed, group, force=True)
    except Invalid:
        return False
    pending = ingest.Pending(await ingest.territory_info(fed, territory), {group: debate})
    async with work.transaction() as tx:
        await ingest.write(tx, fed, territory, pending)
    return True


async def receive_delete(work: Work, activity: vocab.Activity) -> bool:
    """A followed territory deleted (or hid) one of its proposals: tombstoned here. False when
    the Delete is not about a proposal of a followed territory."""
    fed = work.fed
    object_id = activity.object_id
    if object_id is None or origin_of(object_id) != origin_of(activity.actor):
        return False
    territory = await territory_of(fed, activity.actor)
    if territory is None:
        return False
    known = await NetworkRepo(fed.db.read().conn).find_proposal(object_id)
    former = vocab.parse_json(activity.object_json) if activity.object_json else {}
    is_question = (activity.object_type == "Question"
                   or (isinstance(former, dict) and former.get("formerType") == "Question"))
    if known is None and not is_question:
        return False  # a reply or anything else: the generic handlers decide
    # When the territory says when (a Tombstone's `deleted`, its own clock): a Create it sends
    # later compares with that, not with when the Delete reached us.
    deleted_at = None
    if isinstance(former, dict) and "deleted" in former:
        try:
            deleted_at = vocab.parse_moment(former["deleted"], "deleted")
        except Invalid:
            deleted_at = None
    async with work.transaction() as tx:
        try:
            await services.tombstone_remote_proposal(tx, fed.clock, territory, object_id,
                                                    deleted_at=deleted_at)
        except Invalid:
            if deleted_at is None:
                raise
            # A `deleted` out of range (a clock far ahead): when it reached us, then.
            await services.tombstone_remote_proposal(tx, fed.clock, territory, object_id)
    return True
