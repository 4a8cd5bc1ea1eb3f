"""Conversions shared by the repositories: times as ISO 8601 UTC text, keyset cursors."""
from __future__ import annotations

from datetime import datetime, timezone

from node.errors import Invalid


def to_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not timezone.utc:  # the clock's own times are UTC already
        value = value.astimezone(timezone.utc)
    return value.isoformat(timespec="microseconds")


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
