"""Fediverse participants on real nodes (issue 5): peers with their own keys vote on a proposal's
poll and reply to it through the debate Group's inbox; tallies stay exact under bad input."""
from __future__ import annotations

import asyncio
import uuid

from node import services
from node.model import ContentKind, DebateStatus, Operator, ProposalDraft, Role, Stance
from storage.repos.inbox import InboxRepo
from storage.repos.outbox import OutboxRepo
from tests.federation.harness import (  # noqa: F401
    AS2,
    add_member,
    make_fed_node,
    make_peer,
    open_debate,
    peer_keys,
)

INBOX = "http://alpha.test/debats/eau/inbox"


async def _setup(make_fed_node, make_peer):
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    alice = await add_member(alpha, "alice")
    async with alpha.db.transaction() as tx:
        proposal = await services.submit_proposal(
            tx, alpha.clock, alice, "eau", ProposalDraft("Des fontaines", "Dix fontaines."))
    peer = await make_peer("masto")
    for index, user in enumerate(("ann", "eve"), start=1):
        peer.add_actor(user, peer_keys(index))
    return alpha, peer, f"http://alpha.test/propositions/{proposal.id}", proposal.id


def _note(peer, user: str, question: str, *, name=None, content=None, attributed_to=None,
          note_id=None, tag=None) -> dict:
    note = {"id": note_id or f"{peer.actor_uri(user)}/notes/{uuid.uuid4()}", "type": "Note",
            "attributedTo": attributed_to or peer.actor_uri(user), "inReplyTo": question,
            "to": "http://alpha.test/debats/eau"}  # Fedify: a single `to` as a string
    if name is not None:
        note["name"] = name
    if content is not None:
        note["content"] = content
    if tag is not None:
        note["tag"] = tag
    return note


async def _send(alpha, peer, user: str, kind: str, obj, *, activity_id=None) -> int:
    activity = peer.activity(user, kind, obj, activity_id=activity_id)
    status, _ = await peer.post(INBOX, activity, user=user, now=alpha.clock.now())
    return status


async def _process(alpha) -> dict[str, tuple[str, str | None]]:
    while await alpha.fed.run_once():
        pass
    return {m.activity_id: (m.state, m.error)
            for m in await InboxRepo(alpha.db.read().conn).list_all()}


async def _tally(alpha, proposal_id: int):
    detail = await services.get_proposal_detail(alpha.db.read(), alpha.clock, proposal_id)
    return detail.tally


async def test_a_vote_from_the_fediverse_counts_once_and_a_new_choice_replaces_it(
        make_fed_node, make_peer):
    alpha, peer, question, proposal_id = await _setup(make_fed_node, make_peer)
    vote_id = f"{peer.actor_uri('ann')}/activities/vote-1"

    # When ann votes "Pas d'accord", and the same vote arrives twice
    assert await _send(alpha, peer, "ann", "Create",
                       _note(peer, "ann", question, name="Pas d'accord"),
                       activity_id=vote_id) == 202
    await _send(alpha, peer, "ann", "Create", _note(peer, "ann", question, name="Pas d'accord"),
                activity_id=vote_id)
    outcomes = await _process(alpha)

    # Then it counts once, in the remote class
    assert outcomes[vote_id] == ("processed", None)
    tally = await _tally(alpha, proposal_id)
    assert (tally.remote.against_votes, tally.all.total) == (1, 1)
    assert tally.local_members.total == 0 and tally.verified_residents.total == 0

    # and the voter gets the new totals by an Update(Question) (debounced, no `updated`)
    alpha.clock.advance(minutes=2)
    await _process(alpha)
    deliveries = await OutboxRepo(alpha.db.read().conn).list_deliveries()
    assert f"{peer.actor_uri('ann')}/inbox" in {d.inbox for d in deliveries}

    # When ann then votes "Mitigé", it replaces her vote
    await _send(alpha, peer, "ann", "Create", _note(peer, "ann", question, name="Mitigé"))
    await _process(alpha)
    tally = await _tally(alpha, proposal_id)
    assert (tally.remote.mixed_votes, tally.remote.against_votes, tally.all.total) == (1, 0, 1)

    # And a thousand votes from one actor still count as one
    for start in range(0, 1000, 100):
        statuses = await asyncio.gather(*(
            _send(alpha, peer, "eve", "Create",
                  _note(peer, "eve", question, name=("D'accord", "Mitigé")[n % 2]))
            for n in range(start, start + 100)))
        assert set(statuses) == {202}
    await _process(alpha)
    tally = await _tally(alpha, proposal_id)
    assert tally.remote.total == 2 and tally.all.total == 2
    assert tally.remote.for_votes + tally.remote.mixed_votes == 2  # ann's Mitigé, eve's last


async def test_bad_votes_are_rejected_with_a_reason_and_tallies_stay_exact(
        make_fed_node, make_peer):
    alpha, peer, question, proposal_id = await _setup(make_fed_node, make_peer)
    ids = {}
    ids["option"] = await _send_id(alpha, peer, _note(peer, "ann", question, name="Oui"))
    ids["unknown"] = await _send_id(alpha, peer, _note(peer, "ann",
                                                       "http://alpha.test/propositions/999",
                                                       name="D'accord"))
    ids["signer"] = await _send_id(alpha, peer, _note(peer, "ann", question, name="D'accord",
                                                      attributed_to=peer.actor_uri("eve")))
    outcomes = await _process(alpha)
    assert outcomes[ids["option"]][0] == "rejected" and "option" in outcomes[ids["option"]][1]
    assert outcomes[ids["unknown"]][0] == "rejected"
    assert outcomes[ids["signer"]][0] == "rejected"
    assert "attributed" in outcomes[ids["signer"]][1]

    # A closed debate's poll refuses votes
    async with alpha.db.transaction() as tx:
        await services.change_debate_status(tx, alpha.clock, Operator(), "eau",
                                            DebateStatus.CLOSED)
    ids["closed"] = await _send_id(alpha, peer, _note(peer, "ann", question, name="D'accord"))
    outcomes = await _process(alpha)
    assert outcomes[ids["closed"]][0] == "rejected"
    assert (await _tally(alpha, proposal_id)).all.total == 0


async def _send_id(alpha, peer, note, user: str = "ann") -> str:
    activity_id = f"{peer.actor_uri(user)}/activities/{uuid.uuid4()}"
    assert await _send(alpha, peer, user, "Create", note, activity_id=activity_id) == 202
    return activity_id


async def test_a_reply_is_an_argument_its_author_edits_and_deletes(make_fed_node, make_peer):
    alpha, peer, question, proposal_id = await _setup(make_fed_node, make_peer)
    against = _note(peer, "ann", question, content=(
        '<p><span class="h-card"><a href="http://alpha.test/debats/eau" class="u-url mention">'
        '@<span>eau</span></a></span> Trop cher pour la commune. '
        '<a href="http://masto.test/tags/contre" rel="tag">#<span>contre</span></a></p>'
        "<script>alert(1)</script><p>Deuxième <b>paragraphe</b>.</p>"))
    in_favour = _note(peer, "eve", question, content="<p>Enfin de l'eau gratuite !</p>",
                      tag=[{"type": "Hashtag", "name": "#pour"}])
    neutral = _note(peer, "eve", question, content="<p>Combien de fontaines ?</p>")
    await _send(alpha, peer, "ann", "Create", against)
    await _send(alpha, peer, "eve", "Create", in_favour)
    await _send(alpha, peer, "eve", "Create", neutral)
    await _process(alpha)

    page = await services.list_arguments(alpha.db.read(), proposal_id)
    by_id = {a.ap_id: a for a in page.items}
    assert by_id[against["id"]].stance is Stance.AGAINST
    assert by_id[against["id"]].body == (
        "Trop cher pour la commune. #contre\n\nDeuxième paragraphe.")
    assert by_id[against["id"]].author.ap_id == peer.actor_uri("ann")
    assert by_id[in_favour["id"]].stance is Stance.FOR
    assert by_id[neutral["id"]].stance is Stance.NEUTRAL

    # The author's Update edits it; another actor's Update or Delete is refused
    edited = {**against, "content": "<p>Beaucoup trop cher. #contre</p>"}
    await _send(alpha, peer, "ann", "Update", edited)
    forged = peer.activity("eve", "Delete", against["id"])
    await peer.post(INBOX, forged, user="eve", now=alpha.clock.now())
    outcomes = await _process(alpha)
    assert outcomes[forged["id"]][0] == "rejected"
    page = await services.list_arguments(alpha.db.read(), proposal_id)
    assert {a.ap_id: a.body for a in page.items}[against["id"]] == "Beaucoup trop cher. #contre"

    # The author's Delete withdraws it
    await _send(alpha, peer, "ann", "Delete", {"id": against["id"], "type": "Tombstone"})
    await _process(alpha)
    page = await services.list_arguments(alpha.db.read(), proposal_id)
    assert against["id"] not in {a.ap_id for a in page.items}


async def test_a_reply_to_a_hidden_proposal_is_rejected(make_fed_node, make_peer):
    alpha, peer, question, proposal_id = await _setup(make_fed_node, make_peer)
    moderator = await add_member(alpha, "modo", role=Role.MODERATOR)
    async with alpha.db.transaction() as tx:
        await services.hide_content(tx, alpha.clock, moderator, ContentKind.PROPOSAL,
                                    proposal_id, "hors sujet")
    reply = await _send_id(alpha, peer, _note(peer, "ann", question, content="<p>#pour</p>"))
    vote = await _send_id(alpha, peer, _note(peer, "ann", question, name="D'accord"))
    outcomes = await _process(alpha)
    assert outcomes[reply][0] == "rejected" and outcomes[vote][0] == "rejected"
    async with alpha.db.read().conn.execute("SELECT count(*) FROM arguments") as cur:
        assert (await cur.fetchone())[0] == 0


async def test_a_like_is_an_appreciation_counted_once_never_a_vote(make_fed_node, make_peer):
    alpha, peer, question, proposal_id = await _setup(make_fed_node, make_peer)
    like = peer.activity("ann", "Like", question)
    await peer.post(INBOX, like, user="ann", now=alpha.clock.now())
    await _send(alpha, peer, "ann", "Like", question)  # a second Like by the same actor
    await _send(alpha, peer, "eve", "Like", question)
    await _process(alpha)
    async with alpha.client.get(question, headers={"Accept": AS2}) as response:
        document = await response.json(content_type=None)
    assert document["appreciations"] == 2 and document["votersCount"] == 0
    assert (await _tally(alpha, proposal_id)).all.total == 0
    # Undo(Like) by its author takes it back; by another actor, nothing
    await _send(alpha, peer, "eve", "Undo", like)
    await _send(alpha, peer, "ann", "Undo", like)
    await _process(alpha)
    async with alpha.client.get(question, headers={"Accept": AS2}) as response:
        assert (await response.json(content_type=None))["appreciations"] == 1
