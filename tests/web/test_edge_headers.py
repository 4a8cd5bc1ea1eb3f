"""What every answer says about itself: signed-in answers are never stored by a cache (a shared
proxy or the browser's back/forward store), and `Server` names no software version."""
from __future__ import annotations

import re

from aiohttp import web

from federation.negotiation import FEDERATION_HANDLER, NEGOTIATED
from tests.api.world import build_world, session_cookie
from web.identity import SESSION_COOKIE

_VERSION = re.compile(r"\d+\.\d+")


def _is_protocol_only(route: web.AbstractRoute) -> bool:
    """Federation documents skip sessions: a cookie does not change them."""
    handler = route.handler
    return getattr(handler, FEDERATION_HANDLER, None) is not None \
        and not getattr(handler, NEGOTIATED, False)


def signed_in_paths(app: web.Application, world) -> list[str]:
    """Every GET route of the app that knows who asks (pages and API), its parameters filled
    from the world."""
    values = {"slug": "voirie", "username": "ada", "n": "1", "number": "1", "token": "x" * 20,
              "proposal_id": str(world.proposal)}
    ids = {"propositions": world.proposal, "arguments": world.argument,
           "amendements": world.amendment}
    paths = []
    for resource in app.router.resources():
        info = resource.get_info()
        template = info.get("formatter") or info.get("path")
        gets = [route for route in resource if route.method == "GET"]
        if template is None or not gets or any(_is_protocol_only(r) for r in gets):
            continue
        first = template.strip("/").split("/")[0]

        def fill(match: re.Match, first=first) -> str:
            name = match.group(1)
            return str(ids[first]) if name == "id" else values[name]

        paths.append(re.sub(r"\{(\w+)(?::[^}]*)?\}", fill, template))
    return paths


async def test_every_signed_in_page_is_not_stored_and_server_names_no_version(make_node):
    # Given an administrator signed in (every admin page answers them), with a token too
    node = await make_node("alpha")
    world = await build_world(node)
    cookie = await session_cookie(node, "ada")
    signed_in = {"Cookie": f"{SESSION_COOKIE}={cookie}", "Accept": "text/html",
                 "Authorization": f"Bearer {world.api.tokens['ada']}"}
    paths = signed_in_paths(node.app, world)
    assert {"/admin/membres", "/membres/ada", "/api/v1/me"} <= set(paths) and len(paths) > 40
    # When each page is asked for, signed in (a session for pages, a token for the API)
    missing, servers, shown = [], set(), 0
    for path in paths:
        headers = {k: v for k, v in signed_in.items()
                   if (k == "Authorization") == path.startswith("/api/")}
        async with node.client.get(node.url + path, allow_redirects=False,
                                   headers=headers) as response:
            await response.read()
            shown += response.status == 200
            if "no-store" not in response.headers.get("Cache-Control", ""):
                missing.append((path, response.status, response.headers.get("Cache-Control")))
            servers.add(response.headers.get("Server", ""))
    # Then none may be stored, and none tells the software's version
    assert missing == []
    assert shown > 35  # the pages themselves, not refusals
    assert not any(_VERSION.search(server) for server in servers), servers


async def test_anonymous_pages_keep_their_cache_policy_and_hide_the_version(node):
    async with node.client.get(f"{node.url}/reseau/flux.atom") as response:
        await response.read()
    assert response.headers["Cache-Control"] == "max-age=300"
    assert not _VERSION.search(response.headers["Server"])
