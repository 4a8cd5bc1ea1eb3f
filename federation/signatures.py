"""HTTP request signatures, both ways: draft-cavage (Mastodon and most peers) and RFC 9421.
Plain values in and out; no aiohttp here, and no crypto library but `cryptography`."""
from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from enum import StrEnum
from typing import Literal
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

# Bounds on peer input, checked before any parsing. Real signatures are well under 1 KiB
# (an RSA-4096 Signature header is ~900 bytes) and cover at most ~10 components.
MAX_FIELD_CHARS = 8 * 1024
MAX_COVERED = 32

RFC9421_LABEL = "sig1"  # Fedify's label; the label itself is not signed
_DEFAULT_PORTS = {"http": "80", "https": "443"}


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


# ---------------------------------------------------------------------------------------------
# Public API


def parse_key_id(headers: Headers) -> str:
    """Return the keyId that claims to have signed the request, so its key can be fetched."""
    fields = _header_map(headers)
    if _scheme_of(fields) == "rfc9421":
        return _parse_rfc9421(fields).key_id
    return _parse_cavage(fields).key_id


def verify_request(
    *,
    method: str,
    url: str,
    headers: Headers,
    body: bytes | None,
    public_key_pem: str,
    now: datetime,
    window: timedelta,
) -> VerifiedSignature:
    """Verify the request's signature with the signer's key; raise SignatureError if refused.

    `url` is the absolute URL the request was sent to, with the path as received (not
    decoded). `body` is the raw body; None or b"" means there is nothing to bind. `now` is
    timezone-aware; signed times must lie within `window` of it. When `Signature-Input` is
    present the request is verified as RFC 9421, else as draft-cavage.
    """
    return prepare_request(method=method, url=url, headers=headers, body=body,
                           public_key_pem=public_key_pem, now=now, window=window).check()


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
            if _verifies(self.key, self.signature, message):
                # At this point the holder of the key signed this request's covered parts.
                return self.result
        raise SignatureError(_F.INVALID, "signature does not verify")


def prepare_request(
    *,
    method: str,
    url: str,
    headers: Headers,
    body: bytes | None,
    public_key_pem: str,
    now: datetime,
    window: timedelta,
) -> PendingSignature:
    """`verify_request` but the signature's cryptographic check, left to `check()`: the same
    arguments, the same refusals (SignatureError) for everything else."""
    fields = _header_map(headers)
    prepare = _prepare_rfc9421 if _scheme_of(fields) == "rfc9421" else _prepare_cavage
    return prepare(_Target.of(method, url), fields, body or b"", public_key_pem, now, window)


def sign_request_cavage(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    now: datetime,
) -> dict[str, str]:
    """Return the Host, Date, Digest (when there is a body) and Signature headers to send.

    Covers `(request-target) host date [digest] [content-type]`, as Mastodon does; the request
    target includes the query (Mastodon signs and verifies it; Fedify ignores it on GET).
    """
    key = _load_private_key(private_key_pem)
    target = _Target.of(method, url)
    content_type = _header_map(headers or {}).get("content-type")
    date = format_datetime(now.astimezone(timezone.utc), usegmt=True)
    added = {"Host": target.authority, "Date": date}
    if body is not None:
        added["Digest"] = digest_header(body)
    values = {"(request-target)": target.request_target(with_query=True)}
    values.update((name.lower(), value) for name, value in added.items())
    if content_type is not None:
        values["content-type"] = content_type
    signing_string = "\n".join(f"{name}: {value}" for name, value in values.items())
    signature = base64.b64encode(_sign_bytes(key, signing_string.encode()))
    algorithm = "rsa-sha256" if isinstance(key, rsa.RSAPrivateKey) else "hs2019"
    added["Signature"] = (
        f'keyId="{_quotable(key_id)}",algorithm="{algorithm}",'
        f'headers="{" ".join(values)}",signature="{signature.decode()}"'
    )
    return added


def sign_request_rfc9421(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    now: datetime,
) -> dict[str, str]:
    """Return the Content-Digest (when there is a body), Signature-Input and Signature headers.

    Covers `"@method" "@target-uri" "@authority" ["content-digest"] ["content-type"]` with
    `created`, `keyid` and `alg`: what Fedify signs, minus host and date (@authority and
    `created` carry them).
    """
    key = _load_private_key(private_key_pem)
    target = _Target.of(method, url)
    content_type = _header_map(headers or {}).get("content-type")
    added: dict[str, str] = {}
    components = {
        "@method": target.method,
        "@target-uri": target.url,
        "@authority": target.authority,
    }
    if body is not None:
        added["Content-Digest"] = components["content-digest"] = content_digest_header(body)
    if content_type is not None:
        components["content-type"] = content_type
    alg = "rsa-v1_5-sha256" if isinstance(key, rsa.RSAPrivateKey) else "ed25519"
    covered = " ".join(f'"{name}"' for name in components)
    params = f'({covered});created={int(now.timestamp())};keyid="{_quotable(key_id)}";alg="{alg}"'
    base = _signature_base(components.items(), params)
    added["Signature-Input"] = f"{RFC9421_LABEL}={params}"
    added["Signature"] = f"{RFC9421_LABEL}=:{base64.b64encode(_sign_bytes(key, base)).decode()}:"
    return added


def digest_header(body: bytes) -> str:
    """The draft-cavage `Digest` value (RFC 3230) for a body: `SHA-256=<base64>`."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def content_digest_header(body: bytes) -> str:
    """The RFC 9530 `Content-Digest` value for a body: `sha-256=:<base64>:`."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


# ---------------------------------------------------------------------------------------------
# Request view shared by both schemes


class HeaderFields(dict):
    """Header fields as the verifier reads them (see `_header_map`), made once per request."""


def header_fields(headers: Headers) -> HeaderFields:
    """The request's header fields read once, for both `parse_key_id` and the verification."""
    return _header_map(headers)


def _header_map(headers: Headers) -> HeaderFields:
    """Lower-case names; repeated fields joined with ", " (RFC 9110 §5.3); values trimmed."""
    if type(headers) is HeaderFields:
        return headers
    items = headers.items() if isinstance(headers, Mapping) else headers
    fields = HeaderFields()
    for name, value in items:
        key, value = name.lower(), value.strip(" \t")
        fields[key] = f"{fields[key]}, {value}" if key in fields else value
    return fields


def _scheme_of(fields: dict[str, str]) -> Literal["cavage", "rfc9421"]:
    # Both schemes use a `Signature` field; Signature-Input marks RFC 9421, which wins
    # (Mastodon's SignedRequest makes the same choice).
    if "signature-input" in fields:
        return "rfc9421"
    if "signature" in fields:
        return "cavage"
    raise SignatureError(_F.MISSING, "request is not signed")


def _bounded(fields: dict[str, str], name: str) -> str | None:
    value = fields.get(name)
    if value is not None and len(value) > MAX_FIELD_CHARS:
        raise SignatureError(_F.MALFORMED, f"{name} header too large")
    return value


@dataclass(frozen=True, slots=True)
class _Target:
    method: str
    url: str
    scheme: str
    authority: str
    path: str
    query: str | None

    @classmethod
    def of(cls, method: str, url: str) -> _Target:
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
            authority=_normal_authority(parts.netloc.rpartition("@")[2], scheme),
            path=parts.path or "/",
            query=parts.query or None,
        )

    def request_target(self, *, with_query: bool) -> str:
        suffix = f"?{self.query}" if with_query and self.query is not None else ""
        return f"{self.method.lower()} {self.path}{suffix}"


def _normal_authority(authority: str, scheme: str) -> str:
    """RFC 9421 §2.2.3: lower-case host, default port omitted."""
    authority = authority.lower()
    host, colon, port = authority.rpartition(":")
    return host if colon and port == _DEFAULT_PORTS.get(scheme) else authority


def _check_window(at: datetime, now: datetime, window: timedelta, what: str) -> None:
    if abs(now - at) > window:
        raise SignatureError(_F.TIME, f"{what} outside window")


def _from_timestamp(value: object, what: str) -> datetime:
    if type(value) is not int:
        raise SignatureError(_F.MALFORMED, f"{what} is not an integer")
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise SignatureError(_F.MALFORMED, f"{what} is out of range") from None


def _b64decode(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(_F.MALFORMED, f"{what} is not valid base64") from None


def _quotable(value: str) -> str:
    if '"' in value or "\\" in value or not value.isprintable():
        raise ValueError("key id must be printable and contain no quote or backslash")
    return value


# ---------------------------------------------------------------------------------------------
# Keys and primitives


# Verifying peers' requests loads the same few public keys over and over: memoized like the
# private ones below (a refused PEM raises, and errors are not cached).
@functools.lru_cache(maxsize=1024)
def _load_public_key(pem: str) -> PublicKey:
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
# every first attempt of a debate's activity loaded that debate's key at once (bench, issue 4).
# Keys are immutable text, so the parsed object is memoized too.
@functools.lru_cache(maxsize=1024)
def _load_private_key(pem: str) -> PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None,
                                             unsafe_skip_rsa_key_validation=True)
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ValueError("signing key must be RSA or Ed25519")
    return key


def _sign_bytes(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data)


def _verifies(key: PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def _join_lines(lines: list[str]) -> bytes:
    """Join signing-string lines; a line break inside a value could forge another line."""
    if any("\n" in line or "\r" in line for line in lines):
        raise SignatureError(_F.MALFORMED, "covered value contains a line break")
    try:
        return "\n".join(lines).encode()
    except UnicodeEncodeError:
        raise SignatureError(_F.MALFORMED, "covered value is not valid text") from None


# ---------------------------------------------------------------------------------------------
# draft-cavage-http-signatures-12


@dataclass(frozen=True, slots=True)
class _CavageSignature:
    key_id: str
    algorithm: str
    covered: tuple[str, ...]
    signature: bytes
    params: dict[str, str]


# One `name="quoted"` or `name=token` parameter and its trailing comma; linear, no backtracking.
# A quoted value as `[^"\\]*(?:\\.[^"\\]*)*` (runs of plain characters between escapes), not
# `(?:[^"\\]|\\.)*`: the same strings, but that one stepped through a 344-character signature
# one alternation at a time (38 us a parse, more than the RSA check; measured 2026-11-28).
_CAVAGE_PARAM = re.compile(
    r'[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^\s,"]*))[ \t]*(?:,|\Z)'
)


_QUOTED_PAIR = re.compile(r"\\(.)")


def _parse_cavage(fields: dict[str, str]) -> _CavageSignature:
    return _parse_cavage_value(_bounded(fields, "signature") or "")


# The inbox reads the keyId before verifying (to fetch the key), then verifies: one parse for
# both. Pure and bounded (MAX_FIELD_CHARS); a refusal raises and is not cached.
@functools.lru_cache(maxsize=256)
def _parse_cavage_value(value: str) -> _CavageSignature:
    params: dict[str, str] = {}
    pos = 0
    while pos < len(value):
        match = _CAVAGE_PARAM.match(value, pos)
        if match is None:
            raise SignatureError(_F.MALFORMED, "signature header is malformed")
        name, quoted, token = match.groups()
        name = name.lower()
        if name in params:
            raise SignatureError(_F.MALFORMED, "signature header repeats a parameter")
        if quoted is not None and "\\" in quoted:  # escapes are rare: unescape only then
            quoted = _QUOTED_PAIR.sub(r"\1", quoted)
        params[name] = quoted if quoted is not None else token
        pos = match.end()
    key_id, signature = params.get("keyid"), params.get("signature")
    if not key_id:
        raise SignatureError(_F.MALFORMED, "signature has no keyId")
    if not signature:
        raise SignatureError(_F.MALFORMED, "signature has no signature value")
    # draft-cavage-12 §2.1.6: without `headers`, only `date` is covered (refused below).
    covered = tuple(params.get("headers", "date").lower().split())
    if len(covered) > MAX_COVERED:
        raise SignatureError(_F.MALFORMED, "signature covers too many headers")
    if len(set(covered)) != len(covered):
        raise SignatureError(_F.MALFORMED, "signature covers a header twice")
    # Absent means "from the key", like hs2019 (Mastodon's SignedRequest; Fedify ignores it).
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(_F.UNSUPPORTED, "unsupported algorithm (rsa-sha256 or hs2019 only)")
    return _CavageSignature(
        key_id=key_id,
        algorithm=algorithm,
        covered=covered,
        signature=_b64decode(signature, "signature value"),
        params=params,
    )


def _prepare_cavage(
    target: _Target,
    fields: dict[str, str],
    body: bytes,
    public_key_pem: str,
    now: datetime,
    window: timedelta,
) -> PendingSignature:
    sig = _parse_cavage(fields)
    covered = set(sig.covered)
    # Coverage: path, host and time always, body when there is one. Stricter than Mastodon
    # (which takes `digest` instead of `(request-target)`, and `host` only on GET) because
    # every signer we know covers all four, and they bind the signature to this request.
    for name in ("(request-target)", "host"):
        if name not in covered:
            raise SignatureError(_F.COVERAGE, f"signature does not cover {name}")
    if not covered & {"date", "(created)"}:
        raise SignatureError(_F.COVERAGE, "signature does not cover date")
    if body and "digest" not in covered:
        raise SignatureError(_F.COVERAGE, "signature does not cover digest")
    for name in sig.covered:
        if not name.startswith("(") and name not in fields:
            raise SignatureError(_F.MALFORMED, f"covered header {name[:40]!r} is missing")

    if "digest" in covered:
        _check_digest(_bounded(fields, "digest") or "", body)
    if _normal_authority(fields["host"], target.scheme) != target.authority:
        raise SignatureError(_F.INVALID, "host header does not match the request URL")

    times = []  # coverage above guarantees at least one
    if "date" in covered:
        times.append(_parse_http_date(_bounded(fields, "date") or ""))
        _check_window(times[-1], now, window, "date")
    if "(created)" in covered:
        times.append(_from_timestamp(_int_param(sig.params, "created"), "created"))
        _check_window(times[-1], now, window, "created")
    if "(expires)" in covered or "expires" in sig.params:
        if _from_timestamp(_int_param(sig.params, "expires"), "expires") < now:
            raise SignatureError(_F.TIME, "signature expired")
    # At this point the request is fresh and its body matches the digest it claims.

    key = _load_public_key(public_key_pem)
    if sig.algorithm == "rsa-sha256" and not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError(_F.UNSUPPORTED, "algorithm rsa-sha256 does not match the key type")
    # Mastodon signs the path with its query and also accepts it without; Fedify signs and
    # checks the path alone. Try the full target first, the bare path only if there is a query.
    variants = (True, False) if target.query is not None else (True,)
    # Once one of them verifies, the holder of the key signed this method, path, host, date
    # and digest.
    return PendingSignature(
        key, sig.signature,
        tuple(_cavage_signing_string(sig, target, fields, q) for q in variants),
        VerifiedSignature(sig.key_id, "cavage", sig.covered, times[-1]))


def _cavage_signing_string(
    sig: _CavageSignature, target: _Target, fields: dict[str, str], with_query: bool
) -> bytes:
    lines = []
    for name in sig.covered:
        if name == "(request-target)":
            value = target.request_target(with_query=with_query)
        elif name in ("(created)", "(expires)"):
            value = sig.params[name[1:-1]]
        elif name.startswith("("):
            raise SignatureError(_F.UNSUPPORTED, f"unsupported pseudo-header {name[:40]!r}")
        else:
            value = fields[name]
        lines.append(f"{name}: {value}")
    return _join_lines(lines)


def _int_param(params: dict[str, str], name: str) -> int:
    value = params.get(name, "")
    if not value.isascii() or not value.isdigit() or len(value) > 15:
        raise SignatureError(_F.MALFORMED, f"{name} parameter is not an integer")
    return int(value)


# Requests signed in the same second share their Date: parsed once (pure; refusals raise).
@functools.lru_cache(maxsize=64)
def _parse_http_date(value: str) -> datetime:
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        at = None
    if at is None:
        raise SignatureError(_F.MALFORMED, "date header is malformed")
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)


def _check_digest(value: str, body: bytes) -> None:
    """RFC 3230 `Digest`: every SHA-256/SHA-512 value offered must match; one must be offered."""
    checked = False
    for member in value.split(","):
        algorithm, _, encoded = member.strip().partition("=")
        hasher = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}.get(algorithm.lower())
        if hasher is None:
            continue
        if not hmac.compare_digest(_b64decode(encoded.strip(), "digest"), hasher(body).digest()):
            raise SignatureError(_F.DIGEST, "digest mismatch")
        checked = True
    if not checked:
        raise SignatureError(_F.DIGEST, "digest has no SHA-256 value")


# ---------------------------------------------------------------------------------------------
# RFC 9421 HTTP Message Signatures (requests only)


@dataclass(frozen=True, slots=True)
class _Rfc9421Signature:
    key_id: str
    covered: tuple[str, ...]
    params: dict[str, object]
    params_text: str  # the member of Signature-Input as sent, for "@signature-params"
    signature: bytes


def _parse_rfc9421(fields: dict[str, str]) -> _Rfc9421Signature:
    inputs = _parse_sf_dictionary(_bounded(fields, "signature-input") or "", "Signature-Input")
    signatures = _parse_sf_dictionary(_bounded(fields, "signature") or "", "Signature")
    # Verify the first label present in both (Fedify signs one, `sig1`); other labels, such as
    # one a proxy added, are ignored rather than required.
    label = next((name for name in inputs if name in signatures), None)
    if label is None:
        raise SignatureError(_F.MALFORMED, "no Signature matches a Signature-Input label")
    (members, params, params_text), (signature, _, _) = inputs[label], signatures[label]
    if not isinstance(members, list):
        raise SignatureError(_F.MALFORMED, "Signature-Input member is not an inner list")
    if not isinstance(signature, bytes):
        raise SignatureError(_F.MALFORMED, "Signature member is not a byte sequence")
    if len(members) > MAX_COVERED:
        raise SignatureError(_F.MALFORMED, "signature covers too many components")
    covered = []
    for name, component_params in members:
        if not isinstance(name, str) or name != name.lower():
            raise SignatureError(_F.MALFORMED, "component name is not a lower-case string")
        if component_params:  # ;sf ;key ;bs ;req ;tr: no peer of ours sends them
            raise SignatureError(_F.UNSUPPORTED, "component parameters are not supported")
        covered.append(name)
    if len(set(covered)) != len(covered):
        raise SignatureError(_F.MALFORMED, "signature covers a component twice")
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError(_F.MALFORMED, "signature has no keyid")
    return _Rfc9421Signature(key_id, tuple(covered), params, params_text, signature)


def _prepare_rfc9421(
    target: _Target,
    fields: dict[str, str],
    body: bytes,
    public_key_pem: str,
    now: datetime,
    window: timedelta,
) -> PendingSignature:
    sig = _parse_rfc9421(fields)
    covered = set(sig.covered)
    # Mastodon 4.5 requires @method and @target-uri; @authority with @path (or @request-target)
    # binds the same request. Unlike Fedify 2.3.6, a body must be bound by content-digest.
    if "@method" not in covered:
        raise SignatureError(_F.COVERAGE, "signature does not cover @method")
    if "@target-uri" not in covered and not (
        "@authority" in covered and covered & {"@path", "@request-target"}
    ):
        raise SignatureError(_F.COVERAGE, "signature does not cover @target-uri")
    if body and "content-digest" not in covered:
        raise SignatureError(_F.COVERAGE, "signature does not cover content-digest")
    if "content-digest" in covered:
        _check_content_digest(_bounded(fields, "content-digest"), body)

    if "created" not in sig.params:
        raise SignatureError(_F.MALFORMED, "signature has no created parameter")
    created_at = _from_timestamp(sig.params["created"], "created")
    _check_window(created_at, now, window, "created")
    if "expires" in sig.params and _from_timestamp(sig.params["expires"], "expires") < now:
        raise SignatureError(_F.TIME, "signature expired")
    # At this point the request is fresh and its body matches the digest it claims.

    key = _load_public_key(public_key_pem)
    alg = sig.params.get("alg")
    expected = {"rsa-v1_5-sha256": rsa.RSAPublicKey, "ed25519": ed25519.Ed25519PublicKey}
    if alg is not None and alg not in expected:
        raise SignatureError(_F.UNSUPPORTED, "unsupported alg (rsa-v1_5-sha256 or ed25519 only)")
    if alg is not None and not isinstance(key, expected[alg]):
        raise SignatureError(_F.UNSUPPORTED, f"alg {alg} does not match the key type")
    components = [(name, _component_value(name, target, fields)) for name in sig.covered]
    # Once it verifies, the holder of the key signed the covered components and parameters.
    return PendingSignature(key, sig.signature,
                            (_signature_base(components, sig.params_text),),
                            VerifiedSignature(sig.key_id, "rfc9421", sig.covered, created_at))


def _component_value(name: str, target: _Target, fields: dict[str, str]) -> str:
    derived = {
        "@method": target.method,
        "@target-uri": target.url,
        "@authority": target.authority,
        "@scheme": target.scheme,
        "@path": target.path,
        "@query": f"?{target.query or ''}",
        "@request-target": target.path + (f"?{target.query}" if target.query is not None else ""),
    }
    if name.startswith("@"):
        if name not in derived:
            raise SignatureError(_F.UNSUPPORTED, f"unsupported component {name[:40]!r}")
        return derived[name]
    if name not in fields:
        raise SignatureError(_F.MALFORMED, f"covered field {name[:40]!r} is missing")
    return fields[name]


def _signature_base(components: Iterable[tuple[str, str]], params_text: str) -> bytes:
    """RFC 9421 §2.5: one `"name": value` line per component, then `"@signature-params"`."""
    lines = [f'"{name}": {value}' for name, value in components]
    lines.append(f'"@signature-params": {params_text}')
    return _join_lines(lines)


def _check_content_digest(value: str | None, body: bytes) -> None:
    """RFC 9530: every sha-256/sha-512 member must match the body; one must be present."""
    if value is None:
        raise SignatureError(_F.MALFORMED, "covered field 'content-digest' is missing")
    checked = False
    for algorithm, (digest, _, _) in _parse_sf_dictionary(value, "Content-Digest").items():
        hasher = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}.get(algorithm)
        if hasher is None:
            continue
        if not isinstance(digest, bytes) or not hmac.compare_digest(digest, hasher(body).digest()):
            raise SignatureError(_F.DIGEST, "content-digest mismatch")
        checked = True
    if not checked:
        raise SignatureError(_F.DIGEST, "content-digest has no sha-256 value")


# ---------------------------------------------------------------------------------------------
# RFC 8941 structured fields: just enough of §4.2 to parse the three dictionaries above.

_SfBare = int | float | str | bytes | bool
_SfParams = dict[str, _SfBare]
_SfMember = _SfBare | list[tuple[_SfBare, _SfParams]]

_SF_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_SF_TOKEN = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*")
_SF_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,3})?")
_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_SF_BYTES = re.compile(r":([A-Za-z0-9+/=]*):")


class _SfSyntaxError(ValueError):
    pass


def _parse_sf_dictionary(text: str, field: str) -> dict[str, tuple[_SfMember, _SfParams, str]]:
    """Parse a Dictionary into {key: (member, params, member text as sent)}."""
    try:
        return _SfParser(text).dictionary()
    except _SfSyntaxError:
        raise SignatureError(_F.MALFORMED, f"{field} is not a valid structured field") from None


class _SfParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def dictionary(self) -> dict[str, tuple[_SfMember, _SfParams, str]]:
        result: dict[str, tuple[_SfMember, _SfParams, str]] = {}
        self._skip(" ")
        while self.pos < len(self.text):
            key = self._match(_SF_KEY).group()
            if key in result:  # RFC 8941 keeps the last; a repeated label smells of an attack
                raise _SfSyntaxError("duplicate key")
            start = self.pos
            if self._peek() == "=":
                self.pos += 1
                member: _SfMember = self._inner_list() if self._peek() == "(" else self._bare_item()
            else:
                member = True
            params = self._params()
            text = self.text[start + 1 : self.pos] if member is not True else ""
            result[key] = (member, params, text)
            self._skip(" \t")
            if self.pos == len(self.text):
                break
            self._expect(",")
            self._skip(" \t")
            if self.pos == len(self.text):
                raise _SfSyntaxError("trailing comma")
        return result

    def _inner_list(self) -> list[tuple[_SfBare, _SfParams]]:
        self._expect("(")
        items: list[tuple[_SfBare, _SfParams]] = []
        while True:
            self._skip(" ")
            if self._peek() == ")":
                self.pos += 1
                return items
            items.append((self._bare_item(), self._params()))
            if self._peek() not in (" ", ")"):
                raise _SfSyntaxError("bad inner list")

    def _params(self) -> _SfParams:
        params: _SfParams = {}
        while self._peek() == ";":
            self.pos += 1
            self._skip(" ")
            key = self._match(_SF_KEY).group()
            if self._peek() == "=":
                self.pos += 1
                params[key] = self._bare_item()
            else:
                params[key] = True
        return params

    def _bare_item(self) -> _SfBare:
        char = self._peek()
        if char == '"':
            return re.sub(r"\\(.)", r"\1", self._match(_SF_STRING).group(1))
        if char == ":":
            encoded = self._match(_SF_BYTES).group(1)
            try:
                return base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise _SfSyntaxError("bad byte sequence") from None
        if char == "?":
            value = self.text[self.pos + 1 : self.pos + 2]
            if value not in ("0", "1"):
                raise _SfSyntaxError("bad boolean")
            self.pos += 2
            return value == "1"
        if char == "-" or char.isdigit():
            number = self._match(_SF_NUMBER)
            return float(number.group()) if number.group(1) else int(number.group())
        return self._match(_SF_TOKEN).group()

    def _match(self, pattern: re.Pattern[str]) -> re.Match[str]:
        match = pattern.match(self.text, self.pos)
        if match is None:
            raise _SfSyntaxError("unexpected character")
        self.pos = match.end()
        return match

    def _peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise _SfSyntaxError(f"expected {char!r}")
        self.pos += 1

    def _skip(self, chars: str) -> None:
        while self._peek() and self._peek() in chars:
            self.pos += 1
