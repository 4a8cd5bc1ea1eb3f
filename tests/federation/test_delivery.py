"""Delivery worker against scripted sink inboxes: signed per attempt, outcomes classified as
STYLE.md's table says, retries rescheduled with backoff, RFC 9421 double knock."""
from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from federation import outbox
from federation.signatures import verify_request
from storage.repos.outbox import OutboxRepo, claim_due_now
from storage.repos.remote import RemoteRepo
from tests.federation.harness import make_fed_node  # noqa: F401
from tests.support import settle

SINK_INBOX = "http://sink.test/inbox"


class Sink:
    """An inbox answering scripted statuses (then 202) and recording what it received."""

    def __init__(self):
        self.statuses: list[int] = []
        self.headers: dict[str, str] = {}
        self.refuse_rfc9421 = False
        self.received: list[tuple[dict[str, str], bytes]] = []

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append((dict(request.headers), body))
        if self.refuse_rfc9421 and "Signature-Input" in request.headers:
            return web.Response(status=401, text="unknown signature")
        status = self.statuses.pop(0) if self.statuses else 202
        return web.Response(status=status, headers=self.headers if status != 202 else {})

    async def actor(self, request: web.Request) -> web.Response:
        return web.json_response({"id": "http://sink.test/users/s", "type": "Person",
                                  "inbox": SINK_INBOX, "preferredUsername": "s"},
                                 content_type="application/activity+json")


@pytest.fixture
async def sink(fake_dns):
    sink = Sink()
    app = web.Application()
    app.router.add_post("/inbox", sink.inbox)
    app.router.add_get("/users/s", sink.actor)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake_dns.register("sink.test", server.port)
    yield sink
    await server.close()


async def _queue(node, inboxes=(SINK_INBOX,)) -> int:
    fed = node.fed
    activity = {"@context": "https://www.w3.org/ns/activitystreams",
                "id": fed.uris.new_activity_uri(), "type": "Follow",
                "actor": fed.uris.node_actor_uri(), "object": "http://sink.test/users/s"}
    async with fed.db.transaction() as tx:
        return await outbox.enqueue(fed.deps, tx.conn, activity=activity, actor=fed.local.node(),
                                    inboxes=list(inboxes))


async def _deliveries(node):
    return await OutboxRepo(node.db.read().conn).list_deliveries()


async def test_failed_attempt_is_retried_and_signed_again(make_fed_node, sink):
    # Given an activity for an inbox that answers 500 once
    alpha = await make_fed_node("alpha")
    sink.statuses = [500]
    await _queue(alpha)
    # When the worker runs
    await settle(alpha)
    # Then the delivery waits for a later attempt with its error recorded
    [delivery] = await _deliveries(alpha)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    wait = delivery.next_attempt_at - alpha.clock.now()
    assert timedelta(seconds=30) <= wait <= timedelta(seconds=90)  # 1 min ± 50%
    # When time passes and the worker runs again
    alpha.clock.advance(minutes=2)
    await settle(alpha)
    # Then it is delivered, and each attempt carried a fresh signature that verifies then
    [delivery] = await _deliveries(alpha)
    assert (delivery.state, delivery.attempts) == ("delivered", 2)
    keys = await alpha.fed.keys.get("node")
    (first_headers, _), (second_headers, body) = sink.received
    assert first_headers["Date"] != second_headers["Date"]
    verify_request(method="POST", url=SINK_INBOX, headers=second_headers, body=body,
                   public_key_pem=keys.rsa_public_pem, now=alpha.clock.now(),
                   window=timedelta(seconds=30))


@pytest.mark.parametrize(("status", "state"), [(410, "gone"), (404, "gone"), (400, "failed"),
                                               (422, "failed")])
async def test_final_answers_end_the_delivery(make_fed_node, sink, status, state):
    alpha = await make_fed_node("alpha")
    await alpha.fed.remote.get("http://sink.test/users/s")
    sink.statuses = [status]
    await _queue(alpha)
    await settle(alpha)
    [delivery] = await _deliveries(alpha)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (state, 1, status)
    actor = await RemoteRepo(alpha.db.read().conn).find_actor("http://sink.test/users/s")
    assert actor.is_gone is (state == "gone")


async def test_unauthorized_is_retried_three_times_then_failed(make_fed_node, sink):
    alpha = await make_fed_node("alpha")
    sink.statuses = [401, 403, 401]
    await _queue(alpha)
    for _ in range(3):
        await settle(alpha)
        alpha.clock.advance(hours=1)
    [delivery] = await _deliveries(alpha)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("failed", 3, 401)


async def test_retry_after_is_honoured(make_fed_node, sink):
    alpha = await make_fed_node("alpha")
    sink.statuses, sink.headers = [429], {"Retry-After": "3600"}
    await _queue(alpha)
    await settle(alpha)
    [delivery] = await _deliveries(alpha)
    assert delivery.state == "pending"
    assert delivery.next_attempt_at - alpha.clock.now() >= timedelta(hours=1)


async def test_delivery_gives_up_after_the_maximum_attempts(make_fed_node, sink):
    alpha = await make_fed_node("alpha", retry_max_attempts=2)
    sink.statuses = [503, 503, 503]
    await _queue(alpha)
    await settle(alpha)
    alpha.clock.advance(hours=1)
    await settle(alpha)
    [delivery] = await _deliveries(alpha)
    assert delivery.state == "failed" and delivery.attempts == 2
    assert delivery.last_error.startswith("gave up after 2 attempts: HTTP 503")


async def test_unknown_host_fails_at_once(make_fed_node):
    alpha = await make_fed_node("alpha")
    await _queue(alpha, ["http://nowhere.test/inbox"])
    await settle(alpha)
    [delivery] = await _deliveries(alpha)
    assert (delivery.state, delivery.last_error) == ("failed", "DNS name not found")


async def test_inboxes_are_deduplicated_and_blocked_or_local_ones_skipped(make_fed_node, sink):
    alpha = await make_fed_node("alpha", blocked_domains=["evil.test"])
    activity_id = await _queue(alpha, [SINK_INBOX, SINK_INBOX, "http://evil.test/inbox",
                                       "http://a.evil.test/inbox", "http://alpha.test/inbox"])
    deliveries = await OutboxRepo(alpha.db.read().conn).list_deliveries(activity_id)
    assert [d.inbox for d in deliveries] == [SINK_INBOX]


async def test_rfc9421_refused_falls_back_to_cavage_and_is_forgotten(make_fed_node, sink):
    # Given alpha believes sink speaks RFC 9421, but sink only verifies draft-cavage
    alpha = await make_fed_node("alpha")
    await alpha.fed.schemes.remember("sink.test", "rfc9421")
    sink.refuse_rfc9421 = True
    await _queue(alpha)
    # When the activity is delivered
    await settle(alpha)
    # Then the second knock (cavage) got through in the same attempt, and is remembered
    [delivery] = await _deliveries(alpha)
    assert (delivery.state, delivery.attempts) == ("delivered", 1)
    assert ["Signature-Input" in h for h, _ in sink.received] == [True, False]
    assert await alpha.fed.schemes.get("sink.test") == "cavage"
    host = await RemoteRepo(alpha.db.read().conn).find_host("sink.test")
    assert host.signature_scheme == "cavage"


async def test_expired_lease_makes_a_delivery_claimable_again(make_fed_node, sink):
    # Given a delivery claimed by a worker that then died (its lease is set, never released)
    alpha = await make_fed_node("alpha")
    await _queue(alpha)
    now = alpha.clock.now()
    [claimed] = await alpha.db.write(
        lambda tx: claim_due_now(tx.sqlite, now, now + timedelta(minutes=5), 10))
    # When the worker runs during the lease, then after it
    assert await settle(alpha) == 0
    alpha.clock.advance(minutes=6)
    await settle(alpha)
    # Then the delivery was attempted exactly once more and delivered
    [delivery] = await _deliveries(alpha)
    assert (delivery.state, delivery.attempts, len(sink.received)) == ("delivered", 2, 1)
