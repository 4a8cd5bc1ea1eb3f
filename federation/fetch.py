"""The one safe HTTP client for every outgoing request: SSRF guard, caps, signed requests.

Every request: destination re-checked at each redirect hop (scheme, blocked domains, resolved
addresses public unless allowed), a total deadline, a byte cap counted after decompression,
bounded concurrency per host, and an HTTP signature (authorized-fetch servers refuse unsigned
GETs). Fetched AS2 documents are accepted only with an AS2 content type and `id` == final URL.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

from . import blocks, vocab
from .settings import Settings
from .signatures import sign_request_cavage, sign_request_rfc9421
from .uris import host_of, origin_of, strip_fragment

log = logging.getLogger(__name__)

AS_ACCEPT = f"{vocab.AS_MEDIA_TYPE}, {vocab.AS_PROFILE}"
JSON_ACCEPT = "application/jrd+json, application/json"
CONNECT_TIMEOUT = 5.0  # Mastodon connects within 5 s (app/lib/request.rb)
FETCH_PER_HOST = 4  # concurrent GETs to one host; deliveries have their own, smaller, bound
ERROR_EXCERPT_BYTES = 2048  # what we keep of an error reply, for last_error


class FetchError(Exception):
    """An outgoing request that failed. `permanent`: retrying the same request cannot help."""

    def __init__(self, reason: str, *, permanent: bool, status: int | None = None,
                 retry_after: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.status = status
        self.retry_after = retry_after


class FetchRefused(FetchError):
    """Our own policy refused the destination (blocked domain, private address, scheme)."""

    def __init__(self, reason: str):
        super().__init__(reason, permanent=True)


class FetchBudget:
    """How many remote documents the current unit of work (one incoming activity) may still
    fetch: a hostile chain of references (object → attributedTo → inReplyTo → …) stops here."""

    def __init__(self, limit: int):
        self.limit = limit
        self.spent = 0

    @property
    def exceeded(self) -> bool:
        return self.spent > self.limit

    @property
    def reason(self) -> str:
        return (f"fetch budget exceeded: processing one activity may fetch at most "
                f"{self.limit} remote documents")

    def spend(self) -> None:
        self.spent += 1
        if self.spent > self.limit:
            raise FetchBudgetExceeded(self.reason)


class FetchBudgetExceeded(FetchError):
    def __init__(self, reason: str):
        super().__init__(reason, permanent=True)


# The budget of the work in progress, if any (set by dispatch.process around one activity;
# tasks it starts copy the context, so they share the same budget).
fetch_budget: ContextVar[FetchBudget | None] = ContextVar("fetch_budget", default=None)


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # the final URL, after redirects
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Posted:
    status: int
    retry_after: str | None
    excerpt: str
    scheme: str  # the signature scheme that got this answer


@dataclass(frozen=True, slots=True)
class Identity:
    """Who signs a request: the actor_keys owner and the key id published on its actor."""

    owner: str
    key_id: str


# Signs a request: (method, url, headers, body, identity, scheme) -> headers to add.
Signer = Callable[[str, str, dict[str, str], bytes | None, Identity, str],
                  Awaitable[dict[str, str]]]


def is_blocked(host: str, blocked_domains: tuple[str, ...]) -> bool:
    """A domain block covers the domain and all its subdomains."""
    return blocks.is_blocked(host, frozenset(blocked_domains))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local
                                 or ip.is_loopback or ip.is_private or ip.is_unspecified)


class HostLimiter:
    """At most `per_host` concurrent requests per host; idle hosts leave the table."""

    def __init__(self, per_host: int):
        self.per_host = per_host
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def limit(self, host: str) -> AsyncIterator[None]:
        semaphore, users = self._slots.get(host, (asyncio.Semaphore(self.per_host), 0))
        self._slots[host] = (semaphore, users + 1)
        try:
            async with semaphore:
                yield
        finally:
            semaphore, users = self._slots[host]
            if users <= 1:
                del self._slots[host]
            else:
                self._slots[host] = (semaphore, users - 1)


class Fetcher:
    def __init__(self, session: aiohttp.ClientSession, settings: Settings, *, user_agent: str,
                 allow_http: bool, signer: Signer, scheme_for: Callable[[str], Awaitable[str]],
                 remember_scheme: Callable[[str, str], Awaitable[None]],
                 blocked: Callable[[str], bool] | None = None,
                 resolver: AbstractResolver | None = None):
        self.session = session
        # Domain blocks (federation/blocks.py merges the config's and the table's).
        self.blocked = blocked or (lambda host: is_blocked(host, settings.blocked_domains))
        self.settings = settings
        self.user_agent = user_agent
        self.allow_http = allow_http
        self.signer = signer
        self.scheme_for = scheme_for
        self.remember_scheme = remember_scheme
        self.get_limiter = HostLimiter(FETCH_PER_HOST)
        # The resolver the session's connector uses, given by whoever built the session, so
        # that what we check is what it connects to (tests map *.test names to 127.0.0.1).
        self.resolver = resolver or DefaultResolver()

    # -- destination checks

    async def check_destination(self, url: str) -> None:
        """Refuse URLs we must not contact; resolve the host and check every address."""
        origin = origin_of(url)
        if origin is None:
            raise FetchRefused("not an absolute http(s) URL")
        scheme, host, port = origin
        if scheme == "http" and not self.allow_http:
            raise FetchRefused("plain http is not allowed")
        if self.blocked(host):
            raise FetchRefused(f"domain {host} is blocked")
        if self.settings.allow_private_addresses:
            return
        try:
            addresses = [ipaddress.ip_address(host).compressed]
        except ValueError:
            try:
                resolved = await self.resolver.resolve(host, port, socket.AF_UNSPEC)
            except OSError:
                raise FetchError(f"DNS name not found: {host}", permanent=True) from None
            addresses = [entry["host"] for entry in resolved]
        if not addresses or not all(_is_public(a) for a in addresses):
            raise FetchRefused(f"{host} resolves to an address that is not public")

    def _check_peer(self, response: aiohttp.ClientResponse) -> None:
        # Second line against DNS rebinding: the address actually connected to.
        if self.settings.allow_private_addresses or response.connection is None:
            return
        transport = response.connection.transport
        peer = transport.get_extra_info("peername") if transport is not None else None
        if peer and not _is_public(peer[0]):
            raise FetchRefused("connected address is not public")

    def _timeout(self) -> aiohttp.ClientTimeout:
        total = self.settings.fetch_timeout_seconds
        return aiohttp.ClientTimeout(total=total, connect=min(CONNECT_TIMEOUT, total))

    # -- GET

    async def get(self, url: str, *, accept: str, sign_as: Identity | None) -> Fetched:
        """GET with redirects followed by hand (each hop re-checked and re-signed)."""
        budget = fetch_budget.get()
        if budget is not None:
            budget.spend()  # raises once the activity being processed has used it up
        try:
            async with asyncio.timeout(self.settings.fetch_timeout_seconds):
                return await self._get(url, accept, sign_as)
        except TimeoutError:
            raise FetchError("timed out", permanent=False) from None

    async def _get(self, url: str, accept: str, sign_as: Identity | None) -> Fetched:
        for _hop in range(self.settings.max_redirects + 1):
            await self.check_destination(url)
            host = host_of(url)
            async with self.get_limiter.limit(host):
                fetched, location = await self._get_once(url, accept, sign_as, host)
            if location is None:
                return fetched
            url = location
        raise FetchError("too many redirects", permanent=True)

    async def _get_once(self, url: str, accept: str, sign_as: Identity | None,
                        host: str) -> tuple[Fetched, str | None]:
        scheme = await self.scheme_for(host) if sign_as else "none"
        status, headers, body = await self._request("GET", url, accept, None, sign_as, scheme,
                                                    self.settings.max_fetch_bytes)
        if scheme == "rfc9421" and status in (400, 401, 403):
            # Double knock (as Fedify does): fall back to draft-cavage and remember it.
            status, headers, body = await self._request("GET", url, accept, None, sign_as,
                                                        "cavage", self.settings.max_fetch_bytes)
            if status < 400:
                await self.remember_scheme(host, "cavage")
        fetched = Fetched(url, status, headers.get("Content-Type", ""), body)
        if status in (301, 302, 303, 307, 308):
            location = headers.get("Location")
            if not location:
                raise FetchError("redirect without a Location", permanent=True, status=status)
            return fetched, urljoin(url, location)
        if status >= 400:
            # 401/403 may pass once the peer has our key; 408/429/5xx are the peer's load.
            permanent = 400 <= status < 500 and status not in (401, 403, 408, 429)
            raise FetchError(f"HTTP {status}", permanent=permanent, status=status,
                             retry_after=headers.get("Retry-After"))
        if status >= 300:
            raise FetchError(f"HTTP {status}", permanent=True, status=status)
        return fetched, None

    async def _request(self, method: str, url: str, accept: str, body: bytes | None,
                       sign_as: Identity | None, scheme: str, cap: int,
                       ) -> tuple[int, Any, bytes]:
        headers = self._headers(accept, body)
        if sign_as is not None:
            headers.update(await self.signer(method, url, headers, body, sign_as, scheme))
        return await self._send(method, url, headers, body, cap)

    def _headers(self, accept: str, body: bytes | None) -> dict[str, str]:
        headers = {"Accept": accept, "User-Agent": self.user_agent}
        if body is not None:
            headers["Content-Type"] = vocab.AS_MEDIA_TYPE
        return headers

    async def _send(self, method: str, url: str, headers: dict[str, str], body: bytes | None,
                    cap: int) -> tuple[int, Any, bytes]:
        try:
            async with self.session.request(
                method, url, data=body, headers=headers, allow_redirects=False,
                timeout=self._timeout(),
            ) as response:
                self._check_peer(response)
                if method == "GET" and 200 <= response.status < 300:
                    data = await _read_capped(response, cap, truncate=False)
                else:  # errors, redirects and inbox answers: an excerpt for the logs is enough
                    data = await _read_capped(response, min(cap, ERROR_EXCERPT_BYTES),
                                              truncate=True)
                return response.status, response.headers, data
        except FetchError:
            raise
        except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError):
            raise FetchError("TLS error", permanent=True) from None
        except aiohttp.ClientConnectorDNSError:
            raise FetchError("DNS name not found", permanent=True) from None
        except (aiohttp.ServerTimeoutError, TimeoutError):
            raise FetchError("timed out", permanent=False) from None
        except aiohttp.ClientError as exc:
            raise FetchError(f"connection failed: {type(exc).__name__}", permanent=False) from None

    async def get_ap(self, url: str, *, sign_as: Identity | None) -> tuple[str, dict]:
        """Fetch an AS2 document: AS2 content type, bounded JSON, `id` equal to the final URL.

        Like Mastodon (jsonld_helper.rb fetch_resource), a document whose id differs from the
        URL asked for is fetched once more from its own id and must match there.
        """
        url = strip_fragment(url)
        for attempt in range(2):
            fetched = await self.get(url, accept=AS_ACCEPT, sign_as=sign_as)
            if not is_as2_content_type(fetched.content_type):
                raise FetchError("not served as application/activity+json", permanent=True)
            try:
                document = vocab.parse_json(fetched.body)
            except vocab.MalformedActivity as exc:
                raise FetchError(exc.reason, permanent=True) from None
            if not isinstance(document, dict):
                raise FetchError("document is not a JSON object", permanent=True)
            if document.get("id") == fetched.url:
                return fetched.url, document
            claimed = vocab.id_of(document.get("id"))
            if attempt == 1 or claimed is None:
                break
            url = claimed
        raise FetchError("document id does not match its URL", permanent=True)

    async def get_json(self, url: str, *, accept: str = JSON_ACCEPT) -> tuple[str, Any]:
        """Fetch plain JSON (WebFinger, NodeInfo): unsigned, same caps and checks."""
        fetched = await self.get(url, accept=accept, sign_as=None)
        try:
            return fetched.url, vocab.parse_json(fetched.body)
        except vocab.MalformedActivity as exc:
            raise FetchError(exc.reason, permanent=True) from None

    # -- POST

    async def sign_post(self, url: str, body: bytes, *, sign_as: Identity) -> SignedPost:
        """The headers of a signed POST, ready ahead of `post` (the delivery pool signs the
        next deliveries while slots are busy; the signature is made for this one request)."""
        scheme = await self.scheme_for(host_of(url))
        headers = self._headers(AS_ACCEPT, body)
        headers.update(await self.signer("POST", url, headers, body, sign_as, scheme))
        return SignedPost(url, scheme, headers, time.monotonic())

    async def post(self, url: str, body: bytes, *, sign_as: Identity,
                   signed: Awaitable[SignedPost] | None = None) -> Posted:
        """POST a signed activity; no redirect is followed (a moved inbox is a failure).
        `signed`: from `sign_post` for this URL, used if it is still fresh; the destination is
        checked here, at sending time, whatever it was when signed."""
        await self.check_destination(url)
        host = host_of(url)
        ready = (await _fresh_signature(signed, url)
                 or await self.sign_post(url, body, sign_as=sign_as))
        scheme = ready.scheme
        try:
            async with asyncio.timeout(self.settings.fetch_timeout_seconds):
                status, headers, data = await self._send("POST", url, ready.headers, body,
                                                         ERROR_EXCERPT_BYTES)
                if scheme == "rfc9421" and status in (400, 401, 403):
                    scheme = "cavage"  # double knock, as for GETs
                    status, headers, data = await self._request(
                        "POST", url, AS_ACCEPT, body, sign_as, scheme, ERROR_EXCERPT_BYTES)
                    if status < 400:
                        await self.remember_scheme(host, "cavage")
        except TimeoutError:
            raise FetchError("timed out", permanent=False) from None
        return Posted(status, headers.get("Retry-After"),
                      data.decode("utf-8", "replace").strip()[:500], scheme)


@dataclass(frozen=True, slots=True)
class SignedPost:
    url: str
    scheme: str
    headers: dict[str, str]
    signed_at: float  # time.monotonic()


# A signature made ahead is used within this long; older, the request is signed again: its
# Date must stay far inside any receiver's window (an hour at Mastodon, minutes elsewhere).
SIGNED_AHEAD_MAX_SECONDS = 30.0


async def _fresh_signature(signed: Awaitable[SignedPost] | None, url: str) -> SignedPost | None:
    if signed is None:
        return None
    try:
        ready = await signed
    except Exception:
        return None  # signed again by the caller, where an error is reported as usual
    if ready.url != url or time.monotonic() - ready.signed_at > SIGNED_AHEAD_MAX_SECONDS:
        return None
    return ready


def is_as2_content_type(value: str) -> bool:
    """application/activity+json, or application/ld+json with any profile."""
    media = value.split(";", 1)[0].strip().lower()
    return media in ("application/activity+json", "application/ld+json")


async def _read_capped(response: aiohttp.ClientResponse, cap: int, *, truncate: bool) -> bytes:
    if not truncate and response.content_length is not None and response.content_length > cap:
        raise FetchError(f"response larger than {cap} bytes", permanent=True)
    chunks, size = [], 0
    # Counted on decompressed bytes: a small gzip bomb must not get past the cap.
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > cap:
            if truncate:
                chunks.append(chunk[: cap - (size - len(chunk))])
                break
            raise FetchError(f"response larger than {cap} bytes", permanent=True)
        chunks.append(chunk)
    return b"".join(chunks)


def sign_headers(method: str, url: str, headers: dict[str, str], body: bytes | None, *,
                 key_id: str, private_key_pem: str, scheme: str, now) -> dict[str, str]:
    """Signature headers for a request in the given scheme (both cover the body's digest)."""
    sign = sign_request_rfc9421 if scheme == "rfc9421" else sign_request_cavage
    return sign(method=method, url=url, headers=headers, body=body, key_id=key_id,
                private_key_pem=private_key_pem, now=now)
