"""The inbox against hostile peers: every bad request gets a 4xx with a reason, nothing is
stored and the node stays healthy; good ones are recorded once and processed by the worker.
Real signatures from peers with their own keys; our verification is never mocked."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from federation.signatures import digest_header, sign_request_cavage
from storage.repos.follows import FollowRepo
from storage.repos.inbox import InboxRepo
from tests.federation.harness import (  # noqa: F401
    make_fed_node,
    make_peer,
    open_debate,
    peer_keys,
)
from tests.support import settle

INBOX = "http://alpha.test/debats/eau/inbox"
DEBATE = "http://alpha.test/debats/eau"


async def _setup(make_fed_node, make_peer, **settings):
    alpha = await make_fed_node("alpha", **settings)
    await open_debate(alpha, "eau")
    mallory = await make_peer("mallory")
    mallory.add_actor("mallory", peer_keys(1))
    return alpha, mallory


async def _stored(node) -> int:
    return await InboxRepo(node.db.read().conn).count()


async def _assert_healthy_and_accepting(alpha, mallory) -> None:
    async with alpha.client.get("http://alpha.test/healthz") as response:
        assert response.status == 200
    follow = mallory.activity("mallory", "Follow", DEBATE)
    assert (await mallory.post(INBOX, follow, now=alpha.clock.now()))[0] == 202


async def test_signed_follow_from_a_peer_is_recorded_and_accepted(make_fed_node, make_peer):
    # Given a debate on alpha and a peer with its own keys
    alpha, mallory = await _setup(make_fed_node, make_peer)
    follow = mallory.activity("mallory", "Follow", DEBATE)
    # When the peer posts a signed Follow to the debate's inbox, then the workers run
    status, _ = await mallory.post(INBOX, follow, now=alpha.clock.now())
    await settle(alpha)
    # Then it was accepted, processed, and an Accept was signed and delivered to the peer
    assert status == 202
    [message] = await InboxRepo(alpha.db.read().conn).list_all()
    assert (message.state, message.recipient) == ("processed", "debate:1")
    posts = [(m, p, h) for m, p, h in mallory.requests if m == "POST"]
    assert [p for _, p, _ in posts] == ["/users/mallory/inbox"]
    assert 'keyId="http://alpha.test/debats/eau#main-key"' in posts[0][2]["Signature"]
    follower = await FollowRepo(alpha.db.read().conn).find_follower(
        "debate:1", mallory.actor_uri("mallory"))
    assert follower.state == "accepted" and follower.follow_ap_id == follow["id"]


def _body(follow) -> bytes:
    return json.dumps(follow).encode()


# Each case: (id, settings, request builder, expected status, reason fragment).
async def _unsigned(alpha, mallory, follow):
    return await mallory.post(INBOX, follow, now=alpha.clock.now(), sign=False)


async def _wrong_key(alpha, mallory, follow):
    return await mallory.post(INBOX, follow, now=alpha.clock.now(), key=peer_keys(2))


async def _stale_date(alpha, mallory, follow):
    return await mallory.post(INBOX, follow, now=alpha.clock.now() - timedelta(hours=2))


async def _future_date(alpha, mallory, follow):
    return await mallory.post(INBOX, follow, now=alpha.clock.now() + timedelta(hours=2))


async def _digest_mismatch(alpha, mallory, follow):
    other = dict(follow, object="http://alpha.test/actor")
    return await mallory.post(INBOX, follow, now=alpha.clock.now(),
                              extra_headers={"Digest": digest_header(_body(other))})


async def _tampered_body(alpha, mallory, follow):
    # Signed for one body, another sent: Digest covers the first, so it must not match.
    headers = sign_request_cavage(
        method="POST", url=INBOX, headers={"Content-Type": "application/activity+json"},
        body=_body(follow), key_id=mallory.actor_uri("mallory") + "#main-key",
        private_key_pem=peer_keys(1).rsa_private_pem, now=alpha.clock.now())
    tampered = _body(dict(follow, object="http://alpha.test/actor"))
    return await mallory.post(INBOX, body=tampered, now=alpha.clock.now(), sign=False,
                              extra_headers=headers)


async def _owner_is_not_actor(alpha, mallory, follow):
    mallory.add_actor("eve", peer_keys(3))
    as_eve = dict(follow, actor=mallory.actor_uri("eve"))
    return await mallory.post(INBOX, as_eve, now=alpha.clock.now())  # signed by mallory's key


async def _key_listed_by_another_actor(alpha, mallory, follow):
    # eve's document lists a key whose owner is mallory: keyId → owner → actor must agree
    mallory.add_actor("eve", peer_keys(1), owner=mallory.actor_uri("mallory"))
    as_eve = dict(follow, actor=mallory.actor_uri("eve"))
    return await mallory.post(INBOX, as_eve, now=alpha.clock.now(), user="eve")


async def _id_on_another_host(alpha, mallory, follow):
    foreign = dict(follow, id="http://alpha.test/activites/forged")
    return await mallory.post(INBOX, foreign, now=alpha.clock.now())


async def _id_on_another_port(alpha, mallory, follow):
    foreign = dict(follow, id="http://mallory.test:8080/activities/1")
    return await mallory.post(INBOX, foreign, now=alpha.clock.now())


async def _actor_is_local(alpha, mallory, follow):
    local = dict(follow, actor="http://alpha.test/membres/nobody",
                 id="http://alpha.test/activites/x")
    return await mallory.post(INBOX, local, now=alpha.clock.now(),
                              key_id="http://alpha.test/membres/nobody#main-key")


async def _too_large(alpha, mallory, follow):
    padded = dict(follow, content="x" * 5000)
    return await mallory.post(INBOX, padded, now=alpha.clock.now())


async def _malformed_json(alpha, mallory, follow):
    return await mallory.post(INBOX, body=b'{"id": "http://mallory.test/1", "type": ',
                              now=alpha.clock.now())


async def _deep_nesting(alpha, mallory, follow):
    body = _body(follow)[:-1] + b', "x": ' + b"[" * 100 + b"]" * 100 + b"}"
    return await mallory.post(INBOX, body=body, now=alpha.clock.now())


async def _very_deep_nesting(alpha, mallory, follow):
    return await mallory.post(INBOX, body=b"[" * 100_000 + b"]" * 100_000, now=alpha.clock.now())


async def _no_actor(alpha, mallory, follow):
    return await mallory.post(INBOX, {k: v for k, v in follow.items() if k != "actor"},
                              now=alpha.clock.now())


async def _wrong_content_type(alpha, mallory, follow):
    return await mallory.post(INBOX, follow, now=alpha.clock.now(), content_type="text/plain")


async def _unknown_inbox(alpha, mallory, follow):
    status, text = await mallory.post("http://alpha.test/debats/nope/inbox", follow,
                                      now=alpha.clock.now())
    return status, text


async def _private_address(alpha, mallory, follow):
    return await mallory.post(INBOX, follow, now=alpha.clock.now())


async def _blocked_domain(alpha, mallory, follow):
    return await mallory.post(INBOX, follow, now=alpha.clock.now())


CASES = [
    ("unsigned", {}, _unsigned, 401, "not signed"),
    ("wrong signature", {}, _wrong_key, 401, "does not verify"),
    ("stale date", {}, _stale_date, 401, "outside window"),
    ("future date", {}, _future_date, 401, "outside window"),
    ("digest mismatch", {}, _digest_mismatch, 401, "digest mismatch"),
    ("tampered body", {}, _tampered_body, 401, "digest mismatch"),
    ("key owner is not the actor", {}, _owner_is_not_actor, 401,
     "key owner is not the activity's actor"),
    ("key listed by another actor", {}, _key_listed_by_another_actor, 401, "key's owner"),
    ("activity id on another host", {}, _id_on_another_host, 401, "different origins"),
    ("activity id on another port", {}, _id_on_another_port, 401, "different origins"),
    ("local actor", {}, _actor_is_local, 401, "local"),
    ("body over the limit", {"max_inbox_bytes": 4096}, _too_large, 413, "larger than 4096"),
    ("malformed JSON", {}, _malformed_json, 400, "not valid JSON"),
    ("100-deep nesting", {}, _deep_nesting, 400, "nested deeper than 32"),
    ("100000-deep nesting", {"max_inbox_bytes": 300_000}, _very_deep_nesting, 400, "nested deeper"),
    ("no actor", {}, _no_actor, 400, "no actor"),
    ("wrong content type", {}, _wrong_content_type, 415, "activity+json"),
    ("unknown inbox", {}, _unknown_inbox, 404, "no such inbox"),
    ("actor on a private address", {"allow_private_addresses": False}, _private_address, 401,
     "not public"),
    ("blocked domain", {"blocked_domains": ["mallory.test"]}, _blocked_domain, 403, "blocked"),
    ("blocked parent domain", {"blocked_domains": ["test"]}, _blocked_domain, 403, "blocked"),
]


@pytest.mark.parametrize(("settings", "send", "status", "reason"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_bad_inbox_request_is_refused_with_a_reason(make_fed_node, make_peer, settings,
                                                          send, status, reason):
    # Given a debate on alpha and a hostile peer
    alpha, mallory = await _setup(make_fed_node, make_peer, **settings)
    follow = mallory.activity("mallory", "Follow", DEBATE)
    # When the peer sends the bad request
    got_status, text = await send(alpha, mallory, follow)
    # Then it is refused with a short reason, and nothing is stored
    assert (got_status, reason in text) == (status, True), text
    assert await _stored(alpha) == 0
    # And the node is healthy and still accepts good requests (where the peer may be reached)
    if "allow_private_addresses" not in settings and "blocked_domains" not in settings:
        await _assert_healthy_and_accepting(alpha, mallory)


async def test_nothing_is_fetched_from_a_blocked_or_private_peer(make_fed_node, make_peer):
    # Given alpha refusing private addresses, beta blocking the peer's domain
    alpha, mallory = await _setup(make_fed_node, make_peer, allow_private_addresses=False)
    beta = await make_fed_node("beta", blocked_domains=["mallory.test"])
    await open_debate(beta, "eau")
    # When the peer posts a signed Follow to both
    await mallory.post(INBOX, mallory.activity("mallory", "Follow", DEBATE), now=alpha.clock.now())
    await mallory.post("http://beta.test/debats/eau/inbox",
                       mallory.activity("mallory", "Follow", "http://beta.test/debats/eau"),
                       now=beta.clock.now())
    # Then neither node ever connected to it
    assert mallory.gets() == []


async def test_rotated_key_is_refetched_once(make_fed_node, make_peer):
    # Given alpha has cached mallory's key from an earlier request
    alpha, mallory = await _setup(make_fed_node, make_peer)
    assert (await mallory.post(INBOX, mallory.activity("mallory", "Follow", DEBATE),
                               now=alpha.clock.now()))[0] == 202
    assert len(mallory.gets()) == 1
    # When mallory rotates its key (same keyId) and signs with the new one
    mallory.add_actor("mallory", peer_keys(2))
    undo = mallory.activity("mallory", "Undo", DEBATE)
    status, _ = await mallory.post(INBOX, undo, now=alpha.clock.now())
    # Then alpha refetched the actor once and accepted the request
    assert status == 202 and len(mallory.gets()) == 2
    # And a bad signature causes one refetch at most, then a 401
    status, _ = await mallory.post(INBOX, mallory.activity("mallory", "Like", DEBATE),
                                   now=alpha.clock.now(), key=peer_keys(3))
    assert status == 401 and len(mallory.gets()) == 3


async def test_rfc9421_signed_post_is_accepted_and_remembered(make_fed_node, make_peer):
    # Given a peer that signs RFC 9421 (as Fedify does first)
    alpha, mallory = await _setup(make_fed_node, make_peer)
    follow = mallory.activity("mallory", "Follow", DEBATE)
    # When it posts a Follow
    status, _ = await mallory.post(INBOX, follow, now=alpha.clock.now(), scheme="rfc9421")
    await settle(alpha)
    # Then alpha verified it and answers RFC 9421 from now on
    assert status == 202
    [message] = await InboxRepo(alpha.db.read().conn).list_all()
    assert message.signature_scheme == "rfc9421" and message.state == "processed"
    [accept_headers] = [headers for method, _, headers in mallory.requests if method == "POST"]
    assert "Signature-Input" in accept_headers and "Content-Digest" in accept_headers


async def test_duplicate_activity_is_acknowledged_and_stored_once(make_fed_node, make_peer):
    alpha, mallory = await _setup(make_fed_node, make_peer)
    follow = mallory.activity("mallory", "Follow", DEBATE)
    first = await mallory.post(INBOX, follow, now=alpha.clock.now())
    second = await mallory.post("http://alpha.test/inbox", follow, now=alpha.clock.now())
    assert first[0] == second[0] == 202
    assert await _stored(alpha) == 1


async def test_poisonous_and_unknown_activities_never_block_the_queue(make_fed_node, make_peer):
    # Given a malformed Follow, an unknown activity, a Follow of nobody and a good Follow
    alpha, mallory = await _setup(make_fed_node, make_peer)
    bad = {k: v for k, v in mallory.activity("mallory", "Follow", DEBATE).items() if k != "object"}
    # (a Like is handled since issue 5: an appreciation of a proposal)
    unknown = mallory.activity("mallory", "Listen", "http://alpha.test/debats/eau")
    nobody = mallory.activity("mallory", "Follow", "http://alpha.test/membres/nobody")
    good = mallory.activity("mallory", "Follow", DEBATE)
    for activity in (bad, unknown, nobody, good):
        status, _ = await mallory.post("http://alpha.test/inbox", activity, now=alpha.clock.now())
        assert status == 202
    # When the worker runs
    await settle(alpha)
    # Then each has its outcome and reason, and the good one was processed
    messages = await InboxRepo(alpha.db.read().conn).list_all()
    states = {m.activity_id: (m.state, m.error) for m in messages}
    assert states[bad["id"]] == ("rejected", "Follow has no object id")
    assert states[unknown["id"]] == ("ignored", "no handler for Listen(reference)")
    assert states[nobody["id"]] == ("rejected", "the followed actor is not one of ours")
    assert states[good["id"]] == ("processed", None)


async def test_transient_failure_is_retried_with_backoff(make_fed_node, make_peer):
    # Given a Follow recorded while the follower's cached actor has expired and its server fails
    alpha, mallory = await _setup(make_fed_node, make_peer)
    follow = mallory.activity("mallory", "Follow", DEBATE)
    assert (await mallory.post(INBOX, follow, now=alpha.clock.now()))[0] == 202
    alpha.clock.advance(days=2)
    mallory.get_status = 503
    # When the worker runs
    await settle(alpha)
    # Then the message waits for a later attempt, with the error recorded
    [message] = await InboxRepo(alpha.db.read().conn).list_all()
    assert (message.state, message.attempts, message.error) == ("received", 1, "HTTP 503")
    assert message.next_attempt_at > alpha.clock.now()
    # When the peer recovers and the retry is due
    mallory.get_status = None
    alpha.clock.advance(minutes=2)
    await settle(alpha)
    # Then it is processed
    [message] = await InboxRepo(alpha.db.read().conn).list_all()
    assert (message.state, message.attempts) == ("processed", 2)


async def test_standalone_key_document_is_followed_to_its_owner(make_fed_node, make_peer):
    # Given a peer whose key id is its own URL (GoToSocial-style), naming its owner
    alpha, mallory = await _setup(make_fed_node, make_peer)
    key_id = mallory.actor_uri("gts") + "/main-key"
    mallory.add_actor("gts", peer_keys(1), key_id=key_id)
    mallory.documents["/users/gts/main-key"] = {
        "id": key_id, "type": "CryptographicKey", "owner": mallory.actor_uri("gts"),
        "publicKeyPem": peer_keys(1).rsa_public_pem}
    # When it posts a Follow signed with that key
    follow = mallory.activity("gts", "Follow", DEBATE)
    status, _ = await mallory.post(INBOX, follow, user="gts", key_id=key_id, now=alpha.clock.now())
    # Then the key was fetched, its owner's actor lists it back, and the Follow is accepted
    assert status == 202
    assert mallory.gets() == ["/users/gts/main-key", "/users/gts"]


async def test_bodies_that_are_not_plain_utf8_are_stored_as_json_and_spoil_no_batch(
        make_fed_node, make_peer):
    # Given three signed activities posted at once (they share one group commit): one whose
    # text holds a lone surrogate in raw bytes (which JSON decoders let through), one in
    # UTF-16, and a plain one
    alpha, mallory = await _setup(make_fed_node, make_peer)
    surrogate = mallory.activity("mallory", "Listen", DEBATE)
    surrogate_body = _body(dict(surrogate, summary="@@")).replace(
        b"@@", "\ud800".encode("utf-8", "surrogatepass"))
    utf16 = mallory.activity("mallory", "Listen", DEBATE)
    plain = mallory.activity("mallory", "Follow", DEBATE)
    now = alpha.clock.now()
    answers = await asyncio.gather(
        mallory.post(INBOX, body=surrogate_body, now=now),
        mallory.post(INBOX, body=json.dumps(utf16).encode("utf-16"), now=now),
        mallory.post(INBOX, plain, now=now))
    # Then all three are accepted, and each is stored as valid JSON of what was sent
    assert [status for status, _ in answers] == [202, 202, 202]
    stored = {m.activity_id: m.body for m in await InboxRepo(alpha.db.read().conn).list_all()}
    assert json.loads(stored[surrogate["id"]])["summary"] == "\ud800"
    assert stored[surrogate["id"]].isascii()  # escaped: the text itself is valid UTF-8
    assert json.loads(stored[utf16["id"]]) == utf16
    assert stored[plain["id"]] == _body(plain).decode()  # the verified bytes, as they came


async def _raw_post(alpha, head: bytes, pieces: list[bytes]) -> bytes:
    """Send a request over a plain socket, the body in pieces with a pause between them."""
    reader, writer = await asyncio.open_connection("127.0.0.1", alpha.server.port)
    writer.write(head)
    for piece in pieces:
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(piece)
    if pieces and pieces[-1] == b"":
        writer.write_eof()
    await writer.drain()
    answer = await reader.read(65536)
    writer.close()
    return answer


def _signed_head(alpha, mallory, body: bytes, length: int) -> bytes:
    headers = {"Content-Type": "application/activity+json"}
    headers.update(sign_request_cavage(
        method="POST", url=INBOX, headers=headers, body=body,
        key_id=mallory.actor_uri("mallory") + "#main-key",
        private_key_pem=peer_keys(1).rsa_private_pem, now=alpha.clock.now()))
    headers["Content-Length"] = str(length)
    lines = ["POST /debats/eau/inbox HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def test_a_body_that_arrives_in_pieces_is_read_whole(make_fed_node, make_peer):
    alpha, mallory = await _setup(make_fed_node, make_peer)
    follow = mallory.activity("mallory", "Follow", DEBATE)
    body = _body(follow)
    thirds = [body[: len(body) // 3], body[len(body) // 3: 2 * len(body) // 3],
              body[2 * len(body) // 3:]]
    answer = await _raw_post(alpha, _signed_head(alpha, mallory, body, len(body)), thirds)
    assert answer.startswith(b"HTTP/1.1 202")
    assert (await InboxRepo(alpha.db.read().conn).find(follow["id"])) is not None


async def test_a_body_cut_short_of_its_length_is_refused_and_nothing_is_stored(make_fed_node,
                                                                               make_peer):
    alpha, mallory = await _setup(make_fed_node, make_peer)
    body = _body(mallory.activity("mallory", "Follow", DEBATE))
    answer = await _raw_post(alpha, _signed_head(alpha, mallory, body, len(body) + 10),
                             [body, b""])  # then the client stops sending
    assert not answer.startswith(b"HTTP/1.1 202")  # the connection closes, or a 400
    assert await _stored(alpha) == 0
    await _assert_healthy_and_accepting(alpha, mallory)
