"""The remote votes benchmark knows what exact totals to expect (it never asserts on speed)."""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # bench/ is run from the repository, it is not an installed package
    sys.path.insert(0, str(REPO))

from bench.remote_votes import OPTIONS, expected_totals  # noqa: E402
from federation.vocab import options  # noqa: E402


def test_each_actors_last_choice_counts_once():
    # 4 actors, 10 votes: actors 0 and 1 vote three times, 2 and 3 twice; choices rotate
    assert expected_totals(10, 4) == {"for": 2, "mixed": 1, "against": 1}
    totals = expected_totals(10_000, 2_000)
    assert sum(totals.values()) == 2_000 and min(totals.values()) >= 666


def test_the_benchmark_votes_with_the_nodes_option_names():
    assert list(OPTIONS) == list(options("fr").values())
