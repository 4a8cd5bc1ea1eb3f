"""RFC 9421 HTTP Message Signatures (requests only): parse `Signature-Input` and `Signature`,
build the signature base and prepare its verification, Content-Digest included."""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from .signature_base import (
    MAX_COVERED,
    PendingSignature,
    SignatureError,
    Target,
    VerifiedSignature,
    bounded,
    check_window,
    from_timestamp,
    join_lines,
    load_public_key,
    SignatureFailure as _F,
)
from .structured_fields import SfMember, SfParams, SfParser, SfSyntaxError

@dataclass(frozen=True, slots=True)
class _Rfc9421Signature:
    key_id: str
    covered: tuple[str, ...]
    params: dict[str, object]
    params_text: str  # the member of Signature-Input as sent, for "@signature-params"
    signature: bytes


def parse_rfc9421(fields: dict[str, str]) -> _Rfc9421Signature:
    inputs = _parse_sf_dictionary(bounded(fields, "signature-input") or "", "Signature-Input")
    signatures = _parse_sf_dictionary(bounded(fields, "signature") or "", "Signature")
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


def prepare_rfc9421(
    target: Target,
    fields: dict[str, str],
    body: bytes,
    public_key_pem: str,
    now: datetime,
    window: timedelta,
) -> PendingSignature:
    sig = parse_rfc9421(fields)
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
        _check_content_digest(bounded(fields, "content-digest"), body)

    if "created" not in sig.params:
        raise SignatureError(_F.MALFORMED, "signature has no created parameter")
    created_at = from_timestamp(sig.params["created"], "created")
    check_window(created_at, now, window, "created")
    if "expires" in sig.params and from_timestamp(sig.params["expires"], "expires") < now:
        raise SignatureError(_F.TIME, "signature expired")
    # At this point the request is fresh and its body matches the digest it claims.

    key = load_public_key(public_key_pem)
    alg = sig.params.get("alg")
    expected = {"rsa-v1_5-sha256": rsa.RSAPublicKey, "ed25519": ed25519.Ed25519PublicKey}
    if alg is not None and alg not in expected:
        raise SignatureError(_F.UNSUPPORTED, "unsupported alg (rsa-v1_5-sha256 or ed25519 only)")
    if alg is not None and not isinstance(key, expected[alg]):
        raise SignatureError(_F.UNSUPPORTED, f"alg {alg} does not match the key type")
    components = [(name, _component_value(name, target, fields)) for name in sig.covered]
    # Once it verifies, the holder of the key signed the covered components and parameters.
    return PendingSignature(key, sig.signature,
                            (signature_base(components, sig.params_text),),
                            VerifiedSignature(sig.key_id, "rfc9421", sig.covered, created_at))


def _component_value(name: str, target: Target, fields: dict[str, str]) -> str:
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


def signature_base(components: Iterable[tuple[str, str]], params_text: str) -> bytes:
    """RFC 9421 §2.5: one `"name": value` line per component, then `"@signature-params"`."""
    lines = [f'"{name}": {value}' for name, value in components]
    lines.append(f'"@signature-params": {params_text}')
    return join_lines(lines)


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


def _parse_sf_dictionary(text: str, field: str) -> dict[str, tuple[SfMember, SfParams, str]]:
    """Parse a Dictionary into {key: (member, params, member text as sent)}."""
    try:
        return SfParser(text).dictionary()
    except SfSyntaxError:
        raise SignatureError(_F.MALFORMED, f"{field} is not a valid structured field") from None
