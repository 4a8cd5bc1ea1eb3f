"""HTML pages: parse the request, read through the repositories, render a template."""
from __future__ import annotations

import html

from aiohttp import web

from node.errors import NotFound
from node.model import DebateStatus

from . import appkeys


async def home(request: web.Request) -> web.Response:
    repos = request.app[appkeys.DATABASE].read()
    open_page = await repos.debates.list_page(
        statuses=(DebateStatus.OPEN,), after=request.query.get("apres"), limit=20
    )
    other_page = await repos.debates.list_page(
        statuses=(DebateStatus.CLOSED, DebateStatus.CONCLUDED), limit=10
    )
    return request.app[appkeys.TEMPLATES].render(
        request, "home.html",
        {"open_debates": open_page.items, "next_cursor": open_page.next_cursor,
         "past_debates": other_page.items, "member_count": await repos.members.count()},
    )


async def debate(request: web.Request) -> web.Response:
    repos = request.app[appkeys.DATABASE].read()
    found = await repos.debates.find_by_slug(request.match_info["slug"])
    if found is None or found.status is DebateStatus.DRAFT:
        raise NotFound(f"no debate with slug {request.match_info['slug']!r}")
    return request.app[appkeys.TEMPLATES].render(request, "debate.html", {"debate": found})


async def member(request: web.Request) -> web.Response:
    # Minimal until the member page exists: the same URL is the member's Person actor id.
    repos = request.app[appkeys.DATABASE].read()
    found = await repos.members.find_by_username(request.match_info["username"])
    if found is None:
        raise NotFound(f"no member named {request.match_info['username']!r}")
    name = html.escape(found.display_name)
    return web.Response(
        text=f"<!doctype html><html lang=\"{request.app[appkeys.CONFIG].node.default_language}\">"
             f"<head><meta charset=\"utf-8\"><title>{name}</title></head>"
             f"<body><h1>{name}</h1><p>@{html.escape(found.username)}</p></body></html>",
        content_type="text/html",
    )


async def healthz(request: web.Request) -> web.Response:
    database = request.app[appkeys.DATABASE]
    try:
        ok = await database.ping()
    except Exception:
        ok = False
    return web.json_response(
        {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "unavailable"},
        status=200 if ok else 503,
        headers={"Cache-Control": "no-store"},
    )
