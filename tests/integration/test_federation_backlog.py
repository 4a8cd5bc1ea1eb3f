"""The inbox's backlog bound (federation/backlog.py): past its share of activities waiting to
be processed a server gets 429, past the node's whole bound everyone gets 503, both with
Retry-After and nothing stored; the others still get in, and room comes back once the worker
has processed what waited. Real peers, real signatures, real HTTP."""
from __future__ import annotations

from dataclasses import replace

from federation.backlog import InboxBacklog
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


class _Clock:
    """The backlog's recount pace (once a second), moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _setup(make_fed_node, make_peer, **settings):
    alpha = await make_fed_node("alpha", **settings)
    await open_debate(alpha, "eau")
    clock = _Clock()
    alpha.fed.backlog.monotonic = clock
    peers = []
    for index, name in enumerate(("mallory", "trent"), start=1):
        peer = await make_peer(name)
        peer.add_actor(name, peer_keys(index))
        peers.append(peer)
    return alpha, clock, *peers


async def _follow(alpha, peer) -> tuple[int, str]:
    user = peer.host.removesuffix(".test")  # each peer here has one actor, named after it
    return await peer.post(INBOX, peer.activity(user, "Follow", DEBATE), user=user,
                           now=alpha.clock.now())


async def _stored(alpha) -> int:
    return await InboxRepo(alpha.db.read().conn).count()


async def test_a_server_past_its_share_gets_429_and_the_others_still_get_in(make_fed_node,
                                                                              make_peer):
    # Given a node that keeps at most 3 waiting activities per server
    alpha, clock, mallory, trent = await _setup(make_fed_node, make_peer,
                                                max_inbox_backlog_per_host=3)
    # When one server sends 3 activities, then a 4th before any is processed
    assert [(await _follow(alpha, mallory))[0] for _ in range(3)] == [202, 202, 202]
    status, reason = await _follow(alpha, mallory)
    # Then the 4th is refused for now, with a reason and Retry-After, and not stored
    assert status == 429 and "3 activities from mallory.test are waiting" in reason
    assert mallory.last_headers["Retry-After"] == "60"
    assert await _stored(alpha) == 3
    # And another server still gets in
    assert (await _follow(alpha, trent))[0] == 202
    # When the worker has processed what waited (and a second has passed: one recount a second)
    await settle(alpha)
    clock.now += 1
    # Then the first server gets in again
    assert (await _follow(alpha, mallory))[0] == 202
    assert await _stored(alpha) == 5


async def test_past_the_whole_bound_everyone_gets_503_until_the_worker_catches_up(
        make_fed_node, make_peer):
    # Given a node that keeps at most 2 waiting activities in all
    alpha, clock, mallory, trent = await _setup(make_fed_node, make_peer, max_inbox_backlog=2)
    assert (await _follow(alpha, mallory))[0] == 202
    assert (await _follow(alpha, trent))[0] == 202
    # When a third arrives, from either server
    for peer in (mallory, trent):
        status, reason = await _follow(alpha, peer)
        # Then it is refused for now (503: the node, not the sender, is full), not stored
        assert status == 503 and "2 activities are waiting" in reason
        assert peer.last_headers["Retry-After"] == "60"
    assert await _stored(alpha) == 2
    # And once processed, room again
    await settle(alpha)
    clock.now += 1
    assert (await _follow(alpha, trent))[0] == 202


async def test_after_a_restart_the_backlog_is_counted_from_the_database(make_fed_node,
                                                                          make_peer):
    # Given 3 activities from one server waiting, recorded by an earlier process
    alpha, clock, mallory, trent = await _setup(make_fed_node, make_peer,
                                                max_inbox_backlog_per_host=3)
    for _ in range(3):
        assert (await _follow(alpha, mallory))[0] == 202
    # When a new process starts (counts in memory start empty) and the server sends again
    backlog = InboxBacklog(alpha.db, per_host=3, total=100, monotonic=clock)
    alpha.fed.deps = replace(alpha.fed.deps, backlog=backlog)
    status, _ = await _follow(alpha, mallory)
    # Then the waiting ones were counted from the database: refused
    assert status == 429
    assert backlog.by_host == {"mallory.test": 3}
    assert (await _follow(alpha, trent))[0] == 202
