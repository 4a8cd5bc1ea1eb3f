"""retry.py: the pure retry policy (delays, jitter bounds, give-up rules, outcome classes)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from federation.retry import (
    Outcome,
    classify_error,
    classify_status,
    next_delay,
    parse_retry_after,
)


@dataclass(frozen=True)
class Settings:
    retry_base_seconds: float = 60.0
    retry_factor: float = 4.0
    retry_max_delay_seconds: float = 43_200.0
    retry_max_attempts: int = 10
    retry_give_up_after_hours: float = 72.0


class Fixed(random.Random):
    """An rng whose uniform() returns a chosen point of the interval."""

    def __init__(self, point: float):
        super().__init__(0)
        self.point = point

    def uniform(self, a, b):
        return a + (b - a) * self.point


@pytest.mark.parametrize(("attempt", "minutes"), [(1, 1), (2, 4), (3, 16), (4, 64), (5, 256)])
def test_next_delay_grows_by_the_factor_without_jitter_at_the_midpoint(attempt, minutes):
    assert next_delay(attempt, Settings(), Fixed(0.5)) == timedelta(minutes=minutes)


def test_next_delay_jitter_stays_within_half_either_side():
    rng = random.Random(42)
    delays = [next_delay(3, Settings(), rng) for _ in range(500)]
    assert min(delays) >= timedelta(minutes=8) and max(delays) <= timedelta(minutes=24)
    assert len(set(delays)) > 400  # spread out, so one outage's retries do not stampede


def test_next_delay_is_capped_at_the_maximum():
    assert next_delay(9, Settings(), Fixed(1.0)) == timedelta(hours=12)
    huge = Settings(retry_max_attempts=10_000, retry_give_up_after_hours=10**9)
    assert next_delay(5000, huge, Fixed(1.0)) == timedelta(hours=12)


def test_next_delay_gives_up_after_the_maximum_attempts():
    assert next_delay(9, Settings(), Fixed(0.5)) is not None
    assert next_delay(10, Settings(), Fixed(0.5)) is None
    assert next_delay(1, Settings(retry_max_attempts=1), Fixed(0.5)) is None


def test_next_delay_gives_up_past_the_horizon():
    settings = Settings()
    assert next_delay(6, settings, Fixed(0.5), elapsed=timedelta(hours=50)) == timedelta(hours=12)
    assert next_delay(6, settings, Fixed(0.5), elapsed=timedelta(hours=61)) is None


def test_next_delay_honours_retry_after_within_the_cap():
    settings = Settings()
    assert next_delay(1, settings, Fixed(0.5), retry_after=timedelta(hours=1)) == timedelta(hours=1)
    assert next_delay(1, settings, Fixed(0.5), retry_after=timedelta(days=5)) == timedelta(hours=12)
    short = timedelta(seconds=5)
    assert next_delay(3, settings, Fixed(0.5), retry_after=short) == timedelta(minutes=16)


def test_next_delay_refuses_attempt_zero():
    with pytest.raises(ValueError):
        next_delay(0, Settings(), Fixed(0.5))


def test_default_schedule_reaches_about_three_days():
    # 1 + 4 + 16 + 64 + 256 min, then 12 h each: attempt 10 is the last, ~3 days in.
    rng, elapsed, attempts = Fixed(0.5), timedelta(0), 1
    while (delay := next_delay(attempts, Settings(), rng, elapsed=elapsed)) is not None:
        elapsed += delay
        attempts += 1
    assert attempts <= 10 and timedelta(hours=48) < elapsed <= timedelta(hours=72)


@pytest.mark.parametrize(("status", "attempts", "outcome"), [
    (200, 1, Outcome.DELIVERED), (202, 1, Outcome.DELIVERED), (204, 5, Outcome.DELIVERED),
    (404, 1, Outcome.GONE), (410, 1, Outcome.GONE),
    (401, 1, Outcome.RETRY), (403, 2, Outcome.RETRY), (401, 3, Outcome.FAILED),
    (400, 1, Outcome.FAILED), (422, 1, Outcome.FAILED), (302, 1, Outcome.FAILED),
    (408, 1, Outcome.RETRY), (429, 1, Outcome.RETRY), (500, 1, Outcome.RETRY),
    (502, 1, Outcome.RETRY), (503, 9, Outcome.RETRY),
])
def test_classify_status_follows_the_delivery_table(status, attempts, outcome):
    assert classify_status(status, attempts) is outcome


def test_classify_error_retries_only_transient_failures():
    assert classify_error(permanent=False) is Outcome.RETRY
    assert classify_error(permanent=True) is Outcome.FAILED


def test_parse_retry_after_reads_seconds_and_dates():
    now = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120", now) == timedelta(seconds=120)
    assert parse_retry_after("Fri, 27 Nov 2026 13:00:00 GMT", now) == timedelta(hours=1)
    assert parse_retry_after("Fri, 27 Nov 2026 11:00:00 GMT", now) == timedelta(0)
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None
