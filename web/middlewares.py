"""Middlewares: request id, error mapping (HTML or problem+json), security headers."""
from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from aiohttp import web

from node.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

from . import appkeys
from .identity import Unauthenticated

log = logging.getLogger(__name__)

REQUEST_ID = web.RequestKey("request_id", str)
_DEFAULT_DETAIL = {
    404: "There is nothing at this address.",
    405: "This address does not accept this method.",
    413: "The request body is too large.",
}
_DOMAIN_STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, Invalid: 422}


def wants_json(request: web.Request) -> bool:
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "text/html" not in accept


def problem_response(request: web.Request, status: int, title: str, detail: str,
                     extra: dict | None = None) -> web.Response:
    """An RFC 9457 problem document, or the HTML error page, by the request's Accept."""
    if wants_json(request):
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
                "request_id": request.get(REQUEST_ID, "")}
        body.update(extra or {})
        return web.json_response(body, status=status, content_type="application/problem+json")
    templates = request.app[appkeys.TEMPLATES]
    # People get a translated page; the English detail stays for programs (problem+json).
    return templates.render(request, "error.html", {"status": status}, status=status)


@web.middleware
async def request_id_middleware(request: web.Request, handler):
    request[REQUEST_ID] = secrets.token_hex(8)
    response = await handler(request)
    response.headers["X-Request-Id"] = request[REQUEST_ID]
    return response


@web.middleware
async def error_middleware(request: web.Request, handler):
    try:
        return await handler(request)
    except Unauthenticated:
        if wants_json(request):
            response = problem_response(request, 401, "Unauthorized",
                                        "Send a personal token: 'Authorization: Bearer <token>'.")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        raise web.HTTPSeeOther(f"/connexion?suivant={quote(request.path_qs, safe='/')}") from None
    except DomainError as exc:
        status = next(s for cls, s in _DOMAIN_STATUS.items() if isinstance(exc, cls))
        extra = {"field": exc.field} if isinstance(exc, Invalid) and exc.field else None
        return problem_response(request, status, _title(status), str(exc), extra)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        detail = exc.text or ""
        if detail == f"{exc.status}: {exc.reason}":  # aiohttp's default text says nothing more
            detail = _DEFAULT_DETAIL.get(exc.status, exc.reason)
        response = problem_response(request, exc.status, exc.reason, detail)
        for name in ("Allow", "Retry-After", "WWW-Authenticate"):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
    except Exception:
        # Log everything, reveal nothing: the request id links the client's page to the log.
        log.exception("unhandled error on %s %s (request %s)", request.method, request.path,
                      request.get(REQUEST_ID))
        return problem_response(request, 500, "Internal Server Error",
                                "Something went wrong on our side; it has been logged.")


def _title(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).phrase


def security_headers_middleware(https: bool):
    @web.middleware
    async def middleware(request: web.Request, handler):
        response = await handler(request)
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self';"
            " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if https:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    return middleware
