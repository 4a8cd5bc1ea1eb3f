"""Amendments to proposals (body or one article) and the votes on them."""
from __future__ import annotations

from datetime import datetime

from node.errors import NotFound
from node.model import (
    Amendment,
    AmendmentDraft,
    AmendmentStatus,
    AmendmentSummary,
    Page,
    ParticipantRef,
    Tally,
    VoteChoice,
)

from ..connection import Connection
from . import _keyset
from ._sql import to_datetime, to_text
from .participants import ref_columns, ref_from_row, ref_joins

_SELECT = (
    "SELECT am.id, am.proposal_id, am.article_number, am.base_version, am.original_text,"
    " am.text, am.rationale, am.status, am.decided_by_id, am.decided_at, am.decision_note,"
    " am.integrated_version, am.created_at, am.hidden_at, am.ap_id,"
    f" {ref_columns('author')}"
    f" FROM amendments am {ref_joins('am.author_id')}"
)


def _amendment(row) -> Amendment:
    return Amendment(
        id=row["id"],
        proposal_id=row["proposal_id"],
        author=ref_from_row(row, "author"),
        article_number=row["article_number"],
        base_version=row["base_version"],
        original_text=row["original_text"],
        text=row["text"],
        rationale=row["rationale"],
        status=AmendmentStatus(row["status"]),
        decided_by_id=row["decided_by_id"],
        decided_at=to_datetime(row["decided_at"]),
        decision_note=row["decision_note"],
        integrated_version=row["integrated_version"],
        created_at=to_datetime(row["created_at"]),
        hidden_at=to_datetime(row["hidden_at"]),
        ap_id=row["ap_id"],
    )


class AmendmentRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def find(self, amendment_id: int) -> Amendment | None:
        async with self.conn.execute(f"{_SELECT} WHERE am.id = ?", (amendment_id,)) as cur:
            row = await cur.fetchone()
        return _amendment(row) if row else None

    async def get(self, amendment_id: int) -> Amendment:
        amendment = await self.find(amendment_id)
        if amendment is None:
            raise NotFound(f"no amendment with id {amendment_id}")
        return amendment

    async def add(
        self, proposal_id: int, author_id: int, draft: AmendmentDraft, base_version: int,
        original_text: str, at: datetime,
    ) -> Amendment:
        async with self.conn.execute(
            "INSERT INTO amendments (proposal_id, author_id, article_number, base_version,"
            " original_text, text, rationale, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (proposal_id, author_id, draft.article_number, base_version, original_text,
             draft.text, draft.rationale, to_text(at)),
        ) as cur:
            amendment_id = (await cur.fetchone())[0]
        return await self.get(amendment_id)

    async def decide(
        self, amendment_id: int, status: AmendmentStatus, *, by_id: int | None, at: datetime,
        note: str = "", integrated_version: int | None = None,
    ) -> Amendment:
        await self.conn.execute(
            "UPDATE amendments SET status = ?, decided_by_id = ?, decided_at = ?,"
            " decision_note = ?, integrated_version = ? WHERE id = ?",
            (status.value, by_id, to_text(at), note, integrated_version, amendment_id),
        )
        return await self.get(amendment_id)

    async def set_hidden(self, amendment_id: int, hidden_at: datetime | None) -> None:
        await self.conn.execute(
            "UPDATE amendments SET hidden_at = ? WHERE id = ?", (to_text(hidden_at), amendment_id)
        )

    async def find_vote(self, amendment_id: int, participant_id: int) -> VoteChoice | None:
        async with self.conn.execute(
            "SELECT choice FROM amendment_votes WHERE amendment_id = ? AND participant_id = ?",
            (amendment_id, participant_id),
        ) as cur:
            row = await cur.fetchone()
        return VoteChoice(row[0]) if row else None

    async def put_vote(
        self, amendment_id: int, participant: ParticipantRef, choice: VoteChoice, at: datetime
    ) -> None:
        await self.conn.execute(
            "INSERT INTO amendment_votes (amendment_id, participant_id, voter_class, choice,"
            " cast_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (amendment_id, participant_id) DO UPDATE SET choice = excluded.choice,"
            " voter_class = excluded.voter_class, updated_at = excluded.updated_at",
            (amendment_id, participant.id, participant.participant_class.value, choice.value,
             to_text(at), to_text(at)),
        )

    async def tallies(self, amendment_ids: list[int]) -> dict[int, Tally]:
        if not amendment_ids:
            return {}
        marks = ", ".join("?" for _ in amendment_ids)
        async with self.conn.execute(
            "SELECT amendment_id, voter_class, choice, count(*) FROM amendment_votes"
            f" WHERE amendment_id IN ({marks}) GROUP BY 1, 2, 3",
            amendment_ids,
        ) as cur:
            rows = await cur.fetchall()
        grouped: dict[int, list[tuple[str, str, int]]] = {}
        for r in rows:
            grouped.setdefault(r[0], []).append((r[1], r[2], r[3]))
        return {aid: Tally.from_counts(counts) for aid, counts in grouped.items()}

    async def tally(self, amendment_id: int) -> Tally:
        return (await self.tallies([amendment_id])).get(amendment_id, Tally())

    async def list_page(
        self, proposal_id: int, *, after: str | None = None, limit: int = 20
    ) -> Page[AmendmentSummary]:
        """Visible amendments of a proposal (every status), oldest first, with their tallies."""
        cursor = _keyset.decode(after, 1)
        async with self.conn.execute(
            f"{_SELECT} WHERE am.proposal_id = ? AND am.hidden_at IS NULL AND am.id > ?"
            " ORDER BY am.id LIMIT ?",
            (proposal_id, cursor[0] if cursor else 0, limit + 1),
        ) as cur:
            rows = [_amendment(r) for r in await cur.fetchall()]
        tallies = await self.tallies([a.id for a in rows])
        summaries = [AmendmentSummary(a, tallies.get(a.id, Tally())) for a in rows]
        return _keyset.page(summaries, limit, lambda s: (s.amendment.id,))
