"""Middlewares: request id, error mapping (HTML or problem+json), security headers, and the
federation fast path in front of them."""
from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from aiohttp import web

from federation.negotiation import (
    FEDERATION_HANDLER,
    NEGOTIATED,
    prefers_activity_json,
    vary_on_accept,
)
from federation.response_cache import HOLDABLE, HeldResponses
from node.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

from . import appkeys
from .identity import VIEWER, Unauthenticated

log = logging.getLogger(__name__)

REQUEST_ID = web.RequestKey("request_id", str)
# What `Server` says: the software, never its version (nor aiohttp's and Python's).
SERVER_NAME = "thc-node"
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


def security_headers(https: bool) -> tuple[tuple[str, str], ...]:
    """The headers every answer carries (pages and federation alike)."""
    headers = (
        ("Content-Security-Policy",
         "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self';"
         " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    )
    return headers + ((("Strict-Transport-Security", "max-age=31536000"),) if https else ())


def protocol_security_headers(https: bool) -> tuple[tuple[str, str], ...]:
    """What federation answers carry (AS2 and JRD documents, problem+json, empty 202s): the
    set OWASP's REST Security Cheat Sheet gives for API responses. Nothing in them is meant
    to load anything, so the policy allows nothing; the page-only headers (Permissions-Policy,
    Referrer-Policy) are left out: ~100 bytes fewer on every answer of the busiest routes."""
    headers = (
        ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
    )
    return headers + ((("Strict-Transport-Security", "max-age=31536000"),) if https else ())


async def edge_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare, so raised answers (redirects, errors) get it too: `Server` without
    a version, and no copy kept anywhere of what a signed-in member was shown (a shared proxy
    or the browser's history could hand it to the next person). Static files are the same
    for everyone and stay cacheable."""
    response.headers["Server"] = SERVER_NAME
    if request.get(VIEWER) is not None and not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"


def security_headers_middleware(https: bool):
    pairs = security_headers(https)

    @web.middleware
    async def middleware(request: web.Request, handler):
        response = await handler(request)
        headers = response.headers
        for name, value in pairs:
            headers.setdefault(name, value)
        return response

    return middleware


def federation_middleware(https: bool, held: HeldResponses | None = None):
    """The fast path for federation routes (marked by federation/negotiation.py): documents,
    WebFinger, NodeInfo and inboxes need neither a session, nor a CSRF token, nor a request id;
    they are signed or public. They get an API's security headers and problem+json errors
    here and skip the page middlewares. A negotiated URL (an actor's page) takes it only when the Accept
    header prefers AS2: a browser still gets the page through every middleware, and every page
    request (cookies or not) still goes through identity and CSRF.

    `held` (None under authorized fetch) replays whole answers of `holdable` GETs: actor
    documents and WebFinger (federation/response_cache.py)."""
    pairs = protocol_security_headers(https)

    @web.middleware
    async def middleware(request: web.Request, handler):
        route = request.match_info.handler
        fast = getattr(route, FEDERATION_HANDLER, None)
        if fast is None:
            return await handler(request)
        negotiated = getattr(route, NEGOTIATED, False)
        if negotiated and not prefers_activity_json(request.headers.get("Accept", "")):
            return await handler(request)
        hold = held is not None and request.method == "GET" and getattr(fast, HOLDABLE, False)
        if hold:
            commits = request.app[appkeys.DATABASE].commits  # read before the handler reads
            found = held.get(request.raw_path, commits)
            if found is not None:
                return web.Response(body=found[0], headers=found[1])
        try:
            response = await fast(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise  # a redirect: aiohttp sends it
            response = _federation_problem(request, exc.status, exc.reason, exc.text or "")
            for name in ("Allow", "Retry-After", "WWW-Authenticate"):
                if name in exc.headers:
                    response.headers[name] = exc.headers[name]
        except DomainError as exc:
            status = next(s for cls, s in _DOMAIN_STATUS.items() if isinstance(exc, cls))
            response = _federation_problem(request, status, _title(status), str(exc))
        except Exception:
            request_id = secrets.token_hex(8)
            log.exception("unhandled error on %s %s (request %s)", request.method,
                          request.path, request_id)
            response = _federation_problem(
                request, 500, "Internal Server Error",
                "Something went wrong on our side; it has been logged.", request_id)
        headers = response.headers
        # Federation handlers never set these (pages may: security_headers_middleware keeps
        # theirs): added in one call.
        headers.extend(pairs)
        if negotiated:
            vary_on_accept(response)
        if hold and response.status == 200 and isinstance(response.body, bytes):
            held.hold(request.raw_path, commits, response.body, headers)
        return response

    return middleware


def _federation_problem(request: web.Request, status: int, title: str, detail: str,
                        request_id: str = "") -> web.Response:
    if detail == f"{status}: {title}":  # aiohttp's default text says nothing more
        detail = _DEFAULT_DETAIL.get(status, title)
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
            "request_id": request_id}
    return web.json_response(body, status=status, content_type="application/problem+json")
