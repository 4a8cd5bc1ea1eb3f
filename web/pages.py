"""HTML pages: parse the request, read through the repositories, render a template."""
from __future__ import annotations

from aiohttp import web

from node.model import DebateStatus

from . import appkeys

LATEST_PROPOSALS = 5


async def home(request: web.Request) -> web.Response:
    repos = request.app[appkeys.DATABASE].read()
    after = request.query.get("apres")

    async def read() -> tuple:
        open_page = await repos.debates.list_page(
            statuses=(DebateStatus.OPEN,), after=after, limit=20
        )
        other_page = await repos.debates.list_page(
            statuses=(DebateStatus.CLOSED, DebateStatus.CONCLUDED), limit=10
        )
        # The latest proposals of every debate (the debate pages, web/pages_debate.py, page
        # them), and their debates in one query.
        latest = await repos.proposals.list_page(None, limit=LATEST_PROPOSALS)
        debates = await repos.debates.get_many(s.proposal.debate_id for s in latest.items)
        return (open_page, other_page, latest, tuple(debates.items()),
                await repos.members.count())

    # Everything here is table data: kept until the next commit (storage/cache.py).
    open_page, other_page, latest, debates, member_count = await repos.cache.get(
        ("home", after), read)
    return request.app[appkeys.TEMPLATES].render(
        request, "home.html",
        {"open_debates": open_page.items, "next_cursor": open_page.next_cursor,
         "past_debates": other_page.items, "member_count": member_count,
         "latest_proposals": latest.items, "proposal_debates": dict(debates)},
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
