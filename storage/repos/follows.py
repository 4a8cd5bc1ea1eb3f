"""Follow relations with remote actors, both ways: `followers` (they follow us) and `following`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from node.model import Page

from ._sql import decode_cursor, encode_cursor, to_datetime, to_text


@dataclass(frozen=True, slots=True)
class Follower:
    id: int
    local_actor: str  # 'node', 'debate:<id>' or 'member:<id>'
    follower_ap_id: str
    follow_ap_id: str
    state: str  # 'pending' or 'accepted'
    created_at: datetime
    accepted_at: datetime | None


@dataclass(frozen=True, slots=True)
class Following:
    id: int
    local_actor: str
    target_ap_id: str
    follow_ap_id: str
    state: str
    created_at: datetime
    accepted_at: datetime | None


def _follower(row) -> Follower:
    return Follower(row["id"], row["local_actor"], row["follower_ap_id"], row["follow_ap_id"],
                    row["state"], to_datetime(row["created_at"]), to_datetime(row["accepted_at"]))


def _following(row) -> Following:
    return Following(row["id"], row["local_actor"], row["target_ap_id"], row["follow_ap_id"],
                     row["state"], to_datetime(row["created_at"]), to_datetime(row["accepted_at"]))


_FOLLOWER = "id, local_actor, follower_ap_id, follow_ap_id, state, created_at, accepted_at"
_FOLLOWING = "id, local_actor, target_ap_id, follow_ap_id, state, created_at, accepted_at"


class FollowRepo:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    # -- followers: remote actors following a local actor

    async def find_follower(self, local_actor: str, follower_ap_id: str) -> Follower | None:
        async with self.conn.execute(
            f"SELECT {_FOLLOWER} FROM followers WHERE local_actor = ? AND follower_ap_id = ?",
            (local_actor, follower_ap_id),
        ) as cur:
            row = await cur.fetchone()
        return _follower(row) if row else None

    async def find_follower_by_follow(self, follow_ap_id: str) -> Follower | None:
        async with self.conn.execute(
            f"SELECT {_FOLLOWER} FROM followers WHERE follow_ap_id = ? LIMIT 1", (follow_ap_id,)
        ) as cur:
            row = await cur.fetchone()
        return _follower(row) if row else None

    async def put_follower(self, local_actor: str, follower_ap_id: str, follow_ap_id: str,
                           state: str, at: datetime) -> Follower:
        """Insert or refresh (a repeated Follow carries a new id) and return the row."""
        accepted_at = to_text(at) if state == "accepted" else None
        await self.conn.execute(
            "INSERT INTO followers (local_actor, follower_ap_id, follow_ap_id, state, created_at,"
            " accepted_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (local_actor, follower_ap_id) DO UPDATE SET"
            " follow_ap_id = excluded.follow_ap_id,"
            " state = CASE WHEN followers.state = 'accepted' THEN 'accepted'"
            " ELSE excluded.state END,"
            " accepted_at = coalesce(followers.accepted_at, excluded.accepted_at)",
            (local_actor, follower_ap_id, follow_ap_id, state, to_text(at), accepted_at),
        )
        found = await self.find_follower(local_actor, follower_ap_id)
        assert found is not None
        return found

    async def accept_follower(self, follower_id: int, at: datetime) -> None:
        await self.conn.execute(
            "UPDATE followers SET state = 'accepted', accepted_at = ? WHERE id = ?",
            (to_text(at), follower_id),
        )

    async def delete_follower(self, follower_id: int) -> None:
        await self.conn.execute("DELETE FROM followers WHERE id = ?", (follower_id,))

    async def count_followers(self, local_actor: str) -> int:
        async with self.conn.execute(
            "SELECT count(*) FROM followers WHERE local_actor = ? AND state = 'accepted'",
            (local_actor,),
        ) as cur:
            return (await cur.fetchone())[0]

    async def list_followers_page(self, local_actor: str, *, after: str | None,
                                  limit: int) -> Page[Follower]:
        async with self.conn.execute(
            f"SELECT {_FOLLOWER} FROM followers WHERE local_actor = ? AND state = 'accepted'"
            " AND id > ? ORDER BY id LIMIT ?",
            (local_actor, decode_cursor(after), limit + 1),
        ) as cur:
            rows = await cur.fetchall()
        items = tuple(_follower(r) for r in rows[:limit])
        return Page(items, encode_cursor(items[-1].id) if len(rows) > limit else None)

    # -- following: local actors following remote actors

    async def find_following(self, local_actor: str, target_ap_id: str) -> Following | None:
        async with self.conn.execute(
            f"SELECT {_FOLLOWING} FROM following WHERE local_actor = ? AND target_ap_id = ?",
            (local_actor, target_ap_id),
        ) as cur:
            row = await cur.fetchone()
        return _following(row) if row else None

    async def find_following_by_follow(self, follow_ap_id: str) -> Following | None:
        async with self.conn.execute(
            f"SELECT {_FOLLOWING} FROM following WHERE follow_ap_id = ?", (follow_ap_id,)
        ) as cur:
            row = await cur.fetchone()
        return _following(row) if row else None

    async def add_following(self, local_actor: str, target_ap_id: str, follow_ap_id: str,
                            at: datetime) -> Following:
        await self.conn.execute(
            "INSERT INTO following (local_actor, target_ap_id, follow_ap_id, state, created_at)"
            " VALUES (?, ?, ?, 'pending', ?)",
            (local_actor, target_ap_id, follow_ap_id, to_text(at)),
        )
        found = await self.find_following(local_actor, target_ap_id)
        assert found is not None
        return found

    async def accept_following(self, following_id: int, at: datetime) -> None:
        await self.conn.execute(
            "UPDATE following SET state = 'accepted', accepted_at = coalesce(accepted_at, ?)"
            " WHERE id = ?",
            (to_text(at), following_id),
        )

    async def delete_following(self, following_id: int) -> None:
        await self.conn.execute("DELETE FROM following WHERE id = ?", (following_id,))

    async def count_following(self, local_actor: str) -> int:
        async with self.conn.execute(
            "SELECT count(*) FROM following WHERE local_actor = ? AND state = 'accepted'",
            (local_actor,),
        ) as cur:
            return (await cur.fetchone())[0]

    async def list_following_page(self, local_actor: str, *, after: str | None,
                                  limit: int) -> Page[Following]:
        async with self.conn.execute(
            f"SELECT {_FOLLOWING} FROM following WHERE local_actor = ? AND state = 'accepted'"
            " AND id > ? ORDER BY id LIMIT ?",
            (local_actor, decode_cursor(after), limit + 1),
        ) as cur:
            rows = await cur.fetchall()
        items = tuple(_following(r) for r in rows[:limit])
        return Page(items, encode_cursor(items[-1].id) if len(rows) > limit else None)
