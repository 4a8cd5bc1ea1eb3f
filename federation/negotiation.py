"""Content negotiation: one URL serves HTML to browsers and AS2 JSON to federation clients,
as Mastodon does (application/activity+json, or application/ld+json with any profile)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

AS2_MEDIA_TYPES = ("application/activity+json", "application/ld+json")
HTML_MEDIA_TYPES = ("text/html", "application/xhtml+xml")


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value.strip())))
            except ValueError:
                return 0.0
    return 1.0


def prefers_activity_json(accept: str) -> bool:
    """True when the Accept header ranks an AS2 type at least as high as HTML (and above 0)."""
    best_as2 = best_html = 0.0
    for part in accept[:2000].split(","):
        media, *params = part.split(";")
        media = media.strip().lower()
        if media in AS2_MEDIA_TYPES:
            best_as2 = max(best_as2, _quality(params))
        elif media in HTML_MEDIA_TYPES:
            best_html = max(best_html, _quality(params))
    return best_as2 > 0 and best_as2 >= best_html


def negotiate(html_handler: Handler, ap_handler: Handler) -> Handler:
    """One handler for an object URL: AS2 JSON for federation clients, HTML otherwise."""

    async def handler(request: web.Request) -> web.StreamResponse:
        if prefers_activity_json(request.headers.get("Accept", "")):
            response = await ap_handler(request)
        else:
            response = await html_handler(request)
        # Caches must key on Accept, or a browser could be served JSON (and the reverse).
        vary = response.headers.get("Vary")
        if not vary:
            response.headers["Vary"] = "Accept"
        elif "accept" not in [v.strip().lower() for v in vary.split(",")]:
            response.headers["Vary"] = f"{vary}, Accept"
        return response

    return handler
