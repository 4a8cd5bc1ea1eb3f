"""Deliberation at scale (issue 3): big pages and votes through the JSON API.

- `seed` fills the demo node's database before `serve`, as a busy territory would have it:
  10,000 members (no password: hashing 10,000 would take minutes), a proposal with 1,000
  arguments (for, against, comments, some marked useful) and 10,000 votes, a debate with
  1,000 proposals, and a debate whose proposals the votes benchmark votes on, with one
  personal API token per load connection. Bulk rows go in with executemany in one
  transaction; the debates through node.services, as an administrator would open them.
- The page scenarios (bench/scenarios.py) name the seeded data with `{placeholders}`; the
  last page of each list is found by following the cursors the pages themselves use.
- `run_votes`: `PUT /api/v1/proposals/{id}/vote` with one token (one member) per connection,
  each connection changing its choice on every visit (so every request writes: an insert the
  first time, then a replacement), against `bench.vote_reference` (bare aiohttp committing one
  row per request, aiosqlite, WAL), the same requests alternately. Then the database is
  checked: at most one vote per (member, proposal), as many votes as distinct pairs the load
  cast, and each stored choice the last one the load sent (no lost or double vote).
"""
from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from .federation import FedResult
from .loadgen import LoadResult, parse_wrk
from .servers import Server, _spawn, drain, free_port

MEMBERS = 10_000
ARGUMENTS = 1_000
PROPOSALS = 1_000
VOTE_PROPOSALS = 50  # the proposals each votes-benchmark connection cycles through
ARGUMENTS_DEBATE = "bench-arguments"
PROPOSALS_DEBATE = "bench-propositions"
VOTES_DEBATE = "bench-votes"
CHOICES = ("for", "mixed", "against")
VOTES_TARGET = 0.40  # of the single-commit SQLite rate (issue 3)
LAST_PAGE_TARGET = 0.9  # the last page at least 0.9x the first


@dataclass
class Seeded:
    """What the benchmark needs to know about the seeded data."""

    values: dict[str, str]  # scenario placeholders: {name} -> path part
    tokens: list[str]  # one per votes-benchmark connection, each a different member
    vote_proposals: list[int]
    seconds: float = 0.0
    database: Path | None = None


# ---- seeding ---------------------------------------------------------------------------------

async def _seed(database: Path, connections: int) -> Seeded:
    from node import services
    from node.clock import SystemClock
    from node.model import DebateStatus, NewDebate, Operator, ProposalDraft
    from storage.db import Database

    clock, operator = SystemClock(), Operator()
    start = clock.now() - timedelta(days=30)

    def at(i: int, total: int) -> str:  # spread over the last 30 days, in order
        moment = start + timedelta(seconds=i * 30 * 86400 / max(total, 1))
        return moment.isoformat(timespec="microseconds")

    db = await Database(database).open()
    try:
        async with db.transaction() as tx:
            for slug, title in ((ARGUMENTS_DEBATE, "Grand débat : le plan vélo"),
                                (PROPOSALS_DEBATE, "Mille idées pour le centre-bourg"),
                                (VOTES_DEBATE, "Budget participatif : le vote")):
                await services.create_debate(tx, clock, operator, NewDebate(
                    slug, title, "Un débat très suivi, pour mesurer les pages à grande échelle."))
                await services.change_debate_status(tx, clock, operator, slug,
                                                    DebateStatus.OPEN)
            debates = {slug: (await tx.debates.find_by_slug(slug)).id
                       for slug in (ARGUMENTS_DEBATE, PROPOSALS_DEBATE, VOTES_DEBATE)}
            # Members: one in three a verified resident; participants as on first contribution.
            await tx.conn.executemany(
                "INSERT INTO members (username, display_name, role, is_verified_resident,"
                " created_at) VALUES (?, ?, 'citizen', ?, ?)",
                [(f"bench_{i:05d}", f"Habitante {i:05d}", int(i % 3 == 0), at(i, MEMBERS))
                 for i in range(MEMBERS)])
            await tx.conn.execute(
                "INSERT INTO participants (kind, member_id, created_at)"
                " SELECT 'local', id, created_at FROM members WHERE username LIKE 'bench\\_%'"
                " ESCAPE '\\' ORDER BY id")
            rows = await tx.conn.execute_fetchall(
                "SELECT p.id, m.is_verified_resident FROM participants p"
                " JOIN members m ON m.id = p.member_id WHERE m.username LIKE 'bench\\_%'"
                " ESCAPE '\\' ORDER BY m.id")
            participants = [(r[0], "verified_resident" if r[1] else "local_member")
                            for r in rows]
            author = participants[0][0]

            async def proposal(slug: str, i: int, title: str) -> int:
                created = await tx.proposals.add(
                    debates[slug], participants[i % len(participants)][0],
                    ProposalDraft(title, f"Proposition n° {i} : le texte complet, avec ses "
                                         "raisons et ses effets attendus sur le territoire."),
                    clock.now())
                return created.id

            big = await proposal(ARGUMENTS_DEBATE, 0, "Une piste cyclable entre les hameaux")
            stances = ("for", "against", "neutral")
            await tx.conn.executemany(
                "INSERT INTO arguments (proposal_id, author_id, stance, body, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [(big, participants[i % len(participants)][0], stances[i % 3],
                  f"Argument {i} : un avis argumenté, avec un exemple vécu et une source.",
                  at(i, ARGUMENTS)) for i in range(ARGUMENTS)])
            argument_ids = [r[0] for r in await tx.conn.execute_fetchall(
                "SELECT id FROM arguments WHERE proposal_id = ? ORDER BY id", (big,))]
            # "Useful" marks: 0 to 6 per argument, so MOST_USEFUL has ties to page through.
            await tx.conn.executemany(
                "INSERT INTO argument_marks (argument_id, participant_id, created_at)"
                " VALUES (?, ?, ?)",
                [(a, participants[(i * 7 + j) % len(participants)][0], at(i, ARGUMENTS))
                 for i, a in enumerate(argument_ids) for j in range(i % 7)])
            await tx.conn.executemany(
                "INSERT INTO votes (proposal_id, participant_id, voter_class, choice, cast_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(big, pid, klass, CHOICES[i % 3 if i % 5 else 0], at(i, MEMBERS),
                  at(i, MEMBERS)) for i, (pid, klass) in enumerate(participants)])
            for i in range(PROPOSALS):
                await proposal(PROPOSALS_DEBATE, i, f"Idée n° {i} pour le centre-bourg")
            vote_proposals = [await proposal(VOTES_DEBATE, i, f"Projet n° {i} au vote")
                              for i in range(VOTE_PROPOSALS)]
            # The voters: members without any vote on the votes debate, one per connection.
            tokens = [await services.issue_api_token(tx, clock, operator, f"bench_{i:05d}",
                                                     "votes benchmark")
                      for i in range(1, connections + 1)]
        values = {"proposal_1000_arguments": str(big)}
        values.update(await _last_pages(db, big))
        return Seeded(values, tokens, vote_proposals)
    finally:
        await db.close()


async def _last_pages(db, big: int) -> dict[str, str]:
    """Follow each list's cursors as a reader clicking "next" would, to its last page; give
    that page's query string (the page sizes are the pages' own)."""
    from urllib.parse import urlencode

    from node import services
    from web.pages_debate import PROPOSALS_PER_PAGE
    from web.pages_proposal import ARGUMENTS_PER_COLUMN

    reader = db.read()
    after, pages = None, 1
    while True:
        page = await services.list_proposals(reader, PROPOSALS_DEBATE, after=after,
                                             limit=PROPOSALS_PER_PAGE)
        if page.next_cursor is None:
            break
        after, pages = page.next_cursor, pages + 1
    debate_last = urlencode({"apres": after}) if after else ""
    cursors = {"pour": None, "contre": None, "commentaires": None}
    while True:
        columns = await services.arguments_side_by_side(
            reader, big, limit=ARGUMENTS_PER_COLUMN, after_for=cursors["pour"],
            after_against=cursors["contre"], after_neutral=cursors["commentaires"])
        nexts = {"pour": columns.for_arguments.next_cursor,
                 "contre": columns.against_arguments.next_cursor,
                 "commentaires": columns.neutral_arguments.next_cursor}
        if not any(nexts.values()):
            break
        cursors.update({k: v for k, v in nexts.items() if v})
    proposal_last = urlencode({k: v for k, v in cursors.items() if v})
    return {"debate_last_page": "?" + debate_last if debate_last else "",
            "proposal_last_page": "?" + proposal_last if proposal_last else "",
            "debate_pages": str(pages)}


def seed(config: Path, connections: int) -> Seeded:
    """Seed the node whose config is `config` (its database beside it), before `serve`."""
    import time
    import tomllib

    settings = tomllib.loads(config.read_text("utf-8"))
    data_dir = config.parent / settings.get("storage", {}).get("data_dir", ".")
    database = data_dir / "thc-node.sqlite3"
    started = time.monotonic()
    seeded = asyncio.run(_seed(database, connections))
    seeded.seconds, seeded.database = time.monotonic() - started, database
    return seeded


# ---- the votes benchmark ---------------------------------------------------------------------

# One wrk thread per connection, so each connection has its own member (Lua state is per
# thread): the k-th request of connection c votes on proposal k mod P with choice
# (k div P) mod 3, from k = its offset on; every visit to a proposal changes the choice.
_VOTES_LUA = """
local threads = {}
local counter = 0
function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
-- Globals, not locals: done() reads them through thread:get().
token, offset, sent, ok, bad = nil, 0, 0, 0, 0
local proposals, choices = {}, {"for", "mixed", "against"}
function init(args)
  local f = assert(io.open(args[1], "r"))
  local n = 0
  for line in f:lines() do
    if n == 0 then
      for id in string.gmatch(line, "%d+") do table.insert(proposals, id) end
    elseif n == index + 1 then
      local t, o = string.match(line, "^(%S+) (%d+)$")
      token, offset = t, tonumber(o)
    end
    n = n + 1
  end
  f:close()
  verifying = (index == 0)
end
function request()
  local k = offset + sent
  if verifying then  -- wrk calls request() once on the first thread to check it: not sent
    verifying = false
  else
    sent = sent + 1
  end
  local p = proposals[(k % #proposals) + 1]
  local c = choices[(math.floor(k / #proposals) % 3) + 1]
  return wrk.format("PUT", "/api/v1/proposals/" .. p .. "/vote",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"},
    '{"choice":"' .. c .. '"}')
end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("VOTES %d %d %d %d\\n", t:get("index"), t:get("sent"),
                           t:get("ok"), t:get("bad")))
  end
end
"""


@dataclass
class VotesResult(FedResult):
    """The votes row: it fails when the database check fails, whatever the rate."""

    check_ok: bool = True

    @property
    def passed(self) -> bool | None:
        return False if not self.check_ok else FedResult.passed.fget(self)


@dataclass
class VoteLoad:
    """Where each connection is in its sequence, and what it cast (pair -> last choice)."""

    tokens: list[str]
    proposals: list[int]
    offsets: list[int] = field(default_factory=list)
    cast: dict[tuple[int, int], str] = field(default_factory=dict)  # (conn, proposal) -> choice
    unsure: set[tuple[int, int]] = field(default_factory=set)  # sent, no answer read
    errors: int = 0

    def __post_init__(self):
        self.offsets = self.offsets or [0] * len(self.tokens)

    def state_file(self, directory: Path) -> Path:
        path = directory / "votes-state.txt"
        lines = [" ".join(str(p) for p in self.proposals)]
        lines += [f"{t} {o}" for t, o in zip(self.tokens, self.offsets)]
        path.write_text("\n".join(lines) + "\n", "utf-8")
        return path

    def step(self, k: int) -> tuple[int, str]:
        p = len(self.proposals)
        return self.proposals[k % p], CHOICES[(k // p) % 3]

    def record(self, index: int, sent: int, ok: int, bad: int) -> None:
        """Answers come in order on a connection: the first `ok + bad` were answered; with no
        error, the answered ones were all cast; the rest (at most one) may or may not be."""
        start = self.offsets[index]
        answered = ok + bad
        if bad:
            self.errors += bad
        for k in range(start, start + answered):
            proposal, choice = self.step(k)
            if not bad:
                self.cast[(index, proposal)] = choice
                self.unsure.discard((index, proposal))
        for k in range(start + answered, start + sent):
            self.unsure.add((index, self.step(k)[0]))
        self.offsets[index] = start + sent


def _wrk_votes(wrk: str, url: str, load: VoteLoad, seconds: float) -> LoadResult:
    connections = len(load.tokens)
    whole = max(1, round(seconds))
    with tempfile.TemporaryDirectory(prefix="thc-bench-") as tmp:
        script = Path(tmp) / "votes.lua"
        script.write_text(_VOTES_LUA, "utf-8")
        state = load.state_file(Path(tmp))
        cmd = [wrk, "-t", str(connections), "-c", str(connections), "-d", f"{whole}s",
               "--latency", "--timeout", "10s", "-s", str(script), url, "--", str(state)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=whole + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    drain(url.rstrip("/"))  # the votes left in flight are written before the next round
    for line in done.stdout.splitlines():
        if line.startswith("VOTES "):
            index, sent, ok, bad = (int(x) for x in line.split()[1:])
            load.record(index, sent, ok, bad)
    return parse_wrk(done.stdout)


def check_votes(database: Path, load: VoteLoad, member_of_token: dict[int, int]) -> dict:
    """The database after the run: no pair twice, no pair lost, the last choice kept."""
    import sqlite3

    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        marks = ", ".join("?" for _ in load.proposals)
        doubles = conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM votes WHERE proposal_id IN ({marks})"
            " GROUP BY proposal_id, participant_id HAVING count(*) > 1)",
            load.proposals).fetchone()[0]
        stored = {(r[0], r[1]): r[2] for r in conn.execute(
            f"SELECT m.id, v.proposal_id, v.choice FROM votes v"
            f" JOIN participants p ON p.id = v.participant_id JOIN members m ON m.id = p.member_id"
            f" WHERE v.proposal_id IN ({marks})", load.proposals)}
    finally:
        conn.close()
    cast = {(member_of_token[i], p): c for (i, p), c in load.cast.items()}
    unsure = {(member_of_token[i], p) for i, p in load.unsure}
    lost = [pair for pair in cast if pair not in stored]
    extra = [pair for pair in stored if pair not in cast and pair not in unsure]
    # A pair whose last request got no answer may hold that request's choice instead.
    changed = [pair for pair, c in cast.items()
               if pair in stored and stored[pair] != c and pair not in unsure]
    ok = not doubles and not lost and not extra and not changed and not load.errors
    return {"pairs_cast": len(cast), "pairs_unanswered_at_round_ends": len(unsure),
            "votes_stored": len(stored), "pairs_twice": doubles, "lost": len(lost),
            "stored_not_cast": len(extra), "choice_not_last_sent": len(changed),
            "errors": load.errors, "ok": ok}


def _member_ids(database: Path, count: int) -> dict[int, int]:
    import sqlite3

    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return {i: conn.execute("SELECT id FROM members WHERE username = ?",
                                (f"bench_{i + 1:05d}",)).fetchone()[0] for i in range(count)}
    finally:
        conn.close()


def votes_rounds(env=None) -> int:
    import os

    raw = (env or os.environ).get("BENCH_VOTES_ROUNDS", "").strip()
    value = int(raw) if raw else 3
    if not 1 <= value <= 50:
        raise ValueError(f"BENCH_VOTES_ROUNDS: expected 1 to 50, got {raw}")
    return value


def run_votes(generator, workdir: Path, node: Server, seeded: Seeded, *, seconds: float,
              rounds: int, warmup: float, log) -> tuple[FedResult, dict]:
    """Votes per second through the API against the single-commit SQLite reference."""
    database = seeded.database
    if generator.name != "wrk":
        raise RuntimeError("the votes benchmark needs wrk (one thread per connection)")
    ref_port = free_port()
    ref = _spawn("vote reference", [sys.executable, "-m", "bench.vote_reference", str(ref_port),
                                    str(workdir / "vote-reference.sqlite3")],
                 ref_port, workdir / "vote-reference.log")
    try:
        ref.wait_ready("/healthz")
        ours = VoteLoad(seeded.tokens, seeded.vote_proposals)
        theirs = VoteLoad(seeded.tokens, seeded.vote_proposals)
        targets = {"ref": (ref.base_url + "/", theirs), "ours": (node.base_url + "/", ours)}
        if warmup > 0:
            for url, load in targets.values():
                _wrk_votes(generator.path, url, load, warmup)
        results: dict[str, list[LoadResult]] = {"ref": [], "ours": []}
        memory = []
        for r in range(rounds):
            for name in (["ref", "ours"] if r % 2 == 0 else ["ours", "ref"]):
                url, load = targets[name]
                results[name].append(_wrk_votes(generator.path, url, load, seconds))
                if name == "ours":
                    memory.append(node.rss_kib())
            log(f"votes round {r + 1}/{rounds}: reference {results['ref'][-1].rps:,.0f}/s, "
                f"THC Node {results['ours'][-1].rps:,.0f}/s")
        for server in (node, ref):
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} died during the run:\n{server.log_tail()}")
    finally:
        ref.stop()
    check = check_votes(database, ours, _member_ids(database, len(seeded.tokens)))
    ref_rps = statistics.median(r.rps for r in results["ref"])
    ours_rps = statistics.median(r.rps for r in results["ours"])
    rss = [m.get("VmRSS", 0) for m in memory if m.get("VmRSS")]
    description = (f"PUT /api/v1/proposals/{{id}}/vote, {len(seeded.tokens)} members, one per"
                   f" connection; vs 1-row commit")
    result = VotesResult(
        "API votes", description, ref_rps, ours_rps, ours_rps / ref_rps if ref_rps else None,
        VOTES_TARGET, False, _spread([r.rps for r in results["ours"]]),
        sum(r.non_2xx + r.errors for r in results["ours"]),
        [{"reference": a.to_dict(), "ours": b.to_dict(), "node_rss_kib": m}
         for a, b, m in zip(results["ref"], results["ours"], memory)] + [{"check": check}],
        check_ok=check["ok"])
    peak = node.rss_kib().get("VmHWM")
    return result, {"check": check, "rss_kib_max": max(rss) if rss else None,
                    "vmhwm_kib": peak, "seeded_seconds": round(seeded.seconds, 1),
                    "values": seeded.values}


def _spread(values: list[float]) -> float | None:
    if not values:
        return None
    middle = statistics.median(values)
    return (max(values) - min(values)) / 2 / middle if middle else None


def last_page_result(name: str, first: float, last: float, first_path: str,
                     last_path: str) -> FedResult:
    """The last page of a list against its first (keyset pages cost the same at any depth)."""
    return FedResult(f"{name}: last/first", f"{last_path} vs {first_path}", first, last,
                     last / first if first else None, LAST_PAGE_TARGET, False, None, 0, [])


# First and last page of each list, by scenario name (bench/scenarios.py).
LAST_PAGE_PAIRS = (("proposal, 1,000 arguments", "proposal, last arguments", "proposal page"),
                   ("debate, 1,000 proposals", "debate, last proposals", "debate page"))


def last_page_results(scenarios, results: list[list[LoadResult]]) -> list[FedResult]:
    by_name = {s.name: (s, r) for s, r in zip(scenarios, results)}
    rows = []
    for first, last, label in LAST_PAGE_PAIRS:
        if first in by_name and last in by_name:
            (s1, r1), (s2, r2) = by_name[first], by_name[last]
            rows.append(last_page_result(label, statistics.median(r.rps for r in r1),
                                         statistics.median(r.rps for r in r2), s1.path, s2.path))
    return rows


def format_deliberation(info: dict) -> str:
    """The votes check and the node's memory under the deliberation load, for the report."""
    c = info["check"]
    rss = info.get("rss_kib_max")
    memory = (f"node VmRSS under the votes load {rss / 1024:.1f} MiB (peak VmHWM "
              f"{(info.get('vmhwm_kib') or 0) / 1024:.1f} MiB)") if rss else "VmRSS not available"
    return (f"votes check: {c['pairs_cast']} (member, proposal) pairs cast, "
            f"{c['votes_stored']} votes stored, {c['pairs_twice']} pairs twice, {c['lost']} lost, "
            f"{c['stored_not_cast']} stored but not cast, {c['choice_not_last_sent']} not the last "
            f"choice sent ({c['pairs_unanswered_at_round_ends']} pairs left unanswered at round "
            f"ends, either way allowed), {c['errors']} errors: {'OK' if c['ok'] else 'FAILED'}\n"
            f"{memory}")
