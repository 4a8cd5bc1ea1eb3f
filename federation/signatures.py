"""HTTP request signatures, both ways: draft-cavage (Mastodon and most peers) and RFC 9421.
The public calls: read the keyId, verify (or prepare then check) a request, sign one. Plain
values in and out; no aiohttp here, and no crypto library but `cryptography`. The schemes live
in signature_cavage.py and signature_rfc9421.py, what they share in signature_base.py."""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from cryptography.hazmat.primitives.asymmetric import rsa

from .signature_base import (
    RFC9421_LABEL,
    Headers,
    PendingSignature,
    Target,
    VerifiedSignature,
    header_map,
    load_private_key,
    quotable,
    scheme_of,
    sign_bytes,
)
from .signature_cavage import parse_cavage, prepare_cavage
from .signature_rfc9421 import parse_rfc9421, prepare_rfc9421, signature_base

def parse_key_id(headers: Headers) -> str:
    """Return the keyId that claims to have signed the request, so its key can be fetched."""
    fields = header_map(headers)
    if scheme_of(fields) == "rfc9421":
        return parse_rfc9421(fields).key_id
    return parse_cavage(fields).key_id


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
    fields = header_map(headers)
    prepare = prepare_rfc9421 if scheme_of(fields) == "rfc9421" else prepare_cavage
    return prepare(Target.of(method, url), fields, body or b"", public_key_pem, now, window)


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
    key = load_private_key(private_key_pem)
    target = Target.of(method, url)
    content_type = header_map(headers or {}).get("content-type")
    date = format_datetime(now.astimezone(timezone.utc), usegmt=True)
    added = {"Host": target.authority, "Date": date}
    if body is not None:
        added["Digest"] = digest_header(body)
    values = {"(request-target)": target.request_target(with_query=True)}
    values.update((name.lower(), value) for name, value in added.items())
    if content_type is not None:
        values["content-type"] = content_type
    signing_string = "\n".join(f"{name}: {value}" for name, value in values.items())
    signature = base64.b64encode(sign_bytes(key, signing_string.encode()))
    algorithm = "rsa-sha256" if isinstance(key, rsa.RSAPrivateKey) else "hs2019"
    added["Signature"] = (
        f'keyId="{quotable(key_id)}",algorithm="{algorithm}",'
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
    key = load_private_key(private_key_pem)
    target = Target.of(method, url)
    content_type = header_map(headers or {}).get("content-type")
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
    params = f'({covered});created={int(now.timestamp())};keyid="{quotable(key_id)}";alg="{alg}"'
    base = signature_base(components.items(), params)
    added["Signature-Input"] = f"{RFC9421_LABEL}={params}"
    added["Signature"] = f"{RFC9421_LABEL}=:{base64.b64encode(sign_bytes(key, base)).decode()}:"
    return added


def digest_header(body: bytes) -> str:
    """The draft-cavage `Digest` value (RFC 3230) for a body: `SHA-256=<base64>`."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def content_digest_header(body: bytes) -> str:
    """The RFC 9530 `Content-Digest` value for a body: `sha-256=:<base64>:`."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
