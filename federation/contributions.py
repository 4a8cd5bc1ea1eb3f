"""What members contribute inside a debate, on the wire (FEP-1b12).

- Group-aware followers (other THC nodes, Lemmy/Mbin-like software, known by their host's
  NodeInfo) get every contribution as `Announce(Create(…))` by the debate's Group: a remote
  reply received at the Group is announced unchanged (the verified JSON); a local member's
  argument is our own `Create(Note)` by the member's Person. Mastodon-like followers (and
  followers whose software is not known yet) never get these: Mastodon shows each Announce as
  a boost, and a thread's every comment would flood its users (INTEROP.md "Groups").
- An amendment put to a vote is a poll like its proposal: `Create(Question)` by the Group in
  the proposal's thread, to every follower; Mastodon votes on it count like proposal votes
  (participation.py), and `Update(Question)` carries its totals, debounced, without `updated`.
- Every id we emit dereferences: /arguments/{id} (the Note) and /arguments/{id}/create (its
  Create), /amendements/{id} (the Question, current totals), /notes/{uuid} (the Group's
  replies). Browsers asking for them are sent to the proposal page.
"""
from __future__ import annotations

import json

from aiohttp import web

from node.errors import NotFound
from node.model import (
    Amendment,
    Argument,
    ParticipantKind,
    Debate,
)
from storage.repos.follows import FollowRepo, Recipient
from storage.repos.outbox import OutboxRepo
from storage.repos.poll_voters import remote_voter_inboxes

from . import outbox, proposals, vocab
from .deps import Deps
from .documents import AS2_HEADERS, require_signature
from .negotiation import prefers_activity_json
from .publication import TALLY_DEBOUNCE, Audience, Context, Publication
from .uris import origin_of

# NodeInfo software names that understand a Group's Announce(Create(…)) (FEP-1b12).
GROUP_AWARE_SOFTWARE = frozenset({
    "thc-node", "lemmy", "mbin", "kbin", "piefed", "nodebb", "friendica", "lotide", "sublinks",
})


def is_group_aware(recipient: Recipient) -> bool:
    """Unknown software counts as Mastodon-like: better one missed comment than a flood."""
    return (recipient.software or "").lower() in GROUP_AWARE_SOFTWARE


# -- arguments: Note by the member's Person, announced by the Group


async def _shown_argument(fed: Deps, argument_id: int) -> tuple[Argument, Debate]:
    """A local member's listed argument in a visible proposal of a public debate."""
    read = fed.db.read()
    argument = await read.arguments.get(argument_id)  # NotFound: 404
    if (argument.author.kind is not ParticipantKind.LOCAL or argument.hidden_at is not None
            or argument.withdrawn_at is not None):
        raise NotFound(f"no argument with id {argument_id}")
    detail = await proposals.current_detail(fed, argument.proposal_id)
    return argument, detail.debate


async def publish_argument(ctx: Context, event) -> list[Publication]:
    """ArgumentPosted by a local member → Announce(Create(Note)) to group-aware followers.
    A remote reply is announced by participation.py as it arrives (the received JSON)."""
    if event.author_member_id is None:
        return []
    group = await ctx.debate(event.debate_id)
    if group is None:
        return []
    try:
        argument, debate = await _shown_argument(ctx.fed, event.argument_id)
    except NotFound:
        return []  # hidden or withdrawn since: nothing goes out
    note = vocab.to_ap_argument(ctx.fed.uris, argument, debate=debate)
    create = vocab.to_ap_argument_create(note)
    announce = vocab.announce_of(ctx.new_id(), group.ap_id, create, published=event.occurred_at)
    return [Publication(group, announce, Audience(followers_of=(group,), where=is_group_aware),
                        create["object"]["id"])]


async def announce_received(fed: Deps, conn, *, debate: Debate, activity: dict,
                            sender: str) -> int:
    """A remote reply accepted at the Group: its Create, unchanged, announced to group-aware
    followers (never back to the sender's own server), inside the handler's transaction."""
    group = fed.local.of_debate(debate)
    recipients = [r for r in await FollowRepo(conn).list_follower_recipients(
        [group.owner], accepted_before=fed.now()) if is_group_aware(r)
        and origin_of(r.ap_id) != origin_of(sender)]
    if not recipients:
        return 0
    announce = vocab.announce_of(fed.uris.new_activity_uri(), group.ap_id, activity,
                           published=fed.now())
    return await outbox.enqueue(fed, conn, activity=announce, actor=group,
                                inboxes=outbox.inboxes_of(recipients), is_public=False,
                                object_ap_id=activity.get("id"))


# -- amendments put to a vote: polls by the Group in the proposal's thread


async def current_amendment(fed: Deps, amendment_id: int) -> tuple[Amendment, dict]:
    """The amendment and its Question as served now; hidden ones and hidden proposals' are
    not found."""
    read = fed.db.read()
    amendment = await read.amendments.get(amendment_id)
    if amendment.hidden_at is not None:
        raise NotFound(f"no amendment with id {amendment_id}")
    detail = await proposals.current_detail(fed, amendment.proposal_id)
    question = vocab.to_ap_amendment_question(
        fed.uris, amendment, proposal=detail.proposal, debate=detail.debate,
        tally=await read.amendments.tally(amendment_id), language=proposals.node_language(fed))
    return amendment, question


async def _amendment_for(ctx: Context, event):
    group = await ctx.debate(event.debate_id)
    if group is None:
        return None, None
    try:
        _, question = await current_amendment(ctx.fed, event.amendment_id)
    except NotFound:
        return None, None
    return group, question


async def publish_amendment_proposed(ctx: Context, event) -> list[Publication]:
    """AmendmentProposed → Create(Question) by the Group, to every follower: an amendment put
    to a vote matters to Mastodon users too."""
    group, question = await _amendment_for(ctx, event)
    if question is None:
        return []
    create = vocab.to_ap_create(ctx.new_id(), question, published=event.occurred_at)
    return [Publication(group, create, Audience(followers_of=(group,)), question["id"])]


async def publish_amendment_tally(ctx: Context, event) -> list[Publication]:
    """A vote on an amendment, or its decision (the poll closes): Update(Question) without
    `updated`, to followers and remote voters, debounced like proposal tallies."""
    if not ctx.first_in_pass(("amendment tally", event.amendment_id)):
        return []
    group, question = await _amendment_for(ctx, event)
    if question is None:
        return []
    update = vocab.to_ap_update_question(ctx.new_id(), question)
    voters = await remote_voter_inboxes(ctx.read.conn, "amendment", event.amendment_id)
    return [Publication(group, update, Audience(followers_of=(group,), inboxes=voters),
                        question["id"], is_public=False, debounce=TALLY_DEBOUNCE)]


# -- GET: every id we emit dereferences


def _as2(document: dict) -> web.Response:
    return web.Response(body=vocab.dumps(document),
                        headers={**AS2_HEADERS, "Cache-Control": "no-cache"})


async def _negotiated(fed: Deps, request: web.Request, page: str) -> None:
    """Federation clients get AS2 (signed under authorized fetch); a browser goes to the page
    that shows the object."""
    if not prefers_activity_json(request.headers.get("Accept", "")):
        raise web.HTTPSeeOther(page, headers={"Vary": "Accept"})
    if fed.settings.authorized_fetch:
        await require_signature(fed, request)


async def argument_document(fed: Deps, request: web.Request, what: str) -> web.Response:
    """/arguments/{id} (the Note) or /arguments/{id}/create (its Create), as AS2."""
    argument, debate = await _shown_argument(fed, int(request.match_info["id"]))
    note = vocab.to_ap_argument(fed.uris, argument, debate=debate)
    await _negotiated(fed, request, note["url"])
    document = note if what == "note" else vocab.to_ap_argument_create(note)
    response = _as2(document)
    response.headers["Vary"] = "Accept"
    return response


async def amendment_document(fed: Deps, request: web.Request) -> web.Response:
    """/amendements/{id}: the amendment's poll with current totals (Mastodon refetches)."""
    _, question = await current_amendment(fed, int(request.match_info["id"]))
    await _negotiated(fed, request, question["url"])
    response = _as2(question)
    response.headers["Vary"] = "Accept"
    return response


async def note_document(fed: Deps, request: web.Request) -> web.Response:
    """/notes/{uuid}: a Group reply (answer, status change), read from its stored Create."""
    uuid = request.match_info["uuid"]
    found = await OutboxRepo(fed.db.read().conn).find_activity(fed.uris.activity_uri(uuid))
    note = None
    if found is not None and found.type == "Create":
        obj = json.loads(found.body).get("object")
        if (isinstance(obj, dict) and obj.get("id") == fed.uris.note_uri(found.ap_id)
                and obj.get("type") == "Note"):
            note = obj
    if note is None:
        raise NotFound("no such note")
    # About a proposal since hidden (or gone): not served any more.
    proposal_id = fed.uris.proposal_id_of(note.get("inReplyTo"))
    if proposal_id is None:
        raise NotFound("no such note")
    await proposals.current_detail(fed, proposal_id)
    await _negotiated(fed, request, note["url"])
    response = _as2({"@context": vocab.AS_CONTEXT, **note})
    response.headers["Vary"] = "Accept"
    return response
