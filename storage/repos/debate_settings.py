"""How a debate is run: its settings (threshold, answer delay, vote visibility) and the
members in charge of it (moderators, representatives)."""
from __future__ import annotations

from datetime import datetime

from node.model import DebateRole, DebateRoleAssignment, DebateSettings, ParticipantClass

from ..connection import Connection
from ._sql import to_datetime, to_text


def _classes_text(classes) -> str:
    return ",".join(sorted(ParticipantClass(c).value for c in classes))


class DebateSettingsRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def get(self, debate_id: int) -> DebateSettings:
        """The debate's settings; the defaults when none were ever written."""
        async with self.conn.execute(
            "SELECT support_threshold, answer_delay_days, has_public_votes, threshold_classes"
            " FROM debate_settings WHERE debate_id = ?",
            (debate_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return DebateSettings()
        return DebateSettings(
            support_threshold=row["support_threshold"],
            answer_delay_days=row["answer_delay_days"],
            has_public_votes=bool(row["has_public_votes"]),
            threshold_classes=frozenset(
                ParticipantClass(c) for c in row["threshold_classes"].split(",")
            ),
        )

    async def put(self, debate_id: int, settings: DebateSettings, at: datetime) -> DebateSettings:
        await self.conn.execute(
            "INSERT INTO debate_settings (debate_id, support_threshold, answer_delay_days,"
            " has_public_votes, threshold_classes, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (debate_id) DO UPDATE SET support_threshold = excluded.support_threshold,"
            " answer_delay_days = excluded.answer_delay_days,"
            " has_public_votes = excluded.has_public_votes,"
            " threshold_classes = excluded.threshold_classes, updated_at = excluded.updated_at",
            (debate_id, settings.support_threshold, settings.answer_delay_days,
             int(settings.has_public_votes), _classes_text(settings.threshold_classes),
             to_text(at)),
        )
        return await self.get(debate_id)


class DebateRoleRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def roles_of(self, debate_id: int, member_id: int) -> frozenset[DebateRole]:
        async with self.conn.execute(
            "SELECT role FROM debate_roles WHERE debate_id = ? AND member_id = ?",
            (debate_id, member_id),
        ) as cur:
            return frozenset(DebateRole(r[0]) for r in await cur.fetchall())

    async def has_holders(self, debate_id: int, role: DebateRole) -> bool:
        async with self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM debate_roles WHERE debate_id = ? AND role = ?)",
            (debate_id, role.value),
        ) as cur:
            return bool((await cur.fetchone())[0])

    async def list_for_debate(self, debate_id: int) -> tuple[DebateRoleAssignment, ...]:
        """Everyone in charge of a debate, representatives first (a short list: no paging)."""
        async with self.conn.execute(
            "SELECT r.debate_id, r.member_id, m.username, m.display_name, m.mandate, r.role,"
            " r.assigned_by_id, r.assigned_at FROM debate_roles r"
            " JOIN members m ON m.id = r.member_id WHERE r.debate_id = ?"
            " ORDER BY r.role DESC, m.username",
            (debate_id,),
        ) as cur:
            rows = await cur.fetchall()
        return tuple(
            DebateRoleAssignment(
                r["debate_id"], r["member_id"], r["username"], r["display_name"], r["mandate"],
                DebateRole(r["role"]), r["assigned_by_id"], to_datetime(r["assigned_at"]),
            )
            for r in rows
        )

    async def list_for_member(self, member_id: int) -> tuple[tuple[int, DebateRole], ...]:
        """(debate id, role) for each debate a member is in charge of (their profile)."""
        async with self.conn.execute(
            "SELECT debate_id, role FROM debate_roles WHERE member_id = ? ORDER BY debate_id, role",
            (member_id,),
        ) as cur:
            return tuple((r[0], DebateRole(r[1])) for r in await cur.fetchall())

    async def add(
        self, debate_id: int, member_id: int, role: DebateRole, by_id: int | None, at: datetime
    ) -> bool:
        """False when the member already held that role."""
        async with self.conn.execute(
            "INSERT INTO debate_roles (debate_id, member_id, role, assigned_by_id, assigned_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (debate_id, member_id, role.value, by_id, to_text(at)),
        ) as cur:
            return cur.rowcount > 0

    async def remove(self, debate_id: int, member_id: int, role: DebateRole) -> bool:
        async with self.conn.execute(
            "DELETE FROM debate_roles WHERE debate_id = ? AND member_id = ? AND role = ?",
            (debate_id, member_id, role.value),
        ) as cur:
            return cur.rowcount > 0
