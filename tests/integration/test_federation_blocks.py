"""Domain blocks as data (issue 4): `thc-node block add/remove/list`, merged with the config's
list; a blocked domain and its subdomains are never fetched from, delivered to, or accepted
from, and a new block cancels the deliveries still pending to it."""
from __future__ import annotations

import pytest

from federation import outbox
from federation.blocks import BadDomain, is_blocked, normalise_domain
from storage.repos.blocks import BLOCKED_ERROR
from storage.repos.inbox import InboxRepo
from storage.repos.outbox import OutboxRepo
from tests.federation.harness import (  # noqa: F401
    make_fed_node,
    make_peer,
    open_debate,
    peer_keys,
    write_fed_config,
)
from web.cli import main
from web.cli_federation import with_federation

INBOX = "http://alpha.test/debats/eau/inbox"
DEBATE = "http://alpha.test/debats/eau"


def test_a_block_covers_the_domain_and_its_subdomains_only():
    blocked = frozenset({"evil.example"})
    assert is_blocked("evil.example", blocked) and is_blocked("a.b.EVIL.example.", blocked)
    assert not is_blocked("notevil.example", blocked)
    assert not is_blocked("evil.example.org", blocked)
    assert not is_blocked("example", blocked)


@pytest.mark.parametrize("value", ["", "bad domain", "évil.example", "a..b", "-a.example",
                                   "x" * 254, "evil.example/path", "127.0.0.1:80"])
def test_only_domain_names_can_be_blocked(value):
    with pytest.raises(BadDomain):
        normalise_domain(value)


async def _queue(node, inboxes) -> int:
    fed = node.fed
    activity = {"@context": "https://www.w3.org/ns/activitystreams",
                "id": fed.uris.new_activity_uri(), "type": "Follow",
                "actor": fed.uris.node_actor_uri(), "object": "http://sink.test/users/s"}
    async with fed.db.transaction() as tx:
        return await outbox.enqueue(fed.deps, tx.conn, activity=activity, actor=fed.local.node(),
                                    inboxes=inboxes)


async def test_block_added_by_another_process_refuses_the_peer_after_a_worker_pass(
        make_fed_node, make_peer):
    # Given a running node that accepts a peer's activities
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    mallory = await make_peer("mallory")
    mallory.add_actor("mallory", peer_keys(1))
    first = mallory.activity("mallory", "Follow", DEBATE)
    assert (await mallory.post(INBOX, first, now=alpha.clock.now()))[0] == 202
    gets_before = len(mallory.gets())
    # When the operator blocks the domain with the CLI's code, on its own connection
    change = await with_federation(alpha.config, lambda fed: fed.blocked.add("Mallory.Test.",
                                                                            "spam"))
    assert (change.domain, change.added) == ("mallory.test", True)
    await alpha.fed.run_once()  # the server's next worker pass reads the table
    # Then the peer is refused at the inbox, nothing is stored, nothing fetched from it
    undo = mallory.activity("mallory", "Undo", first)
    status, text = await mallory.post(INBOX, undo, now=alpha.clock.now())
    assert (status, "blocked" in text) == (403, True), text
    assert await InboxRepo(alpha.db.read().conn).find(undo["id"]) is None
    assert len(mallory.gets()) == gets_before
    # And removing the block lets it in again
    assert await with_federation(alpha.config, lambda fed: fed.blocked.remove("mallory.test"))
    await alpha.fed.run_once()
    assert (await mallory.post(INBOX, undo, now=alpha.clock.now()))[0] == 202


async def test_adding_a_block_cancels_pending_deliveries_to_the_domain_and_subdomains(
        make_fed_node):
    # Given deliveries pending to a domain, one of its subdomains, and another domain
    alpha = await make_fed_node("alpha")
    activity_id = await _queue(alpha, ["http://evil.test/inbox", "http://a.evil.test:8080/inbox",
                                       "http://notevil.test/inbox"])
    # When the domain is blocked
    change = await alpha.fed.blocked.add("evil.test", "spam")
    # Then the deliveries to it and its subdomain are finished, with the reason; the other waits
    assert change.cancelled_deliveries == 2
    states = {d.inbox: (d.state, d.last_error) for d in
              await OutboxRepo(alpha.db.read().conn).list_deliveries(activity_id)}
    assert states == {"http://evil.test/inbox": ("failed", BLOCKED_ERROR),
                      "http://a.evil.test:8080/inbox": ("failed", BLOCKED_ERROR),
                      "http://notevil.test/inbox": ("pending", None)}
    # And nothing new is queued to it
    later = await _queue(alpha, ["http://b.evil.test/inbox"])
    assert await OutboxRepo(alpha.db.read().conn).list_deliveries(later) == []


def test_cli_adds_lists_and_removes_blocks_beside_the_config_ones(tmp_path, capsys):
    # Given a node whose config blocks one domain
    config = write_fed_config(tmp_path / "alpha", "http://alpha.test",
                              {"blocked_domains": ["config.example"]})
    run = lambda *args: main(["--config", str(config), "block", *args])  # noqa: E731
    # When the operator adds a block with a reason, then lists them
    assert run("add", "Evil.Example", "--reason", "spam waves") == 0
    assert "blocked: evil.example" in capsys.readouterr().out
    assert run("list") == 0
    listed = capsys.readouterr().out
    # Then both appear, with where they come from
    assert "evil.example" in listed and "spam waves" in listed and "table" in listed
    assert "config.example" in listed and "config" in listed
    # And a bad name or an unknown block is one line on stderr, status 1
    assert run("add", "not a domain") == 1
    assert "not a domain name" in capsys.readouterr().err
    assert run("remove", "config.example") == 1
    capsys.readouterr()
    assert run("remove", "evil.example") == 0
    assert "unblocked evil.example" in capsys.readouterr().out
    assert run("list") == 0
    assert "evil.example" not in capsys.readouterr().out


async def test_activities_recorded_before_the_block_are_not_processed(make_fed_node, make_peer):
    # Given a peer's Follow recorded but not yet processed
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    mallory = await make_peer("mallory")
    mallory.add_actor("mallory", peer_keys(1))
    follow = mallory.activity("mallory", "Follow", DEBATE)
    assert (await mallory.post(INBOX, follow, now=alpha.clock.now()))[0] == 202
    # When its domain is blocked, then the workers run
    await alpha.fed.blocked.add("mallory.test")
    await alpha.fed.run_once()
    # Then the Follow is rejected with the reason, and nothing went back to the peer
    message = await InboxRepo(alpha.db.read().conn).find(follow["id"])
    assert (message.state, message.error) == ("rejected", "domain mallory.test is blocked")
    assert await OutboxRepo(alpha.db.read().conn).list_deliveries() == []
