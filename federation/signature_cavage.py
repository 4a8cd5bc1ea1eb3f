"""draft-cavage-http-signatures-12 (Mastodon and most peers): parse a `Signature` header and
prepare its verification, Digest and Date included. Plain values in and out."""
from __future__ import annotations

import functools
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from cryptography.hazmat.primitives.asymmetric import rsa

from .signature_base import (
    MAX_COVERED,
    PendingSignature,
    SignatureError,
    Target,
    VerifiedSignature,
    b64decode,
    bounded,
    check_window,
    from_timestamp,
    join_lines,
    load_public_key,
    normal_authority,
    SignatureFailure as _F,
)

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


def parse_cavage(fields: dict[str, str]) -> _CavageSignature:
    return _parse_cavage_value(bounded(fields, "signature") or "")


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
        signature=b64decode(signature, "signature value"),
        params=params,
    )


def prepare_cavage(
    target: Target,
    fields: dict[str, str],
    body: bytes,
    public_key_pem: str,
    now: datetime,
    window: timedelta,
) -> PendingSignature:
    sig = parse_cavage(fields)
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
        _check_digest(bounded(fields, "digest") or "", body)
    if normal_authority(fields["host"], target.scheme) != target.authority:
        raise SignatureError(_F.INVALID, "host header does not match the request URL")

    times = []  # coverage above guarantees at least one
    if "date" in covered:
        times.append(_parse_http_date(bounded(fields, "date") or ""))
        check_window(times[-1], now, window, "date")
    if "(created)" in covered:
        times.append(from_timestamp(_int_param(sig.params, "created"), "created"))
        check_window(times[-1], now, window, "created")
    if "(expires)" in covered or "expires" in sig.params:
        if from_timestamp(_int_param(sig.params, "expires"), "expires") < now:
            raise SignatureError(_F.TIME, "signature expired")
    # At this point the request is fresh and its body matches the digest it claims.

    key = load_public_key(public_key_pem)
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
    sig: _CavageSignature, target: Target, fields: dict[str, str], with_query: bool
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
    return join_lines(lines)


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
        if not hmac.compare_digest(b64decode(encoded.strip(), "digest"), hasher(body).digest()):
            raise SignatureError(_F.DIGEST, "digest mismatch")
        checked = True
    if not checked:
        raise SignatureError(_F.DIGEST, "digest has no SHA-256 value")
