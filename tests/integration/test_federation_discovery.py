"""Discovery as Mastodon and Lemmy do it, over real HTTP: WebFinger round trips, host-meta,
NodeInfo, content negotiation, and the actor documents themselves."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from federation import webfinger
from node import services
from node.model import ContentKind, NewDebate, Operator, ProposalDraft, Role
from storage.repos.remote import RemoteRepo
from tests.federation.harness import (  # noqa: F401
    add_member,
    make_fed_node,
    make_peer,
    open_debate,
    peer_keys,
)
from tests.support import settle

AS2 = "application/activity+json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
LD_QUOTED = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
LD_BARE = "application/ld+json;profile=https://www.w3.org/ns/activitystreams"
GROUP_PROPERTY = "https://www.w3.org/ns/activitystreams#type"


async def _get(node, url: str, accept: str = AS2):
    async with node.client.get(url, headers={"Accept": accept}) as response:
        body = await response.read()
        return response.status, response.headers, body


async def _json(node, url: str, accept: str = AS2) -> dict:
    async with node.client.get(url, headers={"Accept": accept}) as response:
        assert response.status == 200, await response.text()
        return await response.json(content_type=None)


async def _webfinger(client_node, host: str, resource: str) -> tuple[int, dict | None]:
    url = f"http://{host}/.well-known/webfinger?resource={quote(resource, safe='')}"
    async with client_node.client.get(url) as response:
        if response.status != 200:
            return response.status, None
        assert response.content_type == "application/jrd+json"
        return 200, await response.json(content_type=None)


def _self_link(jrd: dict) -> str:
    [link] = [link for link in jrd["links"] if link["rel"] == "self"]
    assert link["type"] == AS2
    return link["href"]


async def _mastodon_round_trip(client_node, handle: str) -> dict:
    """What resolve_account_service.rb checks: subject, self link, actor id, and back again."""
    name, host = handle.split("@")
    status, jrd = await _webfinger(client_node, host, f"acct:{handle}")
    assert status == 200 and jrd["subject"] == f"acct:{handle}"
    actor_url = _self_link(jrd)
    actor = await _json(client_node, actor_url)
    assert actor["id"] == actor_url  # jsonld_helper.rb: id equals the URL fetched
    assert "https://www.w3.org/ns/activitystreams" in actor["@context"]
    assert actor["type"] in ("Application", "Group", "Organization", "Person", "Service")
    # Mastodon then WebFingers preferredUsername@host-of-id and needs the same actor back.
    back = f"{actor['preferredUsername']}@{actor_url.split('/')[2]}"
    status, jrd_back = await _webfinger(client_node, host, f"acct:{back}")
    assert status == 200 and _self_link(jrd_back) == actor["id"]
    return actor


async def test_webfinger_round_trip_for_a_debate_as_mastodon_does_it(make_fed_node):
    # Given a public debate on alpha
    alpha = await make_fed_node("alpha")
    beta = await make_fed_node("beta")
    await open_debate(alpha, "eau")
    # When beta resolves @eau@alpha.test the way Mastodon does
    actor = await _mastodon_round_trip(beta, "eau@alpha.test")
    # Then it is a Group, marked as such in the JRD too (Lemmy's property)
    assert actor["type"] == "Group" and actor["preferredUsername"] == "eau"
    _, jrd = await _webfinger(beta, "alpha.test", "acct:eau@alpha.test")
    assert jrd["properties"][GROUP_PROPERTY] == "Group"
    page = "http://webfinger.net/rel/profile-page"
    profile = [link for link in jrd["links"] if link["rel"] == page]
    assert profile == [{"rel": page, "type": "text/html", "href": "http://alpha.test/debats/eau"}]


async def test_webfinger_round_trip_for_a_member(make_fed_node):
    # Given a member on alpha
    alpha = await make_fed_node("alpha")
    beta = await make_fed_node("beta")
    await add_member(alpha, "alice")
    # When beta resolves @alice@alpha.test
    actor = await _mastodon_round_trip(beta, "alice@alpha.test")
    # Then it is a Person with no group marker in its JRD
    assert actor["type"] == "Person"
    _, jrd = await _webfinger(beta, "alpha.test", "acct:alice@alpha.test")
    assert "properties" not in jrd


async def test_webfinger_handles_carry_the_port_when_the_base_url_has_one(make_fed_node):
    # Given a node whose base URL has a port
    gamma = await make_fed_node("gamma", port=8080)
    beta = await make_fed_node("beta")
    await open_debate(gamma, "eau")
    # When beta resolves @eau@gamma.test:8080
    actor = await _mastodon_round_trip(beta, "eau@gamma.test:8080")
    # Then the actor id carries the port too, and the host without it is not ours
    assert actor["id"] == "http://gamma.test:8080/debats/eau"
    assert (await _webfinger(beta, "gamma.test:8080", "acct:eau@gamma.test"))[0] == 404


async def test_node_application_actor_is_discoverable_by_webfinger_and_nodeinfo(make_fed_node):
    # Given a node
    alpha = await make_fed_node("alpha")
    beta = await make_fed_node("beta")
    # When its Application actor is looked up by acct:host@host, by its origin (FEP-d556)
    actor = await _mastodon_round_trip(beta, "alpha.test@alpha.test")
    _, by_origin = await _webfinger(beta, "alpha.test", "http://alpha.test/")
    links = await _json(beta, "http://alpha.test/.well-known/nodeinfo", "application/json")
    # Then all three name the same Application actor (FEP-2677 link in NodeInfo)
    assert actor["type"] == "Application" and actor["id"] == "http://alpha.test/actor"
    assert by_origin["subject"] == "http://alpha.test/" and _self_link(by_origin) == actor["id"]
    rels = {link["rel"]: link["href"] for link in links["links"]}
    assert rels["https://www.w3.org/ns/activitystreams#Application"] == actor["id"]
    nodeinfo = rels["http://nodeinfo.diaspora.software/ns/schema/2.1"]
    assert nodeinfo == "http://alpha.test/nodeinfo/2.1"


@pytest.mark.parametrize("resource", [
    "acct:eau@beta.test",  # another host
    "acct:nobody@alpha.test",  # an unknown name
    "acct:brouillon@alpha.test",  # a draft debate is not public
    "acct:eau@alpha.test.evil",  # a host that merely starts like ours
    "http://alpha.test/debats/nope",
    "mailto:eau@alpha.test",
])
async def test_webfinger_answers_404_for_anything_not_ours(make_fed_node, resource):
    # Given alpha with one open and one draft debate
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    async with alpha.db.transaction() as tx:
        await services.create_debate(tx, alpha.clock, Operator(),
                                     NewDebate("brouillon", "Brouillon", ""))
    # When the resource is queried / Then it is not found
    assert (await _webfinger(alpha, "alpha.test", resource))[0] == 404


async def test_webfinger_without_resource_is_a_bad_request(make_fed_node):
    alpha = await make_fed_node("alpha")
    status, _, _ = await _get(alpha, "http://alpha.test/.well-known/webfinger",
                              "application/jrd+json")
    assert status == 400


async def test_host_meta_points_at_webfinger(make_fed_node):
    alpha = await make_fed_node("alpha")
    status, headers, body = await _get(alpha, "http://alpha.test/.well-known/host-meta", "*/*")
    assert status == 200 and headers["Content-Type"].startswith("application/xrd+xml")
    assert b'template="http://alpha.test/.well-known/webfinger?resource={uri}"' in body


async def test_nodeinfo_describes_the_node(make_fed_node):
    # Given a node with two members and one open debate with two proposals, one hidden
    alpha = await make_fed_node("alpha")
    alice = await add_member(alpha, "alice")
    await add_member(alpha, "bob")
    await open_debate(alpha, "eau")
    async with alpha.db.transaction() as tx:
        for title in ("Des fontaines", "Des citernes"):
            shown = await services.submit_proposal(tx, alpha.clock, alice, "eau",
                                                   ProposalDraft(title, "Partout."))
        await services.hide_content(tx, alpha.clock, Operator(), ContentKind.PROPOSAL, shown.id,
                                    "Hors sujet")
    # When its NodeInfo 2.1 document is read
    status, headers, _ = await _get(alpha, "http://alpha.test/nodeinfo/2.1", "application/json")
    info = await _json(alpha, "http://alpha.test/nodeinfo/2.1", "application/json")
    # Then it names the software, the protocol, the usage and the territory
    assert status == 200 and "nodeinfo.diaspora.software/ns/schema/2.1" in headers["Content-Type"]
    assert info["version"] == "2.1" and info["software"]["name"] == "thc-node"
    assert info["software"]["version"] and info["protocols"] == ["activitypub"]
    assert info["usage"]["users"]["total"] == 2 and info["usage"]["localPosts"] == 1
    assert info["openRegistrations"] is True
    assert info["metadata"]["nodeName"] == "Territoire alpha"


@pytest.mark.parametrize("accept", [AS2, LD_QUOTED, LD_BARE, f"{AS2}, text/html;q=0.5"])
async def test_debate_url_serves_as2_json_to_federation_clients(make_fed_node, accept):
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    status, headers, body = await _get(alpha, "http://alpha.test/debats/eau", accept)
    assert status == 200 and headers["Content-Type"] == AS2
    assert b'"type":"Group"' in body and "Accept" in headers["Vary"]


@pytest.mark.parametrize("accept", [BROWSER, "", "*/*", f"text/html, {AS2};q=0.5"])
async def test_debate_url_serves_html_to_browsers(make_fed_node, accept):
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    status, headers, body = await _get(alpha, "http://alpha.test/debats/eau", accept)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"<html" in body and "Accept" in headers["Vary"]


async def test_member_url_negotiates_too(make_fed_node):
    alpha = await make_fed_node("alpha")
    await add_member(alpha, "alice", display_name="Alice <Dupont>")
    status, headers, html = await _get(alpha, "http://alpha.test/membres/alice", BROWSER)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"Alice &lt;Dupont&gt;" in html
    person = await _json(alpha, "http://alpha.test/membres/alice", LD_QUOTED)
    assert person["type"] == "Person" and person["name"] == "Alice <Dupont>"
    assert (await _get(alpha, "http://alpha.test/membres/nobody", AS2))[0] == 404


def _check_actor(doc: dict, url: str, kind: str, username: str) -> None:
    assert doc["id"] == url and doc["type"] == kind and doc["preferredUsername"] == username
    for key in ("name", "summary", "url", "inbox", "outbox", "followers", "following"):
        assert isinstance(doc[key], str), key
    for key in ("inbox", "outbox", "followers", "following"):
        assert doc[key] == f"{url}/{key}"
    assert doc["endpoints"]["sharedInbox"] == "http://alpha.test/inbox"
    key = doc["publicKey"]
    assert key["id"] == f"{url}#main-key" and key["owner"] == url
    public = serialization.load_pem_public_key(key["publicKeyPem"].encode())
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == 2048
    [multikey] = doc["assertionMethod"]
    assert multikey["id"] == f"{url}#ed25519-key" and multikey["type"] == "Multikey"
    assert multikey["controller"] == url and multikey["publicKeyMultibase"].startswith("z6Mk")


async def test_actor_documents_have_every_required_field(make_fed_node):
    # Given a debate, a representative and the node itself
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau", title="L'eau potable")
    await add_member(alpha, "claire", role=Role.REPRESENTATIVE, mandate="adjointe à l'eau")
    await add_member(alpha, "modo", role=Role.MODERATOR)
    # When each actor is fetched as AS2
    node_actor = await _json(alpha, "http://alpha.test/actor")
    group = await _json(alpha, "http://alpha.test/debats/eau")
    person = await _json(alpha, "http://alpha.test/membres/claire")
    # Then each has what Mastodon and Lemmy need, with `id` equal to the URL fetched
    _check_actor(node_actor, "http://alpha.test/actor", "Application", "alpha.test")
    _check_actor(group, "http://alpha.test/debats/eau", "Group", "eau")
    _check_actor(person, "http://alpha.test/membres/claire", "Person", "claire")
    assert group["name"] == "L'eau potable" and group["source"]["mediaType"] == "text/markdown"
    # And the Group names its moderators collection (FEP-1b12), which lists the moderator
    moderators = await _json(alpha, group["attributedTo"])
    assert group["attributedTo"] == "http://alpha.test/debats/eau/moderators"
    assert moderators["orderedItems"] == ["http://alpha.test/membres/modo"]
    # And the representative carries their mandate
    assert person["mandate"] == "adjointe à l'eau" and "adjointe" in person["summary"]
    assert person["attachment"][0]["type"] == "PropertyValue"


async def test_actor_document_follows_changes_despite_its_cache(make_fed_node):
    # Given a member fetched once (cached)
    alpha = await make_fed_node("alpha")
    await add_member(alpha, "claire")
    before = await _json(alpha, "http://alpha.test/membres/claire")
    # When they become a representative
    async with alpha.db.transaction() as tx:
        await services.change_role(tx, alpha.clock, Operator(), "claire", Role.REPRESENTATIVE,
                                   "maire")
    after = await _json(alpha, "http://alpha.test/membres/claire")
    # Then the document shows it, with the same keys
    assert "mandate" not in before and after["mandate"] == "maire"
    assert after["publicKey"] == before["publicKey"]


async def test_empty_outbox_and_collections_are_paged(make_fed_node):
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    outbox = await _json(alpha, "http://alpha.test/debats/eau/outbox")
    assert outbox == {"@context": "https://www.w3.org/ns/activitystreams",
                      "id": "http://alpha.test/debats/eau/outbox", "type": "OrderedCollection",
                      "totalItems": 0, "first": "http://alpha.test/debats/eau/outbox?page=true"}
    page = await _json(alpha, outbox["first"])
    assert page["type"] == "OrderedCollectionPage" and page["orderedItems"] == []
    assert "next" not in page
    following = await _json(alpha, "http://alpha.test/actor/following")
    assert following["totalItems"] == 0


async def test_unknown_objects_are_404(make_fed_node):
    alpha = await make_fed_node("alpha")
    for url in ("http://alpha.test/activites/nope", "http://alpha.test/debats/nope",
                "http://alpha.test/debats/nope/followers", "http://alpha.test/membres/x/outbox"):
        assert (await _get(alpha, url))[0] == 404, url


async def test_our_context_document_is_served(make_fed_node):
    alpha = await make_fed_node("alpha")
    context = await _json(alpha, "http://alpha.test/ns/thc", "application/ld+json")
    assert context["@context"]["thc"] == "http://alpha.test/ns/thc#"


async def test_webfinger_client_refuses_an_actor_that_does_not_point_back(make_fed_node, make_peer):
    # Given a peer whose JRD for bob names an actor calling itself "other", unknown to WebFinger
    beta = await make_fed_node("beta")
    peer = await make_peer("peer")
    actor = peer.add_actor("bob", peer_keys(1), username="other")
    peer.webfinger["acct:bob@peer.test"] = {
        "subject": "acct:bob@peer.test",
        "links": [{"rel": "self", "type": AS2, "href": actor}]}
    # When beta resolves @bob@peer.test / Then it refuses, as Mastodon would
    with pytest.raises(webfinger.WebFingerError, match="does not point back"):
        await webfinger.resolve(beta.fed.deps, "@bob@peer.test")
    # And once the actor's own handle resolves to it, the handle is accepted
    peer.webfinger["acct:other@peer.test"] = peer.webfinger["acct:bob@peer.test"] | {
        "subject": "acct:other@peer.test"}
    assert await webfinger.resolve(beta.fed.deps, "bob@peer.test") == actor


async def test_remote_software_is_learned_from_nodeinfo(make_fed_node):
    # Given beta has fetched an actor of alpha
    alpha = await make_fed_node("alpha")
    beta = await make_fed_node("beta")
    await open_debate(alpha, "eau")
    await beta.fed.remote.get("http://alpha.test/debats/eau")
    # When the workers run
    await settle(alpha, beta)
    # Then beta knows alpha's software from its NodeInfo
    actor = await RemoteRepo(beta.db.read().conn).find_actor("http://alpha.test/debats/eau")
    host = await RemoteRepo(beta.db.read().conn).find_host("alpha.test")
    assert actor.software == "thc-node" and host.software_version
