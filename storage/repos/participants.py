"""Participants: local members and remote actors who take part in debates.

Also the SQL that joins a participant for display (`ref_columns`/`ref_joins`/`ref_from_row`),
shared by every repository whose rows have an author or a voter.
"""
from __future__ import annotations

from datetime import datetime

from node.errors import NotFound
from node.model import Participant, ParticipantKind, ParticipantRef

from ..connection import Connection
from ._sql import to_datetime, to_text

# The class a participant's vote counts in; mirrors node.model.ParticipantRef.participant_class.
CLASS_SQL = (
    "CASE WHEN {p}.kind = 'remote' THEN 'remote'"
    " WHEN {m}.is_verified_resident = 1 THEN 'verified_resident' ELSE 'local_member' END"
)


def class_sql(p: str = "pa", m: str = "pm") -> str:
    return CLASS_SQL.format(p=p, m=m)


def ref_columns(prefix: str, p: str = "pa", m: str = "pm") -> str:
    return (
        f"{p}.id AS {prefix}_id, {p}.kind AS {prefix}_kind, {p}.member_id AS {prefix}_member_id,"
        f" {p}.ap_id AS {prefix}_ap_id, {m}.username AS {prefix}_username,"
        f" {m}.display_name AS {prefix}_display_name,"
        f" coalesce({m}.is_verified_resident, 0) AS {prefix}_verified,"
        # A remote participant's handle, from its cached actor; one indexed lookup.
        f" (SELECT '@' || ra.preferred_username || '@' || ra.host FROM remote_actors ra"
        f" WHERE ra.ap_id = {p}.ap_id) AS {prefix}_handle"
    )


def ref_joins(participant_id_column: str, p: str = "pa", m: str = "pm") -> str:
    return (
        f" JOIN participants {p} ON {p}.id = {participant_id_column}"
        f" LEFT JOIN members {m} ON {m}.id = {p}.member_id"
    )


def ref_from_row(row, prefix: str) -> ParticipantRef:
    # Remote participants show their handle (@user@host), or their address when their actor
    # is not cached.
    try:  # not row.keys(): that builds the list of every column, for each row read
        handle = row[f"{prefix}_handle"]
    except IndexError:  # a query without the handle column
        handle = None
    display_name = row[f"{prefix}_display_name"] or handle or row[f"{prefix}_ap_id"] or ""
    return ParticipantRef(
        id=row[f"{prefix}_id"],
        kind=ParticipantKind(row[f"{prefix}_kind"]),
        member_id=row[f"{prefix}_member_id"],
        username=row[f"{prefix}_username"],
        display_name=display_name,
        is_verified_resident=bool(row[f"{prefix}_verified"]),
        ap_id=row[f"{prefix}_ap_id"],
    )


def _participant(row) -> Participant:
    return Participant(row["id"], ParticipantKind(row["kind"]), row["member_id"], row["ap_id"],
                       to_datetime(row["created_at"]))


class ParticipantRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def _ref(self, where: str, *args) -> ParticipantRef | None:
        async with self.conn.execute(
            f"SELECT {ref_columns('r')} FROM participants pa"
            f" LEFT JOIN members pm ON pm.id = pa.member_id WHERE {where}",
            args,
        ) as cur:
            row = await cur.fetchone()
        return ref_from_row(row, "r") if row else None

    async def get_ref(self, participant_id: int) -> ParticipantRef:
        ref = await self._ref("pa.id = ?", participant_id)
        if ref is None:
            raise NotFound(f"no participant with id {participant_id}")
        return ref

    async def ensure_local(self, member_id: int, at: datetime) -> ParticipantRef:
        """The member's participant, created on their first contribution."""
        existing = await self._ref("pa.member_id = ?", member_id)
        if existing is not None:
            return existing
        await self.conn.execute(
            "INSERT INTO participants (kind, member_id, created_at) VALUES ('local', ?, ?)"
            " ON CONFLICT (member_id) DO NOTHING",
            (member_id, to_text(at)),
        )
        return await self._ref("pa.member_id = ?", member_id)

    async def ensure_remote(self, ap_id: str, at: datetime) -> ParticipantRef:
        """The participant row of a fediverse actor, made at its first action if missing."""
        await self.conn.execute(
            "INSERT INTO participants (kind, ap_id, created_at) VALUES ('remote', ?, ?)"
            " ON CONFLICT (ap_id) DO NOTHING",
            (ap_id, to_text(at)),
        )
        return await self._ref("pa.ap_id = ?", ap_id)

    async def find_local(self, member_id: int) -> Participant | None:
        async with self.conn.execute(
            "SELECT id, kind, member_id, ap_id, created_at FROM participants WHERE member_id = ?",
            (member_id,),
        ) as cur:
            row = await cur.fetchone()
        return _participant(row) if row else None

    async def get(self, participant_id: int) -> Participant:
        async with self.conn.execute(
            "SELECT id, kind, member_id, ap_id, created_at FROM participants WHERE id = ?",
            (participant_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            raise NotFound(f"no participant with id {participant_id}")
        return _participant(row)
