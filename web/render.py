"""Markdown to safe HTML: the only place markdown is rendered. Raw HTML never reaches a page."""
from __future__ import annotations

from functools import lru_cache

import markdown
import nh3

_ALLOWED_TAGS = {
    "p", "br", "hr", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h3", "h4", "h5", "h6", "del", "sup", "sub", "table", "thead", "tbody", "tr", "th", "td",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
MAX_SOURCE_CHARS = 100_000


def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    # Python-Markdown passes raw HTML through; without these two processors it is escaped as
    # text instead. nh3 then sanitises the result as a second line of defence.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


# One parser, reset between texts: building one costs more than converting a short argument.
# Pages render on the event loop's thread only, so it is never shared between threads.
_PARSER = _markdown()
# The output depends on the text alone: short texts (arguments, answers) are kept, bounded in
# count and size (at most _CACHED_ENTRIES x _CACHED_MAX_CHARS of source), so a page with a
# thousand arguments does not parse them again on every view.
_CACHED_MAX_CHARS = 4_000
_CACHED_ENTRIES = 2_048


def render_markdown(source: str) -> str:
    """Render user markdown; headings are shifted below the page's own h1/h2."""
    if len(source) <= _CACHED_MAX_CHARS:
        return _render_cached(source)
    return _render(source)


@lru_cache(maxsize=_CACHED_ENTRIES)
def _render_cached(source: str) -> str:
    return _render(source)


def _render(source: str) -> str:
    html = _PARSER.reset().convert(source[:MAX_SOURCE_CHARS])
    for level in (2, 1):  # h1 -> h3, h2 -> h4: pages own the top two levels
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(f"</h{level}>", f"</h{level + 2}>")
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )
