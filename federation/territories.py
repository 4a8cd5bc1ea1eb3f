"""Territories follow territories (issue 5): following another node's Application actor, the
collection of our public proposals that followers backfill from, and the ingestion of what a
followed territory sends (its proposals as `Question`s in our vocabulary) into the network view.

Only THC peers: a `Question` is ingested when its sender's origin is a territory our
Application actor follows (accepted) and it carries our vocabulary; anything else goes on to
the generic handlers and to participation (Mastodon-style votes stay apart). Every field is
checked and bounded again by node.network before anything is written.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from node import network_validation, services
from node.errors import DomainError, Invalid
from node.model import ChoiceCounts, Tally
from node.network import (
    MAX_COUNT,
    MAX_NAME,
    NetworkQuery,
    RemoteDebateInfo,
    RemoteProposalInfo,
    TerritoryInfo,
)
from storage.repos.follows import Following, Recipient
from storage.repos.network import NetworkRepo
from storage.repos.territories import Backfill, FollowedTerritory, TerritoryRepo

from . import follows, proposals, retry, vocab, webfinger
from .documents import AS2_HEADERS, require_signature
from .fetch import FetchError
from .keys import NODE_OWNER
from .uris import NODE_ACTOR_PATH, origin_of

if TYPE_CHECKING:
    from .context import Federation
    from .handlers import Work

log = logging.getLogger(__name__)

# Our public proposals as a paged collection of current Questions, beside the Application actor
# (a THC convention: a follower reads it once to backfill; the outbox holds activities).
PROPOSALS = "proposals"
# FEP-2677: NodeInfo names the node's Application actor (nodeinfo.APPLICATION_REL; not imported
# from there, which would import the federation context into the handlers' import cycle).
APPLICATION_REL = "https://www.w3.org/ns/activitystreams#Application"
PROPOSALS_PATH = f"{NODE_ACTOR_PATH}/{PROPOSALS}"
PAGE_SIZE = 20  # Questions are 2-5 KiB each: a page stays far below Mastodon's 1 MiB
# Backfill bounds (INTEROP security rule 6: collection walks are bounded): at most this many
# pages and items per territory, one page per worker pass, a lease far above one page's work.
MAX_BACKFILL_PAGES = 50
MAX_BACKFILL_ITEMS = 1000
BACKFILL_LEASE = timedelta(minutes=5)
BACKFILLS_PER_PASS = 2
# A territory's name and NodeInfo figures, and a debate's Group, are fetched again at most
# this often while its proposals keep arriving (the NodeInfo document says 30 min max-age).
REFRESH_AFTER = timedelta(hours=1)


# -- following a territory (admin area and `thc-node follow`)


async def resolve_territory(fed: Federation, target: str) -> str:
    """The Application actor a URL or `@name@host` names, checked to be a territory.

    A bare origin (https://host/) is read as the node behind it (FEP-2677 NodeInfo link).
    Raises Invalid with a reason a person can act on.
    """
    target = target.strip()
    if not target or len(target) > 500:
        raise Invalid("give a territory's address: https://… or @name@host", field="target")
    try:
        if target.lower().startswith(("http://", "https://")):
            if vocab.id_of(target) is None or origin_of(target) is None:
                raise Invalid("this address is not a valid URL", field="target")
            ap_id = target
            if urlsplit(target).path in ("", "/"):
                ap_id = await _application_of_origin(fed, target)
        else:
            ap_id = await webfinger.resolve(fed, target)
        if fed.uris.is_local(ap_id):
            raise Invalid("this is this node's own address", field="target")
        actor = await fed.remote.get(ap_id)
    except webfinger.WebFingerError as exc:
        raise Invalid(f"cannot find this territory: {exc}", field="target") from None
    except FetchError as exc:
        raise Invalid(f"cannot reach this territory: {exc.reason}", field="target") from None
    if actor.type != "Application":
        raise Invalid(f"this is a {actor.type} actor, not a territory (an Application actor)",
                      field="target")
    return actor.ap_id


async def _application_of_origin(fed: Federation, url: str) -> str:
    scheme, _, _ = origin_of(url)
    base = f"{scheme}://{urlsplit(url).netloc}"
    _, links = await fed.fetcher.get_json(f"{base}/.well-known/nodeinfo")
    for link in links.get("links", []) if isinstance(links, dict) else []:
        if isinstance(link, dict) and link.get("rel") == APPLICATION_REL:
            href = vocab.id_of(link.get("href"))
            if href is not None and origin_of(href) == origin_of(base):
                return href
    raise Invalid("this address names no territory (no Application actor in its NodeInfo)",
                  field="target")


async def follow_territory(fed: Federation, target: str) -> Following:
    """Our Application actor follows another territory's: a signed Follow, pending until its
    Accept (the other side may approve node follows by hand)."""
    return await follows.follow(fed, fed.local.node(), await resolve_territory(fed, target))


async def unfollow_territory(fed: Federation, target: str) -> bool:
    """Undo our Follow; what was received stays in the network view (it is public)."""
    return await follows.unfollow(fed, fed.local.node(), await resolve_territory(fed, target))


async def followed_territories(fed: Federation) -> list[FollowedTerritory]:
    return await list_followed(fed.db)


async def list_followed(database) -> list[FollowedTerritory]:
    """The territories followed or asked, with their backfill (also for the CLI, offline)."""
    return await TerritoryRepo(database.read().conn).list_followed(NODE_OWNER)


# -- our side: what followed territories receive


def is_territory(recipient: Recipient) -> bool:
    """Fan-out filter: the Application actors among our node's followers (other territories)."""
    return recipient.type == "Application"


def _instant(at: datetime) -> str:
    # Microseconds, unlike `published`: two changes within a second must still be ordered,
    # since a territory keeps an update only when its `updated` is newer.
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def territory_question(detail, question: dict, shown_again_at: datetime | None = None) -> dict:
    """The Question with `updated`: the last change of its content, status or answer, or
    the moment moderation showed it again (a territory restores it only when `updated` is
    newer than the deletion it received)."""
    changed = detail.proposal.updated_at
    if detail.answer is not None:
        changed = max(changed, detail.answer.answered_at)
    if shown_again_at is not None:
        changed = max(changed, shown_again_at)
    return {**question, "updated": _instant(changed)}


def to_ap_update_question(activity_id: str, detail, question: dict) -> dict:
    """Update(Question) by the Group, with a newer `updated` (an edit, a status, an answer)."""
    document = territory_question(detail, question)
    return {"@context": document["@context"], "id": activity_id, "type": "Update",
            "actor": document["attributedTo"], "object": vocab.without_context(document),
            "to": document["to"], "cc": document["cc"], "published": document["updated"]}


async def proposals_collection(fed: Federation, request: web.Request) -> web.Response:
    """GET /actor/proposals: our public proposals as current Questions, newest first, paged."""
    if fed.settings.authorized_fetch:
        await require_signature(fed, request)
    collection_id = fed.uris.base + PROPOSALS_PATH
    reader = fed.db.read()
    if "page" not in request.query:
        _, _, total = await reader.network.local_figures()
        document = vocab.to_ap_ordered_collection(collection_id, total,
                                                  f"{collection_id}?page=true")
        return web.Response(body=vocab.dumps(document), headers=AS2_HEADERS)
    after = request.query.get("after")
    if after is not None and len(after) > 100:
        raise Invalid("the page cursor is not valid", field="after")
    page = await services.search_network(reader, NetworkQuery(local_only=True), after=after,
                                        limit=PAGE_SIZE)
    items = []
    for item in page.items:
        detail, question = await proposals.current_question(fed, item.proposal_id)
        items.append(vocab.without_context(territory_question(detail, question)))
    query = {"page": "true", **({"after": after} if after else {})}
    next_id = (f"{collection_id}?{urlencode({'page': 'true', 'after': page.next_cursor})}"
               if page.next_cursor else None)
    document = vocab.to_ap_collection_page(f"{collection_id}?{urlencode(query)}", collection_id,
                                           items, next_id)
    # The items use our vocabulary: the page carries the Question's context.
    document["@context"] = proposals.question_context(fed.uris.context_uri())
    return web.Response(body=vocab.dumps(document), headers=AS2_HEADERS)


# -- their side: ingesting a followed territory's proposals


async def territory_of(fed: Federation, actor: str) -> str | None:
    """The followed territory (accepted) whose origin `actor` speaks for, or None."""
    origin = origin_of(actor)
    if origin is None:
        return None
    for territory in await TerritoryRepo(fed.db.read().conn).accepted_territories(NODE_OWNER):
        if origin_of(territory) == origin:
            return territory
    return None


def is_thc_question(raw: Any) -> bool:
    """A Question in our vocabulary (not any poll): a THC peer's proposal. An amendment put to
    a vote is a Question too, in the proposal's thread: it is not a proposal."""
    return (isinstance(raw, dict) and "Question" in vocab.types_of(raw)
            and isinstance(raw.get("tally"), dict) and isinstance(raw.get("status"), str)
            and vocab.id_of(raw.get("debate")) is not None
            and raw.get("inReplyTo") is None and raw.get("amendmentOf") is None)


def _moment(value: Any, what: str) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise Invalid(f"{what} must be a date and time", field=what)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"{what} must be a date and time", field=what) from None
    if moment.tzinfo is None:
        raise Invalid(f"{what} must have a time zone", field=what)
    return moment


def _counts(raw: Any) -> ChoiceCounts:
    # Types are checked by node.network (whole numbers within bounds); absent counts are 0.
    raw = raw if isinstance(raw, dict) else {}
    return ChoiceCounts(raw.get("for", 0), raw.get("mixed", 0), raw.get("against", 0))


def _source(raw: Any) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("content"), str):
        return raw["content"]
    return ""


def from_ap_thc_question(raw: dict) -> RemoteProposalInfo:
    """Our vocabulary read back into what node.network ingests (it validates every field)."""
    title = raw.get("title") if isinstance(raw.get("title"), str) else raw.get("name")
    published = _moment(raw.get("published"), "published")
    # Tally updates carry no `updated` (Mastodon would take them for edits): they leave the
    # content's time as it was, and only the tally moves (node.network `tallied_at`).
    updated = _moment(raw["updated"], "updated") if "updated" in raw else published
    tally = raw["tally"]
    answer = raw.get("answer") if isinstance(raw.get("answer"), dict) else None
    body = _source(raw.get("source"))
    return RemoteProposalInfo(
        ap_id=raw["id"], debate_ap_id=vocab.id_of(raw.get("debate")) or "",
        title=title if isinstance(title, str) else "", published_at=published,
        updated_at=updated, body=body, status=raw["status"],
        answer_kind=answer.get("answerKind") if answer else None,
        answered_at=_moment(answer.get("published"), "answered_at") if answer else None,
        answer_text=_source(answer.get("source")) if answer else "",
        tally=Tally(_counts(tally.get("verifiedResidents")), _counts(tally.get("localMembers")),
                    _counts(tally.get("remoteParticipants"))),
        themes=(network_validation.hashtags_in(f"{title}\n{body}") if isinstance(title, str)
                else ()),
        url=vocab.id_of(raw.get("url")),
    )


@dataclass
class _Pending:
    """What one ingestion must write: the territory and debates refreshed, then proposals."""

    territory: TerritoryInfo | None = None
    debates: dict[str, RemoteDebateInfo] | None = None


async def _territory_info(fed: Federation, territory: str) -> TerritoryInfo | None:
    """The territory's name and NodeInfo figures when unknown or stale; None when fresh."""
    known = await NetworkRepo(fed.db.read().conn).find_territory(territory)
    if known is not None and fed.now() - known.last_seen_at < REFRESH_AFTER:
        return None
    actor = await fed.remote.get(territory, refresh=known is not None)
    scheme, _, _ = origin_of(territory)
    base = f"{scheme}://{actor.host}"
    users = posts = None
    try:
        users, posts = await _nodeinfo_figures(fed, base)
    except (FetchError, vocab.MalformedActivity) as exc:
        log.info("no NodeInfo figures from %s: %s", base, exc)
    name = (actor.name or actor.preferred_username or actor.host)[:MAX_NAME]
    return TerritoryInfo(ap_id=territory, base_url=base, name=name, users=users, proposals=posts)


async def _nodeinfo_figures(fed: Federation, base: str) -> tuple[int | None, int | None]:
    _, links = await fed.fetcher.get_json(f"{base}/.well-known/nodeinfo")
    hrefs = sorted(
        (str(link.get("rel")), vocab.id_of(link.get("href")))
        for link in (links.get("links", []) if isinstance(links, dict) else [])
        if isinstance(link, dict)
        and str(link.get("rel", "")).startswith("http://nodeinfo.diaspora.software/ns/schema/2.")
    )
    if not hrefs or hrefs[-1][1] is None or origin_of(hrefs[-1][1]) != origin_of(base):
        return None, None
    _, info = await fed.fetcher.get_json(hrefs[-1][1])
    usage = info.get("usage") if isinstance(info, dict) else None
    usage = usage if isinstance(usage, dict) else {}
    users = usage.get("users", {}).get("total") if isinstance(usage.get("users"), dict) else None

    def count(value: Any) -> int | None:
        ok = type(value) is int and 0 <= value <= MAX_COUNT
        return value if ok else None

    return count(users), count(usage.get("localPosts"))


async def _debate_info(fed: Federation, group: str, *,
                       force: bool = False) -> RemoteDebateInfo | None:
    """The debate's Group as its origin serves it, when unknown or stale (or `force`); None
    when fresh."""
    known = await NetworkRepo(fed.db.read().conn).find_debate(group)
    if not force and known is not None and fed.now() - known.updated_at < REFRESH_AFTER:
        return None
    _, raw = await fed.fetcher.get_ap(group, sign_as=fed.node_identity)
    try:
        document = vocab.from_ap_actor(raw)
    except vocab.MalformedActivity as exc:
        raise Invalid(f"the debate is not an actor: {exc.reason}", field="debate") from None
    if document.type != "Group":
        raise Invalid("the debate is not a Group", field="debate")
    status = raw.get("status") if isinstance(raw.get("status"), str) else "open"
    return RemoteDebateInfo(ap_id=document.id, slug=document.preferred_username or "",
                            title=document.name or document.preferred_username or "",
                            status=status, url=document.url or document.id)


async def _prepare(fed: Federation, territory: str, infos: list[RemoteProposalInfo]) -> _Pending:
    """Network reads before the write transaction: the territory, and each unknown debate."""
    pending = _Pending(await _territory_info(fed, territory), {})
    for info in infos:
        group = info.debate_ap_id
        if group in pending.debates or origin_of(group) != origin_of(territory):
            continue  # another origin's debate is refused by node.network, never fetched
        debate = await _debate_info(fed, group)
        if debate is not None:
            pending.debates[group] = debate
    return pending


async def _write(tx, fed: Federation, territory: str, pending: _Pending) -> None:
    if pending.territory is not None:
        await services.upsert_territory(tx, fed.clock, pending.territory)
    for debate in (pending.debates or {}).values():
        await services.upsert_remote_debate(tx, fed.clock, territory, debate)


async def receive_question(work: Work, activity: vocab.Activity) -> bool:
    """Create/Update(Question) from a followed territory: into the network view. False when
    it is not one (another sender, or a poll without our vocabulary): the caller goes on."""
    fed = work.fed
    territory = await territory_of(fed, activity.actor)
    if (territory is None or activity.object_id is None
            or origin_of(activity.object_id) != origin_of(territory)):
        return False  # not a territory's own proposal: the generic handlers decide
    raw = vocab.parse_json(activity.object_json) if activity.object_json else None
    if not isinstance(raw, dict) or origin_of(str(raw.get("id"))) != origin_of(activity.actor):
        # Only the sender's own origin is taken as sent (signed with the request); anything
        # else is fetched from its origin (INTEROP rules 1 and 3).
        url, raw = await fed.fetcher.get_ap(activity.object_id, sign_as=fed.node_identity)
        if url != activity.object_id:
            raise vocab.MalformedActivity("the object's origin serves it under another id")
    if not is_thc_question(raw):
        return False
    # At this point: the sender speaks for a territory we follow, the Question is its own.
    info = from_ap_thc_question(raw)
    pending = await _prepare(fed, territory, [info])
    async with work.transaction() as tx:
        await _write(tx, fed, territory, pending)
        await services.upsert_remote_proposal(tx, fed.clock, territory, info,
                                             created=activity.type == "Create")
    return True


async def receive_announce(work: Work, activity: vocab.Activity) -> None:
    """A followed territory's Application announces a debate leaving draft: its Group is
    fetched from its origin (nothing embedded is trusted) and recorded in the network view."""
    fed = work.fed
    territory = await territory_of(fed, activity.actor)
    if territory is None or territory != activity.actor:
        raise _ignored("not an announce by a territory we follow")
    if activity.object_id is None or origin_of(activity.object_id) != origin_of(territory):
        raise _ignored("it announces nothing of the territory's own")
    if activity.object_type not in (None, "Group"):
        raise _ignored("only a territory's debates (Group) are taken from its announces")
    if not await refresh_debate(work, territory, activity.object_id):
        raise _ignored("it announces no debate")


async def receive_group_update(work: Work, activity: vocab.Activity) -> bool:
    """Update(Group) by a followed territory's debate (its status changed): refreshed here.
    False when the sender is not a followed territory's actor."""
    territory = await territory_of(work.fed, activity.actor)
    if territory is None or activity.object_type != "Group":
        return False
    return await refresh_debate(work, territory, activity.actor)


async def refresh_debate(work: Work, territory: str, group: str) -> bool:
    """Fetch a territory's Group from its origin and record it; False when it is no Group."""
    fed = work.fed
    try:
        debate = await _debate_info(fed, group, force=True)
    except Invalid:
        return False
    pending = _Pending(await _territory_info(fed, territory), {group: debate})
    async with work.transaction() as tx:
        await _write(tx, fed, territory, pending)
    return True


def _ignored(reason: str) -> Exception:
    from .handlers import Ignored  # handlers imports this module: resolved at call time
    return Ignored(reason)


async def receive_delete(work: Work, activity: vocab.Activity) -> bool:
    """A followed territory deleted (or hid) one of its proposals: tombstoned here. False when
    the Delete is not about a proposal of a followed territory."""
    fed = work.fed
    object_id = activity.object_id
    if object_id is None or origin_of(object_id) != origin_of(activity.actor):
        return False
    territory = await territory_of(fed, activity.actor)
    if territory is None:
        return False
    known = await NetworkRepo(fed.db.read().conn).find_proposal(object_id)
    former = vocab.parse_json(activity.object_json) if activity.object_json else {}
    is_question = (activity.object_type == "Question"
                   or (isinstance(former, dict) and former.get("formerType") == "Question"))
    if known is None and not is_question:
        return False  # a reply or anything else: the generic handlers decide
    # When the territory says when (a Tombstone's `deleted`, its own clock): a Create it sends
    # later compares with that, not with when the Delete reached us.
    deleted_at = None
    if isinstance(former, dict) and "deleted" in former:
        try:
            deleted_at = _moment(former["deleted"], "deleted")
        except Invalid:
            deleted_at = None
    async with work.transaction() as tx:
        try:
            await services.tombstone_remote_proposal(tx, fed.clock, territory, object_id,
                                                    deleted_at=deleted_at)
        except Invalid:
            if deleted_at is None:
                raise
            # A `deleted` out of range (a clock far ahead): when it reached us, then.
            await services.tombstone_remote_proposal(tx, fed.clock, territory, object_id)
    return True


# -- backfill: a worker job, one page per pass


async def run_once(fed: Federation) -> int:
    """Start the backfill of newly accepted territories and read one page of each due one."""
    now = fed.now()
    async with fed.db.transaction() as tx:
        repo = TerritoryRepo(tx.conn)
        started = await repo.start_backfills(NODE_OWNER, now)
        jobs = await repo.claim_due(now, now + BACKFILL_LEASE, BACKFILLS_PER_PASS)
    for job in jobs:
        await _step(fed, job)
    return started + len(jobs)


async def _step(fed: Federation, job: Backfill) -> None:
    try:
        await _read_page(fed, job)
    except FetchError as exc:
        if exc.permanent:
            await _finish(fed, job, "failed", exc.reason)
        else:
            await _reschedule(fed, job, exc.reason)
    except (vocab.MalformedActivity, DomainError) as exc:
        await _finish(fed, job, "failed", str(exc) or type(exc).__name__)
    except Exception as exc:
        # Loop boundary: logged, retried with backoff, then `failed`.
        log.exception("backfill of %s failed", job.territory_ap_id)
        await _reschedule(fed, job, f"internal error: {type(exc).__name__}")


async def _read_page(fed: Federation, job: Backfill) -> None:
    territory = job.territory_ap_id
    url = job.next_url or f"{territory}/{PROPOSALS}"
    if origin_of(url) != origin_of(territory):
        return await _finish(fed, job, "failed", "the next page is on another origin")
    _, raw = await fed.fetcher.get_ap(url, sign_as=fed.node_identity)
    page = vocab.from_ap_collection(raw)
    if page.type in ("OrderedCollection", "Collection") and page.first is not None \
            and not raw.get("orderedItems") and not raw.get("items"):
        # The collection itself: its first page is where the walk starts. Counted as a page,
        # so that collections pointing at each other cannot walk forever.
        async with fed.db.transaction() as tx:
            repo = TerritoryRepo(tx.conn)
            await repo.advance(job.id, next_url=page.first, pages=job.pages + 1,
                               items=job.items)
            if job.pages + 1 >= MAX_BACKFILL_PAGES:
                await repo.finish(job.id, "done", fed.now(), "stopped at the backfill bound")
        return None
    entries = raw.get("orderedItems", raw.get("items", []))
    entries = entries if isinstance(entries, list) else []
    room = MAX_BACKFILL_ITEMS - job.items
    infos = []
    for entry in entries[:max(room, 0)]:
        # Items served by the territory's origin are its word; other origins' are skipped.
        if is_thc_question(entry) and origin_of(str(entry.get("id"))) == origin_of(territory):
            try:
                infos.append(from_ap_thc_question(entry))
            except DomainError as exc:
                log.info("backfill of %s: item skipped: %s", territory, exc)
    pending = await _prepare(fed, territory, infos)
    pages, items = job.pages + 1, job.items + len(infos)
    next_url = page.next
    async with fed.db.transaction() as tx:
        await _write(tx, fed, territory, pending)
        for info in infos:
            try:
                await services.upsert_remote_proposal(tx, fed.clock, territory, info)
            except DomainError as exc:
                # Refused before any write (node.network validates first): skip this one.
                log.info("backfill of %s: %s refused: %s", territory, info.ap_id, exc)
        repo = TerritoryRepo(tx.conn)
        if next_url is None or pages >= MAX_BACKFILL_PAGES or items >= MAX_BACKFILL_ITEMS:
            await repo.advance(job.id, next_url=None, pages=pages, items=items)
            await repo.finish(job.id, "done", fed.now(),
                              None if next_url is None else "stopped at the backfill bound")
        else:
            await repo.advance(job.id, next_url=next_url, pages=pages, items=items)
    return None


async def _finish(fed: Federation, job: Backfill, state: str, error: str | None) -> None:
    async with fed.db.transaction() as tx:
        await TerritoryRepo(tx.conn).finish(job.id, state, fed.now(), error)


async def _reschedule(fed: Federation, job: Backfill, error: str) -> None:
    now = fed.now()
    delay = retry.next_delay(job.attempts + 1, fed.settings, fed.rng,
                             elapsed=now - job.created_at)
    if delay is None:
        return await _finish(fed, job, "failed", f"gave up after {job.attempts + 1} attempts: "
                                                  f"{error}")
    async with fed.db.transaction() as tx:
        await TerritoryRepo(tx.conn).reschedule(job.id, now + delay, error)
    return None
