"""The admin area's territories page (/admin/territoires): the territories this node follows,
and the other territories' requests to follow this one when the operator approves them by hand
([federation] manual_node_follow_approval). Administrators only; forms carry the CSRF token and
answer 303 on success, or show the page again with the error (422)."""
from __future__ import annotations

from aiohttp import web

from federation import follows, territories
from node.errors import Conflict, Invalid, NotFound

from . import appkeys
from .admin import gettext_for, read_form, render_admin, require_admin


async def _render_territories(request: web.Request, form: dict, errors: dict,
                              status: int = 200) -> web.Response:
    fed = request.app[appkeys.FEDERATION].deps
    followed = await territories.followed_territories(fed)
    pending = await follows.pending_followers(fed, fed.local.node())
    return render_admin(request, "admin_territories.html", {
        "section": "territories", "followed": followed, "pending": pending,
        "form": {"target": "", **form}, "errors": errors,
    }, status=status)


async def territories_list(request: web.Request) -> web.Response:
    require_admin(request)
    return await _render_territories(request, {}, {})


async def territory_follow(request: web.Request) -> web.StreamResponse:
    """Follow another territory's Application actor: resolved and fetched through the safe
    fetcher now, the signed Follow queued (its Accept arrives later)."""
    require_admin(request)
    form = await read_form(request, "target")
    _ = gettext_for(request)
    try:
        await territories.follow_territory(request.app[appkeys.FEDERATION].deps, form["target"])
    except Invalid as exc:
        message = _("This address does not lead to another territory: give the address of "
                    "a THC node (https://…) or its handle (@name@host).")
        return await _render_territories(request, form, {"target": f"{message} ({exc})"},
                                         status=422)
    raise web.HTTPSeeOther("/admin/territoires?fait=suivi")


async def territory_unfollow(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    form = await read_form(request, "target")
    _ = gettext_for(request)
    try:
        if not await territories.unfollow_territory(request.app[appkeys.FEDERATION].deps,
                                                    form["target"]):
            raise Invalid("this node does not follow it", field="target")
    except Invalid:
        return await _render_territories(
            request, {}, {"_form": _("This node does not follow this territory.")}, status=422)
    raise web.HTTPSeeOther("/admin/territoires?fait=retrait")


async def _answer_follower(request: web.Request, approve: bool) -> web.StreamResponse:
    """Accept or refuse another territory's follow request; the answer is queued for it."""
    require_admin(request)
    form = await read_form(request, "follower")
    _ = gettext_for(request)
    fed = request.app[appkeys.FEDERATION].deps
    answer = follows.approve_follower if approve else follows.reject_follower
    try:
        await answer(fed, fed.local.node(), form["follower"])
    except (NotFound, Conflict, Invalid):
        return await _render_territories(
            request, {}, {"_form": _("This follow request is no longer waiting.")}, status=422)
    raise web.HTTPSeeOther(f"/admin/territoires?fait={'accepte' if approve else 'refuse'}")


async def follower_approve(request: web.Request) -> web.StreamResponse:
    return await _answer_follower(request, approve=True)


async def follower_reject(request: web.Request) -> web.StreamResponse:
    return await _answer_follower(request, approve=False)
