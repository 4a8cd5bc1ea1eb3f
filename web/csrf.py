"""CSRF protection for every HTML form: a double-submit token bound to a cookie, plus an
Origin check. The JSON API (Bearer tokens) and ActivityPub inboxes (HTTP signatures) carry no
ambient credentials and are exempt."""
from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from aiohttp import web

from .request_keys import CSRF_TOKEN

CSRF_COOKIE = "thc_csrf"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXEMPT_PREFIXES = ("/api/", "/inbox")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_exempt(request: web.Request) -> bool:
    path = request.path
    return path.startswith(EXEMPT_PREFIXES) or path.endswith("/inbox")


def csrf_middleware(base_url: str, *, secure_cookie: bool):
    expected_origin = _origin(base_url)

    @web.middleware
    async def middleware(request: web.Request, handler):
        if is_exempt(request):  # no forms there: neither a check nor a cookie
            return await handler(request)
        token = request.cookies.get(CSRF_COOKIE, "")
        fresh = len(token) != 43  # token_urlsafe(32) is 43 characters
        if fresh:
            token = secrets.token_urlsafe(32)
        request[CSRF_TOKEN] = token
        if request.method not in SAFE_METHODS:
            origin = request.headers.get("Origin")
            if origin and origin != "null" and origin.lower() != expected_origin:
                raise web.HTTPForbidden(text="This form was sent from another site.")
            try:
                form = await request.post()
            except (ValueError, LookupError):  # a bad multipart boundary, an unknown charset
                raise web.HTTPBadRequest(text="The form's body is malformed.") from None
            sent = form.get(CSRF_FIELD, "")
            if fresh or not isinstance(sent, str) or not hmac.compare_digest(sent, token):
                raise web.HTTPForbidden(
                    text="The form has expired or was not sent from this site: reload the page and try again."
                )
        response = await handler(request)
        # Only pages carry forms: JSON, ActivityPub and inbox answers need no cookie.
        if (fresh and isinstance(response, web.StreamResponse) and not response.prepared
                and response.content_type == "text/html"):
            response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="Lax",
                                secure=secure_cookie, path="/")
        return response

    return middleware
