"""Per-activity fetch budget (issue 4): processing one incoming activity fetches at most
`max_fetches_per_activity` remote documents; past it the activity fails with that reason."""
from __future__ import annotations

from federation import dispatch
from federation.fetch import FetchBudget, FetchBudgetExceeded, fetch_budget
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


async def _setup(make_fed_node, make_peer, limit: int):
    alpha = await make_fed_node("alpha", max_fetches_per_activity=limit)
    await open_debate(alpha, "eau")
    mallory = await make_peer("mallory")
    for index, user in enumerate(["mallory", "a", "b", "c", "d", "e", "f"], start=1):
        mallory.add_actor(user, peer_keys(index))
    return alpha, mallory


async def test_activity_that_fetches_past_its_budget_fails_with_the_reason(
        make_fed_node, make_peer, monkeypatch):
    # Given a node allowing 2 fetches per activity, and a handler that chases 3 references
    alpha, mallory = await _setup(make_fed_node, make_peer, limit=2)

    greedy = mallory.activity("mallory", "Like", DEBATE)
    modest = mallory.activity("mallory", "Like", DEBATE)
    chains = {greedy["id"]: ["a", "b", "c"], modest["id"]: ["d", "e"]}

    async def chase(work, activity):
        for user in chains[activity.id]:
            await work.fed.remote.get(mallory.actor_uri(user))

    monkeypatch.setitem(dispatch.ROUTES, ("Like", dispatch.ANY), chase)
    # When both arrive and are processed
    for activity in (greedy, modest):
        assert (await mallory.post(INBOX, activity, now=alpha.clock.now()))[0] == 202
    gets_before = len(mallory.gets())
    await settle(alpha)
    # Then the greedy one failed with a clear reason after two fetches, never retried;
    # the modest one (its own budget) went through
    inbox = InboxRepo(alpha.db.read().conn)
    failed, done = await inbox.find(greedy["id"]), await inbox.find(modest["id"])
    assert failed.state == "failed" and "fetch budget exceeded" in failed.error
    assert "at most 2 remote documents" in failed.error
    assert done.state == "processed"
    users = [path for path in mallory.gets()[gets_before:] if path.startswith("/users/")]
    assert users == ["/users/a", "/users/b", "/users/d", "/users/e"]  # never c


async def test_swallowed_budget_error_still_fails_the_activity(make_fed_node, make_peer,
                                                               monkeypatch):
    # Given a handler that ignores what it could not fetch and goes on
    alpha, mallory = await _setup(make_fed_node, make_peer, limit=1)

    async def careless(work, activity):
        for user in ("a", "b"):
            try:
                await work.fed.remote.get(mallory.actor_uri(user))
            except FetchBudgetExceeded:
                pass

    monkeypatch.setitem(dispatch.ROUTES, ("Like", dispatch.ANY), careless)
    like = mallory.activity("mallory", "Like", DEBATE)
    assert (await mallory.post(INBOX, like, now=alpha.clock.now()))[0] == 202
    await settle(alpha)
    message = await InboxRepo(alpha.db.read().conn).find(like["id"])
    assert message.state == "failed" and "fetch budget exceeded" in message.error


def test_budget_counts_each_fetch_and_is_per_context():
    budget = FetchBudget(2)
    budget.spend()
    budget.spend()
    assert not budget.exceeded
    try:
        budget.spend()
        raise AssertionError("the third fetch must be refused")
    except FetchBudgetExceeded as exc:
        assert exc.permanent and budget.exceeded
    assert fetch_budget.get() is None  # outside an activity's processing: no budget
