"""Contributions inside a debate on real nodes (issue 5, FEP-1b12): group-aware followers get
every argument as the Group's Announce(Create(…)), Mastodon-like followers only the polls;
amendments put to a vote are polls Mastodon users vote on; every id we emit dereferences."""
from __future__ import annotations

import json
import uuid

from federation import follows
from node import services
from node.model import (
    AmendmentDraft,
    AnswerKind,
    ContentKind,
    DebateRole,
    Operator,
    ProposalDraft,
    Role,
    Stance,
)
from storage.repos.inbox import InboxRepo
from tests.federation.harness import (  # noqa: F401
    AS2,
    add_member,
    make_fed_node,
    make_peer,
    open_debate,
    peer_keys,
)

GROUP = "http://alpha.test/debats/eau"
INBOX = f"{GROUP}/inbox"


async def _peer(make_peer, name: str, software: str, users: tuple[str, ...], first_key: int):
    """A peer server whose NodeInfo names its software, with actors of its own."""
    peer = await make_peer(name)
    peer.documents["/.well-known/nodeinfo"] = {"links": [{
        "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
        "href": f"{peer.url}/nodeinfo/2.1"}]}
    peer.documents["/nodeinfo/2.1"] = {"version": "2.1",
                                       "software": {"name": software, "version": "1.0"}}
    for index, user in enumerate(users, start=first_key):
        peer.add_actor(user, peer_keys(index))
    return peer


async def _process(alpha) -> dict[str, tuple[str, str | None]]:
    while await alpha.fed.run_once():
        pass
    return {m.activity_id: (m.state, m.error)
            for m in await InboxRepo(alpha.db.read().conn).list_all()}


async def _sent(alpha) -> list[tuple[str, str, dict]]:
    """(inbox, delivery state, activity) for every delivery the node made."""
    async with alpha.db.read().conn.execute(
            "SELECT d.inbox, d.state, a.body FROM deliveries d"
            " JOIN outbox_activities a ON a.id = d.activity_id ORDER BY d.id") as cur:
        return [(r[0], r[1], json.loads(r[2])) for r in await cur.fetchall()]


async def _setup(make_fed_node, make_peer):
    """alpha's debate followed from a Lemmy-like server and a Mastodon-like one."""
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    alice = await add_member(alpha, "alice")
    async with alpha.db.transaction() as tx:
        proposal = await services.submit_proposal(
            tx, alpha.clock, alice, "eau", ProposalDraft("Des fontaines", "Dix fontaines."))
    lemmy = await _peer(make_peer, "lemmy", "lemmy", ("lea",), 1)
    masto = await _peer(make_peer, "masto", "mastodon", ("ann", "eve"), 2)
    for peer, user in ((lemmy, "lea"), (masto, "ann")):
        status, _ = await peer.post(INBOX, peer.activity(user, "Follow", GROUP), user=user,
                                    now=alpha.clock.now())
        assert status == 202
    await _process(alpha)  # follows accepted, NodeInfo read
    alpha.clock.advance(minutes=1)  # the follows precede what follows
    return alpha, alice, lemmy, masto, proposal.id


async def _get(node, url: str, accept: str = AS2):
    async with node.client.get(url, headers={"Accept": accept},
                               allow_redirects=False) as response:
        body = (await response.json(content_type=None) if accept == AS2 and response.ok
                else await response.text())
        return response.status, response.headers, body


def _note(peer, user: str, in_reply_to: str, *, name=None, content=None) -> dict:
    note = {"id": f"{peer.actor_uri(user)}/statuses/{uuid.uuid4()}", "type": "Note",
            "attributedTo": peer.actor_uri(user), "inReplyTo": in_reply_to, "to": GROUP}
    if name is not None:
        note["name"] = name
    if content is not None:
        note["content"] = content
    return note


async def test_arguments_reach_group_aware_followers_as_announced_creates_only(
        make_fed_node, make_peer):
    alpha, alice, lemmy, masto, proposal_id = await _setup(make_fed_node, make_peer)
    question = f"http://alpha.test/propositions/{proposal_id}"

    # When alice argues for the proposal, and ann replies from Mastodon with #contre
    async with alpha.db.transaction() as tx:
        argument = await services.post_argument(tx, alpha.clock, alice, proposal_id,
                                                Stance.FOR, "Bonne idée, **vraiment**.")
    reply = _note(masto, "ann", question, content="<p>Trop cher. #contre</p>")
    create = masto.activity("ann", "Create", reply)
    assert (await masto.post(INBOX, create, user="ann", now=alpha.clock.now()))[0] == 202
    outcomes = await _process(alpha)
    assert outcomes[create["id"]] == ("processed", None)

    sent = await _sent(alpha)
    announces = [(inbox, state, a) for inbox, state, a in sent if a["type"] == "Announce"]
    # Then the Lemmy-like server got both, as the Group's Announce of a Create, delivered
    assert {inbox for inbox, _, _ in announces} == {"http://lemmy.test/users/lea/inbox"}
    assert {state for _, state, _ in announces} == {"delivered"}
    by_author = {a["object"]["actor"]: a for _, _, a in announces}
    assert all(a["actor"] == GROUP for a in by_author.values())
    # alice's: our own Create by her Person, of a Note at the argument's own URL
    ours = by_author["http://alpha.test/membres/alice"]["object"]
    note_url = f"http://alpha.test/arguments/{argument.id}"
    assert ours["type"] == "Create" and ours["id"] == f"{note_url}/create"
    assert ours["object"]["id"] == note_url and ours["object"]["inReplyTo"] == question
    assert ours["object"]["attributedTo"] == "http://alpha.test/membres/alice"
    assert ours["object"]["audience"] == GROUP and ours["object"]["stance"] == "for"
    # ann's: the received activity, unchanged
    assert by_author[masto.actor_uri("ann")]["object"] == create
    # and the Mastodon-like follower got no Announce at all (no flood of comments)
    assert not [a for inbox, _, a in sent
                if inbox.startswith("http://masto.test") and a["type"] == "Announce"]

    # The proposal page shows ann's argument with her handle, linking to her profile
    status, _, page = await _get(alpha, question, accept="text/html")
    assert status == 200
    assert ('<a href="http://masto.test/users/ann" rel="nofollow ugc noopener"'
            ' class="remote-author">@ann@masto.test</a>') in page

    # Every id in alice's announce dereferences, as AS2 and for a browser
    status, headers, note = await _get(alpha, note_url)
    assert status == 200 and headers["Content-Type"].startswith(AS2)
    assert note == {"@context": note["@context"], **ours["object"]}
    status, _, served = await _get(alpha, ours["id"])
    assert status == 200 and served["id"] == ours["id"] and served["object"]["id"] == note_url
    status, headers, _ = await _get(alpha, note_url, accept="text/html")
    assert status == 303 and headers["Location"] == f"{question}#argument-{argument.id}"

    # A hidden argument is no longer served
    moderator = await add_member(alpha, "modo", role=Role.MODERATOR)
    async with alpha.db.transaction() as tx:
        await services.hide_content(tx, alpha.clock, moderator, ContentKind.ARGUMENT,
                                    argument.id, "hors sujet")
    assert (await _get(alpha, note_url))[0] == 404
    assert (await _get(alpha, "http://alpha.test/arguments/999999"))[0] == 404


async def test_an_amendment_is_a_poll_mastodon_users_vote_on(make_fed_node, make_peer):
    alpha, alice, lemmy, masto, proposal_id = await _setup(make_fed_node, make_peer)
    bob = await add_member(alpha, "bob")
    question = f"http://alpha.test/propositions/{proposal_id}"

    # When bob proposes an amendment
    async with alpha.db.transaction() as tx:
        amendment = await services.propose_amendment(
            tx, alpha.clock, bob, proposal_id, AmendmentDraft("Vingt fontaines.", "Plus d'eau."))
    await _process(alpha)
    url = f"http://alpha.test/amendements/{amendment.id}"

    # Then every follower (Mastodon-like too) gets a poll by the Group in the proposal's thread
    creates = [(inbox, a) for inbox, _, a in await _sent(alpha)
               if a["type"] == "Create" and a["object"]["id"] == url]
    assert {inbox for inbox, _ in creates} == {"http://lemmy.test/users/lea/inbox",
                                               "http://masto.test/users/ann/inbox"}
    poll = creates[0][1]["object"]
    assert poll["type"] == "Question" and poll["attributedTo"] == GROUP
    assert poll["inReplyTo"] == question and poll["amendmentOf"] == question
    assert [o["name"] for o in poll["oneOf"]] == ["D'accord", "Mitigé", "Pas d'accord"]
    assert "Vingt fontaines." in poll["content"] and "closed" not in poll

    # When Mastodon users vote on it (one twice, changing their mind; the same vote twice)
    votes = [("ann", "D'accord"), ("eve", "Pas d'accord"), ("ann", "Mitigé")]
    for user, name in votes:
        await masto.post(INBOX, masto.activity(user, "Create", _note(masto, user, url, name=name)),
                         user=user, now=alpha.clock.now())
    repeated = masto.activity("eve", "Create", _note(masto, "eve", url, name="Pas d'accord"))
    for _ in range(2):
        await masto.post(INBOX, repeated, user="eve", now=alpha.clock.now())
    bad = masto.activity("eve", "Create", _note(masto, "eve", url, name="Oui"))
    unknown = masto.activity("eve", "Create", _note(
        masto, "eve", "http://alpha.test/amendements/999", name="Mitigé"))
    for activity in (bad, unknown):
        await masto.post(INBOX, activity, user="eve", now=alpha.clock.now())
    outcomes = await _process(alpha)

    # Then they count once per actor, in the remote class; bad votes are rejected
    assert outcomes[bad["id"]][0] == "rejected" and outcomes[unknown["id"]][0] == "rejected"
    tally = await alpha.db.read().amendments.tally(amendment.id)
    assert (tally.remote.mixed_votes, tally.remote.against_votes, tally.all.total) == (1, 1, 2)
    # the amendment's URL serves the current totals, and the proposal's poll is untouched
    status, _, served = await _get(alpha, url)
    assert status == 200 and served["votersCount"] == 2
    assert [o["replies"]["totalItems"] for o in served["oneOf"]] == [0, 1, 1]
    assert served["tally"]["remoteParticipants"] == {"for": 0, "mixed": 1, "against": 1}
    assert (await services.get_proposal_detail(alpha.db.read(), alpha.clock,
                                               proposal_id)).tally.all.total == 0
    # and the voters get Update(Question) with the totals, debounced, without `updated`
    alpha.clock.advance(minutes=2)
    await _process(alpha)
    updates = [(inbox, a) for inbox, _, a in await _sent(alpha)
               if a["type"] == "Update" and a["object"]["id"] == url]
    assert "http://masto.test/users/eve/inbox" in {inbox for inbox, _ in updates}
    assert all("updated" not in a["object"] for _, a in updates)
    assert updates[-1][1]["object"]["votersCount"] == 2

    # When alice (an author) integrates it, the poll closes and refuses votes
    async with alpha.db.transaction() as tx:
        await services.integrate_amendment(tx, alpha.clock, alice, amendment.id)
    late = masto.activity("ann", "Create", _note(masto, "ann", url, name="D'accord"))
    await masto.post(INBOX, late, user="ann", now=alpha.clock.now())
    outcomes = await _process(alpha)
    assert outcomes[late["id"]][0] == "rejected"
    status, _, served = await _get(alpha, url)
    assert "closed" in served and served["status"] == "integrated"
    # A browser asking for the amendment's URL goes to the proposal page
    status, headers, _ = await _get(alpha, url, accept="text/html")
    assert status == 303 and headers["Location"] == f"{question}#amendement-{amendment.id}"


async def test_group_replies_have_their_own_url(make_fed_node, make_peer):
    alpha, alice, lemmy, masto, proposal_id = await _setup(make_fed_node, make_peer)
    mayor = await add_member(alpha, "maire", role=Role.REPRESENTATIVE, mandate="Maire")
    async with alpha.db.transaction() as tx:
        await services.assign_debate_role(tx, alpha.clock, Operator(), "eau", "maire",
                                          DebateRole.REPRESENTATIVE)
        await services.answer_proposal(tx, alpha.clock, mayor, proposal_id, AnswerKind.ADOPTED,
                                       "Nous installerons dix fontaines.")
    await _process(alpha)
    replies = [a for _, _, a in await _sent(alpha)
               if a["type"] == "Create" and a["object"]["type"] == "Note"]
    assert replies
    note = replies[-1]["object"]
    assert note["id"].startswith("http://alpha.test/notes/") and "#" not in note["id"]
    status, headers, served = await _get(alpha, note["id"])
    assert status == 200 and headers["Content-Type"].startswith(AS2)
    assert served == {"@context": served["@context"], **note}
    status, headers, _ = await _get(alpha, note["id"], accept="text/html")
    assert status == 303 and headers["Location"] == note["url"]
    assert (await _get(alpha, f"http://alpha.test/notes/{uuid.uuid4()}"))[0] == 404


async def test_a_thc_node_following_a_debate_gets_its_arguments_announced(
        make_fed_node, make_peer):
    # Given node beta following alpha's debate (beta's NodeInfo says thc-node), and a
    # Mastodon-like follower
    alpha, alice, lemmy, masto, proposal_id = await _setup(make_fed_node, make_peer)
    beta = await make_fed_node("beta")
    await follows.follow(beta.fed.deps, beta.fed.local.node(), GROUP)
    for _ in range(3):
        await _process(beta)
        await _process(alpha)
    async with alpha.db.read().conn.execute(
            "SELECT software FROM remote_hosts WHERE host = 'beta.test'") as cur:
        assert (await cur.fetchone())[0] == "thc-node"
    alpha.clock.advance(minutes=1)

    # When alice argues
    async with alpha.db.transaction() as tx:
        argument = await services.post_argument(tx, alpha.clock, alice, proposal_id,
                                                Stance.AGAINST, "Trop cher.")
    await _process(alpha)

    # Then beta's inbox accepted the Group's Announce of alice's Create, signed by the Group
    announces = [(inbox, state, a) for inbox, state, a in await _sent(alpha)
                 if a["type"] == "Announce"
                 and a["object"]["object"]["id"] == f"http://alpha.test/arguments/{argument.id}"]
    assert {(inbox, state) for inbox, state, _ in announces} == {
        ("http://beta.test/inbox", "delivered"), ("http://lemmy.test/users/lea/inbox",
                                                  "delivered")}
    # (its signature verified; what beta does with an announced argument is beta's business)
    outcomes = await _process(beta)
    assert outcomes[announces[0][2]["id"]][0] in ("processed", "ignored")


async def test_a_remote_authors_handle_is_escaped_on_the_page(make_fed_node, make_peer):
    alpha, alice, lemmy, masto, proposal_id = await _setup(make_fed_node, make_peer)
    question = f"http://alpha.test/propositions/{proposal_id}"
    masto.add_actor("evil", peer_keys(4), username='<img src=x onerror="alert(1)">')
    reply = _note(masto, "evil", question, content="<p>Bof.</p>")
    await masto.post(INBOX, masto.activity("evil", "Create", reply), user="evil",
                     now=alpha.clock.now())
    await _process(alpha)
    status, _, page = await _get(alpha, question, accept="text/html")
    assert status == 200 and "Bof." in page
    assert "<img src=x" not in page and "&lt;img src=x" in page
