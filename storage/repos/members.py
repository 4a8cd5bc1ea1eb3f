"""The members table."""
from __future__ import annotations

from datetime import datetime

from node.accounts import NewMember
from node.errors import NotFound
from node.model import Member, Page, Role

from ..connection import Connection
from ._sql import decode_cursor, encode_cursor, to_datetime, to_text

MEMBER_COLUMNS = (
    "id, username, display_name, role, mandate, password_hash IS NOT NULL AS has_password, "
    "is_verified_resident, verified_by_id, verified_at, created_at"
)


def member_from_row(row) -> Member:
    return Member(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        mandate=row["mandate"],
        is_verified_resident=bool(row["is_verified_resident"]),
        verified_by_id=row["verified_by_id"],
        verified_at=to_datetime(row["verified_at"]),
        has_password=bool(row["has_password"]),
        created_at=to_datetime(row["created_at"]),
    )


class MemberRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def _one(self, where: str, *args) -> Member | None:
        async with self.conn.execute(
            f"SELECT {MEMBER_COLUMNS} FROM members WHERE {where}", args
        ) as cur:
            row = await cur.fetchone()
        return member_from_row(row) if row else None

    async def get(self, member_id: int) -> Member:
        member = await self._one("id = ?", member_id)
        if member is None:
            raise NotFound(f"no member with id {member_id}")
        return member

    async def find_by_username(self, username: str) -> Member | None:
        return await self._one("username = ?", username)

    async def find_password_hash(self, username: str) -> str | None:
        async with self.conn.execute(
            "SELECT password_hash FROM members WHERE username = ?", (username,)
        ) as cur:
            row = await cur.fetchone()
        return row["password_hash"] if row else None

    async def add(self, new: NewMember, at: datetime) -> Member:
        async with self.conn.execute(
            "INSERT INTO members (username, display_name, role, mandate, password_hash, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (new.username, new.display_name, new.role.value, new.mandate, new.password_hash,
             to_text(at)),
        ) as cur:
            member_id = (await cur.fetchone())[0]
        return await self.get(member_id)

    async def update_role(self, member_id: int, role: Role, mandate: str) -> Member:
        await self.conn.execute(
            "UPDATE members SET role = ?, mandate = ? WHERE id = ?", (role.value, mandate, member_id)
        )
        return await self.get(member_id)

    async def mark_verified(self, member_id: int, by_id: int | None, at: datetime) -> Member:
        await self.conn.execute(
            "UPDATE members SET is_verified_resident = 1, verified_by_id = ?, verified_at = ?"
            " WHERE id = ?",
            (by_id, to_text(at), member_id),
        )
        return await self.get(member_id)

    async def list_page(self, *, after: str | None = None, limit: int = 50) -> Page[Member]:
        async with self.conn.execute(
            f"SELECT {MEMBER_COLUMNS} FROM members WHERE id > ? ORDER BY id LIMIT ?",
            (decode_cursor(after), limit + 1),
        ) as cur:
            rows = await cur.fetchall()
        items = tuple(member_from_row(r) for r in rows[:limit])
        return Page(items, encode_cursor(items[-1].id) if len(rows) > limit else None)

    async def list_by_prefix(self, prefix: str, *, after: str | None = None,
                             limit: int = 50) -> Page[Member]:
        """Members whose username starts with `prefix`, by id. Usernames are [a-z0-9_] (all
        below 0x7f) and the column is NOCASE: a range on the unique index finds them all."""
        async with self.conn.execute(
            f"SELECT {MEMBER_COLUMNS} FROM members WHERE username >= ? AND username < ? AND id > ?"
            " ORDER BY id LIMIT ?",
            (prefix, prefix + "\x7f", decode_cursor(after), limit + 1),
        ) as cur:
            rows = await cur.fetchall()
        items = tuple(member_from_row(r) for r in rows[:limit])
        return Page(items, encode_cursor(items[-1].id) if len(rows) > limit else None)

    async def count(self) -> int:
        async with self.conn.execute("SELECT count(*) FROM members") as cur:
            return (await cur.fetchone())[0]
