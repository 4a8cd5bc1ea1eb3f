"""Issue 5 with the independent Fedify peer: a Mastodon-like follower (its software is not
group-aware) gets amendments put to a vote as polls it parses and votes on, never the members'
arguments; every object id we emit parses in Fedify as what it says."""
from __future__ import annotations

from datetime import timedelta

from federation import contributions, fanout
from node import services
from node.model import AmendmentDraft, ProposalDraft, Stance
from tests.federation.harness import add_member, open_debate
from tests.support import settle

SETTLE_TIMEOUT = 15.0


async def test_fedify_votes_on_an_amendment_and_never_gets_the_arguments(
        fedify_peer, make_interop_node, monkeypatch):
    # A real clock: no minute wait (each publisher module reads its own name).
    monkeypatch.setattr(fanout, "TALLY_DEBOUNCE", timedelta(0))
    monkeypatch.setattr(contributions, "TALLY_DEBOUNCE", timedelta(0))
    node = await make_interop_node("alpha")
    await open_debate(node, "eau")
    debate = f"{node.url}/debats/eau"
    peer = fedify_peer
    await peer.follow(debate)
    await settle(node, timeout=SETTLE_TIMEOUT)
    alice = await add_member(node, "alice")
    bob = await add_member(node, "bob")
    async with node.db.transaction() as tx:
        proposal = await services.submit_proposal(
            tx, node.clock, alice, "eau", ProposalDraft("Des fontaines", "Dix fontaines."))
    await settle(node, timeout=SETTLE_TIMEOUT)

    # When bob argues and proposes an amendment
    async with node.db.transaction() as tx:
        argument = await services.post_argument(tx, node.clock, bob, proposal.id, Stance.FOR,
                                                "Oui, et plus encore.")
        amendment = await services.propose_amendment(
            tx, node.clock, bob, proposal.id, AmendmentDraft("Vingt fontaines.", "Plus d'eau."))
    await settle(node, timeout=SETTLE_TIMEOUT)
    url = f"{node.url}/amendements/{amendment.id}"

    # Then the peer got the amendment's poll by the Group, verified, and no Announce
    records = await peer.inbox()
    assert not [r for r in records if r["type"] == "Announce"], records
    [create] = [r for r in records if r["type"] == "Create"
                and r["activity"]["object"]["id"] == url]
    assert create["verified"] is True and create["status"] == 202, create
    kind, poll = await peer.lookup(url)
    assert kind == "Question", poll
    assert poll["attributedTo"] == debate
    assert [o["name"] for o in poll["oneOf"]] == ["D'accord", "Mitigé", "Pas d'accord"]

    # When the peer votes on it
    await peer.send(debate, {"type": "Create", "to": debate, "object": {
        "type": "Note", "name": "Mitigé", "inReplyTo": url, "to": debate}})
    await settle(node, timeout=SETTLE_TIMEOUT)

    # Then it counts in the remote class, and the peer gets Update(Question) with the totals
    tally = await node.db.read().amendments.tally(amendment.id)
    assert (tally.remote.mixed_votes, tally.all.total) == (1, 1)
    updates = [r for r in await peer.inbox() if r["type"] == "Update"
               and r["activity"]["object"]["id"] == url]
    assert updates and all(u["verified"] is True for u in updates), updates
    latest = updates[-1]["activity"]["object"]
    assert "updated" not in latest and latest["votersCount"] == 1

    # And the argument's URL and its Create parse in Fedify as a Note by bob and its Create
    kind, note = await peer.lookup(f"{node.url}/arguments/{argument.id}")
    assert kind == "Note" and note["attributedTo"] == f"{node.url}/membres/bob", note
    kind, created = await peer.lookup(f"{node.url}/arguments/{argument.id}/create")
    assert kind == "Create", created
