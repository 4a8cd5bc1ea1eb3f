"""An activity's audience (storage/repos/follows.py): the accepted followers' inboxes, read
from covering indexes (migration 0011), since every published activity reads them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storage.repos.follows import FollowRepo

AT = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)


async def _followers(db) -> None:
    """debate:1 followed by 30 actors on 3 servers (one gone, one pending, one too late)."""
    async with db.transaction() as tx:
        actors = [(f"http://s{i % 3}.test/users/u{i}", f"s{i % 3}.test",
                   f"http://s{i % 3}.test/users/u{i}/inbox",
                   None if i % 3 == 2 else f"http://s{i % 3}.test/inbox",
                   1 if i == 4 else 0) for i in range(30)]
        await tx.conn.executemany(
            "INSERT INTO remote_actors (ap_id, type, host, inbox, shared_inbox, fetched_at,"
            " is_gone) VALUES (?, 'Person', ?, ?, ?, '2026-11-01T00:00:00+00:00', ?)", actors)
        for i, (ap_id, *_rest) in enumerate(actors):
            state = "pending" if i == 7 else "accepted"
            accepted = AT + timedelta(hours=1) if i == 10 else AT - timedelta(days=1)
            await tx.conn.execute(
                "INSERT INTO followers (local_actor, follower_ap_id, follow_ap_id, state,"
                " created_at, accepted_at) VALUES ('debate:1', ?, ?, ?, ?, ?)",
                (ap_id, f"{ap_id}#follow", state, accepted.isoformat(),
                 None if state == "pending" else accepted.isoformat()))


async def test_inboxes_are_the_accepted_followers_shared_or_personal(db):
    await _followers(db)
    inboxes = await FollowRepo(db.read().conn).list_follower_inboxes(
        ["debate:1"], accepted_before=AT)
    # s0 and s1 by their shared inbox, once each; s2 has none: each follower's own inbox
    personal = {f"http://s2.test/users/u{i}/inbox" for i in range(2, 30, 3)}
    assert set(inboxes) == {"http://s0.test/inbox", "http://s1.test/inbox"} | personal
    assert len(inboxes) == len(set(inboxes))
    recipients = await FollowRepo(db.read().conn).list_follower_recipients(
        ["debate:1"], accepted_before=AT)
    # Neither the pending follower (u7), nor the one accepted later (u10), nor the gone one (u4)
    assert {r.ap_id for r in recipients} == {
        f"http://s{i % 3}.test/users/u{i}" for i in range(30) if i not in (4, 7, 10)}


async def test_the_audience_is_read_from_indexes_alone(db):
    await _followers(db)
    conn = db.read().conn
    statements: list[str] = []
    conn._conn.set_trace_callback(statements.append)
    try:
        repo = FollowRepo(conn)
        await repo.list_follower_inboxes(["debate:1", "node"], accepted_before=AT)
        await repo.list_follower_recipients(["debate:1"], accepted_before=AT)
    finally:
        conn._conn.set_trace_callback(None)
    assert len(statements) == 2
    for sql in statements:
        plan = " | ".join(row[3] for row in conn._conn.execute("EXPLAIN QUERY PLAN " + sql))
        # Neither the followers' rows nor the remote actors' (keys and names) are visited
        assert "SEARCH f USING COVERING INDEX followers_accepted" in plan, plan
        assert "SEARCH a USING COVERING INDEX remote_actors_recipient" in plan, plan
