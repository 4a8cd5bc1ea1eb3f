"""Proposals and their family: versions (with articles and sources), authors and history.

Tallies and support are counted from the votes in each query, never stored.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from node.errors import NotFound
from node.history import HistoryEntry, HistoryKind
from node.model import (
    AnswerKind,
    Article,
    Debate,
    Page,
    ParticipantClass,
    ParticipantRef,
    Proposal,
    ProposalDraft,
    ProposalOrder,
    ProposalStatus,
    ProposalSummary,
    ProposalVersion,
    Source,
    Tally,
    VersionSummary,
    VoteTarget,
)

from ..connection import Connection
from . import _keyset
from ._sql import to_datetime, to_text
from .debates import columns_as as debate_columns, debate_from_row
from .participants import ref_columns, ref_from_row, ref_joins
from .votes import tallies_of

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

_SELECT = (
    "SELECT p.id, p.debate_id, p.status, p.current_version, p.created_at, p.updated_at,"
    " p.threshold_reached_at, p.answer_due_at, p.answered_at, p.hidden_at, p.ap_id,"
    " v.title, v.body,"
    " (SELECT a.kind FROM answers a WHERE a.proposal_id = p.id"
    "  ORDER BY a.revision DESC LIMIT 1) AS answer_kind,"
    f" {ref_columns('author')}"
    " FROM proposals p"
    " JOIN proposal_versions v ON v.proposal_id = p.id AND v.number = p.current_version"
    f" {ref_joins('p.author_id')}"
)


def _support_sql(classes: frozenset[ParticipantClass]) -> tuple[str, list[str]]:
    """A correlated count of `for` votes on p.id from the given participant classes."""
    marks = ", ".join("?" for _ in classes) or "NULL"
    sql = (
        "(SELECT count(*) FROM votes sv WHERE sv.proposal_id = p.id AND sv.choice = 'for'"
        f" AND sv.voter_class IN ({marks}))"
    )
    return sql, sorted(ParticipantClass(c).value for c in classes)

_SELECT_IN_DEBATE = (
    _SELECT.replace(" FROM proposals p", f", {debate_columns('d', 'd_')} FROM proposals p", 1)
    + " JOIN debates d ON d.id = p.debate_id WHERE p.id = ?"
)


_SELECT_VOTE_TARGET = (
    "SELECT p.id, p.debate_id, p.status, p.threshold_reached_at, p.hidden_at,"
    f" {debate_columns('d', 'd_')} FROM proposals p JOIN debates d ON d.id = p.debate_id"
    " WHERE p.id = ?"
)


def _proposal(row) -> Proposal:
    return Proposal(
        id=row["id"],
        debate_id=row["debate_id"],
        author=ref_from_row(row, "author"),
        status=ProposalStatus(row["status"]),
        version=row["current_version"],
        title=row["title"],
        body=row["body"],
        created_at=to_datetime(row["created_at"]),
        updated_at=to_datetime(row["updated_at"]),
        threshold_reached_at=to_datetime(row["threshold_reached_at"]),
        answer_due_at=to_datetime(row["answer_due_at"]),
        answered_at=to_datetime(row["answered_at"]),
        answer_kind=AnswerKind(row["answer_kind"]) if row["answer_kind"] else None,
        hidden_at=to_datetime(row["hidden_at"]),
        ap_id=row["ap_id"],
    )


def _marks(values) -> str:
    return ", ".join("?" for _ in values)


class ProposalRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    # --- one proposal --------------------------------------------------------------------

    async def find(self, proposal_id: int) -> Proposal | None:
        async with self.conn.execute(f"{_SELECT} WHERE p.id = ?", (proposal_id,)) as cur:
            row = await cur.fetchone()
        return _proposal(row) if row else None

    async def get(self, proposal_id: int) -> Proposal:
        proposal = await self.find(proposal_id)
        if proposal is None:
            raise NotFound(f"no proposal with id {proposal_id}")
        return proposal

    async def get_in_debate(self, proposal_id: int) -> tuple[Proposal, Debate]:
        """The proposal and its debate in one query (every vote and contribution asks)."""
        async with self.conn.execute(_SELECT_IN_DEBATE, (proposal_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            raise NotFound(f"no proposal with id {proposal_id}")
        return _proposal(row), debate_from_row(row, "d_")

    async def vote_target(self, proposal_id: int) -> tuple[VoteTarget, Debate]:
        """The proposal's state and its debate: what a vote needs (no text, no author)."""
        async with self.conn.execute(_SELECT_VOTE_TARGET, (proposal_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            raise NotFound(f"no proposal with id {proposal_id}")
        target = VoteTarget(row[0], row[1], ProposalStatus(row[2]), to_datetime(row[3]),
                            to_datetime(row[4]))
        return target, debate_from_row(row, "d_")

    async def add(
        self, debate_id: int, author_id: int, draft: ProposalDraft, at: datetime
    ) -> Proposal:
        """The proposal, its version 1 and its lead author."""
        async with self.conn.execute(
            "INSERT INTO proposals (debate_id, author_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?) RETURNING id",
            (debate_id, author_id, to_text(at), to_text(at)),
        ) as cur:
            proposal_id = (await cur.fetchone())[0]
        await self._insert_version(proposal_id, 1, draft, author_id, None, at)
        await self.conn.execute(
            "INSERT INTO proposal_authors (proposal_id, participant_id, is_lead, added_at)"
            " VALUES (?, ?, 1, ?)",
            (proposal_id, author_id, to_text(at)),
        )
        return await self.get(proposal_id)

    async def _insert_version(
        self, proposal_id: int, number: int, draft: ProposalDraft, by_id: int | None,
        amendment_id: int | None, at: datetime,
    ) -> None:
        async with self.conn.execute(
            "INSERT INTO proposal_versions (proposal_id, number, title, body, created_by_id,"
            " amendment_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (proposal_id, number, draft.title, draft.body, by_id, amendment_id, to_text(at)),
        ) as cur:
            version_id = (await cur.fetchone())[0]
        await self.conn.executemany(
            "INSERT INTO proposal_articles (version_id, number, title, text) VALUES (?, ?, ?, ?)",
            [(version_id, a.number, a.title, a.text) for a in draft.articles],
        )
        await self.conn.executemany(
            "INSERT INTO proposal_sources (version_id, position, url, title) VALUES (?, ?, ?, ?)",
            [(version_id, i, s.url, s.title) for i, s in enumerate(draft.sources, start=1)],
        )

    async def add_version(
        self, proposal_id: int, draft: ProposalDraft, by_participant_id: int | None,
        amendment_id: int | None, at: datetime,
    ) -> Proposal:
        """A new current version; the earlier ones stay as they were."""
        current = await self.get(proposal_id)
        number = current.version + 1
        await self._insert_version(proposal_id, number, draft, by_participant_id, amendment_id, at)
        await self.conn.execute(
            "UPDATE proposals SET current_version = ?, updated_at = ? WHERE id = ?",
            (number, to_text(at), proposal_id),
        )
        return await self.get(proposal_id)

    async def get_version(self, proposal_id: int, number: int) -> ProposalVersion:
        async with self.conn.execute(
            "SELECT id, title, body, created_by_id, amendment_id, created_at"
            " FROM proposal_versions WHERE proposal_id = ? AND number = ?",
            (proposal_id, number),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            raise NotFound(f"proposal {proposal_id} has no version {number}")
        async with self.conn.execute(
            "SELECT number, title, text FROM proposal_articles WHERE version_id = ?"
            " ORDER BY number",
            (row["id"],),
        ) as cur:
            articles = tuple(Article(r[0], r[1], r[2]) for r in await cur.fetchall())
        async with self.conn.execute(
            "SELECT url, title FROM proposal_sources WHERE version_id = ? ORDER BY position",
            (row["id"],),
        ) as cur:
            sources = tuple(Source(r[0], r[1]) for r in await cur.fetchall())
        return ProposalVersion(
            proposal_id, number, row["title"], row["body"], articles, sources,
            row["created_by_id"], row["amendment_id"], to_datetime(row["created_at"]),
        )

    async def list_versions(self, proposal_id: int) -> tuple[VersionSummary, ...]:
        """Every version, oldest first (a proposal has few: no paging)."""
        async with self.conn.execute(
            "SELECT number, title, amendment_id, created_at FROM proposal_versions"
            " WHERE proposal_id = ? ORDER BY number",
            (proposal_id,),
        ) as cur:
            return tuple(
                VersionSummary(r[0], r[1], r[2], to_datetime(r[3])) for r in await cur.fetchall()
            )

    async def list_authors(self, proposal_id: int) -> tuple[ParticipantRef, ...]:
        """The lead author first, then co-authors in the order they joined."""
        async with self.conn.execute(
            f"SELECT {ref_columns('r')} FROM proposal_authors pau"
            f" {ref_joins('pau.participant_id')}"
            " WHERE pau.proposal_id = ? ORDER BY pau.is_lead DESC, pau.added_at, pa.id",
            (proposal_id,),
        ) as cur:
            return tuple(ref_from_row(r, "r") for r in await cur.fetchall())

    async def add_author(self, proposal_id: int, participant_id: int, at: datetime) -> bool:
        async with self.conn.execute(
            "INSERT INTO proposal_authors (proposal_id, participant_id, is_lead, added_at)"
            " VALUES (?, ?, 0, ?) ON CONFLICT DO NOTHING",
            (proposal_id, participant_id, to_text(at)),
        ) as cur:
            return cur.rowcount > 0

    async def remove_author(self, proposal_id: int, participant_id: int) -> bool:
        async with self.conn.execute(
            "DELETE FROM proposal_authors WHERE proposal_id = ? AND participant_id = ?"
            " AND is_lead = 0",
            (proposal_id, participant_id),
        ) as cur:
            return cur.rowcount > 0

    async def update_status(
        self, proposal_id: int, status: ProposalStatus, at: datetime
    ) -> Proposal:
        await self.conn.execute(
            "UPDATE proposals SET status = ?, updated_at = ? WHERE id = ?",
            (status.value, to_text(at), proposal_id),
        )
        return await self.get(proposal_id)

    async def mark_threshold_reached(
        self, proposal_id: int, at: datetime, due_at: datetime
    ) -> Proposal:
        # The guard keeps the first date even if a caller forgot to check.
        await self.conn.execute(
            "UPDATE proposals SET threshold_reached_at = ?, answer_due_at = ?"
            " WHERE id = ? AND threshold_reached_at IS NULL",
            (to_text(at), to_text(due_at), proposal_id),
        )
        return await self.get(proposal_id)

    async def mark_answered(self, proposal_id: int, at: datetime) -> Proposal:
        await self.conn.execute(
            "UPDATE proposals SET status = 'answered', answered_at = coalesce(answered_at, ?),"
            " updated_at = ? WHERE id = ?",
            (to_text(at), to_text(at), proposal_id),
        )
        return await self.get(proposal_id)

    async def set_hidden(self, proposal_id: int, hidden_at: datetime | None) -> None:
        await self.conn.execute(
            "UPDATE proposals SET hidden_at = ? WHERE id = ?", (to_text(hidden_at), proposal_id)
        )

    # --- history -------------------------------------------------------------------------

    async def add_history(
        self, proposal_id: int, kind: HistoryKind, *, by: str, by_member_id: int | None,
        at: datetime, old_status: ProposalStatus | None = None,
        new_status: ProposalStatus | None = None, version: int | None = None, note: str = "",
    ) -> None:
        await self.conn.execute(
            "INSERT INTO proposal_history (proposal_id, kind, by, by_member_id, old_status,"
            " new_status, version, note, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (proposal_id, kind.value, by, by_member_id, old_status and old_status.value,
             new_status and new_status.value, version, note, to_text(at)),
        )

    async def list_history(
        self, proposal_id: int, *, after: str | None = None, limit: int = 50
    ) -> Page[HistoryEntry]:
        """Oldest first."""
        cursor = _keyset.decode(after, 1)
        async with self.conn.execute(
            "SELECT h.id, h.kind, h.by, h.by_member_id, m.display_name, h.old_status,"
            " h.new_status, h.version, h.note, h.occurred_at FROM proposal_history h"
            " LEFT JOIN members m ON m.id = h.by_member_id"
            " WHERE h.proposal_id = ? AND h.id > ? ORDER BY h.id LIMIT ?",
            (proposal_id, cursor[0] if cursor else 0, limit + 1),
        ) as cur:
            rows = await cur.fetchall()
        entries = [
            HistoryEntry(
                id=r["id"], proposal_id=proposal_id, kind=HistoryKind(r["kind"]), by=r["by"],
                by_member_id=r["by_member_id"], by_display_name=r["display_name"],
                old_status=ProposalStatus(r["old_status"]) if r["old_status"] else None,
                new_status=ProposalStatus(r["new_status"]) if r["new_status"] else None,
                version=r["version"], note=r["note"], occurred_at=to_datetime(r["occurred_at"]),
            )
            for r in rows
        ]
        return _keyset.page(entries, limit, lambda e: (e.id,))

    # --- lists ---------------------------------------------------------------------------

    async def list_by_participant(self, participant_id: int, *, after: str | None = None,
                                  limit: int = 10) -> Page[Proposal]:
        """The proposals a participant leads or co-authors, newest first, but hidden ones."""
        cursor = _keyset.decode(after, 1)
        keyset, args = ("AND x.id < ?", [cursor[0]]) if cursor else ("", [])
        rows = await self.conn.execute_fetchall(
            "SELECT x.id FROM proposals x JOIN proposal_authors pau ON pau.proposal_id = x.id"
            f" WHERE pau.participant_id = ? AND x.hidden_at IS NULL {keyset}"
            " ORDER BY x.id DESC LIMIT ?",
            (participant_id, *args, limit + 1))
        return _keyset.page([await self.get(r[0]) for r in rows], limit, lambda p: (p.id,))

    async def list_page(
        self, debate_id: int | None, *, order: ProposalOrder = ProposalOrder.NEWEST,
        classes: frozenset[ParticipantClass] = frozenset(ParticipantClass),
        after: str | None = None, limit: int = 20,
        statuses: tuple[ProposalStatus, ...] | None = None,
    ) -> Page[ProposalSummary]:
        """Visible proposals (of one debate, or of all with None) with their tallies.

        NEWEST pages on id; MOST_SUPPORTED on (support, id), both descending.
        """
        support_sql, support_args = _support_sql(classes)
        where, args = ["p.hidden_at IS NULL"], []
        if debate_id is not None:
            where.append("p.debate_id = ?")
            args.append(debate_id)
        if statuses:
            where.append(f"p.status IN ({_marks(statuses)})")
            args += [ProposalStatus(s).value for s in statuses]
        inner = (
            f"SELECT * FROM ({_SELECT.replace('SELECT ', f'SELECT {support_sql} AS support, ', 1)}"
            f" WHERE {' AND '.join(where)})"
        )
        args = support_args + args
        if order is ProposalOrder.MOST_SUPPORTED:
            cursor = _keyset.decode(after, 2)
            keyset, keyset_args = "1", []
            if cursor:
                keyset = "(support < ? OR (support = ? AND id < ?))"
                keyset_args = [cursor[0], cursor[0], cursor[1]]
            sql = f"{inner} WHERE {keyset} ORDER BY support DESC, id DESC LIMIT ?"
            key = lambda s: (s.support, s.proposal.id)  # noqa: E731
        else:
            cursor = _keyset.decode(after, 1)
            keyset, keyset_args = ("id < ?", [cursor[0]]) if cursor else ("1", [])
            sql = f"{inner} WHERE {keyset} ORDER BY id DESC LIMIT ?"
            key = lambda s: (s.proposal.id,)  # noqa: E731
        async with self.conn.execute(sql, (*args, *keyset_args, limit + 1)) as cur:
            rows = await cur.fetchall()
        proposals = [(_proposal(r), r["support"]) for r in rows]
        ids = [p.id for p, _ in proposals]
        tallies = await self.tallies(ids)
        arguments = await self._counts(
            "SELECT proposal_id, count(*) FROM arguments WHERE proposal_id IN ({})"
            " AND hidden_at IS NULL AND withdrawn_at IS NULL GROUP BY proposal_id", ids)
        amendments = await self._counts(
            "SELECT proposal_id, count(*) FROM amendments WHERE proposal_id IN ({})"
            " AND hidden_at IS NULL GROUP BY proposal_id", ids)
        summaries = [
            ProposalSummary(p, tallies.get(p.id, Tally()), support, arguments.get(p.id, 0),
                            amendments.get(p.id, 0))
            for p, support in proposals
        ]
        return _keyset.page(summaries, limit, key)

    async def _counts(self, sql: str, ids: list[int]) -> dict[int, int]:
        if not ids:
            return {}
        async with self.conn.execute(sql.format(_marks(ids)), ids) as cur:
            return {r[0]: r[1] for r in await cur.fetchall()}

    async def tallies(self, proposal_ids: list[int]) -> dict[int, Tally]:
        """The tallies of several proposals in one grouped query."""
        return await tallies_of(self.conn, proposal_ids)

    async def list_reaching_support(
        self, debate_id: int, classes: frozenset[ParticipantClass], threshold: int
    ) -> list[int]:
        """Visible, unanswered proposals whose support meets `threshold` but not yet recorded."""
        support_sql, support_args = _support_sql(classes)
        async with self.conn.execute(
            "SELECT p.id FROM proposals p WHERE p.debate_id = ? AND p.hidden_at IS NULL"
            " AND p.threshold_reached_at IS NULL AND p.status != 'answered'"
            f" AND {support_sql} >= ? ORDER BY p.id",
            (debate_id, *support_args, threshold),
        ) as cur:
            return [r[0] for r in await cur.fetchall()]

    async def list_awaiting_answer(
        self, *, debate_id: int | None = None, after: str | None = None, limit: int = 20
    ) -> Page[Proposal]:
        """Visible proposals with a running or passed deadline and no answer, soonest due first
        (overdue ones come first: node.rules.is_answer_overdue tells them apart)."""
        cursor = _keyset.decode(after, 2)
        where = ["p.answered_at IS NULL", "p.answer_due_at IS NOT NULL", "p.hidden_at IS NULL"]
        args: list = []
        if debate_id is not None:
            where.append("p.debate_id = ?")
            args.append(debate_id)
        if cursor:
            # Times are stored in one ISO format (UTC, microseconds), so text order is time order.
            due = to_text(_EPOCH + timedelta(microseconds=cursor[0]))
            where.append("(p.answer_due_at > ? OR (p.answer_due_at = ? AND p.id > ?))")
            args += [due, due, cursor[1]]
        async with self.conn.execute(
            f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY p.answer_due_at, p.id LIMIT ?",
            (*args, limit + 1),
        ) as cur:
            rows = [_proposal(r) for r in await cur.fetchall()]
        return _keyset.page(
            rows, limit, lambda p: ((p.answer_due_at - _EPOCH) // timedelta(microseconds=1), p.id)
        )

    async def count_public(self) -> int:
        """Proposals anyone may read: not hidden, in a debate out of draft (NodeInfo's posts)."""
        rows = await self.conn.execute_fetchall(
            "SELECT count(*) FROM proposals p JOIN debates d ON d.id = p.debate_id"
            " WHERE p.hidden_at IS NULL AND d.status != 'draft'"
        )
        return rows[0][0]
