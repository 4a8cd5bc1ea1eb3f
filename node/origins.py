"""The origin of a URL, (scheme, host, port), parsed in one place for the network view and
for federation: only absolute http(s) URLs without credentials have one; the host is lower
case without a trailing dot, and the default port is made explicit. A leaf module of the
standard library only, so every layer uses the same parser."""
from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def origin_of(url: str) -> Origin | None:
    """(scheme, host, port) of an absolute http(s) URL without credentials; else None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or DEFAULT_PORTS[scheme]


def authority_of(origin: Origin) -> str:
    """host, or host:port when the port is not the scheme's default."""
    scheme, host, port = origin
    return host if port == DEFAULT_PORTS[scheme] else f"{host}:{port}"


def host_of(url: str) -> str:
    """The host as the network view shows it, with its port when it is not the default."""
    origin = origin_of(url)
    return authority_of(origin) if origin is not None else ":0"
