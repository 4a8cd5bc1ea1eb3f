"""The admin area under /admin: members and roles, resident verification, invitations, debates
(creation, settings, status, people in charge). Administrators only, but trusted third parties
reach the verification page. Rules stay in node: a handler parses the form, calls one use case,
then redirects (303) or shows the form again with its input and translated errors (422)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from aiohttp import web

from node import rules, services
from node.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from node.model import (
    DebateRole,
    DebateSettings,
    DebateStatus,
    Member,
    NewDebate,
    Page,
    ParticipantClass,
    Role,
)

from . import appkeys
from .i18n import choose_language
from .identity import require_member

# Debate dates are typed as wall-clock time of the territory ([node] timezone, which the form
# names) and stored in UTC.
PAGE_SIZE = 50
PREFIX_RE = re.compile(r"[a-z0-9_]{1,30}")
LOCAL_TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?")
NUMBER_RE = re.compile(r"[0-9]{1,9}")
# Domain field names that a form calls otherwise.
FORM_FIELDS = {"valid_for": "valid_days"}
HANDLED = (Invalid, Conflict, NotFound)  # Forbidden is never a form error: it answers 403


# --- Access, language and rendering ----------------------------------------------------------


def require_admin(request: web.Request) -> Member:
    member = require_member(request)
    if member.role is not Role.ADMIN:
        raise Forbidden("the admin area is for administrators")
    return member


def _verifier(request: web.Request) -> Member:
    member = require_member(request)
    if not rules.may_verify_residents(member):
        raise Forbidden("resident verification is for administrators and trusted third parties")
    return member


def gettext_for(request: web.Request):
    lang = choose_language(request, request.app[appkeys.CONFIG].node.default_language)
    return request.app[appkeys.TRANSLATIONS].get(lang).gettext


def render_admin(request: web.Request, name: str, context: dict,
                 status: int = 200) -> web.Response:
    return request.app[appkeys.TEMPLATES].render(
        request, name,
        {"done": request.query.get("fait", ""), **context},
        status=status,
    )


async def read_form(request: web.Request, *names: str) -> dict[str, str]:
    raw = await request.post()
    return {name: str(raw.get(name, "")) for name in names}


def _invalid_messages(_) -> dict[str, str]:
    return {
        "username": _("No member has this username."),
        "mandate": _("Mandate: at most 200 characters."),
        "role": _("Choose one of the roles."),
        "note": _("Note: at most 200 characters."),
        "valid_days": _("Validity: a whole number of days, from 1 to 90."),
        "slug": _("Address: 1 to 60 characters, lowercase letters, digits or inner hyphens, "
                  "and not a reserved word."),
        "title": _("Title: 3 to 200 characters."),
        "description": _("Description: at most 20,000 characters."),
        "opens_at": _("Opening: a date and time that exists in the territory's time zone, "
                      "or nothing."),
        "closes_at": _("Closing: a date and time that exists in the territory's time zone, "
                       "after the opening, or nothing."),
        "support_threshold": _("Support threshold: a whole number from 1 to 1,000,000, or "
                               "nothing for no threshold."),
        "answer_delay_days": _("Answer delay: a whole number of days, from 1 to 365."),
        "has_public_votes": _("Choose whether individual votes are public."),
        "threshold_classes": _("Choose at least one class of participants."),
        "status": _("The debate cannot take this status from its current one."),
        "q": _("Search: 1 to 30 lowercase letters, digits or _ (the start of a username)."),
    }


def _errors(request: web.Request, exc: DomainError, *, default: str = "_form",
            messages: dict | None = None) -> dict[str, str]:
    """The form field a domain error concerns, with a translated message.

    `messages` overrides by (exception class, field) or by exception class alone.
    """
    _ = gettext_for(request)
    field = exc.field if isinstance(exc, Invalid) and exc.field else default
    field = FORM_FIELDS.get(field, field)
    messages = messages or {}
    message = messages.get((type(exc), field)) or messages.get(type(exc))
    if message is None and isinstance(exc, Invalid):
        message = _invalid_messages(_).get(field, _("This value is not valid."))
    if message is None:
        message = _("This conflicts with the current state: reload the page and try again.")
    return {field: message}


def _number(value: str, low: int, high: int) -> int | None:
    value = value.strip()
    if not NUMBER_RE.fullmatch(value) or not low <= int(value) <= high:
        return None
    return int(value)


def parse_local_time(value: str, zone: ZoneInfo) -> datetime | None:
    """A datetime-local value read in the territory's zone, in UTC; None when empty.

    Raises ValueError for a malformed value or a time that does not exist there (the hour
    skipped when clocks go forward: the round trip through UTC moves it).
    """
    value = value.strip()
    if not value:
        return None
    if not LOCAL_TIME_RE.fullmatch(value):
        raise ValueError(value)
    naive = datetime.fromisoformat(value)
    local = naive.replace(tzinfo=zone)
    if local.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != naive:
        raise ValueError(value)
    return local.astimezone(timezone.utc)


async def _members_page(request: web.Request, prefix: str, after: str | None) -> Page[Member]:
    reader = request.app[appkeys.DATABASE].read()
    if not prefix:
        return await reader.members.list_page(after=after, limit=PAGE_SIZE)
    return await reader.members.list_by_prefix(prefix, after=after, limit=PAGE_SIZE)


async def _members_by_id(request: web.Request, ids) -> dict[int, Member]:
    reader = request.app[appkeys.DATABASE].read()
    return {i: await reader.members.get(i) for i in {i for i in ids if i is not None}}


async def _member_or_404(request: web.Request) -> Member:
    reader = request.app[appkeys.DATABASE].read()
    return await services.get_member(reader, request.match_info["username"])


async def _debate_or_404(request: web.Request):
    reader = request.app[appkeys.DATABASE].read()
    return await services.get_debate(reader, request.match_info["slug"])


# --- Overview --------------------------------------------------------------------------------


async def overview(request: web.Request) -> web.Response:
    viewer = require_member(request)
    if viewer.role is not Role.ADMIN and rules.may_verify_residents(viewer):
        raise web.HTTPSeeOther("/admin/verification")
    require_admin(request)
    reader = request.app[appkeys.DATABASE].read()
    return render_admin(request, "admin_home.html", {
        "section": "home", "member_count": await reader.members.count(),
        "debate_counts": {s.value: n for s, n in (await reader.debates.count_by_status()).items()},
    })


# --- Members and roles -----------------------------------------------------------------------


async def _member_list(request: web.Request, template: str, section: str, *, form=None,
                       errors=None, status: int = 200) -> web.Response:
    """The members table (search by username prefix, keyset pages) of a members page."""
    q = request.query.get("q", "").strip().lower()
    errors = dict(errors or {})
    page: Page[Member] = Page((), None)
    if q and not PREFIX_RE.fullmatch(q):
        errors["q"] = _invalid_messages(gettext_for(request))["q"]
        status = 422
    else:
        page = await _members_page(request, q, request.query.get("apres"))
    viewer = require_member(request)
    # The confirmation names a member who is now verified, never whatever the URL says.
    verified = await request.app[appkeys.DATABASE].read().members.find_by_username(
        request.query.get("verifie", "")[:64])
    verifiers = {}
    if viewer.role is Role.ADMIN:  # who verified is shown to administrators only
        verifiers = await _members_by_id(request, (m.verified_by_id for m in page.items))
    return render_admin(request, template, {
        "section": section, "q": q, "members": page.items, "next_cursor": page.next_cursor,
        "verifiers": verifiers, "form": form or {}, "errors": errors,
        "verified": verified if verified and verified.is_verified_resident else None,
    }, status=status)


async def members(request: web.Request) -> web.Response:
    require_admin(request)
    return await _member_list(request, "admin_members.html", "members")


async def _render_member(request: web.Request, member: Member, form: dict, errors: dict,
                         status: int = 200) -> web.Response:
    verifier = None
    if member.verified_by_id is not None:
        verifier = await request.app[appkeys.DATABASE].read().members.get(member.verified_by_id)
    values = {"role": member.role.value, "mandate": member.mandate, **form}
    return render_admin(request, "admin_member.html", {
        "section": "members", "member": member, "verifier": verifier, "form": values,
        "errors": errors,
    }, status=status)


async def member(request: web.Request) -> web.Response:
    require_admin(request)
    return await _render_member(request, await _member_or_404(request), {}, {})


async def change_role(request: web.Request) -> web.StreamResponse:
    admin = require_admin(request)
    target = await _member_or_404(request)
    form = await read_form(request, "role", "mandate")
    _ = gettext_for(request)
    errors: dict[str, str] = {}
    role = Role(form["role"]) if form["role"] in {r.value for r in Role} else None
    if role is None:
        errors["role"] = _invalid_messages(_)["role"]
    elif target.id == admin.id:
        # Keep at least the acting administrator: demoting oneself would lock the area.
        errors["role"] = _("You cannot change your own role: ask another administrator.")
    if not errors:
        mandate = form["mandate"] if role is Role.REPRESENTATIVE else ""
        try:
            async with request.app[appkeys.DATABASE].transaction() as tx:
                await services.change_role(tx, request.app[appkeys.CLOCK], admin,
                                           target.username, role, mandate)
        except HANDLED as exc:
            errors = _errors(request, exc)
    if errors:
        return await _render_member(request, target, form, errors, status=422)
    raise web.HTTPSeeOther(f"/admin/membres/{target.username}?fait=role")


# --- Resident verification (administrators and trusted third parties) -------------------------


async def verification(request: web.Request) -> web.Response:
    _verifier(request)
    return await _member_list(request, "admin_verification.html", "verification")


async def verify(request: web.Request) -> web.StreamResponse:
    """Mark a member a verified resident (who and when are recorded by node)."""
    verifier = _verifier(request)
    form = await read_form(request, "username", "retour")
    username = form["username"].strip().lower()
    _ = gettext_for(request)
    try:
        if not username:
            raise NotFound("no username")
        async with request.app[appkeys.DATABASE].transaction() as tx:
            await services.verify_resident(tx, request.app[appkeys.CLOCK], verifier, username)
    except HANDLED as exc:
        errors = _errors(request, exc, default="username", messages={
            NotFound: _("No member has this username."),
            Conflict: _("This member is already a verified resident."),
        })
        return await _member_list(request, "admin_verification.html", "verification",
                                  form={"username": form["username"]}, errors=errors, status=422)
    if form["retour"] == "membre" and verifier.role is Role.ADMIN:
        raise web.HTTPSeeOther(f"/admin/membres/{username}?fait=verifie")
    raise web.HTTPSeeOther(f"/admin/verification?verifie={username}")


# --- Invitations -----------------------------------------------------------------------------


async def _render_invitations(request: web.Request, form: dict, errors: dict, *,
                              code: str = "", status: int = 200) -> web.Response:
    reader = request.app[appkeys.DATABASE].read()
    page = await reader.invitations.list_page(after=request.query.get("apres"), limit=PAGE_SIZE)
    people = await _members_by_id(
        request, [i.created_by_id for i in page.items] + [i.used_by_id for i in page.items])
    response = render_admin(request, "admin_invitations.html", {
        "section": "invitations", "invitations": page.items, "next_cursor": page.next_cursor,
        "people": people, "now": request.app[appkeys.CLOCK].now(), "code": code,
        "form": {"valid_days": "14", "note": "", **form}, "errors": errors,
        "registration": request.app[appkeys.CONFIG].node.registration,
    }, status=status)
    response.headers["Cache-Control"] = "no-store"  # the code is shown once: keep no copy
    return response


async def invitations(request: web.Request) -> web.Response:
    require_admin(request)
    return await _render_invitations(request, {}, {})


async def create_invitation(request: web.Request) -> web.Response:
    """Create a single-use code and show it once (a page, not a redirect: it is never stored)."""
    admin = require_admin(request)
    form = await read_form(request, "valid_days", "note")
    days = _number(form["valid_days"], 1, 90)
    try:
        if days is None:
            raise Invalid("validity in days", field="valid_days")
        async with request.app[appkeys.DATABASE].transaction() as tx:
            _, code = await services.create_invitation(
                tx, request.app[appkeys.CLOCK], admin, valid_for=timedelta(days=days),
                note=form["note"])
    except HANDLED as exc:
        return await _render_invitations(request, form, _errors(request, exc), status=422)
    return await _render_invitations(request, {}, {}, code=code, status=201)


# --- Debates ---------------------------------------------------------------------------------


async def debates(request: web.Request) -> web.Response:
    require_admin(request)
    reader = request.app[appkeys.DATABASE].read()
    page = await reader.debates.list_page(after=request.query.get("apres"), limit=PAGE_SIZE)
    return render_admin(request, "admin_debates.html", {
        "section": "debates", "debates": page.items, "next_cursor": page.next_cursor,
    })


def _render_new_debate(request, form: dict, errors: dict, status: int = 200) -> web.Response:
    values = {k: "" for k in ("slug", "title", "description", "opens_at", "closes_at")}
    return render_admin(request, "admin_debate_new.html",
                   {"section": "debates", "form": {**values, **form}, "errors": errors},
                   status=status)


async def new_debate_form(request: web.Request) -> web.Response:
    require_admin(request)
    return _render_new_debate(request, {}, {})


async def create_debate(request: web.Request) -> web.StreamResponse:
    admin = require_admin(request)
    form = await read_form(request, "slug", "title", "description", "opens_at", "closes_at")
    _ = gettext_for(request)
    try:
        dates = {}
        for name in ("opens_at", "closes_at"):
            try:
                dates[name] = parse_local_time(form[name], request.app[appkeys.CONFIG].node.zone)
            except ValueError:
                raise Invalid("not a local time", field=name) from None
        new = NewDebate(form["slug"].strip(), form["title"], form["description"], **dates)
        async with request.app[appkeys.DATABASE].transaction() as tx:
            debate = await services.create_debate(tx, request.app[appkeys.CLOCK], admin, new)
    except HANDLED as exc:
        errors = _errors(request, exc, default="slug", messages={
            Conflict: _("This address is already taken by a member or a debate.")})
        return _render_new_debate(request, form, errors, status=422)
    raise web.HTTPSeeOther(f"/admin/debats/{debate.slug}?fait=cree")


def _settings_form(settings: DebateSettings) -> dict:
    return {
        "support_threshold": "" if settings.support_threshold is None
        else str(settings.support_threshold),
        "answer_delay_days": str(settings.answer_delay_days),
        "has_public_votes": "yes" if settings.has_public_votes else "no",
        "threshold_classes": sorted(c.value for c in settings.threshold_classes),
    }


async def _render_debate(request: web.Request, debate, *, form=None, errors=None,
                         status: int = 200) -> web.Response:
    reader = request.app[appkeys.DATABASE].read()
    settings = await reader.debate_settings.get(debate.id)
    transitions = [s.value for s in DebateStatus
                   if s in rules.DEBATE_TRANSITIONS[debate.status]]
    return render_admin(request, "admin_debate.html", {
        "section": "debates", "debate": debate, "transitions": transitions,
        "in_charge": await reader.debate_roles.list_for_debate(debate.id),
        "form": {**_settings_form(settings), "username": "", "role": "", **(form or {})},
        "errors": errors or {}, "classes": [c.value for c in ParticipantClass],
        "debate_roles": [r.value for r in DebateRole],
    }, status=status)


async def debate(request: web.Request) -> web.Response:
    require_admin(request)
    return await _render_debate(request, await _debate_or_404(request))


async def change_status(request: web.Request) -> web.StreamResponse:
    admin = require_admin(request)
    found = await _debate_or_404(request)
    form = await read_form(request, "status")
    _ = gettext_for(request)
    try:
        target = rules.parse_choice(DebateStatus, form["status"], field="status")
        async with request.app[appkeys.DATABASE].transaction() as tx:
            await services.change_debate_status(tx, request.app[appkeys.CLOCK], admin,
                                                found.slug, target)
    except HANDLED as exc:
        errors = _errors(request, exc, messages={
            (Invalid, "closes_at"): _("The closing date has passed: the debate cannot be "
                                      "opened.")})
        return await _render_debate(request, found, errors={"_form": next(iter(errors.values()))},
                                    status=422)
    raise web.HTTPSeeOther(f"/admin/debats/{found.slug}?fait=statut")


def _parse_settings(request: web.Request, raw) -> tuple[dict, DebateSettings | None, dict]:
    """The settings form's values, the settings they make (None when invalid), the errors."""
    messages = _invalid_messages(gettext_for(request))
    form = {k: str(raw.get(k, "")) for k in
            ("support_threshold", "answer_delay_days", "has_public_votes")}
    form["threshold_classes"] = [str(v) for v in raw.getall("threshold_classes", [])]
    errors = {}
    threshold = None
    if form["support_threshold"].strip():
        threshold = _number(form["support_threshold"], 1, rules.MAX_SUPPORT_THRESHOLD)
        if threshold is None:
            errors["support_threshold"] = messages["support_threshold"]
    delay = _number(form["answer_delay_days"], rules.MIN_ANSWER_DELAY_DAYS,
                    rules.MAX_ANSWER_DELAY_DAYS)
    if delay is None:
        errors["answer_delay_days"] = messages["answer_delay_days"]
    if form["has_public_votes"] not in ("yes", "no"):
        errors["has_public_votes"] = messages["has_public_votes"]
    known = {c.value for c in ParticipantClass}
    if not form["threshold_classes"] or any(c not in known for c in form["threshold_classes"]):
        errors["threshold_classes"] = messages["threshold_classes"]
    if errors:
        return form, None, errors
    classes = frozenset(ParticipantClass(c) for c in form["threshold_classes"])
    return form, DebateSettings(threshold, delay, form["has_public_votes"] == "yes", classes), {}


async def update_settings(request: web.Request) -> web.StreamResponse:
    admin = require_admin(request)
    found = await _debate_or_404(request)
    form, settings, errors = _parse_settings(request, await request.post())
    if settings is not None:
        try:
            async with request.app[appkeys.DATABASE].transaction() as tx:
                await services.update_debate_settings(tx, request.app[appkeys.CLOCK], admin,
                                                      found.slug, settings)
        except HANDLED as exc:
            errors = _errors(request, exc)
    if errors:
        return await _render_debate(request, found, form=form, errors=errors, status=422)
    raise web.HTTPSeeOther(f"/admin/debats/{found.slug}?fait=parametres")


async def _debate_role_change(request: web.Request, assign: bool) -> web.StreamResponse:
    admin = require_admin(request)
    found = await _debate_or_404(request)
    form = await read_form(request, "username", "role")
    _ = gettext_for(request)
    username = form["username"].strip().lower()
    try:
        role = rules.parse_choice(DebateRole, form["role"], field="role")
        change = services.assign_debate_role if assign else services.remove_debate_role
        async with request.app[appkeys.DATABASE].transaction() as tx:
            await change(tx, request.app[appkeys.CLOCK], admin, found.slug, username, role)
    except HANDLED as exc:
        errors = _errors(request, exc, default="username", messages={
            (Invalid, "username"): _("This member is not a representative: give them the "
                                     "representative role first."),
            (NotFound, "username"): _("No member with this username holds this role here.")
            if not assign else _("No member has this username."),
            Conflict: _("This member already holds this role in this debate."),
        })
        if not assign:  # removal buttons have no field of their own
            errors = {"_form": next(iter(errors.values()))}
        return await _render_debate(request, found, form=form if assign else {}, errors=errors,
                                    status=422)
    raise web.HTTPSeeOther(f"/admin/debats/{found.slug}?fait={'ajout' if assign else 'retrait'}")


async def assign_role(request: web.Request) -> web.StreamResponse:
    return await _debate_role_change(request, assign=True)


async def remove_role(request: web.Request) -> web.StreamResponse:
    return await _debate_role_change(request, assign=False)
