"""Interoperability with an implementation nobody here wrote: a Fedify 2.3.6 peer (peer.mjs)
and THC nodes, over real HTTP on 127.0.0.1, with real signatures verified on both sides."""
from __future__ import annotations

import aiohttp
import pytest

from federation import follows
from storage.repos.follows import FollowRepo
from storage.repos.inbox import InboxRepo
from tests.federation.harness import add_member, open_debate
from tests.support import settle

# Our inbox records the scheme as "cavage" or "rfc9421"; peer.mjs reports the wire header.
OUR_SCHEME = {"draft-cavage": "cavage", "rfc9421": "rfc9421"}
PEER_SCHEME = {"draft-cavage": "draft-cavage", "rfc9421": "rfc9421"}
SETTLE_TIMEOUT = 15.0  # the peer is another process: leave room on a busy machine


async def _our_inbox(node):
    return await InboxRepo(node.db.read().conn).list_all()


def _only(records: list[dict], activity_type: str) -> dict:
    found = [r for r in records if r["type"] == activity_type]
    assert len(found) == 1, f"expected one {activity_type} in the peer's inbox, got {records}"
    return found[0]


async def _collection_items(peer, url: str) -> tuple[dict, list[str]]:
    """Walk a collection the way Fedify parses it (every page fetched with a signed GET)."""
    kind, collection = await peer.lookup(url)
    assert kind in ("OrderedCollection", "Collection"), (kind, collection)
    items, page_url = [], collection.get("first")
    while page_url:
        page_url = page_url if isinstance(page_url, str) else page_url["id"]
        kind, page = await peer.lookup(page_url)
        assert kind in ("OrderedCollectionPage", "CollectionPage"), (kind, page)
        listed = page.get("orderedItems", page.get("items", []))
        listed = listed if isinstance(listed, list) else [listed]
        items += [item if isinstance(item, str) else item["id"] for item in listed]
        page_url = page.get("next")
    return collection, items


async def test_the_peer_starts_and_serves_its_actor(fedify_peer):
    # Given a freshly started Fedify peer
    # When its actor is fetched as ActivityStreams
    status, content_type, actor = await fedify_peer.get_actor()
    # Then it is a Person with an RSA key, served as AS2 by Fedify, and its inbox is empty
    assert (status, content_type) == (200, "application/activity+json")
    assert actor["id"] == fedify_peer.actor_url and actor["type"] == "Person"
    assert actor["inbox"] == fedify_peer.actor_url + "/inbox"
    assert actor["publicKey"]["id"] == fedify_peer.key_id
    assert actor["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert await fedify_peer.inbox() == []


async def test_the_peer_records_an_unsigned_delivery_as_unverified(fedify_peer):
    # Given a Fedify peer (so that `verified: true` elsewhere means something)
    activity = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
                "id": f"{fedify_peer.url}/forged/1", "actor": fedify_peer.actor_url,
                "object": {"type": "Note", "id": f"{fedify_peer.url}/forged/2", "content": "x"}}
    # When an unsigned activity is POSTed to its inbox
    async with aiohttp.ClientSession() as session:
        async with session.post(fedify_peer.actor_url + "/inbox", json=activity,
                                headers={"Content-Type": "application/activity+json"}) as response:
            status = response.status
    # Then Fedify refused it, and the record says so
    assert status == 401
    [record] = await fedify_peer.inbox()
    assert (record["type"], record["status"], record["verified"], record["scheme"]) == (
        "Create", 401, False, None)
    assert record["http_signature"]["verified"] is False
    assert record["unverified_reason"] == {"type": "noSignature"}, record


@pytest.mark.parametrize(
    ("first_knock", "authorized_fetch"),
    [("draft-cavage", False), ("rfc9421", False), ("draft-cavage", True)],
    ids=["cavage", "rfc9421", "cavage-authorized-fetch"],
)
async def test_fedify_follows_a_debate_and_verifies_our_accept(
    start_peer, make_interop_node, first_knock, authorized_fetch
):
    # Given a THC node with an open debate, and a Fedify peer whose first knock is `first_knock`
    node = await make_interop_node("alpha", authorized_fetch=authorized_fetch)
    await open_debate(node, "eau")
    debate = f"{node.url}/debats/eau"
    peer = start_peer(first_knock)

    # When the peer looks the debate up (signed GET) and follows it by its actor URL
    kind, group = await peer.lookup(debate)
    assert kind == "Group" and group["id"] == debate and group["preferredUsername"] == "eau"
    followed = await peer.follow(debate)
    assert (followed["actor"], followed["actor_type"]) == (debate, "Group")
    follow_id = followed["follow"]["id"]

    # Then our node verified the peer's signature, in the scheme Fedify knocked with first
    [message] = await _our_inbox(node)
    assert (message.activity_type, message.activity_id) == ("Follow", follow_id)
    assert message.actor == peer.actor_url and message.key_id == peer.key_id
    assert message.signature_scheme == OUR_SCHEME[first_knock]

    # When our node's workers run: the Follow is processed and the Accept delivered
    await settle(node, timeout=SETTLE_TIMEOUT)

    # Then Fedify received the Accept and verified our signature on it
    [message] = await _our_inbox(node)
    assert message.state == "processed", message
    accept = _only(await peer.inbox(), "Accept")
    assert accept["path"] == "/users/peer/inbox"  # the follower's own inbox
    assert accept["status"] == 202, accept
    assert accept["verified"] is True and accept["listener"] == "Accept", accept
    assert accept["http_signature"] == {"verified": True, "key_id": debate + "#main-key"}, accept
    # signed the way our node learnt this peer speaks (RFC 9421 once it has worked)
    assert accept["scheme"] == PEER_SCHEME[first_knock], accept["headers"]
    # and it echoes the Follow with its id (what Mastodon requires)
    echoed = accept["activity"]["object"]
    assert (echoed["id"] if isinstance(echoed, dict) else echoed) == follow_id
    assert accept["activity"]["actor"] == debate

    # And the debate's followers collection, as Fedify reads it, lists the peer
    collection, items = await _collection_items(peer, f"{debate}/followers")
    assert collection["totalItems"] == 1
    assert items == [peer.actor_url]


@pytest.mark.parametrize("peer_authorized_fetch", [False, True], ids=["open", "peer-authorized-fetch"])
async def test_a_member_follows_the_fedify_peer_and_fedify_accepts(
    start_peer, make_interop_node, peer_authorized_fetch
):
    # Given a member of a THC node, and a Fedify peer (serving its actor only to signed GETs
    # in authorized fetch mode)
    node = await make_interop_node("alpha")
    member = node.fed.local.of_member(await add_member(node, "bob"))
    peer = start_peer(authorized_fetch=peer_authorized_fetch)
    # When the member follows the Fedify peer's actor (Fedify auto-accepts follows)
    await follows.follow(node.fed.deps, member, peer.actor_url)
    await settle(node, timeout=SETTLE_TIMEOUT)
    # Then Fedify verified our Follow, and our node verified and processed Fedify's Accept
    follow = _only(await peer.inbox(), "Follow")
    assert follow["verified"] is True and follow["status"] == 202, follow
    assert follow["http_signature"] == {"verified": True, "key_id": member.ap_id + "#main-key"}
    assert "accept_error" not in follow, follow
    [accept] = await _our_inbox(node)
    assert (accept.activity_type, accept.state) == ("Accept", "processed")
    assert accept.key_id == peer.key_id
    following = await FollowRepo(node.db.read().conn).find_following(member.owner, peer.actor_url)
    assert following is not None and following.state == "accepted"
    # And under authorized fetch every GET our node made of the peer's actor was signed,
    # verified by Fedify and served
    fetches = await peer.fetches()
    if peer_authorized_fetch:
        assert fetches and all(f["allowed"] and f["key_id"].startswith(node.url) for f in fetches), fetches
    else:
        assert fetches == []


async def test_fedify_discovers_the_node(fedify_peer, make_interop_node):
    # Given a THC node with an open debate
    node = await make_interop_node("alpha")
    await open_debate(node, "eau")
    handle_host = node.url.removeprefix("http://")
    # When the peer resolves the debate's handle (WebFinger over http: the peer's own code,
    # since Fedify's lookup always uses https) and Fedify fetches what it points to
    followed = await fedify_peer.follow(f"acct:eau@{handle_host}")
    # Then it is the debate's Group
    assert (followed["actor"], followed["actor_type"]) == (f"{node.url}/debats/eau", "Group")
    # And Fedify parses the node's Application actor and its NodeInfo (strict parser)
    kind, actor = await fedify_peer.lookup(f"{node.url}/actor")
    assert kind == "Application" and actor["id"] == f"{node.url}/actor"
    info = await fedify_peer.nodeinfo(node.url)
    assert info["href"] == f"{node.url}/nodeinfo/2.1"
    assert info["nodeinfo"]["software"]["name"] == "thc-node"
    assert "activitypub" in info["nodeinfo"]["protocols"]


async def test_fedify_unfollows_with_undo(fedify_peer, make_interop_node):
    # Given the peer following a debate, accepted
    node = await make_interop_node("alpha")
    await open_debate(node, "eau")
    debate = f"{node.url}/debats/eau"
    followed = await fedify_peer.follow(debate)
    await settle(node, timeout=SETTLE_TIMEOUT)
    assert (await _collection_items(fedify_peer, f"{debate}/followers"))[1] == [fedify_peer.actor_url]
    # When the peer sends Undo(Follow), signed by Fedify, to the debate's inbox
    sent = await fedify_peer.send(debate, {"type": "Undo", "object": followed["follow"]})
    assert sent["inbox"] == f"{debate}/inbox"
    await settle(node, timeout=SETTLE_TIMEOUT)
    # Then our node verified and processed it, and the debate has no follower left
    undo = (await _our_inbox(node))[-1]
    assert (undo.activity_type, undo.state, undo.key_id) == ("Undo", "processed", fedify_peer.key_id)
    collection, items = await _collection_items(fedify_peer, f"{debate}/followers")
    assert collection["totalItems"] == 0 and items == []


async def test_fedify_gets_proposals_as_polls_votes_and_replies(
        fedify_peer, make_interop_node, monkeypatch):
    """Issue 5: the peer follows a debate, receives a new proposal as Create(Question) it
    parses as a poll, votes (twice the same, then another choice), gets Update(Question) with
    the new totals, and its reply tagged #contre becomes an argument against."""
    from datetime import timedelta

    from federation import fanout
    from node import services
    from node.model import ProposalDraft, Stance

    monkeypatch.setattr(fanout, "TALLY_DEBOUNCE", timedelta(0))  # a real clock: no minute wait
    node = await make_interop_node("alpha")
    await open_debate(node, "eau")
    debate = f"{node.url}/debats/eau"
    peer = fedify_peer
    await peer.follow(debate)
    await settle(node, timeout=SETTLE_TIMEOUT)

    # When a member submits a proposal
    alice = await add_member(node, "alice", display_name="Alice Martin")
    async with node.db.transaction() as tx:
        proposal = await services.submit_proposal(
            tx, node.clock, alice, "eau", ProposalDraft("Des fontaines", "Dix fontaines."))
    question = f"{node.url}/propositions/{proposal.id}"
    await settle(node, timeout=SETTLE_TIMEOUT)

    # Then the peer received Create(Question) by the Group, verified
    create = _only(await peer.inbox(), "Create")
    assert create["verified"] is True and create["status"] == 202, create
    assert create["activity"]["actor"] == debate
    assert create["activity"]["object"]["id"] == question
    # and Fedify parses the proposal's URL as a poll by the Group
    kind, poll = await peer.lookup(question)
    assert kind == "Question", poll
    assert poll["attributedTo"] == debate
    options = [o["name"] for o in poll["oneOf"]]
    assert options == ["D'accord", "Mitigé", "Pas d'accord"]

    # When the peer votes "Pas d'accord", delivered twice, then changes to "Mitigé"
    vote = {"id": f"{peer.url}/votes/1", "type": "Create", "to": debate,
            "object": {"id": f"{peer.url}/votes/1/note", "type": "Note",
                       "name": "Pas d'accord", "inReplyTo": question, "to": debate}}
    await peer.send(debate, vote)
    await peer.send(debate, vote)
    await settle(node, timeout=SETTLE_TIMEOUT)
    tally = (await services.get_proposal_detail(node.db.read(), node.clock, proposal.id)).tally
    assert (tally.remote.against_votes, tally.all.total) == (1, 1)
    await peer.send(debate, {"type": "Create", "to": debate, "object": {
        "type": "Note", "name": "Mitigé", "inReplyTo": question, "to": debate}})
    await settle(node, timeout=SETTLE_TIMEOUT)
    tally = (await services.get_proposal_detail(node.db.read(), node.clock, proposal.id)).tally
    assert (tally.remote.mixed_votes, tally.remote.against_votes, tally.all.total) == (1, 0, 1)

    # Then the peer received Update(Question) with the new totals, without `updated`
    updates = [r for r in await peer.inbox() if r["type"] == "Update"]
    assert updates and all(u["verified"] is True for u in updates), updates
    latest = updates[-1]["activity"]["object"]
    assert latest["type"] == "Question" and "updated" not in latest
    assert [o["replies"]["totalItems"] for o in latest["oneOf"]] == [0, 1, 0]
    assert latest["votersCount"] == 1

    # When the peer replies with #contre, it is an argument against, by the peer
    await peer.send(debate, {"type": "Create", "to": debate, "object": {
        "type": "Note", "content": "<p>Trop cher. #contre</p>", "inReplyTo": question,
        "to": debate}})
    await settle(node, timeout=SETTLE_TIMEOUT)
    page = await services.list_arguments(node.db.read(), proposal.id)
    [argument] = page.items
    assert argument.stance is Stance.AGAINST and argument.author.ap_id == peer.actor_url
    assert argument.body == "Trop cher. #contre"
