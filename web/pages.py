"""HTML pages: parse the request, read through the repositories, render a template."""
from __future__ import annotations

from aiohttp import web

from node.model import DebateStatus

from . import appkeys

LATEST_PROPOSALS = 5


async def home(request: web.Request) -> web.Response:
    repos = request.app[appkeys.DATABASE].read()
    open_page = await repos.debates.list_page(
        statuses=(DebateStatus.OPEN,), after=request.query.get("apres"), limit=20
    )
    other_page = await repos.debates.list_page(
        statuses=(DebateStatus.CLOSED, DebateStatus.CONCLUDED), limit=10
    )
    # The latest proposals of every debate (the debate pages, web/pages_debate.py, page them).
    latest = await repos.proposals.list_page(None, limit=LATEST_PROPOSALS)
    debates = {}
    for summary in latest.items:
        debate_id = summary.proposal.debate_id
        if debate_id not in debates:
            debates[debate_id] = await repos.debates.get(debate_id)
    return request.app[appkeys.TEMPLATES].render(
        request, "home.html",
        {"open_debates": open_page.items, "next_cursor": open_page.next_cursor,
         "past_debates": other_page.items, "member_count": await repos.members.count(),
         "latest_proposals": latest.items, "proposal_debates": debates},
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
