"""Follow relations with remote actors, both ways: `followers` (they follow us) and `following`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from node.model import Page

from ..connection import Connection
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


@dataclass(frozen=True, slots=True)
class Recipient:
    """A remote actor an activity goes to, with what fan-out needs to choose its inbox."""

    ap_id: str
    inbox: str
    shared_inbox: str | None
    host: str
    software: str | None  # from its host's NodeInfo, when known
    type: str


_FOLLOWER = "id, local_actor, follower_ap_id, follow_ap_id, state, created_at, accepted_at"
_FOLLOWING = "id, local_actor, target_ap_id, follow_ap_id, state, created_at, accepted_at"


class FollowRepo:
    def __init__(self, conn: Connection):
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

    async def list_pending_followers(self, local_actor: str, limit: int) -> list[Follower]:
        """Follow requests waiting for an operator's approval, oldest first."""
        async with self.conn.execute(
            f"SELECT {_FOLLOWER} FROM followers WHERE local_actor = ? AND state = 'pending'"
            " ORDER BY id LIMIT ?",
            (local_actor, limit),
        ) as cur:
            return [_follower(r) for r in await cur.fetchall()]

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

    async def list_follower_recipients(self, local_actors: list[str], *,
                                       accepted_before: datetime) -> list[Recipient]:
        """The followers of these local actors accepted before a moment (an event's: who
        followed then), not gone, each once."""
        if not local_actors:
            return []
        async with self.conn.execute(
            "SELECT DISTINCT a.ap_id, a.inbox, a.shared_inbox, a.host, h.software, a.type"
            " FROM followers f JOIN remote_actors a ON a.ap_id = f.follower_ap_id"
            " LEFT JOIN remote_hosts h ON h.host = a.host"
            f" WHERE f.local_actor IN ({', '.join('?' * len(local_actors))})"
            " AND f.state = 'accepted' AND f.accepted_at < ? AND a.is_gone = 0",
            (*local_actors, to_text(accepted_before)),
        ) as cur:
            return [Recipient(r[0], r[1], r[2], r[3], r[4], r[5]) for r in await cur.fetchall()]

    async def list_follower_inboxes(self, local_actors: list[str], *, accepted_before: datetime,
                                    shared: bool = True) -> list[str]:
        """`list_follower_recipients` reduced to distinct inboxes in SQL, each server's shared
        inbox when it has one and `shared` holds: 10,000 followers on 500 servers are 500 rows."""
        if not local_actors:
            return []
        inbox = "coalesce(a.shared_inbox, a.inbox)" if shared else "a.inbox"
        async with self.conn.execute(
            f"SELECT {inbox} AS target, min(f.id) AS first FROM followers f"
            " JOIN remote_actors a ON a.ap_id = f.follower_ap_id"
            f" WHERE f.local_actor IN ({', '.join('?' * len(local_actors))})"
            " AND f.state = 'accepted' AND f.accepted_at < ? AND a.is_gone = 0"
            " GROUP BY target ORDER BY first",
            (*local_actors, to_text(accepted_before)),
        ) as cur:
            return [r[0] for r in await cur.fetchall()]

    async def is_followed(self, target_ap_id: str) -> bool:
        """Whether any local actor follows this remote actor (accepted)."""
        async with self.conn.execute(
            "SELECT 1 FROM following WHERE target_ap_id = ? AND state = 'accepted' LIMIT 1",
            (target_ap_id,),
        ) as cur:
            return await cur.fetchone() is not None

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
