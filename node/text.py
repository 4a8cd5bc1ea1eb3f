"""The one rule for text from outside, whatever the path (API, forms): line breaks become
LF, and no other control character or lone surrogate is accepted. node/rules.py applies it to
every text a use case takes; the API's schema check (web/schema.py) to every string of a body.
Remote text (node/network.py) is cleaned by stripping the same characters instead: a peer's
post is not refused for a stray control character."""
from __future__ import annotations

import re

from .errors import Invalid

# C0 and C1 control characters but tab and line feed, and lone surrogates (which no UTF-8
# text can hold: one reaches a str only through a JSON escape such as "\ud800").
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def forbidden_character(value: str) -> str | None:
    """The first character text from outside may not hold (carriage returns aside, which
    normalise_text turns into line feeds), or None."""
    found = _FORBIDDEN_IN_TEXT.search(value.replace("\r", ""))
    return found.group() if found else None


def normalise_text(value: str, *, field: str) -> str:
    """The one rule for every text a person sends, by whatever path: line breaks become LF
    (CRLF and CR alike); any other control character (C0 or C1, tab and LF aside) or a lone
    surrogate refuses the text, naming the field. SQLite and every page downstream then
    hold only printable text (SQLite's length() stops at a NUL: a CHECK would fail)."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    found = _FORBIDDEN_IN_TEXT.search(value)
    if found:
        raise Invalid(f"{field} contains a control character or a lone surrogate "
                      f"(U+{ord(found.group()):04X}): only text, tabs and line breaks are "
                      "accepted", field=field)
    return value


def strip_forbidden(value: str) -> str:
    """The same rule for remote text, which is cleaned rather than refused (a peer's reply
    is not lost for a stray control character): line breaks become LF, the rest is dropped."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _FORBIDDEN_IN_TEXT.sub("", value)
