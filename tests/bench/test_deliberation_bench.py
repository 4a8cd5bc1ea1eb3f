"""The deliberation benchmark's bookkeeping (bench/deliberation.py): which (member, proposal)
pairs a load cast, and the database check that finds a lost, double or stale vote. It never
asserts on speed."""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # bench/ is run from the repository, it is not an installed package
    sys.path.insert(0, str(REPO))

from bench.deliberation import VoteLoad, check_votes, last_page_results  # noqa: E402
from bench.loadgen import LoadResult  # noqa: E402
from bench.scenarios import DELIBERATION_SCENARIOS, Scenario  # noqa: E402


def test_each_visit_to_a_proposal_changes_the_choice():
    load = VoteLoad(["t0"], [11, 12])
    steps = [load.step(k) for k in range(6)]
    assert steps == [(11, "for"), (12, "for"), (11, "mixed"), (12, "mixed"),
                     (11, "against"), (12, "against")]


def test_answered_requests_are_cast_and_the_last_unanswered_one_is_unsure():
    # Given connection 0 sent 3 requests and read 2 answers, connection 1 sent and read 1
    load = VoteLoad(["t0", "t1"], [11, 12])
    load.record(0, sent=3, ok=2, bad=0)
    load.record(1, sent=1, ok=1, bad=0)
    # Then
    assert load.cast == {(0, 11): "for", (0, 12): "for", (1, 11): "for"}
    assert load.unsure == {(0, 11)} and load.offsets == [3, 1]
    # And the next round goes on after the unanswered request
    load.record(0, sent=1, ok=1, bad=0)
    assert load.cast[(0, 12)] == "mixed" and load.unsure == {(0, 11)}


def _database(tmp_path, votes):
    path = tmp_path / "node.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE members (id INTEGER PRIMARY KEY);"
            "CREATE TABLE participants (id INTEGER PRIMARY KEY, member_id INTEGER);"
            "CREATE TABLE votes (id INTEGER PRIMARY KEY, proposal_id INTEGER,"
            " participant_id INTEGER, choice TEXT);"
            "INSERT INTO members VALUES (100), (101);"
            "INSERT INTO participants VALUES (1, 100), (2, 101);")
        conn.executemany("INSERT INTO votes (proposal_id, participant_id, choice)"
                         " VALUES (?, ?, ?)", votes)
    return path


def test_check_passes_when_every_cast_vote_is_stored_once_with_its_last_choice(tmp_path):
    load = VoteLoad(["t0", "t1"], [11, 12])
    load.record(0, sent=3, ok=3, bad=0)  # 11 for, 12 for, 11 mixed
    load.record(1, sent=1, ok=1, bad=0)  # 11 for
    path = _database(tmp_path, [(11, 1, "mixed"), (12, 1, "for"), (11, 2, "for")])
    check = check_votes(path, load, {0: 100, 1: 101})
    assert check["ok"] and check["pairs_cast"] == 3 and check["votes_stored"] == 3


def test_check_finds_lost_double_and_stale_votes(tmp_path):
    load = VoteLoad(["t0", "t1"], [11, 12])
    load.record(0, sent=3, ok=3, bad=0)
    load.record(1, sent=1, ok=1, bad=0)
    members = {0: 100, 1: 101}
    # A lost vote: member 101's vote on 11 is missing
    (tmp_path / "a").mkdir()
    lost = check_votes(_database(tmp_path / "a", [(11, 1, "mixed"), (12, 1, "for")]), load,
                       members)
    assert not lost["ok"] and lost["lost"] == 1
    # A stale vote: member 100's second choice on 11 was not kept
    (tmp_path / "b").mkdir()
    stale = check_votes(_database(tmp_path / "b", [(11, 1, "for"), (12, 1, "for"),
                                                   (11, 2, "for")]), load, members)
    assert not stale["ok"] and stale["choice_not_last_sent"] == 1
    # A double vote
    (tmp_path / "c").mkdir()
    double = check_votes(_database(tmp_path / "c", [(11, 1, "mixed"), (12, 1, "for"),
                                                    (11, 2, "for"), (11, 2, "for")]),
                         load, members)
    assert not double["ok"] and double["pairs_twice"] == 1


def test_placeholders_resolve_and_last_pages_pair_with_first_pages():
    values = {"proposal_1000_arguments": "6", "proposal_last_page": "?pour=0.9",
              "debate_last_page": "?apres=27"}
    resolved = [s.resolved(values) for s in DELIBERATION_SCENARIOS]
    assert [s.path for s in resolved] == ["/propositions/6", "/propositions/6?pour=0.9",
                                          "/debats/bench-propositions",
                                          "/debats/bench-propositions?apres=27"]
    assert Scenario("w", "GET", "/x?r={host}").resolved(values).path == "/x?r={host}"

    def rounds(rps):
        return [LoadResult(1, 1, 0, 0, 1.0, rps)]

    rows = last_page_results(resolved, [rounds(100), rounds(95), rounds(200), rounds(150)])
    assert [(r.name, r.ratio, r.passed) for r in rows] == [
        ("proposal page: last/first", 0.95, True), ("debate page: last/first", 0.75, False)]
