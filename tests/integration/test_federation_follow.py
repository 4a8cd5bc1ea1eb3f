"""Follows across real nodes over real HTTP with real signatures (draft-cavage and RFC 9421,
with and without authorized fetch), through WebFinger, inbox, dispatch and delivery."""
from __future__ import annotations

import pytest

from federation import follows, webfinger
from federation.vocab import AS_MEDIA_TYPE
from storage.repos.follows import FollowRepo
from storage.repos.inbox import InboxRepo
from storage.repos.outbox import OutboxRepo
from storage.repos.remote import RemoteRepo
from tests.federation.harness import (  # noqa: F401
    add_member,
    make_fed_node,
    open_debate,
    peer_keys,
)
from tests.support import settle

AS2 = {"Accept": AS_MEDIA_TYPE}


async def _messages(node):
    return await InboxRepo(node.db.read().conn).list_all()


async def _follow_debate(alpha, beta, username="bob", slug="eau"):
    """Given a debate on alpha and a member on beta, the member follows it by handle."""
    await open_debate(alpha, slug)
    member = await add_member(beta, username)
    bob = beta.fed.local.of_member(member)
    debate_uri = await webfinger.resolve(beta.fed.deps, f"@{slug}@alpha.test")
    row = await follows.follow(beta.fed.deps, bob, debate_uri)
    return bob, debate_uri, row


async def _following_state(node, owner: str, target: str) -> str | None:
    row = await FollowRepo(node.db.read().conn).find_following(owner, target)
    return row.state if row else None


async def _follower_state(node, owner: str, follower: str) -> str | None:
    row = await FollowRepo(node.db.read().conn).find_follower(owner, follower)
    return row.state if row else None


async def _get_ap(reader, url: str) -> dict:
    """GET an AS2 document the way a node does: signed by its Application actor."""
    _, document = await reader.fed.fetcher.get_ap(url, sign_as=reader.fed.node_identity)
    return document


async def _followers_of(node, path: str, reader=None) -> list[str]:
    # Read by another node (signed), so it works under authorized fetch too.
    reader = reader or node
    page = await _get_ap(reader, f"{node.url}{path}/followers?page=true")
    return page["orderedItems"]


@pytest.mark.parametrize("authorized_fetch", [False, True], ids=["open", "authorized-fetch"])
async def test_member_follows_remote_debate_and_gets_the_accept(make_fed_node, authorized_fetch):
    # Given two nodes, with authorized fetch on both or on neither
    alpha = await make_fed_node("alpha", authorized_fetch=authorized_fetch)
    beta = await make_fed_node("beta", authorized_fetch=authorized_fetch)
    # When a member of beta follows a debate of alpha, found by its handle
    bob, debate_uri, row = await _follow_debate(alpha, beta)
    assert row.state == "pending" and debate_uri == "http://alpha.test/debats/eau"
    await settle(alpha, beta)
    # Then alpha accepted and beta recorded the Accept
    assert await _following_state(beta, bob.owner, debate_uri) == "accepted"
    assert await _followers_of(alpha, "/debats/eau", reader=beta) == [bob.ap_id]
    # And both inboxes processed signed activities (cavage by default)
    [follow] = await _messages(alpha)
    [accept] = await _messages(beta)
    assert (follow.activity_type, follow.state) == ("Follow", "processed")
    assert follow.signature_scheme == "cavage"
    assert follow.key_id == bob.ap_id + "#main-key"
    assert (accept.activity_type, accept.state) == ("Accept", "processed")
    assert accept.key_id == debate_uri + "#main-key"
    # And every delivery was delivered
    for node in (alpha, beta):
        deliveries = await OutboxRepo(node.db.read().conn).list_deliveries()
        assert [d.state for d in deliveries] == ["delivered"]
    # And under authorized fetch an unsigned GET is refused, except for the Application actor
    async with beta.client.get(debate_uri, headers=AS2) as response:
        assert response.status == (401 if authorized_fetch else 200)
    async with beta.client.get("http://alpha.test/actor", headers=AS2) as response:
        assert response.status == 200


async def test_accept_echoes_the_follow_with_its_id(make_fed_node):
    # Given a member of beta following a debate of alpha
    alpha = await make_fed_node("alpha")
    beta = await make_fed_node("beta")
    bob, debate_uri, row = await _follow_debate(alpha, beta)
    await settle(alpha, beta)
    # When the Accept alpha sent is fetched by its id
    [accept] = await _messages(beta)
    body = await _get_ap(beta, accept.activity_id)
    # Then it is dereferenceable and echoes beta's Follow with its id (Mastodon accept.rb)
    assert body["type"] == "Accept" and body["actor"] == debate_uri
    assert body["object"] == {"id": row.follow_ap_id, "type": "Follow", "actor": bob.ap_id,
                              "object": debate_uri}


async def test_follow_works_in_rfc9421_mode_once_the_peer_is_known_to_speak_it(make_fed_node):
    # Given beta remembers alpha as an RFC 9421 peer (alpha will learn it from beta's Follow)
    alpha = await make_fed_node("alpha")
    beta = await make_fed_node("beta")
    await beta.fed.schemes.remember("alpha.test", "rfc9421")
    # When a member of beta follows a debate of alpha
    bob, debate_uri, _ = await _follow_debate(alpha, beta)
    await settle(alpha, beta)
    # Then both directions were signed and verified as RFC 9421
    [follow] = await _messages(alpha)
    [accept] = await _messages(beta)
    assert (follow.signature_scheme, follow.state) == ("rfc9421", "processed")
    assert (accept.signature_scheme, accept.state) == ("rfc9421", "processed")
    host = await RemoteRepo(alpha.db.read().conn).find_host("beta.test")
    assert host is not None and host.signature_scheme == "rfc9421"
    assert await _following_state(beta, bob.owner, debate_uri) == "accepted"


async def test_undo_follow_removes_the_follower(make_fed_node):
    # Given a member of beta following a debate of alpha
    alpha = await make_fed_node("alpha")
    beta = await make_fed_node("beta")
    bob, debate_uri, _ = await _follow_debate(alpha, beta)
    await settle(alpha, beta)
    # When the member unfollows
    assert await follows.unfollow(beta.fed.deps, bob, debate_uri) is True
    await settle(alpha, beta)
    # Then alpha no longer lists them, and beta no longer follows
    assert await _followers_of(alpha, "/debats/eau") == []
    assert await _following_state(beta, bob.owner, debate_uri) is None
    undo = (await _messages(alpha))[-1]
    assert (undo.activity_type, undo.state) == ("Undo", "processed")


async def test_person_and_application_actors_can_be_followed(make_fed_node):
    # Given a member on alpha, and beta's node actor
    alpha = await make_fed_node("alpha")
    beta = await make_fed_node("beta")
    alice = alpha.fed.local.of_member(await add_member(alpha, "alice"))
    beta_node = beta.fed.local.node()
    # When beta (the node itself) follows alice, and alice follows beta's node actor
    await follows.follow(beta.fed.deps, beta_node, alice.ap_id)
    await follows.follow(alpha.fed.deps, alice, beta_node.ap_id)
    await settle(alpha, beta)
    # Then both follows are accepted (auto-accept by default)
    assert await _following_state(beta, "node", alice.ap_id) == "accepted"
    assert await _following_state(alpha, alice.owner, beta_node.ap_id) == "accepted"
    assert await _followers_of(alpha, "/membres/alice") == [beta_node.ap_id]
    assert await _followers_of(beta, "/actor") == [alice.ap_id]


async def test_node_to_node_follow_waits_for_approval_when_manual(make_fed_node):
    # Given alpha approves node-to-node follows by hand
    alpha = await make_fed_node("alpha", manual_node_follow_approval=True)
    beta = await make_fed_node("beta")
    alpha_node_uri = alpha.fed.local.node().ap_id
    # When beta's node follows alpha's node
    await follows.follow(beta.fed.deps, beta.fed.local.node(), alpha_node_uri)
    await settle(alpha, beta)
    # Then it stays pending on both sides, and alpha's actor says it approves by hand
    assert await _follower_state(alpha, "node", beta.fed.local.node().ap_id) == "pending"
    assert await _following_state(beta, "node", alpha_node_uri) == "pending"
    assert (await _get_ap(beta, alpha_node_uri))["manuallyApprovesFollowers"] is True
    # When alpha's operator approves it
    await follows.approve_follower(alpha.fed.deps, alpha.fed.local.node(), beta.fed.local.node().ap_id)
    await settle(alpha, beta)
    # Then beta's follow is accepted
    assert await _following_state(beta, "node", alpha_node_uri) == "accepted"


async def test_rejected_follow_is_dropped_by_the_follower(make_fed_node):
    # Given a pending node-to-node follow under manual approval
    alpha = await make_fed_node("alpha", manual_node_follow_approval=True)
    beta = await make_fed_node("beta")
    alpha_node_uri = alpha.fed.local.node().ap_id
    await follows.follow(beta.fed.deps, beta.fed.local.node(), alpha_node_uri)
    await settle(alpha, beta)
    # When alpha rejects it
    await follows.reject_follower(alpha.fed.deps, alpha.fed.local.node(), beta.fed.local.node().ap_id)
    await settle(alpha, beta)
    # Then beta no longer records the follow, and alpha has no follower
    assert await _following_state(beta, "node", alpha_node_uri) is None
    assert await _followers_of(alpha, "/actor") == []
    reject = (await _messages(beta))[-1]
    assert (reject.activity_type, reject.state) == ("Reject", "processed")


async def test_member_follow_is_not_held_by_manual_node_approval(make_fed_node):
    # Given alpha approves node-to-node follows by hand
    alpha = await make_fed_node("alpha", manual_node_follow_approval=True)
    beta = await make_fed_node("beta")
    # When a member of beta follows alpha's node actor (a Person, not an Application)
    bob = beta.fed.local.of_member(await add_member(beta, "bob"))
    await follows.follow(beta.fed.deps, bob, alpha.fed.local.node().ap_id)
    await settle(alpha, beta)
    # Then it is accepted at once
    assert await _following_state(beta, bob.owner, alpha.fed.local.node().ap_id) == "accepted"


async def test_followers_collection_is_paged_with_keyset_pages(make_fed_node):
    # Given 45 members of beta following one debate of alpha (more than a page of 40)
    alpha = await make_fed_node("alpha")
    beta = await make_fed_node("beta")
    await open_debate(alpha, "eau")
    debate_uri = "http://alpha.test/debats/eau"
    members = []
    for i in range(45):
        # One shared pre-generated key pair: 45 RSA generations would dominate the test.
        added = await add_member(beta, f"m{i:02d}", keys=peer_keys(0))
        member = beta.fed.local.of_member(added)
        members.append(member.ap_id)
        await follows.follow(beta.fed.deps, member, debate_uri)
    await settle(alpha, beta)
    # When the collection and its pages are walked
    collection = await _get_ap(beta, f"{debate_uri}/followers")
    seen, url = [], collection["first"]
    while url:
        page = await _get_ap(beta, url)
        assert page["type"] == "OrderedCollectionPage" and page["partOf"] == collection["id"]
        seen += page["orderedItems"]
        url = page.get("next")
    # Then totalItems counts them and the pages list each follower once
    assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 45
    assert sorted(seen) == sorted(members) and len(set(seen)) == 45


async def test_duplicate_follow_delivery_is_recorded_once(make_fed_node):
    # Given a member of beta following a debate of alpha, delivered and processed
    alpha = await make_fed_node("alpha")
    beta = await make_fed_node("beta")
    await _follow_debate(alpha, beta)
    await settle(alpha, beta)
    # When the same Follow is delivered again (a retry after a lost answer)
    [follow] = await OutboxRepo(beta.db.read().conn).list_deliveries()
    async with beta.db.transaction() as tx:
        await tx.conn.execute("UPDATE deliveries SET state = 'pending' WHERE id = ?", (follow.id,))
    await settle(alpha, beta)
    # Then alpha acknowledged it but recorded it once, and sent one Accept
    assert len(await _messages(alpha)) == 1
    assert len(await OutboxRepo(alpha.db.read().conn).list_deliveries()) == 1
