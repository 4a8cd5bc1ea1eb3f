"""The protocol endpoints as an aiohttp route table, mounted by web/routes.py.

Handlers receive the node's federation `Deps` (of the `FederationService` under the AppKey
web passes in) and stay thin; refusals become short text/plain answers here (Fedify does
the same)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import contributions, documents, inbox, nodeinfo, proposals, uris, webfinger
from .deps import Deps
from .service import FederationService
from .response_cache import holdable
from .negotiation import Handler, negotiate, protocol

FederationHandler = Callable[..., Awaitable[web.StreamResponse]]


class FederationRoutes:
    def __init__(self, key: web.AppKey[FederationService]):
        self.key = key

    def bind(self, handler: FederationHandler, *args: Any) -> Handler:
        async def bound(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request.app[self.key].deps, request, *args)
            except (inbox.InboxRejected, documents.RequestRefused) as exc:
                retry_after = getattr(exc, "retry_after", None)
                return web.Response(status=exc.status, text=exc.reason, headers=(
                    {"Retry-After": str(retry_after)} if retry_after else None))

        return protocol(bound)  # served by web's federation fast path

    def debate(self, html_handler: Handler) -> Handler:
        """/debats/{slug}: the debate page, or its Group actor for federation clients."""
        return negotiate(html_handler, holdable(self.bind(documents.actor_document, "debate")))

    def member(self, html_handler: Handler) -> Handler:
        """/membres/{username}: the member page, or their Person actor."""
        return negotiate(html_handler, holdable(self.bind(documents.actor_document, "member")))

    def proposal(self, html_handler: Handler) -> Handler:
        """/propositions/{id}: the proposal page, or its Question (current totals)."""
        return negotiate(html_handler, self.bind(proposals.question_document))

    def table(self) -> list[web.RouteDef]:
        """Every protocol route except the two negotiated pages above."""
        bind = self.bind
        routes = [
            web.get(uris.NODE_ACTOR_PATH, holdable(bind(documents.actor_document, "node")),
                    name="ap_node_actor"),
            web.post(uris.SHARED_INBOX_PATH, bind(_inbox, None), name="ap_shared_inbox"),
            web.get(uris.ACTIVITY_PATH, bind(documents.activity), name="ap_activity"),
            web.get(uris.CONTEXT_PATH, bind(documents.context), name="ap_context"),
            web.get(uris.WEBFINGER_PATH, holdable(bind(webfinger.webfinger)), name="webfinger"),
            web.get(uris.HOST_META_PATH, bind(webfinger.host_meta), name="host_meta"),
            web.get(uris.NODEINFO_WELL_KNOWN_PATH, bind(nodeinfo.well_known),
                    name="nodeinfo_links"),
            web.get(uris.NODEINFO_PATH, bind(nodeinfo.nodeinfo), name="nodeinfo"),
            # Our public proposals, for followed territories to backfill from.
            web.get(uris.PROPOSALS_PATH, bind(proposals.proposals_collection),
                    name="ap_node_proposals"),
            web.get(f"{uris.DEBATE_PATH}/{uris.MODERATORS}", bind(documents.moderators),
                    name="ap_debate_moderators"),
            # Contributions' own URLs: AS2, or a browser sent to the proposal page.
            web.get(uris.numeric_route(uris.ARGUMENT_PATH),
                    bind(contributions.argument_document, "note"), name="ap_argument"),
            web.get(uris.numeric_route(uris.ARGUMENT_CREATE_PATH),
                    bind(contributions.argument_document, "create"), name="ap_argument_create"),
            web.get(uris.numeric_route(uris.AMENDMENT_PATH), bind(contributions.amendment_document),
                    name="ap_amendment"),
            web.get(uris.NOTE_PATH, bind(contributions.note_document), name="ap_note"),
        ]
        for kind, path in uris.ACTOR_PATHS.items():
            routes.append(web.post(f"{path}/{uris.INBOX}", bind(_inbox, kind),
                                   name=f"ap_{kind}_inbox"))
            for what in uris.ACTOR_COLLECTIONS:
                routes.append(web.get(f"{path}/{what}", bind(documents.collection, kind, what),
                                      name=f"ap_{kind}_{what}"))
        return routes


async def _inbox(fed: Deps, request: web.Request,
                 kind: uris.ActorKind | None) -> web.Response:
    name = ""
    if kind is not None:  # a personal inbox: whose (the shared one, the busiest, names nobody)
        name = request.match_info.get("slug") or request.match_info.get("username") or ""
    await inbox.receive(fed, request, kind, name)
    return web.Response(status=202)  # as Mastodon: nothing to say but the status
