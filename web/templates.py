"""Jinja2 environment: autoescaped HTML templates, rendered with the request's language."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from .config import Config
from .i18n import LANG_COOKIE, Translations, choose_language
from .render import render_markdown
from .request_keys import CSRF_TOKEN, VIEWER


def zone_abbreviation(value: datetime, zone: ZoneInfo) -> str:
    """CET / CEST for Paris; zones without a letter abbreviation get "UTC-03"."""
    name = value.astimezone(zone).strftime("%Z")
    return f"UTC{name}" if name[:1] in "+-" else name


# Babel parses its pattern and walks the locale each call; the same stored times come back on
# every view of a page, and the text depends on nothing else.
@lru_cache(maxsize=8192)
def _format_date(value, lang: str, zone: ZoneInfo, *, with_zone: bool = False) -> str:
    """A stored (UTC) time as people read it: in the territory's time zone. `with_zone` adds
    the abbreviation where a reader elsewhere could misread the hour (deadlines, schedules)."""
    if value is None:
        return ""
    from babel.dates import format_datetime

    text = format_datetime(value, "d MMMM y, HH:mm", locale=lang, tzinfo=zone)
    return f"{text} {zone_abbreviation(value, zone)}" if with_zone else text


def _language_url(request: web.Request, code: str) -> str:
    """The language switch: the same page in `code`, keeping its query. After a form POST the
    page's address only accepts POST, so the switch goes home instead."""
    if request.method not in ("GET", "HEAD"):
        return f"/?lang={code}"
    query = {k: v for k, v in request.query.items() if k != "lang"}
    query["lang"] = code
    return str(request.rel_url.with_query(query))


class FragmentCache:
    """Rendered pieces of a page (an argument, a listed proposal), kept by a key that holds
    everything the piece shows: the item's own value (a frozen dataclass: any change to it, a
    new mark or vote count included, is a new key), the language, and the viewer's identity
    and rights where the piece shows them. So an entry is never stale and never another
    viewer's; no invalidation is needed, only a bound (least recently used goes first). Time
    zone and translations are the app's own: one cache per Templates, one Templates per app.

    In a template: `{% call fragment(key) %}...{% endcall %}`; a None key renders uncached
    (a page re-rendered with a form's errors and input)."""

    def __init__(self, limit: int = 2048):
        self.limit = limit
        self._entries: OrderedDict[Hashable, str] = OrderedDict()

    def __call__(self, key: Hashable | None, caller: Callable[[], str]) -> str:
        if key is None:
            return caller()
        entries = self._entries
        try:
            html = entries[key]
        except KeyError:
            html = entries[key] = caller()
            if len(entries) > self.limit:
                entries.popitem(last=False)
            return html
        entries.move_to_end(key)
        return html


class Templates:
    """The app's pages: one jinja2 environment, rendered in the request's language."""

    def __init__(self, config: Config, translations: Translations):
        self.config, self.translations = config, translations
        self.fragments = FragmentCache()
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("web", "templates"),
            autoescape=True,  # as select_autoescape(default=True) did, without a call per render
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # templates ship with the package: no stat() per render
        )
        self.env.filters["markdown"] = lambda s: jinja2.filters.Markup(render_markdown(s))

    def render(self, request: web.Request, name: str, context: dict, *, status: int = 200) -> web.Response:
        return self.respond(request, self.render_html(request, name, context), status=status)

    def render_html(self, request: web.Request, name: str, context: dict) -> str:
        config = self.config
        lang = choose_language(request, config.node.default_language)
        trans = self.translations.get(lang)
        return self.env.get_template(name).render(
            **context,
            _=trans.gettext,
            ngettext=trans.ngettext,
            lang=lang,
            node=config.node,
            path=request.path,
            lang_url=lambda code: _language_url(request, code),
            date=lambda v, zone=False: _format_date(v, lang, config.node.zone, with_zone=zone),
            time_zone=config.node.timezone,
            csrf_token=request.get(CSRF_TOKEN, ""),
            viewer=request.get(VIEWER),
            fragment=self.fragments,
        )

    def respond(self, request: web.Request, html: str, *, status: int = 200) -> web.Response:
        """The rendered page as the answer (and the language remembered when asked for)."""
        lang = choose_language(request, self.config.node.default_language)
        response = web.Response(text=html, content_type="text/html", status=status)
        if request.query.get("lang") == lang:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True)
        return response
