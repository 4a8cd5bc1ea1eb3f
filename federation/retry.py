"""Pure retry policy: how long to wait before the next attempt, and what an outcome means.
No I/O, no clock: callers pass the attempt count, the elapsed time and their own rng."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Protocol

# A 401/403 may only mean the peer has not fetched our new key yet (microblog.pub retries it).
AUTH_RETRIES = 3


class RetrySettings(Protocol):
    retry_base_seconds: float
    retry_factor: float
    retry_max_delay_seconds: float
    retry_max_attempts: int
    retry_give_up_after_hours: float


class Outcome(StrEnum):
    DELIVERED = "delivered"
    GONE = "gone"
    RETRY = "retry"
    FAILED = "failed"


def next_delay(attempt: int, settings: RetrySettings, rng: random.Random, *,
               elapsed: timedelta = timedelta(0),
               retry_after: timedelta | None = None) -> timedelta | None:
    """The wait after `attempt` failed attempts (1 after the first), or None to give up.

    base × factor^(attempt-1) with ±50% jitter (so retries from one outage spread out),
    at least the peer's Retry-After, capped at the maximum delay. None once `attempt` reaches
    the maximum, or when the next attempt would fall after the give-up horizon.
    """
    if attempt < 1:
        raise ValueError("attempt counts failed attempts, starting at 1")
    if attempt >= settings.retry_max_attempts:
        return None
    exponent = min(attempt - 1, 64)  # beyond this the cap applies anyway; avoids overflow
    seconds = settings.retry_base_seconds * settings.retry_factor ** exponent
    seconds *= rng.uniform(0.5, 1.5)
    if retry_after is not None:
        seconds = max(seconds, retry_after.total_seconds())
    delay = timedelta(seconds=min(seconds, settings.retry_max_delay_seconds))
    if elapsed + delay > timedelta(hours=settings.retry_give_up_after_hours):
        return None
    return delay


def classify_status(status: int, attempts: int) -> Outcome:
    """What an inbox's HTTP answer means for a delivery (STYLE.md, outbound table)."""
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status in (404, 410):
        return Outcome.GONE  # Fedify's permanent failures: the actor or inbox is gone
    if status in (401, 403):
        return Outcome.RETRY if attempts < AUTH_RETRIES else Outcome.FAILED
    if status in (408, 429) or status >= 500:
        return Outcome.RETRY
    return Outcome.FAILED  # other 4xx (Mastodon's rule, as Lemmy applies it) and 3xx


def classify_error(permanent: bool) -> Outcome:
    """A request that got no HTTP answer: timeouts and resets retry; DNS, TLS, policy do not."""
    return Outcome.FAILED if permanent else Outcome.RETRY


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3); None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return timedelta(seconds=min(int(value[:12]), 10**9))
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return max(at - now, timedelta(0))
