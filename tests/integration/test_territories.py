"""Territories follow territories (issue 5), on two real nodes over real HTTP with real
signatures: beta's Application follows alpha's, backfills alpha's existing proposals, then
receives new ones, their status changes, answers and deletions into its network view."""
from __future__ import annotations

import re

import pytest

from federation import backfill as backfill_worker
from federation import proposals, territories
from node import services
from node.model import (
    AnswerKind,
    ContentKind,
    DebateRole,
    Operator,
    ProposalDraft,
    ProposalStatus,
    Role,
)
from storage.repos.follows import FollowRepo
from storage.repos.network import NetworkRepo
from storage.repos.outbox import OutboxRepo
from storage.repos.territories import TerritoryRepo
from tests.federation.harness import (  # noqa: F401
    add_member,
    make_fed_node,
    make_peer,
    open_debate,
)
from tests.support import settle

ALPHA_NODE = "http://alpha.test/actor"


async def _submit(node, author, slug: str, title: str, body: str = "Le texte.") -> int:
    async with node.db.transaction() as tx:
        proposal = await services.submit_proposal(tx, node.clock, author, slug,
                                                  ProposalDraft(title, body))
    return proposal.id


async def _network_page(node, **query) -> str:
    async with node.client.get(f"{node.url}/reseau", params=query,
                               headers={"Accept-Language": "en"}) as response:
        assert response.status == 200
        return await response.text()


def _titles(page: str) -> list[str]:
    return re.findall(r'<h3 id="item-\d+"><a [^>]*>([^<]+)</a>', page)


async def _two_territories(make_fed_node, **alpha_settings):
    alpha = await make_fed_node("alpha", **alpha_settings)
    beta = await make_fed_node("beta")
    await open_debate(alpha, "mobilite", "Mobilité douce")
    alice = await add_member(alpha, "alice")
    return alpha, beta, alice


def _tick(*nodes, seconds: int = 5) -> None:
    for node in nodes:
        node.clock.advance(seconds=seconds)


async def test_a_followed_territory_is_backfilled_then_kept_current(make_fed_node):
    # Given alpha with two proposals before anyone follows it
    alpha, beta, alice = await _two_territories(make_fed_node)
    velo = await _submit(alpha, alice, "mobilite", "Déplacements à vélo sécurisés",
                         "Des pistes séparées #velo")
    await _submit(alpha, alice, "mobilite", "Des bancs publics")
    await settle(alpha, beta)
    # When beta's admin follows alpha by its handle
    row = await territories.follow_territory(beta.fed.deps, "@alpha.test@alpha.test")
    assert (row.target_ap_id, row.state) == (ALPHA_NODE, "pending")
    await settle(alpha, beta)
    # Then the follow is accepted and the existing proposals were backfilled by the worker
    [followed] = await territories.followed_territories(beta.fed.deps)
    assert followed.state == "accepted" and followed.backfill.state == "done"
    assert followed.backfill.items == 2
    page = await _network_page(beta)
    assert set(_titles(page)) == {"Déplacements à vélo sécurisés", "Des bancs publics"}
    assert "Territoire alpha" in page  # the territory's name, from its Application actor
    # And a search finds it with and without accents
    for words in ("deplacements", "déplacements", "DÉPLACEMENT"):
        assert _titles(await _network_page(beta, q=words)) == ["Déplacements à vélo sécurisés"]

    # When alpha gets a new proposal after the follow
    _tick(alpha, beta)
    await _submit(alpha, alice, "mobilite", "Un vélobus pour l'école")
    await settle(alpha, beta)
    # Then beta lists it too
    assert "Un vélobus pour l&#39;école" in await _network_page(beta, q="velobus")

    # When alpha moves a proposal into discussion, then a representative answers it
    _tick(alpha, beta)
    async with alpha.db.transaction() as tx:
        await services.change_proposal_status(tx, alpha.clock, Operator(), velo,
                                              ProposalStatus.IN_DISCUSSION)
    await settle(alpha, beta)
    page = await _network_page(beta, statut="in_discussion")
    assert _titles(page) == ["Déplacements à vélo sécurisés"]
    _tick(alpha, beta)
    mayor = await add_member(alpha, "maire", role=Role.REPRESENTATIVE, mandate="Maire")
    async with alpha.db.transaction() as tx:
        await services.assign_debate_role(tx, alpha.clock, Operator(), "mobilite", "maire",
                                          DebateRole.REPRESENTATIVE)
        await services.answer_proposal(tx, alpha.clock, mayor, velo, AnswerKind.ADOPTED,
                                       "Nous créerons trois pistes d'ici juin.")
    await settle(alpha, beta)
    # Then beta shows the new status and the answer
    page = await _network_page(beta, statut="answered")
    assert _titles(page) == ["Déplacements à vélo sécurisés"]
    assert "Adopted" in page and "Nous créerons trois pistes d&#39;ici juin." in page

    # When a moderator of alpha hides it: beta no longer lists it, the others stay
    _tick(alpha, beta)
    moderator = await add_member(alpha, "modo", role=Role.MODERATOR)
    async with alpha.db.transaction() as tx:
        await services.hide_content(tx, alpha.clock, moderator, ContentKind.PROPOSAL, velo,
                                    "hors sujet")
    await settle(alpha, beta)
    assert _titles(await _network_page(beta)) == ["Un vélobus pour l&#39;école",
                                                  "Des bancs publics"]
    assert _titles(await _network_page(beta, q="deplacements")) == []



async def _followed_with_a_proposal(make_fed_node):
    """alpha with one proposal, followed by beta, everything delivered."""
    alpha, beta, alice = await _two_territories(make_fed_node)
    velo = await _submit(alpha, alice, "mobilite", "Déplacements à vélo sécurisés")
    await territories.follow_territory(beta.fed.deps, "@alpha.test@alpha.test")
    await settle(alpha, beta)
    return alpha, beta, velo


async def _hide(alpha, proposal_id: int):
    """A moderator of alpha hides the proposal; returns the moderator."""
    moderator = await add_member(alpha, "modo", role=Role.MODERATOR)
    async with alpha.db.transaction() as tx:
        await services.hide_content(tx, alpha.clock, moderator, ContentKind.PROPOSAL,
                                    proposal_id, "hors sujet")
    return moderator


async def test_a_hidden_proposal_leaves_the_followers_network_view(make_fed_node):
    # Given beta follows alpha, which has a proposal
    alpha, beta, velo = await _followed_with_a_proposal(make_fed_node)
    assert _titles(await _network_page(beta)) == ["Déplacements à vélo sécurisés"]
    # When a moderator of alpha hides it
    _tick(alpha, beta)
    await _hide(alpha, velo)
    await settle(alpha, beta)
    # Then beta no longer lists it, and keeps only a tombstone
    assert _titles(await _network_page(beta)) == []
    stored = await NetworkRepo(beta.db.read().conn).find_proposal(
        f"http://alpha.test/propositions/{velo}")
    assert stored is not None and stored.deleted_at is not None and stored.title == ""


async def test_a_proposal_shown_again_comes_back_to_the_followers_network_view(make_fed_node):
    # Given beta follows alpha, and alpha's moderator hid one of its proposals
    alpha, beta, velo = await _followed_with_a_proposal(make_fed_node)
    _tick(alpha, beta)
    moderator = await _hide(alpha, velo)
    await settle(alpha, beta)
    assert _titles(await _network_page(beta)) == []
    # When the moderator shows it again
    _tick(alpha, beta)
    async with alpha.db.transaction() as tx:
        await services.unhide_content(tx, alpha.clock, moderator, ContentKind.PROPOSAL, velo,
                                      "erreur de modération")
    await settle(alpha, beta)
    # Then beta lists it again, with its content, and finds it by search
    assert _titles(await _network_page(beta)) == ["Déplacements à vélo sécurisés"]
    assert _titles(await _network_page(beta, q="deplacements")) == [
        "Déplacements à vélo sécurisés"]
    stored = await NetworkRepo(beta.db.read().conn).find_proposal(
        f"http://alpha.test/propositions/{velo}")
    assert stored.deleted_at is None
    # And its later changes still reach beta
    _tick(alpha, beta)
    async with alpha.db.transaction() as tx:
        await services.change_proposal_status(tx, alpha.clock, Operator(), velo,
                                              ProposalStatus.IN_DISCUSSION)
    await settle(alpha, beta)
    assert _titles(await _network_page(beta, statut="in_discussion")) == [
        "Déplacements à vélo sécurisés"]


async def test_a_delete_from_the_territory_tombstones_and_a_late_update_stays_dead(
        make_fed_node):
    # Given beta follows alpha, which has a proposal
    alpha, beta, velo = await _followed_with_a_proposal(make_fed_node)
    question = f"http://alpha.test/propositions/{velo}"
    group = alpha.fed.local.of_debate(await alpha.db.read().debates.find_by_slug("mobilite"))
    # When alpha's Group sends Delete(Tombstone) (signed, over HTTP), then a replayed Update
    await _send_as(alpha, group, {"type": "Delete", "object": {
        "id": question, "type": "Tombstone", "formerType": "Question"}})
    _tick(alpha, beta)
    async with alpha.db.transaction() as tx:
        await services.change_proposal_status(tx, alpha.clock, Operator(), velo,
                                              ProposalStatus.IN_DISCUSSION)
    await settle(alpha, beta)
    # Then the proposal stays deleted on beta
    assert _titles(await _network_page(beta)) == []
    stored = await NetworkRepo(beta.db.read().conn).find_proposal(question)
    assert stored.deleted_at is not None


async def _send_as(node, actor, activity: dict) -> None:
    from federation import outbox, vocab
    activity = {"@context": vocab.AS_CONTEXT, "id": node.fed.uris.new_activity_uri(),
                "actor": actor.ap_id, **activity}
    async with node.db.transaction() as tx:
        await outbox.enqueue(node.fed.deps, tx.conn, activity=activity, actor=actor,
                             inboxes=["http://beta.test/inbox"])


async def test_a_territory_following_the_node_and_a_debate_gets_one_copy(make_fed_node):
    # Given beta's node follows alpha, and a member of beta follows alpha's debate
    alpha, beta, alice = await _two_territories(make_fed_node)
    await territories.follow_territory(beta.fed.deps, "http://alpha.test/actor")
    bob = beta.fed.local.of_member(await add_member(beta, "bob"))
    from federation import follows
    await follows.follow(beta.fed.deps, bob, "http://alpha.test/debats/mobilite")
    await settle(alpha, beta)
    # When alpha gets a proposal
    _tick(alpha, beta)
    await _submit(alpha, alice, "mobilite", "Des arceaux à vélo")
    await settle(alpha, beta)
    # Then its Create(Question) went once to beta's shared inbox, and was ingested
    outbox = OutboxRepo(alpha.db.read().conn)
    creates = [d for d in await outbox.list_deliveries()
               if (await outbox.get_activities([d.activity_id]))[d.activity_id].type == "Create"]
    assert [(d.inbox, d.state) for d in creates] == [("http://beta.test/inbox", "delivered")]
    assert _titles(await _network_page(beta)) == ["Des arceaux à vélo"]


async def test_only_a_followed_territory_feeds_the_network_view(make_fed_node):
    # Given a member of beta follows alpha's debate, but beta's node does not follow alpha
    alpha, beta, alice = await _two_territories(make_fed_node)
    from federation import follows
    bob = beta.fed.local.of_member(await add_member(beta, "bob"))
    await follows.follow(beta.fed.deps, bob, "http://alpha.test/debats/mobilite")
    await settle(alpha, beta)
    # When alpha gets a proposal
    await _submit(alpha, alice, "mobilite", "Des arceaux à vélo")
    await settle(alpha, beta)
    # Then beta's network view lists nothing from alpha: participation stays apart
    assert _titles(await _network_page(beta)) == []
    assert await NetworkRepo(beta.db.read().conn).count_territories() == 0


@pytest.mark.parametrize("target", ["http://alpha.test/debats/mobilite", "@alice@alpha.test",
                                    "http://beta.test/actor", "not a handle",
                                    "http://unknown.test/actor"])
async def test_following_something_that_is_not_a_territory_is_refused(make_fed_node, target):
    from node.errors import Invalid
    alpha, beta, _ = await _two_territories(make_fed_node)
    with pytest.raises(Invalid):
        await territories.follow_territory(beta.fed.deps, target)
    assert await FollowRepo(beta.db.read().conn).count_following("node") == 0
    assert await TerritoryRepo(beta.db.read().conn).list_followed("node") == []


async def test_a_bare_origin_names_the_territory_through_nodeinfo(make_fed_node):
    alpha, beta, _ = await _two_territories(make_fed_node)
    assert await territories.resolve_territory(beta.fed.deps, "http://alpha.test/") == ALPHA_NODE


async def test_backfill_is_paged_and_bounded(make_fed_node, monkeypatch):
    # Given alpha with 7 proposals, pages of 2 and a bound of 3 pages
    monkeypatch.setattr(proposals, "PAGE_SIZE", 2)
    monkeypatch.setattr(backfill_worker, "MAX_BACKFILL_PAGES", 3)
    alpha, beta, alice = await _two_territories(make_fed_node, authorized_fetch=True)
    for n in range(7):
        _tick(alpha)
        await _submit(alpha, alice, "mobilite", f"Proposition numéro {n}")
    beta.clock.current = alpha.clock.current
    # When beta follows alpha (which requires signed GETs)
    await territories.follow_territory(beta.fed.deps, "http://alpha.test/actor")
    await settle(alpha, beta)
    # Then it read the collection and 2 pages of 2, newest first, and stopped there
    backfill = await TerritoryRepo(beta.db.read().conn).find(ALPHA_NODE)
    assert (backfill.state, backfill.pages, backfill.items) == ("done", 3, 4)
    assert backfill.last_error == "stopped at the backfill bound"
    titles = _titles(await _network_page(beta))
    assert titles == [f"Proposition numéro {n}" for n in (6, 5, 4, 3)]


# -- the admin area's follow page, through real HTTP and a real session


async def test_an_admin_follows_and_unfollows_a_territory_from_the_admin_area(make_fed_node):
    from tests.web.test_admin import get, post, sign_in
    alpha, beta, alice = await _two_territories(make_fed_node)
    await _submit(alpha, alice, "mobilite", "Déplacements à vélo sécurisés")
    browser = await sign_in(beta, "root", Role.ADMIN)
    try:
        # When the admin follows alpha through the form
        status, _, location = await post(browser, beta, "/admin/territoires",
                                         {"target": "@alpha.test@alpha.test"})
        assert (status, location) == (303, "/admin/territoires?fait=suivi")
        status, page, _ = await get(browser, beta, "/admin/territoires")
        assert status == 200 and "http://alpha.test/actor" in page
        await settle(alpha, beta)
        # Then the page shows it accepted with its proposals read, and /reseau lists them
        _, page, _ = await get(browser, beta, "/admin/territoires")
        assert "Territoire alpha" in page
        assert _titles(await _network_page(beta)) == ["Déplacements à vélo sécurisés"]
        # When the admin stops following it
        status, _, location = await post(browser, beta, "/admin/territoires/retrait",
                                         {"target": "http://alpha.test/actor"})
        assert (status, location) == (303, "/admin/territoires?fait=retrait")
        await settle(alpha, beta)
        # Then neither side keeps the follow
        assert await FollowRepo(beta.db.read().conn).count_following("node") == 0
        assert await FollowRepo(alpha.db.read().conn).count_followers("node") == 0
    finally:
        await browser.close()


@pytest.mark.parametrize("target", ["@nobody@alpha.test", "http://alpha.test/debats/mobilite",
                                    "", "javascript:alert(1)", "x" * 600])
async def test_a_bad_address_in_the_admin_form_gets_422_and_stores_nothing(make_fed_node,
                                                                           target):
    from tests.web.test_admin import post, sign_in
    alpha, beta, _ = await _two_territories(make_fed_node)
    browser = await sign_in(beta, "root", Role.ADMIN)
    try:
        status, page, _ = await post(browser, beta, "/admin/territoires", {"target": target})
        assert status == 422 and 'aria-invalid="true"' in page
        assert await TerritoryRepo(beta.db.read().conn).list_followed("node") == []
        assert await OutboxRepo(beta.db.read().conn).list_deliveries() == []
    finally:
        await browser.close()


async def test_the_follow_page_is_for_administrators_with_a_csrf_token(make_fed_node):
    from tests.web.test_admin import get, sign_in
    alpha, beta, _ = await _two_territories(make_fed_node)
    citizen = await sign_in(beta, "anne")
    admin = await sign_in(beta, "root", Role.ADMIN)
    try:
        assert (await get(citizen, beta, "/admin/territoires"))[0] == 403
        async with citizen.post(f"{beta.url}/admin/territoires", allow_redirects=False,
                                data={"target": "@alpha.test@alpha.test"}) as response:
            assert response.status == 403
        async with admin.post(f"{beta.url}/admin/territoires", allow_redirects=False,
                              data={"target": "@alpha.test@alpha.test"}) as response:
            assert response.status == 403  # no CSRF token
        assert await OutboxRepo(beta.db.read().conn).list_deliveries() == []
    finally:
        await citizen.close()
        await admin.close()


# -- thc-node follow / unfollow / following


async def test_the_cli_follows_a_territory_and_the_server_delivers_it(make_fed_node, capsys):
    from web import cli, cli_federation
    alpha, beta, alice = await _two_territories(make_fed_node)
    await _submit(alpha, alice, "mobilite", "Déplacements à vélo sécurisés")
    # When the operator runs `thc-node follow @alpha.test@alpha.test` against beta's database
    row = await cli_federation.with_federation(
        beta.config, lambda fed: territories.follow_territory(fed, "@alpha.test@alpha.test"),
        http_client=beta.client, clock=beta.clock)
    assert row.state == "pending"
    # Then the running node delivers the Follow, and the territory is backfilled
    await settle(alpha, beta)
    assert _titles(await _network_page(beta)) == ["Déplacements à vélo sécurisés"]
    # And `thc-node following` lists it (run as the CLI does, on its own connection)
    import asyncio
    args = cli.build_parser().parse_args(["--config", str(beta.config.path), "following"])
    assert await asyncio.to_thread(args.func, args) == 0
    out = capsys.readouterr().out
    assert "http://alpha.test/actor" in out and "accepted" in out and "done (1 proposals" in out
    # When the operator runs `thc-node unfollow http://alpha.test/actor`
    assert await cli_federation.with_federation(
        beta.config, lambda fed: territories.unfollow_territory(fed, ALPHA_NODE),
        http_client=beta.client, clock=beta.clock) is True
    await settle(alpha, beta)
    assert await FollowRepo(alpha.db.read().conn).count_followers("node") == 0


async def test_a_territory_learns_of_new_debates_and_their_status(make_fed_node):
    from node.model import DebateStatus
    # Given beta follows alpha
    alpha, beta, _ = await _two_territories(make_fed_node)
    await territories.follow_territory(beta.fed.deps, ALPHA_NODE)
    await settle(alpha, beta)
    # When alpha opens a new debate (its Application announces the Group), then closes it
    _tick(alpha, beta)
    await open_debate(alpha, "ecoles", "Les écoles")
    await settle(alpha, beta)
    repo = NetworkRepo(beta.db.read().conn)
    debate = await repo.find_debate("http://alpha.test/debats/ecoles")
    assert (debate.slug, debate.title, debate.status) == ("ecoles", "Les écoles",
                                                          DebateStatus.OPEN)
    _tick(alpha, beta)
    async with alpha.db.transaction() as tx:
        await services.change_debate_status(tx, alpha.clock, Operator(), "ecoles",
                                            DebateStatus.CLOSED)
    await settle(alpha, beta)
    # Then beta knows it, and its new status
    debate = await repo.find_debate("http://alpha.test/debats/ecoles")
    assert debate.status is DebateStatus.CLOSED
    page = await _network_page(beta, territoire=str(debate.territory_id))
    assert "Les écoles" in page and "Closed" in page


# -- bad input from a followed territory: refused with nothing stored


async def _hostile_territory(make_fed_node, make_peer):
    """beta follows a small peer 'gamma' posing as a territory (accepted by hand: the peer
    sends no Accept), with a debate Group of its own."""
    from tests.federation.harness import peer_keys
    beta = await make_fed_node("beta")
    peer = await make_peer("gamma")
    app = peer.add_actor("node", peer_keys(1), type="Application")
    peer.add_actor("debat", peer_keys(2), type="Group")
    await territories.follow_territory(beta.fed.deps, app)
    async with beta.db.transaction() as tx:
        repo = FollowRepo(tx.conn)
        row = await repo.find_following("node", app)
        await repo.accept_following(row.id, beta.clock.now())
    return beta, peer


def _question(peer, n: int, **changes) -> dict:
    group = peer.actor_uri("debat")
    question = {"id": f"{peer.url}/p/{n}", "type": "Question", "attributedTo": group,
                "title": f"Proposition {n}", "published": "2026-11-27T11:00:00Z",
                "status": "submitted", "debate": group, "url": f"{peer.url}/p/{n}",
                "source": {"content": "Le texte.", "mediaType": "text/markdown"},
                "tally": {"verifiedResidents": {"for": 1, "mixed": 0, "against": 0}}}
    return {**question, **changes}


async def _deliver(beta, peer, user: str, kind: str, obj) -> tuple[str, str | None]:
    from storage.repos.inbox import InboxRepo
    activity = peer.activity(user, kind, obj)
    status, _ = await peer.post("http://beta.test/inbox", activity, user=user,
                                now=beta.clock.now())
    assert status == 202
    while await beta.fed.run_once():
        pass
    found = {m.activity_id: (m.state, m.error)
             for m in await InboxRepo(beta.db.read().conn).list_all()}
    return found[activity["id"]]


async def test_a_followed_territory_proposal_is_ingested(make_fed_node, make_peer):
    beta, peer = await _hostile_territory(make_fed_node, make_peer)
    assert (await _deliver(beta, peer, "debat", "Create", _question(peer, 1)))[0] == "processed"
    item = await NetworkRepo(beta.db.read().conn).find_proposal("http://gamma.test/p/1")
    assert item.title == "Proposition 1" and item.tally.verified_residents.for_votes == 1


@pytest.mark.parametrize("changes", [
    {"debate": "http://beta.test/debats/x"},  # a debate on another origin
    {"url": "http://elsewhere.test/p/1"},  # a page on another origin
    {"title": "x" * 5000},
    {"title": ""},
    {"status": "adopted-by-decree"},
    {"tally": {"localMembers": {"for": -5}}},
    {"tally": {"localMembers": {"for": "many"}}},
    {"published": "2100-01-01T00:00:00Z"},
    {"published": "yesterday"},
    {"answer": {"answerKind": "adopted"}},  # an answer without its time
    {"source": {"content": "x" * 30_000}},
], ids=lambda c: next(iter(c)))
async def test_a_bad_proposal_from_a_followed_territory_is_rejected_and_nothing_stored(
        make_fed_node, make_peer, changes):
    beta, peer = await _hostile_territory(make_fed_node, make_peer)
    state, error = await _deliver(beta, peer, "debat", "Create", _question(peer, 1, **changes))
    assert state == "rejected", error
    repo = NetworkRepo(beta.db.read().conn)
    assert await repo.find_proposal("http://gamma.test/p/1") is None
    assert _titles(await _network_page(beta)) == []


async def test_a_question_from_an_actor_not_followed_as_a_territory_stays_out(
        make_fed_node, make_peer):
    from tests.federation.harness import peer_keys
    beta, peer = await _hostile_territory(make_fed_node, make_peer)
    mallory = await make_peer("mallory")
    mallory.add_actor("debat", peer_keys(3), type="Group")
    state, _ = await _deliver(beta, mallory, "debat", "Create", _question(mallory, 1))
    assert state == "ignored"
    assert await NetworkRepo(beta.db.read().conn).count_territories() == 0


async def test_a_territory_cannot_delete_another_territorys_proposal(make_fed_node, make_peer):
    beta, peer = await _hostile_territory(make_fed_node, make_peer)
    await _deliver(beta, peer, "debat", "Create", _question(peer, 1))
    state, _ = await _deliver(beta, peer, "debat", "Delete", {
        "id": "http://alpha.test/propositions/1", "type": "Tombstone"})
    assert state == "rejected"  # only the object's origin may delete it
    state, _ = await _deliver(beta, peer, "debat", "Delete", {
        "id": "http://gamma.test/p/1", "type": "Tombstone"})
    assert state == "processed"
    assert _titles(await _network_page(beta)) == []


async def test_a_hostile_collection_cannot_walk_forever_nor_lead_elsewhere(make_fed_node,
                                                                          make_peer,
                                                                          monkeypatch):
    monkeypatch.setattr(backfill_worker, "MAX_BACKFILL_PAGES", 5)
    beta, peer = await _hostile_territory(make_fed_node, make_peer)
    collection = f"{peer.actor_uri('node')}/proposals"
    # Given a territory whose collection's first page is the collection itself
    peer.documents["/users/node/proposals"] = {"id": collection, "type": "OrderedCollection",
                                               "first": collection}
    await settle(beta)
    # Then the walk stops at the bound
    backfill = await TerritoryRepo(beta.db.read().conn).find(peer.actor_uri("node"))
    assert (backfill.state, backfill.pages) == ("done", 5)


async def test_a_backfill_page_keeps_the_territorys_own_items_and_stays_on_its_origin(
        make_fed_node, make_peer):
    beta, peer = await _hostile_territory(make_fed_node, make_peer)
    collection = f"{peer.actor_uri('node')}/proposals"
    # Given a page with one proposal of its own, one claiming another origin, then a next
    # page on another host
    foreign = _question(peer, 2, id="http://beta.test/propositions/1")
    peer.documents["/users/node/proposals"] = {
        "id": collection, "type": "OrderedCollectionPage",
        "orderedItems": [_question(peer, 1), foreign, "http://gamma.test/p/3"],
        "next": "http://elsewhere.test/page/2"}
    await settle(beta)
    # Then only its own proposal was kept, and the walk did not leave its origin
    backfill = await TerritoryRepo(beta.db.read().conn).find(peer.actor_uri("node"))
    assert (backfill.state, backfill.items) == ("failed", 1)
    assert backfill.last_error == "the next page is on another origin"
    assert _titles(await _network_page(beta)) == ["Proposition 1"]


# -- follow requests under manual approval ([federation] manual_node_follow_approval)


async def _beta_asks_to_follow_alpha(make_fed_node):
    alpha, beta, _ = await _two_territories(make_fed_node, manual_node_follow_approval=True)
    await territories.follow_territory(beta.fed.deps, ALPHA_NODE)
    await settle(alpha, beta)
    return alpha, beta, beta.fed.local.node().ap_id


async def _beta_follow_state(beta) -> str | None:
    row = await FollowRepo(beta.db.read().conn).find_following("node", ALPHA_NODE)
    return row.state if row else None


async def test_an_admin_approves_a_territory_s_follow_request_from_the_admin_area(
        make_fed_node):
    from tests.web.test_admin import get, post, sign_in
    alpha, beta, beta_node = await _beta_asks_to_follow_alpha(make_fed_node)
    assert await _beta_follow_state(beta) == "pending"
    browser = await sign_in(alpha, "root", Role.ADMIN)
    try:
        # Given alpha's territories page lists beta's request with Accept and Refuse
        status, page, _ = await get(browser, alpha, "/admin/territoires")
        assert status == 200
        assert page.count(f'name="follower" value="{beta_node}"') == 2
        # When the admin accepts it through the form
        status, _, location = await post(browser, alpha, "/admin/territoires/abonnes/accepter",
                                         {"follower": beta_node})
        assert (status, location) == (303, "/admin/territoires?fait=accepte")
        await settle(alpha, beta)
        # Then beta's follow is accepted, and the request leaves the list
        assert await _beta_follow_state(beta) == "accepted"
        follower = await FollowRepo(alpha.db.read().conn).find_follower("node", beta_node)
        assert follower.state == "accepted"
        _, page, _ = await get(browser, alpha, "/admin/territoires")
        assert f'value="{beta_node}"' not in page
        # And accepting it again is refused with the page (nothing is waiting any more)
        status, _, _ = await post(browser, alpha, "/admin/territoires/abonnes/accepter",
                                  {"follower": beta_node})
        assert status == 422
    finally:
        await browser.close()


async def test_an_admin_refuses_a_follow_request_and_beta_drops_its_follow(make_fed_node):
    from tests.web.test_admin import post, sign_in
    alpha, beta, beta_node = await _beta_asks_to_follow_alpha(make_fed_node)
    browser = await sign_in(alpha, "root", Role.ADMIN)
    try:
        status, _, location = await post(browser, alpha, "/admin/territoires/abonnes/refuser",
                                         {"follower": beta_node})
        assert (status, location) == (303, "/admin/territoires?fait=refuse")
        await settle(alpha, beta)
        assert await _beta_follow_state(beta) is None
        assert await FollowRepo(alpha.db.read().conn).find_follower("node", beta_node) is None
    finally:
        await browser.close()


async def test_answering_follow_requests_is_for_administrators_with_a_csrf_token(
        make_fed_node):
    from tests.web.test_admin import sign_in
    alpha, beta, beta_node = await _beta_asks_to_follow_alpha(make_fed_node)
    citizen = await sign_in(alpha, "anne")
    admin = await sign_in(alpha, "root", Role.ADMIN)
    try:
        for browser, path in ((citizen, "accepter"), (admin, "accepter"), (admin, "refuser")):
            async with browser.post(f"{alpha.url}/admin/territoires/abonnes/{path}",
                                    allow_redirects=False,
                                    data={"follower": beta_node}) as response:
                assert response.status == 403  # not an admin, or no CSRF token
        follower = await FollowRepo(alpha.db.read().conn).find_follower("node", beta_node)
        assert follower.state == "pending"
    finally:
        await citizen.close()
        await admin.close()


async def test_the_cli_lists_and_approves_follow_requests(make_fed_node, fake_dns, capsys,
                                                         monkeypatch):
    import asyncio

    import aiohttp

    from web import cli, cli_federation
    alpha, beta, beta_node = await _beta_asks_to_follow_alpha(make_fed_node)
    # The commands run in their own event loop, as the CLI does; they reach beta through the
    # test network (a client of that loop, on the fake DNS).
    with_federation = cli_federation.with_federation

    async def on_test_network(config, work):
        connector = aiohttp.TCPConnector(resolver=fake_dns)
        async with aiohttp.ClientSession(connector=connector) as client:
            return await with_federation(config, work, http_client=client, clock=alpha.clock)

    monkeypatch.setattr(cli_federation, "with_federation", on_test_network)

    async def run(*argv: str) -> str:
        args = cli.build_parser().parse_args(["--config", str(alpha.config.path), *argv])
        assert await asyncio.to_thread(args.func, args) == 0
        return capsys.readouterr().out

    # When the operator runs `thc-node followers pending` against alpha's database
    # Then beta's request is listed
    assert beta_node in await run("followers", "pending")
    # When the operator runs `thc-node followers approve <beta>`
    assert f"accepted {beta_node}" in await run("followers", "approve", beta_node)
    # Then the running node delivers the Accept: beta's follow is accepted
    await settle(alpha, beta)
    assert await _beta_follow_state(beta) == "accepted"
    assert beta_node not in await run("followers", "pending")
