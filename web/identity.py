"""Who is making the request: a member through a session cookie (pages) or a personal
Bearer token (API), or nobody. Handlers read `request[VIEWER]`."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from aiohttp import web

from node.accounts import Session
from node.model import Member
from node.services import hash_token

from . import appkeys
from .request_keys import VIEWER

SESSION_ID_HASH = web.RequestKey("session_id_hash", object)  # str | None
SESSION_COOKIE = "thc_session"
API_PATH_PREFIX = "/api/"
SESSION_LIFETIME = timedelta(days=30)
# Sliding expiry, refreshed at most once a day to keep reads read-only.
SESSION_REFRESH_AFTER = timedelta(days=1)
# Bearer tokens resolved to their member, per server: at most this many (then forgotten).
HELD_TOKENS = 4096


class Unauthenticated(Exception):
    """The request needs a signed-in member (pages redirect to the login form; API says 401)."""


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def viewer(request: web.Request) -> Member | None:
    return request.get(VIEWER)


def require_member(request: web.Request) -> Member:
    member = request.get(VIEWER)
    if member is None:
        raise Unauthenticated()
    return member


def identity_middleware(*, secure_cookie: bool):
    # token -> (credentials generation, member). Every API request used to resolve its token
    # (a hash and a join); the answer holds while no token or member row has changed, which
    # one single-row read tells (triggers keep the number, whoever writes: migration 0010).
    # Only valid tokens are held, so made-up ones cannot fill it.
    held: dict[str, tuple[int, Member]] = {}

    @web.middleware
    async def middleware(request: web.Request, handler):
        request[VIEWER] = None
        request[SESSION_ID_HASH] = None
        database = request.app[appkeys.DATABASE]
        clock = request.app[appkeys.CLOCK]
        reader = database.read()
        auth = request.headers.get("Authorization", "")
        if auth:
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise web.HTTPUnauthorized(text="Use 'Authorization: Bearer <token>'.",
                                           headers={"WWW-Authenticate": "Bearer"})
            token = token.strip()
            generation = await reader.tokens.credentials_generation()
            known = held.get(token)
            if known is not None and known[0] == generation:
                member = known[1]
            else:  # the generation is read first: a member read after it is at least as new
                member = await reader.tokens.find_member(hash_token(token))
                if member is not None:
                    if len(held) >= HELD_TOKENS:
                        held.clear()
                    held[token] = (generation, member)
            if member is None:
                raise web.HTTPUnauthorized(text="This token is not valid.",
                                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
            request[VIEWER] = member
            return await handler(request)
        # The JSON API is exempt from CSRF form tokens (web/csrf.py), so it must not honour
        # ambient credentials either: under /api/ only a Bearer token identifies anyone.
        cookie = request.cookies.get(SESSION_COOKIE)
        if request.path.startswith(API_PATH_PREFIX):
            cookie = None
        if cookie and len(cookie) <= 64:
            id_hash = _hash(cookie)
            now = clock.now()
            session = await reader.sessions.find(id_hash, now)
            if session is not None:
                request[VIEWER] = await reader.members.get(session.member_id)
                request[SESSION_ID_HASH] = id_hash
                if session.expires_at - now < SESSION_LIFETIME - SESSION_REFRESH_AFTER:
                    async with database.transaction() as tx:
                        await tx.sessions.extend(id_hash, now + SESSION_LIFETIME)
        return await handler(request)

    return middleware


async def start_session(request: web.Request, response: web.StreamResponse, member: Member) -> None:
    """Open a new session for `member` (a fresh id at every login: no session fixation)."""
    database = request.app[appkeys.DATABASE]
    now = request.app[appkeys.CLOCK].now()
    cookie = secrets.token_urlsafe(32)
    async with database.transaction() as tx:
        old = request.get(SESSION_ID_HASH)
        if old:
            await tx.sessions.delete(old)
        await tx.sessions.add(Session(_hash(cookie), member.id, secrets.token_urlsafe(16), now,
                                      now + SESSION_LIFETIME))
    response.set_cookie(SESSION_COOKIE, cookie, max_age=int(SESSION_LIFETIME.total_seconds()),
                        httponly=True, samesite="Lax", path="/",
                        secure=request.app[appkeys.CONFIG].node.base_url.startswith("https://"))


async def end_session(request: web.Request, response: web.StreamResponse) -> None:
    id_hash = request.get(SESSION_ID_HASH)
    if id_hash:
        async with request.app[appkeys.DATABASE].transaction() as tx:
            await tx.sessions.delete(id_hash)
    response.del_cookie(SESSION_COOKIE, path="/")
