"""fetch.py: the safe client against small misbehaving servers (real HTTP, fake DNS)."""
from __future__ import annotations

import asyncio
import gzip
import json

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver
from aiohttp.test_utils import TestServer

from federation.fetch import FetchError, FetchRefused, HostLimiter, is_as2_content_type, is_blocked
from tests.federation.harness import make_fed_node  # noqa: F401

AS2 = "application/activity+json"


@pytest.fixture
async def serve(fake_dns):
    """Start an aiohttp app on `<name>.test`: `await serve("peer", {"/path": handler})`."""
    servers = []

    async def start(name: str, routes: dict) -> str:
        app = web.Application()
        for path, handler in routes.items():
            app.router.add_get(path, handler)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        fake_dns.register(f"{name}.test", server.port)
        return f"http://{name}.test"

    yield start
    for server in servers:
        await server.close()


def _as2(document: dict, content_type: str = AS2):
    async def handler(request):
        return web.Response(body=json.dumps(document).encode(), content_type=content_type)
    return handler


def _redirect(location: str):
    async def handler(request):
        raise web.HTTPFound(location)
    return handler


async def test_get_ap_returns_a_document_whose_id_is_its_url_and_signs_the_get(make_fed_node,
                                                                               serve):
    alpha = await make_fed_node("alpha")
    seen = []

    async def actor(request):
        seen.append(dict(request.headers))
        return await _as2({"id": "http://peer.test/a", "type": "Person"})(request)

    await serve("peer", {"/a": actor})
    url, document = await alpha.fed.fetcher.get_ap("http://peer.test/a#main-key",
                                                   sign_as=alpha.fed.node_identity)
    assert url == "http://peer.test/a" and document["type"] == "Person"
    # Signed by the node's Application actor: authorized-fetch servers refuse unsigned GETs.
    assert 'keyId="http://alpha.test/actor#main-key"' in seen[0]["Signature"]
    assert seen[0]["Accept"].startswith(AS2) and seen[0]["User-Agent"].startswith("thc-node/")


@pytest.mark.parametrize("content_type", [
    AS2, 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'])
def test_as2_content_types_are_recognised(content_type):
    assert is_as2_content_type(content_type)
    assert not is_as2_content_type("text/html") and not is_as2_content_type("application/json")


async def test_get_ap_refuses_other_content_types(make_fed_node, serve):
    alpha = await make_fed_node("alpha")
    await serve("peer", {"/a": _as2({"id": "http://peer.test/a"}, "text/html")})
    with pytest.raises(FetchError, match="not served as application/activity"):
        await alpha.fed.fetcher.get_ap("http://peer.test/a", sign_as=None)


async def test_get_ap_follows_the_id_once_like_mastodon(make_fed_node, serve):
    alpha = await make_fed_node("alpha")
    await serve("peer", {
        "/alias": _as2({"id": "http://peer.test/real"}),
        "/real": _as2({"id": "http://peer.test/real"}),
        "/liar": _as2({"id": "http://peer.test/other"}),
        "/other": _as2({"id": "http://peer.test/third"}),
    })
    url, _ = await alpha.fed.fetcher.get_ap("http://peer.test/alias", sign_as=None)
    assert url == "http://peer.test/real"
    with pytest.raises(FetchError, match="id does not match"):
        await alpha.fed.fetcher.get_ap("http://peer.test/liar", sign_as=None)


async def test_redirects_are_capped_and_each_hop_is_rechecked(make_fed_node, serve):
    alpha = await make_fed_node("alpha", max_redirects=2, blocked_domains=["evil.test"])
    await serve("evil", {"/a": _as2({"id": "http://evil.test/a"})})
    await serve("peer", {
        "/r1": _redirect("/r2"), "/r2": _redirect("/a"), "/a": _as2({"id": "http://peer.test/a"}),
        "/loop": _redirect("/loop"), "/away": _redirect("http://evil.test/a"),
    })
    url, _ = await alpha.fed.fetcher.get_ap("http://peer.test/r1", sign_as=None)
    assert url == "http://peer.test/a"
    with pytest.raises(FetchError, match="too many redirects") as loop:
        await alpha.fed.fetcher.get_ap("http://peer.test/loop", sign_as=None)
    assert loop.value.permanent
    with pytest.raises(FetchRefused, match="evil.test is blocked"):
        await alpha.fed.fetcher.get_ap("http://peer.test/away", sign_as=None)


async def test_responses_over_the_cap_are_refused_even_when_compressed(make_fed_node, serve):
    alpha = await make_fed_node("alpha", max_fetch_bytes=10_000)
    big = json.dumps({"id": "http://peer.test/big", "pad": "x" * 50_000}).encode()

    async def plain(request):
        return web.Response(body=big, content_type=AS2)

    async def bomb(request):
        # 50 KB that compress to ~100 bytes: the cap counts what comes out of gzip.
        return web.Response(body=gzip.compress(big), content_type=AS2,
                            headers={"Content-Encoding": "gzip"})

    await serve("peer", {"/big": plain, "/bomb": bomb})
    for path in ("/big", "/bomb"):
        with pytest.raises(FetchError, match="larger than 10000 bytes"):
            await alpha.fed.fetcher.get_ap(f"http://peer.test{path}", sign_as=None)


async def test_slow_servers_time_out_as_a_transient_failure(make_fed_node, serve):
    alpha = await make_fed_node("alpha", fetch_timeout_seconds=0.3)

    async def slow(request):
        await asyncio.sleep(2)
        return web.Response(text="late")

    await serve("peer", {"/slow": slow})
    with pytest.raises(FetchError, match="timed out") as exc:
        await alpha.fed.fetcher.get_ap("http://peer.test/slow", sign_as=None)
    assert exc.value.permanent is False


async def test_unknown_host_is_a_permanent_dns_failure(make_fed_node):
    alpha = await make_fed_node("alpha")
    with pytest.raises(FetchError, match="DNS name not found") as exc:
        await alpha.fed.fetcher.get_ap("http://nowhere.test/a", sign_as=None)
    assert exc.value.permanent and exc.value.status is None


class MapResolver(AbstractResolver):
    def __init__(self, addresses: dict[str, str]):
        self.addresses = addresses

    async def resolve(self, host, port=0, family=0):
        if host not in self.addresses:
            raise OSError("unknown")
        return [{"hostname": host, "host": self.addresses[host], "port": port, "family": 2,
                 "proto": 0, "flags": 0}]

    async def close(self):
        pass


@pytest.mark.parametrize(("url", "refused"), [
    ("http://public.test/a", False),
    ("http://loopback.test/a", True),
    ("http://private.test/a", True),
    ("http://linklocal.test/a", True),  # cloud metadata services live here
    ("http://multicast.test/a", True),
    ("http://mapped.test/a", True),  # IPv4-mapped IPv6 loopback
    ("http://127.0.0.1/a", True),
    ("http://[::1]/a", True),
    ("http://10.1.2.3/a", True),
    ("http://93.184.216.34/a", False),
    ("ftp://public.test/a", True),
])
async def test_destinations_must_resolve_to_public_addresses(make_fed_node, url, refused):
    alpha = await make_fed_node("alpha", allow_private_addresses=False)
    alpha.fed.fetcher.resolver = MapResolver({
        "public.test": "93.184.216.34", "loopback.test": "127.0.0.1", "private.test": "192.168.1.2",
        "linklocal.test": "169.254.169.254", "multicast.test": "224.0.0.1",
        "mapped.test": "::ffff:127.0.0.1",
    })
    if refused:
        with pytest.raises(FetchRefused):
            await alpha.fed.fetcher.check_destination(url)
    else:
        await alpha.fed.fetcher.check_destination(url)


def test_domain_blocks_cover_subdomains_only():
    blocked = ("evil.example",)
    assert is_blocked("evil.example", blocked) and is_blocked("a.b.evil.example", blocked)
    assert is_blocked("EVIL.example.", blocked)
    assert not is_blocked("notevil.example", blocked)
    assert not is_blocked("evil.example.org", blocked)


async def test_host_limiter_bounds_concurrency_per_host_and_forgets_idle_hosts():
    limiter, running, peak = HostLimiter(2), 0, 0

    async def task(host):
        nonlocal running, peak
        async with limiter.limit(host):
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.01)
            running -= 1

    await asyncio.gather(*(task("a.example") for _ in range(10)))
    assert peak == 2 and limiter._slots == {}


# -- POST signed ahead (the delivery pool signs the next deliveries while its slots are busy)


@pytest.fixture
async def peer_inbox(fake_dns):
    """POST /inbox on peer.test, keeping each request's headers."""
    seen: list[dict] = []

    async def inbox(request):
        await request.read()
        seen.append(dict(request.headers))
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/inbox", inbox)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake_dns.register("peer.test", server.port)
    yield seen
    await server.close()


def _count_signing(fetcher) -> list[str]:
    """The URLs the fetcher signs from now on."""
    signed, original = [], fetcher.signer

    async def signer(method, url, *rest):
        signed.append(url)
        return await original(method, url, *rest)

    fetcher.signer = signer
    return signed


async def _ready(value):
    return value


async def _failed():
    raise RuntimeError("the signer's thread went away")


INBOX = "http://peer.test/inbox"
BODY = b'{"type": "Announce", "id": "http://alpha.test/activities/1"}'


async def test_a_post_signed_ahead_is_sent_with_that_signature(make_fed_node, peer_inbox):
    alpha = await make_fed_node("alpha")
    fetcher, identity = alpha.fed.fetcher, alpha.fed.node_identity
    ahead = await fetcher.sign_post(INBOX, BODY, sign_as=identity)
    signing = _count_signing(fetcher)
    posted = await fetcher.post(INBOX, BODY, sign_as=identity, signed=_ready(ahead))
    # Not signed again: the headers made ahead are the ones the inbox received
    assert posted.status == 202 and signing == []
    for name in ("Signature", "Digest", "Date"):
        assert peer_inbox[0][name] == ahead.headers[name]
    assert 'keyId="http://alpha.test/actor#main-key"' in peer_inbox[0]["Signature"]


@pytest.mark.parametrize("case", ["stale", "other url", "failed"])
async def test_a_post_signed_ahead_is_signed_again_unless_fresh_and_its_own(
        make_fed_node, peer_inbox, case):
    from dataclasses import replace

    from federation.fetch import SIGNED_AHEAD_MAX_SECONDS

    alpha = await make_fed_node("alpha")
    fetcher, identity = alpha.fed.fetcher, alpha.fed.node_identity
    ahead = await fetcher.sign_post(INBOX, BODY, sign_as=identity)
    if case == "stale":
        signed = _ready(replace(ahead, signed_at=ahead.signed_at - SIGNED_AHEAD_MAX_SECONDS - 1))
    elif case == "other url":
        signed = _ready(await fetcher.sign_post("http://peer.test/other", BODY, sign_as=identity))
    else:
        signed = _failed()
    signing = _count_signing(fetcher)
    posted = await fetcher.post(INBOX, BODY, sign_as=identity, signed=signed)
    assert posted.status == 202 and signing == [INBOX]
    assert len(peer_inbox) == 1 and "Signature" in peer_inbox[0]


async def test_a_post_signed_ahead_is_checked_at_sending_time(make_fed_node, peer_inbox):
    alpha = await make_fed_node("alpha")
    fetcher, identity = alpha.fed.fetcher, alpha.fed.node_identity
    ahead = await fetcher.sign_post(INBOX, BODY, sign_as=identity)
    fetcher.blocked = lambda host: host == "peer.test"  # blocked since it was signed
    signed = asyncio.ensure_future(_ready(ahead))  # a task, as the pool hands it over
    with pytest.raises(FetchRefused, match="blocked"):
        await fetcher.post(INBOX, BODY, sign_as=identity, signed=signed)
    assert peer_inbox == []
    await signed
