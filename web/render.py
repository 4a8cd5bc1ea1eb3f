"""Markdown to safe HTML: the only place markdown is rendered. Raw HTML never reaches a page.

Rendering is bounded by construction, whatever the text: Python-Markdown's inline link
parser scans from each `](` to the end of the block when the link does not close, so a
text made of `[a](` repeated costs a scan per opener (quadratic: 20,000 characters took
tens of seconds), and finds every bracket's end again after each link it makes. Here a
link's `[text]` and `(...)` may span at most MAX_LINK_TEXT and MAX_LINK_SPAN characters, and
one render may scan at most LINK_SCAN_BUDGET characters for links in all; a legitimate link
costs about its own length, so texts within the length limits render exactly as before.
Lines opening more than MAX_NESTING lists or quotes keep the extra markers as text.
"""
from __future__ import annotations

import re
from functools import lru_cache

import markdown
import nh3
from markdown.blockprocessors import HashHeaderProcessor
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    LINK_RE,
    REFERENCE_RE,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)

ALLOWED_TAGS = {
    "p", "br", "hr", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h3", "h4", "h5", "h6", "del", "sup", "sub", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
MAX_SOURCE_CHARS = 100_000
# The longest `(destination "title")` of a link; longer is text (URLs run to a few hundred).
MAX_LINK_SPAN = 2_048
# The longest `[text]` of a link or reference.
MAX_LINK_TEXT = 1_024
# Characters one render may scan for link texts and destinations: 5 times the longest
# proposal, so a legitimate text (each link costs about its own length; one left open, or
# with a quote in an untitled destination, MAX_LINK_SPAN) never reaches it; an adversarial
# one stops there.
LINK_SCAN_BUDGET = 100_000
# Lists and quotes opened on one line: deeper markers stay text (each level is a recursion).
MAX_NESTING = 16


class LinkScan:
    """What the link processors may still scan in the current render (one render at a time:
    the parser is used on the event loop's thread only)."""

    def __init__(self, budget: int):
        self.budget = budget
        self.left = budget

    def reset(self) -> None:
        self.left = self.budget

    @property
    def spent(self) -> int:
        return self.budget - self.left


class _BoundedLink:
    """getText and getLink over at most MAX_LINK_TEXT and MAX_LINK_SPAN characters, charged
    to the render's LinkScan. (The library finds every bracket's end in one pass over the
    text, but again after each link it replaces: quadratic in the links of a paragraph.)"""

    scan: LinkScan

    def getText(self, data: str, index: int):  # noqa: N802 (Python-Markdown's name)
        limit = min(len(data), index + min(MAX_LINK_TEXT, self.scan.left))
        depth = 0
        for bracket in _BRACKET.finditer(data, index, limit):
            depth += 1 if bracket.group() == "[" else -1
            if depth < 0:  # the `]` closing the `[` just before index
                end = bracket.end()
                self.scan.left -= end - index
                return data[index:end - 1], end, True
        self.scan.left -= limit - index
        return data[index:], len(data), False

    def getLink(self, data: str, index: int):  # noqa: N802
        if not data.startswith("(", index):  # not a link: the library's check costs nothing
            return super().getLink(data, index)
        allowed = min(MAX_LINK_SPAN, self.scan.left)
        if allowed <= 0 or data.find(")", index, index + allowed) < 0:
            # Without a `)` in reach no link closes: said at C speed, nothing charged.
            return "", None, index, False
        window = data[:index + allowed]
        href, title, end, handled = super().getLink(window, index)
        # A link that closed cost its span: one with a title, or one with no quote in it (an
        # unclosed quote makes the library scan the window for a title, then fall back).
        span = window[index:end]
        closed = handled and (title is not None or ('"' not in span and "'" not in span))
        self.scan.left -= (end - index) if closed else (len(window) - index)
        return href, title, end, handled


def _bounded(cls: type) -> type:
    return type(f"Bounded{cls.__name__}", (_BoundedLink, cls), {})


# Python-Markdown's bracket processors, with the names and priorities that
# markdown.inlinepatterns.build_inlinepatterns gives them.
_BRACKET_PROCESSORS = (
    ("reference", ReferenceInlineProcessor, REFERENCE_RE, 170),
    ("link", LinkInlineProcessor, LINK_RE, 160),
    ("image_link", ImageInlineProcessor, IMAGE_LINK_RE, 150),
    ("image_reference", ImageReferenceInlineProcessor, IMAGE_REFERENCE_RE, 140),
    ("short_reference", ShortReferenceInlineProcessor, REFERENCE_RE, 130),
    ("short_image_ref", ShortImageReferenceInlineProcessor, IMAGE_REFERENCE_RE, 125),
)
_BRACKET = re.compile(r"[\[\]]")


class _SpacedHashHeader(HashHeaderProcessor):
    """`# Title` is a heading, `#pour` is not (a hashtag): CommonMark wants the space, and
    remote replies start with their stance's hashtag."""

    RE = re.compile(r"(?:^|\n)(?P<level>#{1,6})(?=[ \t]|\n|$)"
                    r"(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)")


def _markdown(scan: LinkScan) -> markdown.Markdown:
    md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    # Python-Markdown passes raw HTML through; without these two processors it is escaped as
    # text instead. nh3 then sanitises the result as a second line of defence.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    for name, cls, pattern, priority in _BRACKET_PROCESSORS:
        processor = _bounded(cls)(pattern, md)
        processor.scan = scan
        md.inlinePatterns.register(processor, name, priority)
    md.parser.blockprocessors.register(_SpacedHashHeader(md.parser), "hashheader", 70)
    return md


# One parser, reset between texts: building one costs more than converting a short argument.
# Pages render on the event loop's thread only, so it is never shared between threads.
LINK_SCAN = LinkScan(LINK_SCAN_BUDGET)
_PARSER = _markdown(LINK_SCAN)
# The output depends on the text alone: short texts (arguments, answers, up to their 5,000
# characters) are kept, bounded in count and size, so a page with a thousand arguments does
# not parse them again on every view; long ones (proposal versions, which never change once
# written) are kept in a smaller cache of their own.
_CACHED_MAX_CHARS = 5_000
_CACHED_ENTRIES = 2_048
_LONG_CACHED_ENTRIES = 128

# A line's leading list and quote markers: `- `, `* `, `+ `, `1. `, `1) `, `>`, then the
# next one. Possessive quantifiers: each blank belongs to one marker, so a line that falls
# short is given up in linear time (with plain ones, blanks split between markers
# backtrack exponentially).
_TOO_DEEP = re.compile(
    r"^(?P<kept>(?:[ \t]*+(?:[-*+][ \t]++|\d{1,9}+[.)][ \t]++|>[ \t]?+)){%d})"
    r"(?P<indent>[ \t]*+)(?:(?P<bullet>[-*+](?=[ \t])|>)|(?P<digits>\d{1,9}+)(?=[.)][ \t]))"
    % MAX_NESTING, re.MULTILINE)


def _escape_next_marker(match: re.Match) -> str:
    start = match.group("kept") + match.group("indent")
    if match.group("bullet"):
        return start + "\\" + match.group("bullet")
    return start + match.group("digits") + "\\"  # `12.` escapes its dot, left after the match


def bounded_source(source: str) -> str:
    """The text as the parser gets it: cut at MAX_SOURCE_CHARS, and on a line opening more
    than MAX_NESTING lists or quotes, the next marker escaped (it shows as typed, and so does
    the rest of the line)."""
    return _TOO_DEEP.sub(_escape_next_marker, source[:MAX_SOURCE_CHARS])


def render_markdown(source: str) -> str:
    """Render user markdown; headings are shifted below the page's own h1/h2."""
    if len(source) <= _CACHED_MAX_CHARS:
        return _render_cached(source)
    return _render_long(source)


def clear_caches() -> None:
    _render_cached.cache_clear()
    _render_long.cache_clear()


@lru_cache(maxsize=_CACHED_ENTRIES)
def _render_cached(source: str) -> str:
    return render_uncached(source)


@lru_cache(maxsize=_LONG_CACHED_ENTRIES)
def _render_long(source: str) -> str:
    return render_uncached(source)


def render_uncached(source: str) -> str:
    """One render, past the caches (what a cache miss costs)."""
    LINK_SCAN.reset()
    html = _PARSER.reset().convert(bounded_source(source))
    for level in (2, 1):  # h1 -> h3, h2 -> h4: pages own the top two levels
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(f"</h{level}>", f"</h{level + 2}>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )
