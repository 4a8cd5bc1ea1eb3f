"""The member profile page (/membres/{username}) and the change of one's own password.

Shows what anyone may see of a member; hidden and withdrawn contributions never appear. Who
verified a resident is shown to administrators only.
"""
from __future__ import annotations

import time

from aiohttp import web

from node import services
from node.errors import NotFound
from node.model import Member, Page, Role

from . import appkeys
from .account import IP_LIMITER, LOGIN_LIMITER, MAX_PASSWORD, MIN_PASSWORD
from .auth import password_hashing
from .i18n import choose_language
from .identity import SESSION_ID_HASH, require_member
from .identity import viewer as current_viewer

PAGE_SIZE = 10


def _gettext(request: web.Request):
    lang = choose_language(request, request.app[appkeys.CONFIG].node.default_language)
    return request.app[appkeys.TRANSLATIONS].get(lang).gettext


async def _contributions(request: web.Request, member: Member):
    """(proposals page, arguments page, {proposal id: proposal}, {debate id: debate})."""
    reader = request.app[appkeys.DATABASE].read()
    participant = await reader.participants.find_local(member.id)
    if participant is None:  # never contributed
        return Page((), None), Page((), None), {}, {}
    proposals = await reader.proposals.list_by_participant(
        participant.id, after=request.query.get("propositions_apres"), limit=PAGE_SIZE)
    arguments = await reader.arguments.list_by_participant(
        participant.id, after=request.query.get("arguments_apres"), limit=PAGE_SIZE)
    by_id = {p.id: p for p in proposals.items}
    for argument in arguments.items:
        if argument.proposal_id not in by_id:
            by_id[argument.proposal_id] = await reader.proposals.get(argument.proposal_id)
    debates = {d: await reader.debates.get(d) for d in {p.debate_id for p in by_id.values()}}
    return proposals, arguments, by_id, debates


# --- Handlers --------------------------------------------------------------------------------


async def _render(request: web.Request, member: Member, errors: dict, status: int = 200):
    viewer = current_viewer(request)
    reader = request.app[appkeys.DATABASE].read()
    verifier = None
    if viewer is not None and viewer.role is Role.ADMIN and member.verified_by_id is not None:
        verifier = await reader.members.get(member.verified_by_id)
    proposals, arguments, proposal_by_id, debates = await _contributions(request, member)
    return request.app[appkeys.TEMPLATES].render(request, "member.html", {
        "member": member, "verifier": verifier,
        "is_self": viewer is not None and viewer.id == member.id,
        "viewer_is_admin": viewer is not None and viewer.role is Role.ADMIN,
        "proposals": proposals, "arguments": arguments, "proposal_by_id": proposal_by_id,
        "debates": debates, "errors": errors, "done": request.query.get("fait", ""),
    }, status=status)


async def member(request: web.Request) -> web.Response:
    reader = request.app[appkeys.DATABASE].read()
    found = await reader.members.find_by_username(request.match_info["username"])
    if found is None:
        raise NotFound(f"no member named {request.match_info['username']!r}")
    return await _render(request, found, {})


def _password_errors(request: web.Request, form: dict[str, str], current_ok: bool) -> dict:
    _ = _gettext(request)
    errors = {}
    if not current_ok:
        errors["current_password"] = _("This is not your current password.")
    if len(form["new_password"]) < MIN_PASSWORD:
        errors["new_password"] = _("The password needs at least 10 characters.")
    elif len(form["new_password"]) > MAX_PASSWORD:
        errors["new_password"] = _("The password is too long.")
    elif form["confirmation"] != form["new_password"]:
        errors["confirmation"] = _("The two new passwords differ.")
    return errors


async def change_password(request: web.Request) -> web.StreamResponse:
    """Change one's own password: the current one first; other sessions end, this one stays."""
    viewer = require_member(request)
    raw = await request.post()
    form = {k: str(raw.get(k, ""))[:MAX_PASSWORD + 1]
            for k in ("current_password", "new_password", "confirmation")}
    # A wrong current password counts as a failed sign-in (same limits as the login form).
    now, address = time.monotonic(), request.remote or "unknown"
    key = f"{address}|{viewer.username}"
    if request.app[LOGIN_LIMITER].retry_after(key, now) or request.app[IP_LIMITER].retry_after(
            address, now):
        _ = _gettext(request)
        return await _render(request, viewer, {"current_password": _(
            "Too many attempts: please wait a little and try again.")}, status=429)
    reader = request.app[appkeys.DATABASE].read()
    stored = await reader.members.find_password_hash(viewer.username)
    current_ok = stored is not None and await password_hashing(request).check(
        stored, form["current_password"])
    errors = _password_errors(request, form, current_ok)
    if "current_password" in errors:
        request.app[LOGIN_LIMITER].hit(key, now)
        request.app[IP_LIMITER].hit(address, now)
    if errors:  # passwords are never echoed back
        return await _render(request, viewer, errors, status=422)
    async with request.app[appkeys.DATABASE].transaction() as tx:
        await services.change_password(tx, request.app[appkeys.CLOCK], viewer,
                                       await password_hashing(request).hash(form["new_password"]),
                                       keep_session_id_hash=request.get(SESSION_ID_HASH))
    raise web.HTTPSeeOther(f"/membres/{viewer.username}?fait=mot-de-passe#mot-de-passe")
