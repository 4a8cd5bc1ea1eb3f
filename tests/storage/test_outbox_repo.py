"""Deliveries of one activity (storage/repos/outbox.py `add_deliveries`): stored, and so
claimed, in an order spread over the hosts and new for each activity."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storage.repos.outbox import OutboxRepo, claim_due_now

AT = datetime(2026, 11, 28, 7, 0, tzinfo=timezone.utc)
HOSTS = [f"host{i:03d}.test" for i in range(100)]  # in the caller's order: host000 first


async def _activity_with_deliveries(db, n: int) -> list[str]:
    """Enqueue one activity to every host (listed in order); the hosts as claimed."""
    async with db.transaction() as tx:
        repo = OutboxRepo(tx.conn)
        activity = await repo.add_activity(
            ap_id=f"http://alpha.test/activities/{n}", type="Update", actor="http://alpha.test/a",
            key_owner="node", body="{}", is_public=True, at=AT)
        await repo.add_deliveries(activity, [(f"http://{h}/inbox", h) for h in HOSTS], AT)
    claimed = await db.write(
        lambda tx: claim_due_now(tx.sqlite, AT, AT + timedelta(minutes=1), len(HOSTS)))
    return [d.host for d in claimed if d.activity_id == activity]


async def test_hosts_next_to_each_other_are_not_claimed_together(db):
    # Given an activity for 100 hosts, the first ten of which (in the caller's order) are down
    order = await _activity_with_deliveries(db, 1)
    # Then every host gets its delivery, and the first 16 claimed (a full pool) hold only a
    # few of those ten: the live hosts do not wait behind them
    assert sorted(order) == HOSTS
    assert len(set(order[:16]) & set(HOSTS[:10])) <= 4


async def test_each_activity_serves_the_hosts_in_a_new_order(db):
    first, second = await _activity_with_deliveries(db, 1), await _activity_with_deliveries(db, 2)
    assert sorted(first) == sorted(second) and first != second
    assert first[-10:] != second[-10:]  # nobody is always served last
