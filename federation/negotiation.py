"""Content negotiation: one URL serves HTML to browsers and AS2 JSON to federation clients,
as Mastodon does (application/activity+json, or application/ld+json with any profile).

Routes are marked for web's federation fast path: `protocol(h)` marks a protocol-only handler,
`negotiate(html, ap)` one whose AS2 side may take it (see web/middlewares.py)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

AS2_MEDIA_TYPES = ("application/activity+json", "application/ld+json")
HTML_MEDIA_TYPES = ("text/html", "application/xhtml+xml")
# Attributes on a route handler: the handler that serves federation clients, and whether the
# route also serves pages (then only an Accept that prefers AS2 takes the fast path).
FEDERATION_HANDLER = "federation_handler"
NEGOTIATED = "federation_negotiated"
# Peers send a handful of distinct Accept headers: their answers are kept (bounded: the
# header is remote input).
_ACCEPT_CACHE_SIZE = 256
_accept_cache: dict[str, bool] = {}


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value.strip())))
            except ValueError:
                return 0.0
    return 1.0


def _prefers(accept: str) -> bool:
    best_as2 = best_html = 0.0
    for part in accept[:2000].split(","):
        media, *params = part.split(";")
        media = media.strip().lower()
        if media in AS2_MEDIA_TYPES:
            best_as2 = max(best_as2, _quality(params))
        elif media in HTML_MEDIA_TYPES:
            best_html = max(best_html, _quality(params))
    return best_as2 > 0 and best_as2 >= best_html


def prefers_activity_json(accept: str) -> bool:
    """True when the Accept header ranks an AS2 type at least as high as HTML (and above 0)."""
    found = _accept_cache.get(accept)
    if found is None:
        found = _prefers(accept)
        if len(accept) <= 512:  # a pure function of the header: a cache shared by all nodes
            if len(_accept_cache) >= _ACCEPT_CACHE_SIZE:
                _accept_cache.clear()
            _accept_cache[accept] = found
    return found


def vary_on_accept(response: web.StreamResponse) -> None:
    """Caches must key on Accept, or a browser could be served JSON (and the reverse)."""
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = "Accept"
    elif "accept" not in [v.strip().lower() for v in vary.split(",")]:
        response.headers["Vary"] = f"{vary}, Accept"


def protocol(handler: Handler) -> Handler:
    """Mark a protocol-only handler (inbox, WebFinger, collections…) for the fast path."""
    setattr(handler, FEDERATION_HANDLER, handler)
    return handler


def negotiate(html_handler: Handler, ap_handler: Handler) -> Handler:
    """One handler for an object URL: AS2 JSON for federation clients, HTML otherwise."""

    async def handler(request: web.Request) -> web.StreamResponse:
        if prefers_activity_json(request.headers.get("Accept", "")):
            response = await ap_handler(request)
        else:
            response = await html_handler(request)
        vary_on_accept(response)
        return response

    setattr(handler, FEDERATION_HANDLER, ap_handler)
    setattr(handler, NEGOTIATED, True)
    return handler
