"""Sign in, sign out, registration and password reset pages."""
from __future__ import annotations

import time
from dataclasses import replace
from urllib.parse import urlsplit

from aiohttp import web

from node import services
from node.accounts import NewRegistration
from node.errors import Conflict, Forbidden, Invalid, NotFound

from . import appkeys
from .auth import hash_password, password_hashing
from .identity import end_session, start_session
from .ratelimit import RateLimiter

MIN_PASSWORD = 10
MAX_PASSWORD = 1000  # argon2 hashes anything, but unbounded input is a cheap DoS
DUMMY_HASH = hash_password("not a real password, only for constant-time failures")
LOGIN_LIMITER = web.AppKey("login_limiter", RateLimiter)
IP_LIMITER = web.AppKey("login_ip_limiter", RateLimiter)


def setup_limiters(app: web.Application) -> None:
    # 5 failures per account and address per 15 min; 30 per address (password spraying).
    app[LOGIN_LIMITER] = RateLimiter(limit=5, window_seconds=900)
    app[IP_LIMITER] = RateLimiter(limit=30, window_seconds=900)


def _safe_next(value: str | None) -> str:
    """Only local paths: never redirect to another site after login."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return urlsplit(value).path or "/"


def _t(request: web.Request):
    from .i18n import choose_language

    lang = choose_language(request, request.app[appkeys.CONFIG].node.default_language)
    return request.app[appkeys.TRANSLATIONS].get(lang).gettext


def _password_error(request: web.Request, password: str) -> str | None:
    _ = _t(request)
    if len(password) < MIN_PASSWORD:
        return _("The password needs at least 10 characters.")
    if len(password) > MAX_PASSWORD:
        return _("The password is too long.")
    return None


def field_message(request: web.Request, exc: Exception) -> tuple[str, str]:
    """A translated message for a domain error, keyed by the form field it concerns."""
    _ = _t(request)
    field = getattr(exc, "field", None) or "_form"
    known = {
        "username": _("Username: 2 to 30 characters, lowercase letters, digits or _, not reserved."),
        "display_name": _("Name: between 1 and 100 characters."),
        "invitation_code": _("This invitation code is not valid or has expired."),
    }
    if isinstance(exc, Conflict) and field == "_form":
        return "username", _("This username is already taken.")
    return field, known.get(field, str(exc))


async def login_form(request: web.Request) -> web.Response:
    return _render_login(request, {}, "", request.query.get("suivant", "/"))


def _render_login(request, errors, username, next_path, status=200):
    config = request.app[appkeys.CONFIG]
    return request.app[appkeys.TEMPLATES].render(
        request, "login.html",
        {"errors": errors, "username": username, "next": _safe_next(next_path),
         "registration_open": config.node.registration == "open"},
        status=status,
    )


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))[:MAX_PASSWORD + 1]
    next_path = str(form.get("next", "/"))
    _ = _t(request)
    now = time.monotonic()
    address = request.remote or "unknown"
    key = f"{address}|{username}"
    wait = max(request.app[LOGIN_LIMITER].retry_after(key, now),
               request.app[IP_LIMITER].retry_after(address, now))
    if wait:
        minutes = int(wait // 60) + 1
        response = _render_login(
            request, {"_form": _("Too many failed attempts: try again in %(n)d minutes.") % {"n": minutes}},
            username, next_path, status=429)
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    reader = request.app[appkeys.DATABASE].read()
    member = await reader.members.find_by_username(username) if username else None
    stored = await reader.members.find_password_hash(username) if member else None
    # Verify against a dummy hash when there is no account, so timing tells nothing either.
    valid = await password_hashing(request).check(stored or DUMMY_HASH, password) \
        and stored is not None
    if member is None or not valid:
        request.app[LOGIN_LIMITER].hit(key, now)
        request.app[IP_LIMITER].hit(address, now)
        # One message for unknown user and wrong password: no account enumeration.
        return _render_login(request, {"_form": _("Wrong username or password.")}, username,
                             next_path, status=401)
    request.app[LOGIN_LIMITER].reset(key)
    response = web.HTTPSeeOther(_safe_next(next_path))
    await start_session(request, response, member)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther("/")
    await end_session(request, response)
    raise response


async def register_form(request: web.Request) -> web.Response:
    return _render_register(request, {}, {})


def _render_register(request, form, errors, status=200):
    config = request.app[appkeys.CONFIG]
    return request.app[appkeys.TEMPLATES].render(
        request, "register.html",
        {"form": form, "errors": errors, "invitation_needed": config.node.registration != "open"},
        status=status,
    )


async def register(request: web.Request) -> web.StreamResponse:
    raw = await request.post()
    form = {k: str(raw.get(k, "")) for k in ("username", "display_name", "password", "invitation_code")}
    form["username"] = form["username"].strip()
    shown = {k: v for k, v in form.items() if k != "password"}
    error = _password_error(request, form["password"])
    if error:
        return _render_register(request, shown, {"password": error}, status=422)
    config = request.app[appkeys.CONFIG]
    clock = request.app[appkeys.CLOCK]
    registration = NewRegistration(form["username"], form["display_name"].strip() or form["username"],
                                   "", form["invitation_code"].strip() or None)
    try:
        # Every cheap refusal first: a hash is spent only on a registration that can succeed.
        await services.check_registration(request.app[appkeys.DATABASE].read(), clock,
                                          config.node.registration, registration)
        registration = replace(registration,
                               password_hash=await password_hashing(request).hash(form["password"]))
        async with request.app[appkeys.DATABASE].transaction() as tx:
            member = await services.register_member(tx, clock, config.node.registration, registration)
    except (Invalid, Conflict, Forbidden, NotFound) as exc:
        field, message = field_message(request, exc)
        return _render_register(request, shown, {field: message}, status=422)
    response = web.HTTPSeeOther("/")
    await start_session(request, response, member)
    raise response


async def reset_form(request: web.Request) -> web.Response:
    return request.app[appkeys.TEMPLATES].render(
        request, "reset.html", {"token": request.match_info["token"], "errors": {}})


async def reset(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    password = str((await request.post()).get("password", ""))
    error = _password_error(request, password)
    errors = {"password": error} if error else {}
    if not errors:
        password_hash = await password_hashing(request).hash(password)
        try:
            async with request.app[appkeys.DATABASE].transaction() as tx:
                member = await services.reset_password(tx, request.app[appkeys.CLOCK], token,
                                                       password_hash)
        except (Invalid, NotFound, Forbidden, Conflict):
            _ = _t(request)
            errors = {"_form": _("This reset link is not valid any more: ask for a new one.")}
    if errors:
        return request.app[appkeys.TEMPLATES].render(
            request, "reset.html", {"token": token, "errors": errors}, status=422)
    response = web.HTTPSeeOther("/")
    await start_session(request, response, member)
    raise response
