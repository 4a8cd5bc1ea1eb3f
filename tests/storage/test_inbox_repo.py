"""The inbox's group-commit write (storage/repos/inbox.py `add_many_now`): one statement for
a whole batch, telling each record whether it was new."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from storage.repos.inbox import InboxRepo, NewInboxMessage, add_many_now

AT = datetime(2026, 11, 28, 6, 0, tzinfo=timezone.utc)


def _message(name: str) -> NewInboxMessage:
    activity_id = f"http://peer.test/activities/{name}"
    return NewInboxMessage(activity_id, "Create", "http://peer.test/users/p", None,
                           "http://peer.test/users/p#main-key", "cavage",
                           json.dumps({"id": activity_id, "type": "Create"}))


async def _add(db, names: list[str]) -> list[bool]:
    return await db.write(
        lambda tx: add_many_now(tx.sqlite, [_message(n) for n in names], AT))


async def test_a_batch_of_new_records_is_stored_whole(db):
    assert await _add(db, ["a", "b", "c"]) == [True, True, True]
    assert await InboxRepo(db.read().conn).count() == 3


async def test_known_repeated_and_forgotten_ids_are_told_apart_from_new_ones(db):
    # Given a stored record, and one that retention deleted but still remembers (inbox_seen)
    assert await _add(db, ["known", "seen"]) == [True, True]
    async with db.transaction() as tx:
        await tx.conn.execute("DELETE FROM inbox_messages WHERE activity_id LIKE '%seen'")
        await tx.conn.execute("INSERT INTO inbox_seen (activity_id, forget_after) VALUES (?, ?)",
                              ("http://peer.test/activities/seen", "2027-01-01T00:00:00Z"))
    # When a batch mixes new ids with those, and repeats a new one
    result = await _add(db, ["new1", "known", "new2", "new1", "seen", "new3"])
    # Then only the first copy of each new id is new, and exactly those rows were added
    assert result == [True, False, True, False, False, True]
    stored = {m.activity_id.rsplit("/", 1)[1] for m in await InboxRepo(db.read().conn).list_all()}
    assert stored == {"known", "new1", "new2", "new3"}


async def test_a_batch_with_nothing_new_adds_nothing(db):
    assert await _add(db, ["a"]) == [True]
    assert await _add(db, ["a", "a"]) == [False, False]
    assert await InboxRepo(db.read().conn).count() == 1


async def test_the_backlog_is_counted_by_host_as_the_inbox_counts_it(db):
    from federation.backlog import authority

    actors = ["https://a.example/users/x", "https://a.example/users/y", "https://a.example:8443/u",
              "http://b.example", "HTTPS://C.example/u?x=1", "https://d.example/"]
    news = [NewInboxMessage(f"https://a.example/activities/{i}", "Create", actor, None,
                            actor + "#main-key", "cavage", json.dumps({"type": "Create"}))
            for i, actor in enumerate(actors)]
    await db.write(lambda tx: add_many_now(tx.sqlite, news, AT))
    async with db.transaction() as tx:  # a processed one is no longer waiting
        await tx.conn.execute("UPDATE inbox_messages SET state = 'processed' WHERE actor = ?",
                              ("https://d.example/",))
    expected: dict[str, int] = {}
    for actor in actors[:-1]:
        expected[authority(actor)] = expected.get(authority(actor), 0) + 1
    assert expected == {"a.example": 2, "a.example:8443": 1, "b.example": 1,
                        "C.example": 1}
    assert await InboxRepo(db.read().conn).backlog_by_host() == expected
