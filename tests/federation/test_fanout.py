"""Fan-out: domain events become stored activities and one delivery per inbox, exactly once;
private events and events nobody would receive publish nothing. Followers are written straight
into the tables here (no network): delivery is another test's business."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from federation import fanout, vocab
from federation.publication import Audience, Publication
from node import services
from node.events import PRIVATE_EVENT_TYPES
from node.model import DebateStatus, Operator, Role
from storage.repos.follows import FollowRepo
from storage.repos.outbox import FanoutRepo, OutboxRepo, claim_due_now
from storage.repos.remote import RemoteActor, RemoteRepo
from tests.federation.harness import add_member, make_fed_node, open_debate  # noqa: F401

GROUP = "http://alpha.test/debats/eau"


async def _follower(node, local_owner: str, ap_id: str, *, inbox: str | None = None,
                    shared_inbox: str | None = None, software: str | None = None,
                    is_gone: bool = False) -> None:
    """A remote actor following a local actor, accepted now (as if it had sent a Follow)."""
    host = ap_id.split("/")[2]
    async with node.db.transaction() as tx:
        await RemoteRepo(tx.conn).upsert_actor(RemoteActor(
            ap_id=ap_id, type="Person", host=host, inbox=inbox or f"{ap_id}/inbox",
            shared_inbox=shared_inbox, preferred_username=None, name=None, public_key_id=None,
            public_key_pem=None, fetched_at=node.clock.now(), is_gone=is_gone))
        await FollowRepo(tx.conn).put_follower(local_owner, ap_id, f"{ap_id}#follow",
                                               "accepted", node.clock.now())
        if software:
            await RemoteRepo(tx.conn).set_software(host, software, "1.0", node.clock.now())


async def _set_status(node, slug: str, status: DebateStatus) -> None:
    async with node.db.transaction() as tx:
        await services.change_debate_status(tx, node.clock, Operator(), slug, status)


async def _activities(node) -> list[dict]:
    async with node.db.read().conn.execute(
            "SELECT body FROM outbox_activities ORDER BY id") as cur:
        return [json.loads(r[0]) for r in await cur.fetchall()]


async def _inboxes(node) -> list[str]:
    return sorted(d.inbox for d in await OutboxRepo(node.db.read().conn).list_deliveries())


async def test_debate_change_reaches_each_follower_inbox_once_shared_first(make_fed_node):
    # Given an open debate followed from three servers: one with a shared inbox (3 followers),
    # one without (2 followers), and a gone follower and a blocked one
    alpha = await make_fed_node("alpha", blocked_domains=["blocked.test"])
    await open_debate(alpha, "eau")
    for user in ("u1", "u2", "u3"):
        await _follower(alpha, "debate:1", f"http://a.test/users/{user}",
                        shared_inbox="http://a.test/inbox")
    for user in ("v1", "v2"):
        await _follower(alpha, "debate:1", f"http://b.test/users/{user}")
    await _follower(alpha, "debate:1", "http://c.test/users/gone", is_gone=True)
    await _follower(alpha, "debate:1", "http://blocked.test/users/x")
    await fanout.run_once(alpha.fed.deps)  # the debate's creation and opening: before them
    assert await _activities(alpha) == []
    # When the debate closes and fan-out runs
    alpha.clock.advance(minutes=1)
    await _set_status(alpha, "eau", DebateStatus.CLOSED)
    assert await fanout.run_once(alpha.fed.deps) == 1
    # Then one Update(Group) carrying the new status is stored, dereferenceable by its id
    [update] = await _activities(alpha)
    assert (update["type"], update["actor"]) == ("Update", GROUP)
    assert update["object"]["id"] == GROUP and update["object"]["status"] == "closed"
    assert "@context" not in update["object"] and update["to"] == [vocab.PUBLIC]
    assert update["cc"] == [GROUP + "/followers"]
    stored = await OutboxRepo(alpha.db.read().conn).find_activity(update["id"])
    assert stored.is_public and stored.object_ap_id == GROUP and stored.event_id is not None
    # And one delivery per inbox: the shared one for a.test, personal ones for b.test
    assert await _inboxes(alpha) == ["http://a.test/inbox", "http://b.test/users/v1/inbox",
                                     "http://b.test/users/v2/inbox"]
    # And a second pass publishes nothing again
    assert await fanout.run_once(alpha.fed.deps) == 0
    assert len(await _activities(alpha)) == 1


async def test_private_events_are_never_published(make_fed_node):
    # Given a member with a follower, and a publisher table that (wrongly) maps a private event
    alpha = await make_fed_node("alpha")
    alice = await add_member(alpha, "alice")
    await _follower(alpha, f"member:{alice.id}", "http://a.test/users/f")
    alpha.clock.advance(minutes=1)

    async def publish_anything(ctx, event):
        person = await ctx.member(alice.id)
        return [await ctx.update_actor(person, event)]

    table = {name: publish_anything for name in PRIVATE_EVENT_TYPES}
    # When private events happen (a token, an invitation) and fan-out runs with that table
    async with alpha.db.transaction() as tx:
        await services.issue_api_token(tx, alpha.clock, Operator(), "alice", "cli")
        await services.create_invitation(tx, alpha.clock, Operator(), note="note")
    assert await fanout.run_once(alpha.fed.deps, publishers=table) >= 2
    # Then nothing was published, and the default table maps no private event at all
    assert await _activities(alpha) == []
    assert not fanout.PUBLISHERS.keys() & PRIVATE_EVENT_TYPES


async def test_role_change_sends_update_person_to_the_members_followers(make_fed_node):
    alpha = await make_fed_node("alpha")
    alice = await add_member(alpha, "alice")
    await _follower(alpha, f"member:{alice.id}", "http://a.test/users/f",
                    shared_inbox="http://a.test/inbox")
    alpha.clock.advance(minutes=1)
    async with alpha.db.transaction() as tx:
        await services.change_role(tx, alpha.clock, Operator(), "alice", Role.REPRESENTATIVE,
                                   "adjointe aux mobilités")
    await fanout.run_once(alpha.fed.deps)
    [update] = await _activities(alpha)
    assert (update["type"], update["object"]["type"]) == ("Update", "Person")
    assert update["object"]["role"] == "representative"
    assert update["object"]["mandate"] == "adjointe aux mobilités"
    assert await _inboxes(alpha) == ["http://a.test/inbox"]


async def test_event_nobody_follows_stores_nothing(make_fed_node):
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    await _set_status(alpha, "eau", DebateStatus.CLOSED)
    assert await fanout.run_once(alpha.fed.deps) == 3  # created, opened, closed: all gone past
    assert await _activities(alpha) == []
    assert await FanoutRepo(alpha.db.read().conn).cursor() == 3


async def test_followers_accepted_after_the_event_do_not_receive_it(make_fed_node):
    # Given a debate closed before anyone followed it, fan-out not having run yet
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    await _set_status(alpha, "eau", DebateStatus.CLOSED)
    # When a follower is accepted afterwards, then fan-out runs
    alpha.clock.advance(seconds=1)
    await _follower(alpha, "debate:1", "http://a.test/users/late")
    await fanout.run_once(alpha.fed.deps)
    # Then the follower gets nothing: it read the Group's current state when it followed
    assert await _activities(alpha) == []


async def test_debate_leaving_draft_is_announced_to_the_node_followers(make_fed_node):
    # Given a territory followed by another territory's node actor
    alpha = await make_fed_node("alpha")
    await _follower(alpha, "node", "http://beta.test/actor", shared_inbox="http://beta.test/inbox")
    alpha.clock.advance(minutes=1)
    # When a debate is created (a draft: nothing) and then opened
    await open_debate(alpha, "eau")
    await fanout.run_once(alpha.fed.deps)
    # Then the node's Application actor announces the Group by id to its followers
    [announce] = await _activities(alpha)
    assert announce["type"] == "Announce" and announce["actor"] == "http://alpha.test/actor"
    assert announce["object"] == GROUP
    assert await _inboxes(alpha) == ["http://beta.test/inbox"]


async def test_a_failing_publisher_is_recorded_and_blocks_nothing(make_fed_node):
    alpha = await make_fed_node("alpha")
    alice = await add_member(alpha, "alice")
    await _follower(alpha, f"member:{alice.id}", "http://a.test/users/f")
    await open_debate(alpha, "eau")
    alpha.clock.advance(minutes=1)

    async def broken(ctx, event):
        raise ValueError("bug in a publisher")

    table = {**fanout.PUBLISHERS, "DebateStatusChanged": broken}
    await _set_status(alpha, "eau", DebateStatus.CLOSED)
    async with alpha.db.transaction() as tx:
        await services.change_role(tx, alpha.clock, Operator(), "alice", Role.MODERATOR)
    await fanout.run_once(alpha.fed.deps, publishers=table)
    # The broken event is recorded with its error; the event after it was published
    failures = await FanoutRepo(alpha.db.read().conn).list_failures()
    assert [(t, e) for _, t, e in failures] == [
        ("DebateStatusChanged", "ValueError: bug in a publisher")] * 2  # opened, then closed
    [update] = await _activities(alpha)
    assert update["object"]["type"] == "Person"


async def test_concurrent_passes_publish_each_event_once(make_fed_node):
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    await _follower(alpha, "debate:1", "http://a.test/users/f")
    alpha.clock.advance(minutes=1)
    await _set_status(alpha, "eau", DebateStatus.CLOSED)
    await asyncio.gather(*(fanout.run_once(alpha.fed.deps) for _ in range(3)))
    assert [a["type"] for a in await _activities(alpha)] == ["Update"]
    assert len(await _inboxes(alpha)) == 1


async def test_audience_can_target_personal_inboxes_known_actors_and_some_software(
        make_fed_node):
    # Given followers on two servers, one running thc-node, and a known actor (not following
    # the debate)
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    await fanout.run_once(alpha.fed.deps)
    await _follower(alpha, "debate:1", "http://a.test/users/f", shared_inbox="http://a.test/inbox",
                    software="thc-node")
    await _follower(alpha, "debate:1", "http://m.test/users/g", shared_inbox="http://m.test/inbox",
                    software="mastodon")
    await _follower(alpha, "node", "http://z.test/users/author")
    alpha.clock.advance(minutes=1)

    async def publish(ctx, event):
        group = await ctx.debate(event.debate_id)
        only_thc = Audience(followers_of=(group,), shared=False,
                            where=lambda r: r.software == "thc-node")
        direct = Audience(actors=("http://z.test/users/author", "http://unknown.test/u"))
        return [Publication(group, vocab.to_ap_announce(ctx.new_id(), group.ap_id, group.ap_id,
                                                        to=[], cc=[], published=event.occurred_at),
                            audience)
                for audience in (only_thc, direct)]

    await _set_status(alpha, "eau", DebateStatus.CLOSED)
    await fanout.run_once(alpha.fed.deps, publishers={"DebateStatusChanged": publish})
    # Then the first went to the thc-node follower's own inbox, the second to the known actor
    assert await _inboxes(alpha) == ["http://a.test/users/f/inbox",
                                     "http://z.test/users/author/inbox"]


async def test_debounced_update_is_rewritten_in_place_until_it_is_sent(make_fed_node):
    # Given a publisher that debounces Update(Person) by a minute (as Update(Question) will be)
    alpha = await make_fed_node("alpha")
    alice = await add_member(alpha, "alice", role=Role.REPRESENTATIVE, mandate="v0")
    await _follower(alpha, f"member:{alice.id}", "http://a.test/users/f")
    alpha.clock.advance(minutes=1)

    async def debounced(ctx, event):
        publication = await ctx.update_actor(await ctx.member(event.member_id), event)
        return [Publication(publication.actor, publication.activity, publication.audience,
                            publication.object_ap_id, debounce=timedelta(minutes=1))]

    table = {"MemberRoleChanged": debounced}

    async def change(mandate):
        async with alpha.db.transaction() as tx:
            await services.change_role(tx, alpha.clock, Operator(), "alice",
                                       Role.REPRESENTATIVE, mandate)
        await fanout.run_once(alpha.fed.deps, publishers=table)

    # When the mandate changes twice within the window
    first_at = alpha.clock.now()
    await change("v1")
    alpha.clock.advance(seconds=20)
    await change("v2")
    # Then one activity is waiting, under its first id, with the latest content
    [waiting] = await _activities(alpha)
    assert waiting["object"]["mandate"] == "v2"
    [delivery] = await OutboxRepo(alpha.db.read().conn).list_deliveries()
    assert delivery.next_attempt_at == first_at + timedelta(minutes=1)
    # When its delivery is attempted, and the mandate changes again
    now = alpha.clock.advance(minutes=2) or alpha.clock.now()
    await alpha.db.write(
        lambda tx: claim_due_now(tx.sqlite, now, now + timedelta(minutes=5), 10))
    await change("v3")
    # Then that change is a new activity: the first one may have reached someone already
    assert [a["object"]["mandate"] for a in await _activities(alpha)] == ["v2", "v3"]
