"""Outbound federation across real nodes over real HTTP with real signatures: a member of beta
follows a debate of alpha, gets the Accept, then receives the debate's changes as they happen
(Update(Group), fanned out from the domain event); a followed peer's objects arrive as
Create / Update / Delete; with three nodes each host gets one delivery, to its shared inbox.
Draft-cavage and RFC 9421, with and without authorized fetch; verification is never mocked."""
from __future__ import annotations

import json

import pytest

from federation import follows, vocab, webfinger
from node import services
from node.model import ContentKind, DebateStatus, Operator, ProposalDraft, Role
from storage.repos.follows import FollowRepo
from storage.repos.inbox import InboxRepo
from storage.repos.outbox import OutboxRepo
from storage.repos.remote import RemoteObjectRepo, RemoteRepo
from tests.federation.harness import (  # noqa: F401
    add_member,
    make_fed_node,
    make_peer,
    open_debate,
    peer_keys,
)
from tests.support import settle

DEBATE = "http://alpha.test/debats/eau"
MODES = [("cavage", False), ("cavage", True), ("rfc9421", False), ("rfc9421", True)]


def _ids(mode) -> str:
    scheme, authorized = mode
    return f"{scheme}-{'authorized-fetch' if authorized else 'open'}"


async def _messages(node, kind: str | None = None):
    found = await InboxRepo(node.db.read().conn).list_all()
    return [m for m in found if kind is None or m.activity_type == kind]


async def _follow_debate(beta, username: str):
    member = beta.fed.local.of_member(await add_member(beta, username))
    debate_uri = await webfinger.resolve(beta.fed.deps, "@eau@alpha.test")
    await follows.follow(beta.fed.deps, member, debate_uri)
    return member


async def _close_debate(alpha, *others) -> None:
    for node in (alpha, *others):  # signatures carry a Date: the clocks move together
        node.clock.advance(minutes=1)
    async with alpha.db.transaction() as tx:
        await services.change_debate_status(tx, alpha.clock, Operator(), "eau",
                                            DebateStatus.CLOSED)


async def _deliveries_of(node, kind: str) -> list[tuple[str, str]]:
    repo = OutboxRepo(node.db.read().conn)
    async with node.db.read().conn.execute(
            "SELECT id FROM outbox_activities WHERE type = ? ORDER BY id", (kind,)) as cur:
        ids = [r[0] for r in await cur.fetchall()]
    return [(d.inbox, d.state) for i in ids for d in await repo.list_deliveries(i)]


@pytest.mark.parametrize("mode", MODES, ids=_ids)
async def test_member_receives_the_debates_changes_as_they_happen(make_fed_node, mode):
    scheme, authorized_fetch = mode
    # Given a member of beta following a debate of alpha, accepted
    alpha = await make_fed_node("alpha", authorized_fetch=authorized_fetch)
    beta = await make_fed_node("beta", authorized_fetch=authorized_fetch)
    if scheme == "rfc9421":
        # beta knows alpha speaks RFC 9421; alpha learns it from beta's signed Follow
        await beta.fed.schemes.remember("alpha.test", "rfc9421")
    await open_debate(alpha, "eau")
    bob = await _follow_debate(beta, "bob")
    await settle(alpha, beta)
    following = await FollowRepo(beta.db.read().conn).find_following(bob.owner, DEBATE)
    assert following.state == "accepted"
    [accept] = await _messages(beta, "Accept")
    assert (accept.state, accept.signature_scheme) == ("processed", scheme)
    # When a proposal is submitted, then hidden by moderation, then shown again
    question, [created, deleted, recreated] = await _proposal_hidden_and_shown(alpha, beta)
    # Then beta got its Create(Question), then the Delete (a Tombstone of it), then a new
    # Create, each signed by the debate in the same scheme and verified
    for message in (created, deleted, recreated):
        assert (message.signature_scheme, message.actor) == (scheme, DEBATE)
        assert message.key_id == DEBATE + "#main-key"
    assert (created.activity_type, created.state) == ("Create", "processed")
    assert (deleted.activity_type, deleted.state) == ("Delete", "processed")
    assert json.loads(deleted.body)["object"] == {
        "id": question, "type": "Tombstone", "formerType": "Question",
        "deleted": json.loads(deleted.body)["published"]}
    stored = await RemoteObjectRepo(beta.db.read().conn).find(question)
    assert stored.is_deleted  # and a late copy of the first Create cannot bring it back
    # The new Create reached beta; beta keeps its tombstone (its policy for deleted ids)
    assert recreated.activity_type == "Create" and recreated.state == "ignored"
    assert recreated.activity_id != created.activity_id
    assert [s for _, s in await _deliveries_of(alpha, "Delete")] == ["delivered"]
    # When the debate closes on alpha
    await _close_debate(alpha, beta)
    await settle(alpha, beta)
    # Then beta received the debate's Update(Group), signed by the debate, and processed it
    [update] = await _messages(beta, "Update")
    assert (update.state, update.signature_scheme) == ("processed", scheme)
    assert update.key_id == DEBATE + "#main-key" and update.actor == DEBATE
    body = json.loads(update.body)
    assert body["object"]["id"] == DEBATE and body["object"]["status"] == "closed"
    # And beta refetched the Group from alpha (a signed GET: authorized fetch lets it through)
    group = await RemoteRepo(beta.db.read().conn).find_actor(DEBATE)
    assert group.fetched_at == beta.clock.now()
    # And the activity went to beta's shared inbox once, and is dereferenceable on alpha
    assert await _deliveries_of(alpha, "Update") == [("http://beta.test/inbox", "delivered")]
    _, fetched = await beta.fed.fetcher.get_ap(update.activity_id,
                                               sign_as=beta.fed.node_identity)
    assert fetched["type"] == "Update" and fetched["object"]["status"] == "closed"


async def _proposal_hidden_and_shown(alpha, beta):
    """Submit a proposal on alpha, hide it, show it again; beta's messages after each step."""
    alice = await add_member(alpha, "alice")
    moderator = await add_member(alpha, "modo", role=Role.MODERATOR)
    steps = [
        lambda tx: services.submit_proposal(tx, alpha.clock, alice, "eau",
                                            ProposalDraft("Des fontaines", "Dix fontaines.")),
        lambda tx: services.hide_content(tx, alpha.clock, moderator, ContentKind.PROPOSAL,
                                         proposal_id, "hors sujet"),
        lambda tx: services.unhide_content(tx, alpha.clock, moderator, ContentKind.PROPOSAL,
                                           proposal_id, "relu"),
    ]
    received, proposal_id = [], None
    for step in steps:
        for node in (alpha, beta):
            node.clock.advance(minutes=1)
        async with alpha.db.transaction() as tx:
            done = await step(tx)
        proposal_id = proposal_id or done.id
        await settle(alpha, beta)
        before = {m.activity_id for m in received}
        received += [m for m in await _messages(beta) if m.activity_type in ("Create", "Delete")
                     and m.activity_id not in before]
    return f"http://alpha.test/propositions/{proposal_id}", received


async def test_three_nodes_get_one_delivery_per_host_through_shared_inboxes(make_fed_node):
    # Given a debate of alpha followed by two members of beta and one of gamma
    alpha = await make_fed_node("alpha")
    beta = await make_fed_node("beta")
    gamma = await make_fed_node("gamma")
    await open_debate(alpha, "eau")
    for node, username in ((beta, "bob"), (beta, "carol"), (gamma, "dave")):
        await _follow_debate(node, username)
    await settle(alpha, beta, gamma)
    followers = await FollowRepo(alpha.db.read().conn).count_followers("debate:1")
    assert followers == 3
    # When the debate closes
    await _close_debate(alpha, beta, gamma)
    await settle(alpha, beta, gamma)
    # Then one delivery per host went out, to each host's shared inbox, and each was processed
    assert sorted(await _deliveries_of(alpha, "Update")) == [
        ("http://beta.test/inbox", "delivered"), ("http://gamma.test/inbox", "delivered")]
    for node in (beta, gamma):
        [update] = await _messages(node, "Update")
        assert update.state == "processed" and update.recipient is None  # the shared inbox


async def test_a_new_debate_is_announced_to_a_following_territory(make_fed_node):
    # Given beta's node actor following alpha's
    alpha = await make_fed_node("alpha")
    beta = await make_fed_node("beta")
    await follows.follow(beta.fed.deps, beta.fed.local.node(), alpha.fed.local.node().ap_id)
    await settle(alpha, beta)
    # When alpha opens a new debate
    for node in (alpha, beta):
        node.clock.advance(minutes=1)
    await open_debate(alpha, "eau")
    await settle(alpha, beta)
    # Then beta got an Announce of the Group by id, signed by alpha's Application actor
    [announce] = await _messages(beta, "Announce")
    body = json.loads(announce.body)
    assert body["object"] == DEBATE and announce.key_id == "http://alpha.test/actor#main-key"
    # And beta's network view took the Group from its origin (issue 5, territories)
    assert announce.state == "processed"


# -- objects of a followed peer


async def _followed_peer(beta, make_peer, scheme="cavage"):
    """bob@beta follows carol on the peer gamma.test, which accepts."""
    peer = await make_peer("gamma")
    carol = peer.add_actor("carol", peer_keys(2))
    bob = beta.fed.local.of_member(await add_member(beta, "bob"))
    row = await follows.follow(beta.fed.deps, bob, carol)
    await settle(beta)
    accept = peer.activity("carol", "Accept", {"id": row.follow_ap_id, "type": "Follow",
                                                "actor": bob.ap_id, "object": carol})
    assert (await peer.post(bob.inbox, accept, user="carol", now=beta.clock.now(),
                            scheme=scheme))[0] == 202
    await settle(beta)
    assert (await FollowRepo(beta.db.read().conn).find_following(bob.owner, carol)).state \
        == "accepted"
    return peer, carol


async def _send(beta, peer, kind: str, obj, *, user="carol", scheme="cavage") -> str:
    activity = peer.activity(user, kind, obj)
    status, text = await peer.post("http://beta.test/inbox", activity, user=user,
                                   now=beta.clock.now(), scheme=scheme)
    assert status == 202, text
    await settle(beta)
    return activity["id"]


async def _object(beta, ap_id: str):
    return await RemoteObjectRepo(beta.db.read().conn).find(ap_id)


async def _outcome(beta, activity_id: str) -> tuple[str, str | None]:
    message = await InboxRepo(beta.db.read().conn).find(activity_id)
    return message.state, message.error


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
async def test_objects_of_a_followed_actor_are_created_updated_and_deleted(
        make_fed_node, make_peer, scheme):
    # Given bob@beta following carol on a peer
    beta = await make_fed_node("beta")
    peer, carol = await _followed_peer(beta, make_peer, scheme)
    note = {"id": f"{carol}/notes/1", "type": "Note", "attributedTo": carol,
            "content": "<p>Bonjour</p>", "to": [vocab.PUBLIC]}
    # When carol creates a note
    created = await _send(beta, peer, "Create", note, scheme=scheme)
    # Then beta records it as sent (same origin: the signed copy is the sender's word)
    stored = await _object(beta, note["id"])
    assert (stored.type, stored.actor, stored.attributed_to) == ("Note", carol, carol)
    assert json.loads(stored.body)["content"] == "<p>Bonjour</p>"
    assert stored.activity_id == created
    # When she edits it
    await _send(beta, peer, "Update", {**note, "content": "<p>Bonsoir</p>"}, scheme=scheme)
    assert json.loads((await _object(beta, note["id"])).body)["content"] == "<p>Bonsoir</p>"
    # When she deletes it
    deleted = await _send(beta, peer, "Delete", {"id": note["id"], "type": "Tombstone"},
                          scheme=scheme)
    stored = await _object(beta, note["id"])
    assert stored.is_deleted and stored.body is None and stored.activity_id == deleted
    # Then a replayed Create (new activity id) cannot bring it back
    replay = await _send(beta, peer, "Create", note, scheme=scheme)
    assert await _outcome(beta, replay) == ("ignored", "this object was deleted")
    assert (await _object(beta, note["id"])).is_deleted


async def test_an_embedded_object_from_another_origin_is_refetched_not_trusted(
        make_fed_node, make_peer):
    beta = await make_fed_node("beta")
    peer, carol = await _followed_peer(beta, make_peer)
    other = await make_peer("other")
    other.documents["/notes/9"] = {"@context": vocab.AS_CONTEXT, "id": "http://other.test/notes/9",
                                   "type": "Note", "attributedTo": carol, "content": "authentic"}
    other.documents["/notes/10"] = {"@context": vocab.AS_CONTEXT,
                                    "id": "http://other.test/notes/10", "type": "Note",
                                    "attributedTo": "http://other.test/users/dave",
                                    "content": "dave's"}
    # When carol sends a Create embedding another origin's object with altered content
    forged = {"id": "http://other.test/notes/9", "type": "Note", "attributedTo": carol,
              "content": "forged"}
    await _send(beta, peer, "Create", forged)
    # Then beta stored the object as its origin serves it (a signed GET to other.test)
    assert json.loads((await _object(beta, forged["id"])).body)["content"] == "authentic"
    assert "/notes/9" in other.gets()
    # When she claims, by id only, an object its origin attributes to someone else
    claimed = await _send(beta, peer, "Create", "http://other.test/notes/10")
    # Then it is refused, and nothing is stored
    assert await _outcome(beta, claimed) == (
        "rejected", "the object is attributed to another origin than its sender's")
    assert await _object(beta, "http://other.test/notes/10") is None


async def test_objects_change_only_through_their_origin(make_fed_node, make_peer):
    # Given carol's note recorded on beta, and mallory on another host
    beta = await make_fed_node("beta")
    peer, carol = await _followed_peer(beta, make_peer)
    note = {"id": f"{carol}/notes/1", "type": "Note", "attributedTo": carol, "content": "ok"}
    await _send(beta, peer, "Create", note)
    mallory_peer = await make_peer("mallory")
    mallory_peer.add_actor("mallory", peer_keys(1))
    # When mallory updates or deletes carol's note, or updates carol herself
    tries = [
        await _send(beta, mallory_peer, "Update", {**note, "content": "pwned"}, user="mallory"),
        await _send(beta, mallory_peer, "Delete", note["id"], user="mallory"),
        await _send(beta, mallory_peer, "Update", {"id": carol, "type": "Person"},
                    user="mallory"),
    ]
    # Then each is refused with its reason, and the note is unchanged
    assert [await _outcome(beta, t) for t in tries] == [
        ("rejected", "only the object's origin may update it"),
        ("rejected", "only the object's origin may delete it"),
        ("rejected", "only the object's origin may update it"),
    ]
    assert json.loads((await _object(beta, note["id"])).body)["content"] == "ok"
    # And mallory, whom nobody follows, cannot create anything here either
    stray = await _send(beta, mallory_peer, "Create",
                        {"id": f"{mallory_peer.url}/notes/1", "type": "Note", "content": "spam"},
                        user="mallory")
    assert await _outcome(beta, stray) == ("ignored", "not from an actor we follow")


async def test_activities_carrying_our_own_ids_are_refused(make_fed_node, make_peer):
    # Given carol, followed by bob@beta
    beta = await make_fed_node("beta")
    peer, carol = await _followed_peer(beta, make_peer)
    ours = "http://beta.test/membres/bob"
    # When she sends Create, Update and Delete of objects bearing beta's ids or authorship
    tries = [
        await _send(beta, peer, "Create", {"id": f"{ours}/notes/1", "type": "Note"}),
        await _send(beta, peer, "Update", {"id": ours, "type": "Person", "name": "pwned"}),
        await _send(beta, peer, "Delete", ours),
        await _send(beta, peer, "Create", {"id": f"{carol}/notes/2", "type": "Note",
                                           "attributedTo": ours, "content": "as bob"}),
    ]
    # Then every one is refused (INTEROP security rule 4) and nothing is recorded
    refused = "a remote activity cannot create, change or delete one of our objects"
    assert [await _outcome(beta, t) for t in tries] == [("rejected", refused)] * 4
    assert await RemoteObjectRepo(beta.db.read().conn).list_all() == []
    assert (await beta.fed.local.find("member", "bob")).entity.display_name == "Bob"


async def test_an_actor_deleting_itself_gets_nothing_more(make_fed_node, make_peer):
    beta = await make_fed_node("beta")
    peer, carol = await _followed_peer(beta, make_peer)
    await _send(beta, peer, "Delete", carol)
    actor = await RemoteRepo(beta.db.read().conn).find_actor(carol)
    assert actor.is_gone
