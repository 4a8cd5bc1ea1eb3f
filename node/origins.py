"""The origin of a URL, (scheme, host, port), as this node compares where things come from.

Pure standard library and a leaf module, so every layer can use the same parser.
"""
from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URL without credentials; else None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or _DEFAULT_PORTS[scheme]


def host_of(url: str) -> str:
    """The host as the network view shows it, with its port when it is not the default."""
    scheme, host, port = origin_of(url) or ("", "", 0)
    return host if port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
