"""NodeInfo 2.1: /.well-known/nodeinfo (which also names our Application actor, FEP-2677)
and /nodeinfo/2.1 (software, protocols, usage, the territory's name)."""
from __future__ import annotations


from aiohttp import web


from . import vocab
from .deps import Deps
from .settings import SOFTWARE_NAME, software_version

SCHEMA_21 = "http://nodeinfo.diaspora.software/ns/schema/2.1"
APPLICATION_REL = "https://www.w3.org/ns/activitystreams#Application"  # FEP-2677
_NODEINFO_TYPE = f'application/json; profile="{SCHEMA_21}#"'


async def well_known(fed: Deps, request: web.Request) -> web.Response:
    return web.json_response(
        {"links": [
            {"rel": SCHEMA_21, "href": fed.uris.nodeinfo_uri()},
            {"rel": APPLICATION_REL, "href": fed.uris.node_actor_uri()},
        ]},
        headers={"Access-Control-Allow-Origin": "*"},
    )


async def nodeinfo(fed: Deps, request: web.Request) -> web.Response:
    repos = fed.db.read()
    document = {
        "version": "2.1",
        "software": {"name": SOFTWARE_NAME, "version": software_version()},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": fed.registration_open,
        "usage": {
            "users": {"total": await repos.members.count()},
            # Posts are the public proposals (each federates as a poll); territories following
            # this one show it as the number of proposals.
            "localPosts": await repos.proposals.count_public(),
        },
        "metadata": {"nodeName": fed.node_name},
    }
    return web.Response(body=vocab.dumps(document), headers={
        "Content-Type": _NODEINFO_TYPE, "Access-Control-Allow-Origin": "*",
        "Cache-Control": "max-age=1800",
    })
