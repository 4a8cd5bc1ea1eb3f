"""Retention (issue 4): old inbox records, delivered deliveries and unused remote actors are
deleted by the workers, while dedupe stays sound (a late retry of a deleted activity is still
a duplicate) and activity ids keep dereferencing."""
from __future__ import annotations

from storage.repos.follows import FollowRepo
from storage.repos.inbox import InboxRepo
from storage.repos.outbox import OutboxRepo
from storage.repos.remote import RemoteRepo
from tests.federation.harness import (  # noqa: F401
    make_fed_node,
    make_peer,
    open_debate,
    peer_keys,
)
from tests.support import settle
from web import appkeys

INBOX = "http://alpha.test/debats/eau/inbox"
DEBATE = "http://alpha.test/debats/eau"


async def _retention(node) -> None:
    await node.app[appkeys.FEDERATION].run_retention(force=True)


async def test_old_inbox_records_go_but_their_ids_still_dedupe(make_fed_node, make_peer):
    # Given a processed activity from a peer
    alpha = await make_fed_node("alpha", inbox_retention_days=7, seen_ids_retention_days=30)
    await open_debate(alpha, "eau")
    mallory = await make_peer("mallory")
    mallory.add_actor("mallory", peer_keys(1))
    like = mallory.activity("mallory", "Like", DEBATE)
    assert (await mallory.post(INBOX, like, now=alpha.clock.now()))[0] == 202
    await settle(alpha)
    inbox = InboxRepo(alpha.db.read().conn)
    assert (await inbox.find(like["id"])).state in ("processed", "ignored")
    # When retention runs before and after the inbox retention age
    alpha.clock.advance(days=6)
    await _retention(alpha)
    assert await inbox.find(like["id"]) is not None
    alpha.clock.advance(days=2)
    await _retention(alpha)
    # Then the record is gone, its id remembered
    assert await inbox.find(like["id"]) is None and await inbox.is_seen(like["id"])
    # And the peer's late retry (signed anew) is acknowledged but recorded as a duplicate
    assert (await mallory.post(INBOX, like, now=alpha.clock.now()))[0] == 202
    assert await inbox.count() == 0
    # And the id is forgotten once the seen-ids age has passed
    alpha.clock.advance(days=31)
    await _retention(alpha)
    assert not await inbox.is_seen(like["id"])


async def test_delivered_deliveries_go_and_their_activity_still_dereferences(make_fed_node,
                                                                             make_peer):
    # Given a peer that follows a debate and got the Accept
    alpha = await make_fed_node("alpha", delivery_retention_days=14)
    await open_debate(alpha, "eau")
    mallory = await make_peer("mallory")
    mallory.add_actor("mallory", peer_keys(1))
    follow = mallory.activity("mallory", "Follow", DEBATE)
    assert (await mallory.post(INBOX, follow, now=alpha.clock.now()))[0] == 202
    await settle(alpha)
    outbox = OutboxRepo(alpha.db.read().conn)
    [accept] = await outbox.list_deliveries()
    assert accept.state == "delivered"
    # When retention runs after the delivery retention age
    alpha.clock.advance(days=15)
    await _retention(alpha)
    # Then the delivery row is gone; the Accept's id still serves the activity
    assert await outbox.list_deliveries() == []
    async with alpha.db.read().conn.execute("SELECT ap_id FROM outbox_activities") as cur:
        [ap_id] = [r[0] for r in await cur.fetchall()]
    async with alpha.client.get(ap_id, headers={"Accept": "application/activity+json"}) as r:
        assert r.status == 200 and (await r.json())["type"] == "Accept"


async def test_unused_remote_actors_are_purged_unless_they_follow_or_are_followed(
        make_fed_node, make_peer):
    # Given two peers known to alpha: one follows the debate, the other only liked it
    alpha = await make_fed_node("alpha", remote_actor_retention_days=90)
    await open_debate(alpha, "eau")
    mallory = await make_peer("mallory")
    mallory.add_actor("mallory", peer_keys(1))
    mallory.add_actor("eve", peer_keys(2))
    assert (await mallory.post(INBOX, mallory.activity("mallory", "Follow", DEBATE),
                               now=alpha.clock.now()))[0] == 202
    assert (await mallory.post(INBOX, mallory.activity("eve", "Like", DEBATE), user="eve",
                               now=alpha.clock.now()))[0] == 202
    await settle(alpha)
    remote = RemoteRepo(alpha.db.read().conn)
    follower, liker = mallory.actor_uri("mallory"), mallory.actor_uri("eve")
    assert await remote.find_actor(follower) and await remote.find_actor(liker)
    assert await FollowRepo(alpha.db.read().conn).count_followers("debate:1") == 1
    # When retention runs long after they were last fetched
    alpha.clock.advance(days=91)
    await _retention(alpha)
    # Then only the actor nobody relates to is purged
    assert await remote.find_actor(follower) is not None
    assert await remote.find_actor(liker) is None
