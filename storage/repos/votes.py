"""Votes on proposals: one row per participant and proposal; tallies are aggregate queries.

Each row keeps its voter's current class (`voter_class`) so a tally is one covered index
range; `reclassify` moves a voter's rows when their class changes, `count_misclassified`
checks that no row disagrees with its voter.
"""
from __future__ import annotations

from datetime import datetime, timezone

from node.model import Page, ParticipantClass, ParticipantRef, Tally, Vote, VoteChoice

from ..connection import Connection
from . import _keyset
from ._sql import to_datetime, to_text
from .participants import class_sql, ref_columns, ref_from_row, ref_joins

_SELECT = (
    "SELECT v.id, v.proposal_id, v.choice, v.cast_at, v.updated_at,"
    f" {ref_columns('voter')} FROM votes v {ref_joins('v.participant_id')}"
)


def _vote(row) -> Vote:
    return Vote(row["id"], row["proposal_id"], ref_from_row(row, "voter"),
                VoteChoice(row["choice"]), to_datetime(row["cast_at"]),
                to_datetime(row["updated_at"]))


async def tallies_of(conn: Connection, proposal_ids: list[int]) -> dict[int, Tally]:
    """The tallies of local proposals, in one grouped query over the covering index
    (votes_by_proposal_choice); a proposal without votes is absent."""
    if not proposal_ids:
        return {}
    rows = await conn.execute_fetchall(
        "SELECT proposal_id, voter_class, choice, count(*) FROM votes"
        f" WHERE proposal_id IN ({', '.join(['?'] * len(proposal_ids))})"
        " GROUP BY proposal_id, choice, voter_class",
        proposal_ids,
    )
    grouped: dict[int, list[tuple[str, str, int]]] = {}
    for r in rows:
        grouped.setdefault(r[0], []).append((r[1], r[2], r[3]))
    return {pid: Tally.from_counts(counts) for pid, counts in grouped.items()}


class VoteRepo:
    def __init__(self, conn: Connection, cache=None):
        self.conn = conn
        self.cache = cache  # storage/cache.py, on readers: a tally over 10,000 votes is costly

    async def find(self, proposal_id: int, participant_id: int) -> Vote | None:
        async with self.conn.execute(
            f"{_SELECT} WHERE v.proposal_id = ? AND v.participant_id = ?",
            (proposal_id, participant_id),
        ) as cur:
            row = await cur.fetchone()
        return _vote(row) if row else None

    async def find_choice(self, proposal_id: int, participant_id: int) -> VoteChoice | None:
        """Only the current choice: what casting a vote needs (no joins)."""
        async with self.conn.execute(
            "SELECT choice FROM votes WHERE proposal_id = ? AND participant_id = ?",
            (proposal_id, participant_id),
        ) as cur:
            row = await cur.fetchone()
        return VoteChoice(row[0]) if row else None

    async def put(
        self, proposal_id: int, participant: ParticipantRef, choice: VoteChoice, at: datetime,
        *, replacing: bool,
    ) -> Vote:
        """Insert the vote, or replace the participant's earlier choice (`replacing`, as read in
        the same transaction). Two plain statements: an upsert cost twice either."""
        now = to_text(at)
        at = at if at.tzinfo is timezone.utc else to_datetime(now)  # as read back: UTC
        if replacing:
            async with self.conn.execute(
                "UPDATE votes SET choice = ?, voter_class = ?, updated_at = ?"
                " WHERE proposal_id = ? AND participant_id = ? RETURNING id, cast_at",
                (choice.value, participant.participant_class.value, now, proposal_id,
                 participant.id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                raise LookupError(f"no vote of participant {participant.id} to replace")
            return Vote(row[0], proposal_id, participant, choice, to_datetime(row[1]), at)
        async with self.conn.execute(
            "INSERT INTO votes (proposal_id, participant_id, voter_class, choice, cast_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (proposal_id, participant.id, participant.participant_class.value, choice.value,
             now, now),
        ) as cur:
            return Vote(cur.lastrowid, proposal_id, participant, choice, at, at)

    async def reclassify(self, participant_id: int, participant_class: ParticipantClass) -> int:
        """Move every vote of a participant (on proposals and amendments) to their new class."""
        value = ParticipantClass(participant_class).value
        moved = 0
        for table in ("votes", "amendment_votes"):
            async with self.conn.execute(
                f"UPDATE {table} SET voter_class = ? WHERE participant_id = ?"
                " AND voter_class != ?",
                (value, participant_id, value),
            ) as cur:
                moved += cur.rowcount
        return moved

    async def count_misclassified(self) -> int:
        """Votes whose stored class disagrees with their voter (0 unless a bug or a hand edit)."""
        total = 0
        for table in ("votes", "amendment_votes"):
            async with self.conn.execute(
                f"SELECT count(*) FROM {table} v {ref_joins('v.participant_id')}"
                f" WHERE v.voter_class != {class_sql()}"
            ) as cur:
                total += (await cur.fetchone())[0]
        return total

    async def delete(self, proposal_id: int, participant_id: int) -> bool:
        async with self.conn.execute(
            "DELETE FROM votes WHERE proposal_id = ? AND participant_id = ?",
            (proposal_id, participant_id),
        ) as cur:
            return cur.rowcount > 0

    async def tally(self, proposal_id: int) -> Tally:
        if self.cache is not None:
            return await self.cache.get(("tally", proposal_id),
                                        lambda: self._tally(proposal_id))
        return await self._tally(proposal_id)

    async def _tally(self, proposal_id: int) -> Tally:
        return (await tallies_of(self.conn, [proposal_id])).get(proposal_id, Tally())

    async def list_page(
        self, proposal_id: int, *, after: str | None = None, limit: int = 50
    ) -> Page[Vote]:
        """Individual votes, first cast first (show them only where the debate made them public)."""
        cursor = _keyset.decode(after, 1)
        async with self.conn.execute(
            f"{_SELECT} WHERE v.proposal_id = ? AND v.id > ? ORDER BY v.id LIMIT ?",
            (proposal_id, cursor[0] if cursor else 0, limit + 1),
        ) as cur:
            rows = [_vote(r) for r in await cur.fetchall()]
        return _keyset.page(rows, limit, lambda v: (v.id,))

    async def list_proposals_supported_by(self, participant_id: int) -> list[int]:
        async with self.conn.execute(
            "SELECT proposal_id FROM votes WHERE participant_id = ? AND choice = 'for'"
            " ORDER BY proposal_id",
            (participant_id,),
        ) as cur:
            return [r[0] for r in await cur.fetchall()]

    async def find_choice_of_member(self, proposal_id: int, member_id: int) -> VoteChoice | None:
        """A member's own vote, to show them what they chose."""
        async with self.conn.execute(
            "SELECT v.choice FROM votes v JOIN participants p ON p.id = v.participant_id"
            " WHERE v.proposal_id = ? AND p.member_id = ?",
            (proposal_id, member_id),
        ) as cur:
            row = await cur.fetchone()
        return VoteChoice(row[0]) if row else None
