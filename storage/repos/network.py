"""The network view's tables: remote territories, debates and proposals, and the full-text
search over local and remote proposals (0005_network.sql). SQL only: node/network_validation.py has
already validated and bounded what it hands in.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from node.errors import NotFound
from node.model import AnswerKind, ChoiceCounts, DebateStatus, Page, ProposalStatus, Tally
from node.network import (
    NetworkDebate,
    NetworkItem,
    NetworkOrder,
    NetworkQuery,
    RemoteDebate,
    RemoteDebateInfo,
    RemoteProposal,
    RemoteProposalInfo,
    RemoteTerritory,
    TerritoryInfo,
    TerritorySummary,
)

from ..connection import Connection
from . import _keyset
from ._sql import to_datetime, to_text
from .votes import tallies_of

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICRO = timedelta(microseconds=1)

_TALLY_COLUMNS = (
    "resident_for", "resident_mixed", "resident_against", "member_for", "member_mixed",
    "member_against", "remote_for", "remote_mixed", "remote_against",
)


def _tally_args(tally: Tally) -> tuple[int, ...]:
    return tuple(
        n for counts in (tally.verified_residents, tally.local_members, tally.remote)
        for n in (counts.for_votes, counts.mixed_votes, counts.against_votes)
    )


def _tally(row) -> Tally:
    n = [row[c] for c in _TALLY_COLUMNS]
    return Tally(ChoiceCounts(*n[0:3]), ChoiceCounts(*n[3:6]), ChoiceCounts(*n[6:9]))


def _themes(text: str | None) -> tuple[str, ...]:
    return tuple(text.split()) if text else ()


def _territory(row) -> RemoteTerritory:
    return RemoteTerritory(
        id=row["id"], ap_id=row["ap_id"], base_url=row["base_url"], host=row["host"],
        name=row["name"], summary=row["summary"], users=row["users"],
        proposals=row["proposals"], first_seen_at=to_datetime(row["first_seen_at"]),
        last_seen_at=to_datetime(row["last_seen_at"]),
    )


def _debate(row) -> RemoteDebate:
    return RemoteDebate(
        id=row["id"], ap_id=row["ap_id"], territory_id=row["territory_id"], slug=row["slug"],
        title=row["title"], status=DebateStatus(row["status"]), url=row["url"],
        first_seen_at=to_datetime(row["first_seen_at"]),
        updated_at=to_datetime(row["updated_at"]),
    )


def _proposal(row) -> RemoteProposal:
    return RemoteProposal(
        id=row["id"], ap_id=row["ap_id"], territory_id=row["territory_id"],
        debate_id=row["debate_id"], title=row["title"], summary=row["summary"],
        body=row["body"], status=ProposalStatus(row["status"]),
        answer_kind=AnswerKind(row["answer_kind"]) if row["answer_kind"] else None,
        answered_at=to_datetime(row["answered_at"]), tally=_tally(row),
        themes=_themes(row["themes"]), url=row["url"],
        published_at=to_datetime(row["published_at"]),
        updated_at=to_datetime(row["updated_at"]), tallied_at=to_datetime(row["tallied_at"]),
        deleted_at=to_datetime(row["deleted_at"]), received_at=to_datetime(row["received_at"]),
        answer_text=row["answer_text"],
    )


def fts_expression(terms: tuple[str, ...]) -> str | None:
    """An FTS5 query in which every term must match as a prefix: "term"* AND ...

    Terms come from node.network_search.search_terms (letters and digits only); each is quoted all
    the same, doubling any quote, so no input can ever be read as FTS syntax.
    """
    quoted = ['"' + term.replace('"', '""') + '"*' for term in terms if term]
    return " AND ".join(quoted) if quoted else None


def _theme_glob(theme: str) -> str:
    """A GLOB pattern finding the hashtag #theme in ' ' || lower(title || body) || ' '.

    SQLite triggers cannot extract hashtags, so a local proposal's themes are found in its
    text; the classes mirror node.network_validation.hashtags_in (no word character or '#' or '&'
    before, no word character or '-' after). lower() folds ASCII only: #VÉLO is missed.
    """
    return f"*[^a-z0-9_#&]#{theme}[^a-z0-9_à-öø-ÿ-]*"


def _day_after(day: date) -> str:
    return (day + timedelta(days=1)).isoformat()


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICRO


class NetworkRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def _one(self, sql: str, *args):
        async with self.conn.execute(sql, args) as cur:
            return await cur.fetchone()

    async def _scalar(self, sql: str, *args) -> int:
        return (await self._one(sql, *args))[0]

    # --- territories ---------------------------------------------------------------------

    async def find_territory(self, ap_id: str) -> RemoteTerritory | None:
        row = await self._one("SELECT * FROM remote_territories WHERE ap_id = ?", ap_id)
        return _territory(row) if row else None

    async def get_territory(self, territory_id: int) -> RemoteTerritory:
        row = await self._one("SELECT * FROM remote_territories WHERE id = ?", territory_id)
        if row is None:
            raise NotFound(f"no territory with id {territory_id}")
        return _territory(row)

    async def count_territories(self) -> int:
        return await self._scalar("SELECT count(*) FROM remote_territories")

    async def add_territory(self, info: TerritoryInfo, host: str, at: datetime) -> RemoteTerritory:
        row = await self._one(
            "INSERT INTO remote_territories (ap_id, base_url, host, name, summary, users,"
            " proposals, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            info.ap_id, info.base_url, host, info.name, info.summary, info.users,
            info.proposals, to_text(at), to_text(at),
        )
        return await self.get_territory(row[0])

    async def update_territory(self, territory_id: int, info: TerritoryInfo, host: str,
                               at: datetime) -> RemoteTerritory:
        # Figures unknown this time keep their last known value.
        await self.conn.execute(
            "UPDATE remote_territories SET base_url = ?, host = ?, name = ?, summary = ?,"
            " users = coalesce(?, users), proposals = coalesce(?, proposals), last_seen_at = ?"
            " WHERE id = ?",
            (info.base_url, host, info.name, info.summary, info.users, info.proposals,
             to_text(at), territory_id),
        )
        return await self.get_territory(territory_id)

    async def list_territories(self) -> tuple[TerritorySummary, ...]:
        """Every remote territory (at most node.network.MAX_TERRITORIES), by name."""
        async with self.conn.execute(
            "SELECT t.*,"
            " (SELECT count(*) FROM remote_debates d WHERE d.territory_id = t.id) AS n_debates,"
            " (SELECT count(*) FROM remote_proposals r WHERE r.territory_id = t.id"
            "  AND r.deleted_at IS NULL) AS n_proposals"
            " FROM remote_territories t ORDER BY t.name COLLATE NOCASE, t.id"
        ) as cur:
            rows = await cur.fetchall()
        return tuple(
            TerritorySummary(
                id=r["id"], name=r["name"], host=r["host"], base_url=r["base_url"],
                users=r["users"], proposals=r["proposals"], known_debates=r["n_debates"],
                known_proposals=r["n_proposals"], last_seen_at=to_datetime(r["last_seen_at"]),
            )
            for r in rows
        )

    async def local_figures(self) -> tuple[int, int, int]:
        """(members, public debates, visible proposals in public debates) of this node."""
        row = await self._one(
            "SELECT (SELECT count(*) FROM members),"
            " (SELECT count(*) FROM debates WHERE status != 'draft'),"
            " (SELECT count(*) FROM proposals p JOIN debates d ON d.id = p.debate_id"
            "  WHERE p.hidden_at IS NULL AND d.status != 'draft')"
        )
        return row[0], row[1], row[2]

    # --- debates -------------------------------------------------------------------------

    async def find_debate(self, ap_id: str) -> RemoteDebate | None:
        row = await self._one("SELECT * FROM remote_debates WHERE ap_id = ?", ap_id)
        return _debate(row) if row else None

    async def get_debate(self, debate_id: int) -> RemoteDebate:
        row = await self._one("SELECT * FROM remote_debates WHERE id = ?", debate_id)
        if row is None:
            raise NotFound(f"no remote debate with id {debate_id}")
        return _debate(row)

    async def count_debates(self, territory_id: int) -> int:
        return await self._scalar(
            "SELECT count(*) FROM remote_debates WHERE territory_id = ?", territory_id)

    async def add_debate(self, territory_id: int, info: RemoteDebateInfo,
                         at: datetime) -> RemoteDebate:
        row = await self._one(
            "INSERT INTO remote_debates (ap_id, territory_id, slug, title, status, url,"
            " first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            info.ap_id, territory_id, info.slug, info.title, DebateStatus(info.status).value,
            info.url, to_text(at), to_text(at),
        )
        return await self.get_debate(row[0])

    async def update_debate(self, debate_id: int, info: RemoteDebateInfo,
                            at: datetime) -> RemoteDebate:
        await self.conn.execute(
            "UPDATE remote_debates SET slug = ?, title = ?, status = ?, url = ?, updated_at = ?"
            " WHERE id = ?",
            (info.slug, info.title, DebateStatus(info.status).value, info.url, to_text(at),
             debate_id),
        )
        return await self.get_debate(debate_id)

    async def list_debates(self, *, local: bool, territory_id: int | None,
                           limit: int) -> tuple[NetworkDebate, ...]:
        """A territory's debates, newest first, with their visible proposals counted."""
        if local:
            sql = (
                "SELECT d.id, d.slug, d.title, d.status, NULL AS url, NULL AS territory_id,"
                " (SELECT count(*) FROM proposals p WHERE p.debate_id = d.id"
                "  AND p.hidden_at IS NULL) AS n FROM debates d WHERE d.status != 'draft'"
                " ORDER BY d.id DESC LIMIT ?"
            )
            args: tuple = (limit,)
        else:
            sql = (
                "SELECT d.id, d.slug, d.title, d.status, d.url, d.territory_id,"
                " (SELECT count(*) FROM remote_proposals r WHERE r.debate_id = d.id"
                "  AND r.deleted_at IS NULL) AS n FROM remote_debates d"
                " WHERE d.territory_id = ? AND d.status != 'draft' ORDER BY d.id DESC LIMIT ?"
            )
            args = (territory_id, limit)
        async with self.conn.execute(sql, args) as cur:
            rows = await cur.fetchall()
        return tuple(
            NetworkDebate(id=r["id"], is_local=local, territory_id=r["territory_id"],
                          slug=r["slug"], title=r["title"], status=DebateStatus(r["status"]),
                          url=r["url"], proposal_count=r["n"])
            for r in rows
        )

    # --- proposals -----------------------------------------------------------------------

    async def find_proposal(self, ap_id: str) -> RemoteProposal | None:
        row = await self._one("SELECT * FROM remote_proposals WHERE ap_id = ?", ap_id)
        return _proposal(row) if row else None

    async def get_proposal(self, proposal_id: int) -> RemoteProposal:
        row = await self._one("SELECT * FROM remote_proposals WHERE id = ?", proposal_id)
        if row is None:
            raise NotFound(f"no remote proposal with id {proposal_id}")
        return _proposal(row)

    async def count_proposals(self, territory_id: int) -> int:
        return await self._scalar(
            "SELECT count(*) FROM remote_proposals WHERE territory_id = ?", territory_id)

    def _content_args(self, debate_id: int, info: RemoteProposalInfo) -> tuple:
        return (
            debate_id, info.title, info.summary, info.body, ProposalStatus(info.status).value,
            None if info.answer_kind is None else AnswerKind(info.answer_kind).value,
            to_text(info.answered_at), " ".join(info.themes), info.url,
            to_text(info.published_at), to_text(info.updated_at), info.answer_text,
        )

    async def _put_themes(self, proposal_id: int, themes: tuple[str, ...]) -> None:
        await self.conn.execute(
            "DELETE FROM remote_proposal_themes WHERE proposal_id = ?", (proposal_id,))
        await self.conn.executemany(
            "INSERT INTO remote_proposal_themes (proposal_id, theme) VALUES (?, ?)",
            [(proposal_id, theme) for theme in themes],
        )

    async def add_proposal(self, territory_id: int, debate_id: int, info: RemoteProposalInfo,
                           tallied_at: datetime, at: datetime) -> RemoteProposal:
        row = await self._one(
            "INSERT INTO remote_proposals (territory_id, debate_id, title, summary, body, status,"
            " answer_kind, answered_at, themes, url, published_at, updated_at, answer_text,"
            f" {', '.join(_TALLY_COLUMNS)}, ap_id, tallied_at, received_at)"
            f" VALUES ({', '.join('?' for _ in range(25))}) RETURNING id",
            territory_id, *self._content_args(debate_id, info), *_tally_args(info.tally),
            info.ap_id, to_text(tallied_at), to_text(at),
        )
        await self._put_themes(row[0], info.themes)
        return await self.get_proposal(row[0])

    async def update_proposal(self, proposal_id: int, debate_id: int, info: RemoteProposalInfo,
                              tallied_at: datetime, at: datetime) -> RemoteProposal:
        await self.conn.execute(
            "UPDATE remote_proposals SET debate_id = ?, title = ?, summary = ?, body = ?,"
            " status = ?, answer_kind = ?, answered_at = ?, themes = ?, url = ?,"
            " published_at = ?, updated_at = ?, answer_text = ?,"
            f" {', '.join(f'{c} = ?' for c in _TALLY_COLUMNS)}, tallied_at = ?, received_at = ?,"
            " deleted_at = NULL"  # content again: a tombstone created anew (node/services/network.py)
            " WHERE id = ?",
            (*self._content_args(debate_id, info), *_tally_args(info.tally), to_text(tallied_at),
             to_text(at), proposal_id),
        )
        await self._put_themes(proposal_id, info.themes)
        return await self.get_proposal(proposal_id)

    async def update_tally(self, proposal_id: int, tally: Tally,
                           tallied_at: datetime) -> RemoteProposal:
        await self.conn.execute(
            f"UPDATE remote_proposals SET {', '.join(f'{c} = ?' for c in _TALLY_COLUMNS)},"
            " tallied_at = ? WHERE id = ?",
            (*_tally_args(tally), to_text(tallied_at), proposal_id),
        )
        return await self.get_proposal(proposal_id)

    async def add_tombstone(self, territory_id: int, ap_id: str, deleted_at: datetime,
                            at: datetime) -> RemoteProposal:
        row = await self._one(
            "INSERT INTO remote_proposals (ap_id, territory_id, title, status, url, published_at,"
            " updated_at, tallied_at, deleted_at, received_at)"
            " VALUES (?, ?, '', 'submitted', ?, ?, ?, ?, ?, ?) RETURNING id",
            ap_id, territory_id, ap_id, to_text(deleted_at), to_text(deleted_at),
            to_text(deleted_at), to_text(deleted_at), to_text(at),
        )
        return await self.get_proposal(row[0])

    async def tombstone(self, proposal_id: int, deleted_at: datetime) -> RemoteProposal:
        """Blank the content (a deletion is honoured, not hidden); keep the id and times."""
        await self.conn.execute(
            "UPDATE remote_proposals SET title = '', summary = '', body = '', themes = '',"
            " answer_kind = NULL, answered_at = NULL, answer_text = '', deleted_at = ?"
            " WHERE id = ?",
            (to_text(deleted_at), proposal_id),
        )
        await self._put_themes(proposal_id, ())
        return await self.get_proposal(proposal_id)

    # --- the network list ----------------------------------------------------------------

    async def search(self, query: NetworkQuery, *, after: str | None,
                     limit: int) -> Page[NetworkItem]:
        """Local (visible, in public debates) and remote (alive) proposals matching `query`.

        Pages on (published_at, key) or (total_votes, key), descending, where key is unique
        across both kinds (2 × id local, 2 × id + 1 remote), so no item repeats or goes
        missing between pages.
        """
        cursor = _keyset.decode(after, 2)
        participation = query.order is NetworkOrder.PARTICIPATION
        if cursor is None:
            bound = None
        elif participation:
            bound = (cursor[0], cursor[1])
        else:
            bound = (to_text(_EPOCH + cursor[0] * _MICRO), cursor[1])
        # Each branch pages itself along its own index (remote: (published_at, id) or
        # (total_votes, id)), so a page reads about `limit` rows per kind, not every row; the
        # outer query merges the two short lists.
        match = fts_expression(query.terms)
        branches: list[str] = []
        args: list = []
        for wanted, branch in ((query.territory_id is None, self._local_branch),
                               (not query.local_only, self._remote_branch)):
            if wanted:
                sql, branch_args = branch(query, match, participation, bound, limit + 1)
                branches.append(sql)
                args += branch_args
        order = "total_votes DESC, key DESC" if participation else "published_at DESC, key DESC"
        async with self.conn.execute(
            f"SELECT * FROM ({' UNION ALL '.join(branches)}) ORDER BY {order} LIMIT ?",
            (*args, limit + 1),
        ) as cur:
            rows = await cur.fetchall()
        if participation:
            key = lambda i: (i.total_votes, i.key)  # noqa: E731
        else:
            key = lambda i: (_micros(i.published_at), i.key)  # noqa: E731
        local_ids = [r["proposal_id"] for r in rows if r["is_local"]]
        tallies = await tallies_of(self.conn, local_ids)
        items = [
            NetworkItem(
                key=r["key"], is_local=bool(r["is_local"]), proposal_id=r["proposal_id"],
                territory_id=r["territory_id"], territory_name=r["territory_name"],
                territory_host=r["territory_host"], debate_slug=r["debate_slug"],
                debate_title=r["debate_title"], debate_url=r["debate_url"], title=r["title"],
                summary=r["summary"], status=ProposalStatus(r["status"]),
                answer_kind=AnswerKind(r["answer_kind"]) if r["answer_kind"] else None,
                answered_at=to_datetime(r["answered_at"]),
                tally=(tallies.get(r["proposal_id"], Tally()) if r["is_local"] else _tally(r)),
                themes=_themes(r["themes"]), url=r["url"],
                published_at=to_datetime(r["published_at"]),
                updated_at=to_datetime(r["updated_at"]), ap_id=r["ap_id"],
                answer_text=r["answer_text"] or "",
            )
            for r in rows
        ]
        return _keyset.page(items, limit, key)

    @staticmethod
    def _common_filters(query: NetworkQuery, alias: str, published: str) -> tuple[list[str], list]:
        where, args = [], []
        if query.status is not None:
            where.append(f"{alias}.status = ?")
            args.append(query.status.value)
        # Times are stored as ISO 8601 UTC text, so a day's bounds compare as text.
        if query.since is not None:
            where.append(f"{published} >= ?")
            args.append(query.since.isoformat())
        if query.until is not None:
            where.append(f"{published} < ?")
            args.append(_day_after(query.until))
        return where, args

    @staticmethod
    def _page_clause(sort: str, id_column: str, participation: bool,
                     bound: tuple | None, id_bound: int | None) -> tuple[str, str, list]:
        """(keyset condition, ORDER BY, args) for one branch, on its own (sort, id) columns."""
        order = f"{sort} DESC, {id_column} DESC"
        if bound is None:
            return "1", order, []
        return f"({sort}, {id_column}) < (?, ?)", order, [bound[0], id_bound]

    def _local_branch(self, query: NetworkQuery, match: str | None, participation: bool,
                      bound: tuple | None, limit: int) -> tuple[str, list]:
        where, args = self._common_filters(query, "p", "p.created_at")
        where[:0] = ["p.hidden_at IS NULL", "d.status != 'draft'"]
        if match is not None:
            where.append("p.id IN (SELECT rowid / 2 FROM network_search"
                         " WHERE network_search MATCH ? AND rowid % 2 = 0)")
            args.append(match)
        if query.theme is not None:
            where.append("(' ' || lower(v.title) || ' ' || lower(v.body) || ' ') GLOB ?")
            args.append(_theme_glob(query.theme))
        votes = "(SELECT count(*) FROM votes vo WHERE vo.proposal_id = p.id)"
        # A local key 2 × id is below the cursor's key K exactly when id < (K + 1) // 2.
        keyset, order, keyset_args = self._page_clause(
            votes if participation else "p.created_at", "p.id", participation, bound,
            None if bound is None else (bound[1] + 1) // 2)
        where.append(keyset)
        args += keyset_args
        # The page's ids first, sorting narrow rows; the wide ones are read for those only.
        page = (
            "SELECT p.id FROM proposals p"
            " JOIN proposal_versions v ON v.proposal_id = p.id AND v.number = p.current_version"
            " JOIN debates d ON d.id = p.debate_id"
            f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
        )
        zeros = ", ".join(f"0 AS {c}" for c in _TALLY_COLUMNS)
        sql = (
            "SELECT 2 * p.id AS key, 1 AS is_local, p.id AS proposal_id,"
            " NULL AS territory_id, '' AS territory_name, '' AS territory_host,"
            " d.slug AS debate_slug, d.title AS debate_title, NULL AS debate_url,"
            " v.title AS title, v.body AS summary, p.status AS status,"
            " (SELECT a.kind FROM answers a WHERE a.proposal_id = p.id"
            "  ORDER BY a.revision DESC LIMIT 1) AS answer_kind,"
            " p.answered_at AS answered_at,"
            " (SELECT a.text FROM answers a WHERE a.proposal_id = p.id"
            "  ORDER BY a.revision DESC LIMIT 1) AS answer_text,"
            " '' AS themes, NULL AS url,"
            " p.created_at AS published_at, p.updated_at AS updated_at,"
            f" {votes} AS total_votes, NULL AS ap_id, {zeros}"
            " FROM proposals p"
            " JOIN proposal_versions v ON v.proposal_id = p.id AND v.number = p.current_version"
            " JOIN debates d ON d.id = p.debate_id"
            f" WHERE p.id IN ({page})"
        )
        return sql, [*args, limit]

    def _remote_branch(self, query: NetworkQuery, match: str | None, participation: bool,
                       bound: tuple | None, limit: int) -> tuple[str, list]:
        where, args = self._common_filters(query, "r", "r.published_at")
        where.insert(0, "r.deleted_at IS NULL")
        if query.territory_id is not None:
            where.append("r.territory_id = ?")
            args.append(query.territory_id)
        if match is not None:
            where.append("r.id IN (SELECT rowid / 2 FROM network_search"
                         " WHERE network_search MATCH ? AND rowid % 2 = 1)")
            args.append(match)
        if query.theme is not None:
            where.append("r.id IN (SELECT proposal_id FROM remote_proposal_themes"
                         " WHERE theme = ?)")
            args.append(query.theme)
        # A remote key 2 × id + 1 is below the cursor's key K exactly when id < K // 2.
        keyset, order, keyset_args = self._page_clause(
            "r.total_votes" if participation else "r.published_at", "r.id", participation,
            bound, None if bound is None else bound[1] // 2)
        where.append(keyset)
        args += keyset_args
        page = (f"SELECT r.id FROM remote_proposals r WHERE {' AND '.join(where)}"
                f" ORDER BY {order} LIMIT ?")
        tally = ", ".join(f"r.{c} AS {c}" for c in _TALLY_COLUMNS)
        sql = (
            "SELECT 2 * r.id + 1 AS key, 0 AS is_local, r.id AS proposal_id,"
            " r.territory_id AS territory_id, t.name AS territory_name,"
            " t.host AS territory_host, d.slug AS debate_slug, d.title AS debate_title,"
            " d.url AS debate_url, r.title AS title,"
            " CASE WHEN r.summary != '' THEN r.summary ELSE r.body END AS summary,"
            " r.status AS status, r.answer_kind AS answer_kind, r.answered_at AS answered_at,"
            " r.answer_text AS answer_text,"
            " r.themes AS themes, r.url AS url, r.published_at AS published_at,"
            " r.updated_at AS updated_at, r.total_votes AS total_votes, r.ap_id AS ap_id,"
            f" {tally}"
            " FROM remote_proposals r"
            " JOIN remote_territories t ON t.id = r.territory_id"
            " JOIN remote_debates d ON d.id = r.debate_id"
            f" WHERE r.id IN ({page})"
        )
        return sql, [*args, limit]

    async def list_themes(self, limit: int) -> tuple[tuple[str, int], ...]:
        async with self.conn.execute(
            "SELECT t.theme, count(*) AS n FROM remote_proposal_themes t"
            " JOIN remote_proposals r ON r.id = t.proposal_id AND r.deleted_at IS NULL"
            " GROUP BY t.theme ORDER BY n DESC, t.theme LIMIT ?",
            (limit,),
        ) as cur:
            return tuple((r[0], r[1]) for r in await cur.fetchall())
