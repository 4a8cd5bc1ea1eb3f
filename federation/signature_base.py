"""What both HTTP signature schemes share: the refusal reasons and errors, the bounds on
peer input, the request as the verifier sees it (header fields, target), time checks, and the
keys and primitives on `cryptography`. Plain values in and out; no aiohttp here."""
from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Literal
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from node.origins import DEFAULT_PORTS

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

# Bounds on peer input, checked before any parsing. Real signatures are well under 1 KiB
# (an RSA-4096 Signature header is ~900 bytes) and cover at most ~10 components.
MAX_FIELD_CHARS = 8 * 1024
MAX_COVERED = 32

RFC9421_LABEL = "sig1"  # Fedify's label; the label itself is not signed


class SignatureFailure(StrEnum):
    """Why a signature was refused, for logs, metrics and tests (the reason text is for peers)."""

    MISSING = "missing"  # the request carries no signature
    MALFORMED = "malformed"  # unparseable, oversized, or a covered field is absent
    UNSUPPORTED = "unsupported"  # algorithm, key type or component we do not verify
    COVERAGE = "coverage"  # valid syntax, but it does not cover what we require
    DIGEST = "digest"  # the body does not match its Digest / Content-Digest
    TIME = "time"  # Date / created outside the window, or expired
    INVALID = "invalid"  # it does not hold for this request (cryptographic check, host)


_F = SignatureFailure


class SignatureError(Exception):
    """A refused signature; str(error) is a short reason, safe to send back to the peer."""

    def __init__(self, failure: SignatureFailure, reason: str) -> None:
        super().__init__(reason)
        self.failure = failure
        self.reason = reason


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    key_id: str
    scheme: Literal["cavage", "rfc9421"]
    covered: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PendingSignature:
    """A request that passed every check but the cryptographic one; `check()` runs that one.
    It needs nothing else and may run on any thread (`cryptography` releases the GIL while
    it verifies RSA: an inbox can verify in a worker while its loop parses the next request)."""

    key: PublicKey
    signature: bytes
    messages: tuple[bytes, ...]  # the signed string's candidates: one must verify
    result: VerifiedSignature

    def check(self) -> VerifiedSignature:
        for message in self.messages:
            if verifies(self.key, self.signature, message):
                # At this point the holder of the key signed this request's covered parts.
                return self.result
        raise SignatureError(_F.INVALID, "signature does not verify")


# ---------------------------------------------------------------------------------------------
# Request view shared by both schemes


class HeaderFields(dict):
    """Header fields as the verifier reads them (see `header_map`), made once per request."""


def header_fields(headers: Headers) -> HeaderFields:
    """The request's header fields read once, for both `parse_key_id` and the verification."""
    return header_map(headers)


def header_map(headers: Headers) -> HeaderFields:
    """Lower-case names; repeated fields joined with ", " (RFC 9110 §5.3); values trimmed."""
    if type(headers) is HeaderFields:
        return headers
    items = headers.items() if isinstance(headers, Mapping) else headers
    fields = HeaderFields()
    for name, value in items:
        key, value = name.lower(), value.strip(" \t")
        fields[key] = f"{fields[key]}, {value}" if key in fields else value
    return fields


def scheme_of(fields: dict[str, str]) -> Literal["cavage", "rfc9421"]:
    # Both schemes use a `Signature` field; Signature-Input marks RFC 9421, which wins
    # (Mastodon's SignedRequest makes the same choice).
    if "signature-input" in fields:
        return "rfc9421"
    if "signature" in fields:
        return "cavage"
    raise SignatureError(_F.MISSING, "request is not signed")


def bounded(fields: dict[str, str], name: str) -> str | None:
    value = fields.get(name)
    if value is not None and len(value) > MAX_FIELD_CHARS:
        raise SignatureError(_F.MALFORMED, f"{name} header too large")
    return value


@dataclass(frozen=True, slots=True)
class Target:
    method: str
    url: str
    scheme: str
    authority: str
    path: str
    query: str | None

    @classmethod
    def of(cls, method: str, url: str) -> Target:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise SignatureError(_F.MALFORMED, "request URL is malformed") from None
        if not parts.scheme or not parts.netloc:
            raise SignatureError(_F.MALFORMED, "request URL is not absolute")
        scheme = parts.scheme.lower()
        return cls(
            method=method.upper(),
            url=url,
            scheme=scheme,
            authority=normal_authority(parts.netloc.rpartition("@")[2], scheme),
            path=parts.path or "/",
            query=parts.query or None,
        )

    def request_target(self, *, with_query: bool) -> str:
        suffix = f"?{self.query}" if with_query and self.query is not None else ""
        return f"{self.method.lower()} {self.path}{suffix}"


def normal_authority(authority: str, scheme: str) -> str:
    """RFC 9421 §2.2.3: lower-case host, default port omitted."""
    authority = authority.lower()
    host, colon, port = authority.rpartition(":")
    default = DEFAULT_PORTS.get(scheme)
    return host if colon and default is not None and port == str(default) else authority


def check_window(at: datetime, now: datetime, window: timedelta, what: str) -> None:
    if abs(now - at) > window:
        raise SignatureError(_F.TIME, f"{what} outside window")


def from_timestamp(value: object, what: str) -> datetime:
    if type(value) is not int:
        raise SignatureError(_F.MALFORMED, f"{what} is not an integer")
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise SignatureError(_F.MALFORMED, f"{what} is out of range") from None


def b64decode(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(_F.MALFORMED, f"{what} is not valid base64") from None


def quotable(value: str) -> str:
    if '"' in value or "\\" in value or not value.isprintable():
        raise ValueError("key id must be printable and contain no quote or backslash")
    return value


# ---------------------------------------------------------------------------------------------
# Keys and primitives


# Verifying peers' requests loads the same few public keys over and over: memoized like the
# private ones below (a refused PEM raises, and errors are not cached).
@functools.lru_cache(maxsize=1024)
def load_public_key(pem: str) -> PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise SignatureError(_F.UNSUPPORTED, "public key is not a readable PEM key") from None
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise SignatureError(_F.UNSUPPORTED, "unsupported key type (RSA or Ed25519 only)")
    return key


# Signing keys are the node's own, generated by federation/keys.py and read from its database:
# their RSA validation (55 ms each with cryptography 50, measured) is skipped, as cryptography
# allows for keys known to be valid. It cost a fan-out 0.15-0.3 s before its first delivery, as
# every first attempt of a debate's activity loaded that debate's key at once (in the benchmark).
# Keys are immutable text, so the parsed object is memoized too.
@functools.lru_cache(maxsize=1024)
def load_private_key(pem: str) -> PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None,
                                             unsafe_skip_rsa_key_validation=True)
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ValueError("signing key must be RSA or Ed25519")
    return key


def sign_bytes(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data)


def verifies(key: PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def join_lines(lines: list[str]) -> bytes:
    """Join signing-string lines; a line break inside a value could forge another line."""
    if any("\n" in line or "\r" in line for line in lines):
        raise SignatureError(_F.MALFORMED, "covered value contains a line break")
    try:
        return "\n".join(lines).encode()
    except UnicodeEncodeError:
        raise SignatureError(_F.MALFORMED, "covered value is not valid text") from None
