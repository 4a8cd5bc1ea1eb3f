"""Conversions shared by the repositories: times as ISO 8601 UTC text, keyset cursors."""
from __future__ import annotations

from datetime import datetime, timezone

from node.errors import Invalid


# The last time formatted: one use case stores its `now` in several rows (a vote, its event).
_last_text: tuple[datetime | None, str | None] = (None, None)


def to_text(value: datetime | None) -> str | None:
    global _last_text
    if value is None:
        return None
    last = _last_text
    if value is last[0]:  # the very same object: datetimes are immutable
        return last[1]
    given = value
    if value.tzinfo is not timezone.utc:  # the clock's own times are UTC already
        value = value.astimezone(timezone.utc)
    text = value.isoformat(timespec="microseconds")
    _last_text = (given, text)
    return text


def to_datetime(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def encode_cursor(row_id: int) -> str:
    return str(row_id)


def decode_cursor(cursor: str | None) -> int:
    """Keyset cursors are the last id seen."""
    if cursor is None:
        return 0
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        raise Invalid("the page cursor is not valid", field="after")
    return int(cursor)
