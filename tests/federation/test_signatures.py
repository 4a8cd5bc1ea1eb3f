"""federation.signatures: recorded vectors, round trips, tampering, policy and malformed input."""
from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from federation.signature_base import (
    MAX_COVERED,
    MAX_FIELD_CHARS,
    SignatureError,
    SignatureFailure,
    VerifiedSignature,
)
from federation.signatures import (
    content_digest_header,
    digest_header,
    parse_key_id,
    sign_request_cavage,
    sign_request_rfc9421,
    verify_request,
)

VECTORS_DIR = Path(__file__).parent.parent / "fixtures" / "http-signatures"
VECTORS = sorted(VECTORS_DIR.glob("*.json"))
WINDOW = timedelta(hours=1)
NOW = datetime(2026, 11, 27, 18, 1, 14, tzinfo=timezone.utc)
KEY_ID = "https://local.example/actors/debate#main-key"
INBOX = "https://remote.example/users/bob/inbox"
ACTIVITY = b'{"type":"Follow","actor":"https://local.example/actors/debate"}'
AS_JSON = {"Content-Type": "application/activity+json"}
SIGNERS = {"cavage": sign_request_cavage, "rfc9421": sign_request_rfc9421}

# reject_reasons in the vectors are prose; each phrase names one failure category.
REASON_CATEGORIES = {
    "does not match body": SignatureFailure.DIGEST,
    "before verify_at": SignatureFailure.TIME,
    "signature invalid": SignatureFailure.INVALID,
    "does not cover content-digest": SignatureFailure.COVERAGE,
}


def load_vector(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def verify_vector(vector: dict, *, window: timedelta = WINDOW) -> VerifiedSignature:
    return verify_request(
        method=vector["method"],
        url=vector["url"],
        headers=vector["headers"],
        body=None if vector["body"] is None else vector["body"].encode("utf-8"),
        public_key_pem=vector["public_key_pem"],
        now=datetime.fromisoformat(vector["verify_at"].replace("Z", "+00:00")),
        window=window,
    )


def pem_of(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> tuple[str, str]:
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private, public


@pytest.fixture(scope="module")
def rsa_pems() -> tuple[str, str]:
    return pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def ed25519_pems() -> tuple[str, str]:
    return pem_of(ed25519.Ed25519PrivateKey.generate())


def signed_request(
    scheme: str,
    pems: tuple[str, str],
    *,
    method: str = "POST",
    url: str = INBOX,
    body: bytes | None = ACTIVITY,
) -> list[tuple[str, str]]:
    """Headers as a sender would put them on the wire: its own, then the signer's."""
    own = dict(AS_JSON) if body is not None else {"Accept": "application/activity+json"}
    added = SIGNERS[scheme](
        method=method, url=url, headers=own, body=body, key_id=KEY_ID, private_key_pem=pems[0], now=NOW
    )
    return [*own.items(), *added.items()]


def verify(headers, pems, *, method="POST", url=INBOX, body=ACTIVITY, now=NOW) -> VerifiedSignature:
    return verify_request(
        method=method, url=url, headers=headers, body=body, public_key_pem=pems[1], now=now, window=WINDOW
    )


def replace_header(headers: list[tuple[str, str]], name: str, value: str | None) -> list[tuple[str, str]]:
    kept = [(k, v) for k, v in headers if k.lower() != name.lower()]
    return kept if value is None else [*kept, (name, value)]


def header(headers: list[tuple[str, str]], name: str) -> str:
    return next(v for k, v in headers if k.lower() == name.lower())


def failure_of(call) -> SignatureError:
    with pytest.raises(SignatureError) as caught:
        call()
    return caught.value


# --- recorded vectors --------------------------------------------------------------------------


def test_vector_fixtures_are_all_present():
    # Given the copied fixture folder / Then every vector of the 2026-11-27 recording is there
    assert len(VECTORS) >= 21


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_verify_request_gives_expected_verdict_for_recorded_vector(path):
    # Given a recorded (or tampered) request and the signer's public key
    vector = load_vector(path)

    # When it is verified at the vector's own clock
    if vector["expected_verdict"] == "accept":
        result = verify_vector(vector)

        # Then it is accepted and reports who signed what, and when
        assert result.key_id == vector["key_id"]
        assert result.scheme == ("rfc9421" if vector["scheme"] == "rfc9421" else "cavage")
        assert result.created_at == datetime.fromisoformat(vector["signed_at"].replace("Z", "+00:00"))
        return
    error = failure_of(lambda: verify_vector(vector))

    # Then it is refused for one of the reasons the vector lists
    allowed = {
        category
        for reason in vector["reject_reasons"]
        for phrase, category in REASON_CATEGORIES.items()
        if phrase in reason
    }
    assert len(allowed) >= len(vector["reject_reasons"]) > 0
    assert error.failure in allowed, str(error)


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_parse_key_id_returns_signer_key_for_recorded_vector(path):
    # Given a recorded request
    vector = load_vector(path)

    # When its key id is read before any key is fetched
    key_id = parse_key_id(vector["headers"])

    # Then it is the signer's key
    assert key_id == vector["key_id"]


@pytest.mark.parametrize(
    "name", ["cavage-post-follow.tampered-date-2d", "rfc9421-post-follow.tampered-created-2d"]
)
def test_verify_request_rejects_tampered_time_as_invalid_when_window_is_wide(name):
    # Given a vector whose signed time was edited, and a window wide enough to allow it
    vector = load_vector(VECTORS_DIR / f"{name}.json")

    # When it is verified
    error = failure_of(lambda: verify_vector(vector, window=timedelta(days=3)))

    # Then the signature itself fails: the time check is not the only protection
    assert error.failure is SignatureFailure.INVALID


@pytest.mark.parametrize(
    "name", ["cavage-post-follow.replayed-2d-later", "rfc9421-post-follow.replayed-2d-later"]
)
def test_verify_request_accepts_replayed_vector_when_window_is_wide(name):
    # Given a replayed vector, whose signature is valid but old
    vector = load_vector(VECTORS_DIR / f"{name}.json")

    # When it is verified with a window covering two days
    result = verify_vector(vector, window=timedelta(days=3))

    # Then it passes: only time made it fail above
    assert result.key_id == vector["key_id"]


def test_verify_request_accepts_headers_as_mapping_with_any_case():
    # Given a recorded request whose headers come as a dict, names upper-cased
    vector = load_vector(VECTORS_DIR / "cavage-post-follow.json")
    vector["headers"] = {name.upper(): value for name, value in vector["headers"]}

    # When it is verified / Then it is accepted
    assert verify_vector(vector).scheme == "cavage"


def test_digest_helpers_match_recorded_body_digest():
    # Given a recorded body and its SHA-256
    vector = load_vector(VECTORS_DIR / "rfc9421-post-follow.json")
    body = vector["body"].encode("utf-8")

    # When / Then the helpers produce the header values the peer sent
    assert digest_header(body) == "SHA-256=" + vector["body_sha256_b64"]
    assert content_digest_header(body) == dict(vector["headers"])["Content-Digest"]
    assert digest_header(b"") == "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


# --- our signers, checked independently ---------------------------------------------------------


def test_sign_request_cavage_signs_the_literal_mastodon_signing_string(rsa_pems):
    # Given a POST signed by our cavage signer
    added = sign_request_cavage(
        method="POST", url=INBOX, headers=AS_JSON, body=ACTIVITY, key_id=KEY_ID,
        private_key_pem=rsa_pems[0], now=NOW,
    )

    # When the signing string is rebuilt by hand, as Mastodon's verifier does
    body_sha256 = base64.b64encode(hashlib.sha256(ACTIVITY).digest()).decode()
    signing_string = (
        "(request-target): post /users/bob/inbox\n"
        "host: remote.example\n"
        "date: Fri, 27 Nov 2026 18:01:14 GMT\n"
        f"digest: SHA-256={body_sha256}\n"
        "content-type: application/activity+json"
    )
    params = dict(re.findall(r'(\w+)="([^"]*)"', added["Signature"]))

    # Then the headers are the expected literals and the signature checks with cryptography
    assert added["Host"] == "remote.example"
    assert added["Date"] == "Fri, 27 Nov 2026 18:01:14 GMT"
    assert added["Digest"] == f"SHA-256={body_sha256}"
    assert params["keyId"] == KEY_ID
    assert params["algorithm"] == "rsa-sha256"
    assert params["headers"] == "(request-target) host date digest content-type"
    public = serialization.load_pem_public_key(rsa_pems[1].encode())
    public.verify(
        base64.b64decode(params["signature"]), signing_string.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


def test_sign_request_rfc9421_signs_the_literal_signature_base(rsa_pems):
    # Given a POST signed by our RFC 9421 signer
    added = sign_request_rfc9421(
        method="POST", url=INBOX, headers=None, body=ACTIVITY, key_id=KEY_ID,
        private_key_pem=rsa_pems[0], now=NOW,
    )

    # When the signature base is written out by hand (RFC 9421 §2.5)
    content_digest = "sha-256=:" + base64.b64encode(hashlib.sha256(ACTIVITY).digest()).decode() + ":"
    params = (
        '("@method" "@target-uri" "@authority" "content-digest")'
        f';created=1795802474;keyid="{KEY_ID}";alg="rsa-v1_5-sha256"'
    )
    base = (
        '"@method": POST\n'
        '"@target-uri": https://remote.example/users/bob/inbox\n'
        '"@authority": remote.example\n'
        f'"content-digest": {content_digest}\n'
        f'"@signature-params": {params}'
    )

    # Then the headers are the expected literals and the signature checks with cryptography
    assert added["Content-Digest"] == content_digest
    assert added["Signature-Input"] == f"sig1={params}"
    signature = re.fullmatch(r"sig1=:([A-Za-z0-9+/=]+):", added["Signature"]).group(1)
    public = serialization.load_pem_public_key(rsa_pems[1].encode())
    public.verify(base64.b64decode(signature), base.encode(), padding.PKCS1v15(), hashes.SHA256())


# --- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", INBOX, ACTIVITY),
        ("GET", "https://remote.example/users/bob", None),
        ("GET", "https://remote.example/users/bob/outbox?page=2&min_id=5", None),
        ("POST", "http://remote.example:8080/inbox", b""),
    ],
    ids=["post", "get", "get-with-query", "post-empty-body-with-port"],
)
def test_verify_request_accepts_our_own_signature(scheme, method, url, body, rsa_pems):
    # Given a request signed by our signer
    headers = signed_request(scheme, rsa_pems, method=method, url=url, body=body)

    # When it is verified with the matching public key
    result = verify(headers, rsa_pems, method=method, url=url, body=body)

    # Then it is accepted, as the scheme we used
    assert result == VerifiedSignature(
        key_id=KEY_ID, scheme=scheme, covered=result.covered, created_at=NOW
    )


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
def test_verify_request_accepts_our_own_signature_when_key_is_ed25519(scheme, ed25519_pems):
    # Given a request signed with an Ed25519 key (hs2019 / alg="ed25519")
    headers = signed_request(scheme, ed25519_pems)

    # When / Then it verifies with the Ed25519 public key
    assert verify(headers, ed25519_pems).scheme == scheme


# --- tampering -------------------------------------------------------------------------------------


def shift_date(headers):
    later = "Fri, 27 Nov 2026 18:01:15 GMT"
    return replace_header(headers, "Date", later)


def shift_created(headers):
    value = header(headers, "Signature-Input").replace("created=1795802474", "created=1795802475")
    return replace_header(headers, "Signature-Input", value)


TAMPERING = {
    "method": (dict(method="PUT"), None, SignatureFailure.INVALID),
    "path": (dict(url="https://remote.example/users/alice/inbox"), None, SignatureFailure.INVALID),
    "host": (dict(url="https://evil.example/users/bob/inbox"), "evil.example", SignatureFailure.INVALID),
    "body": (dict(body=ACTIVITY.replace(b"Follow", b"Delete")), None, SignatureFailure.DIGEST),
    "replay": (dict(now=NOW + timedelta(hours=2)), None, SignatureFailure.TIME),
}


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
@pytest.mark.parametrize("what", TAMPERING)
def test_verify_request_rejects_our_signature_when_request_is_tampered(scheme, what, rsa_pems):
    # Given a request we signed, then changed in transit
    changes, host, expected = TAMPERING[what]
    headers = signed_request(scheme, rsa_pems)
    if host is not None:
        headers = replace_header(headers, "Host", host)

    # When it is verified
    error = failure_of(lambda: verify(headers, rsa_pems, **changes))

    # Then it is refused for that reason
    assert error.failure is expected, str(error)


@pytest.mark.parametrize(("scheme", "tamper"), [("cavage", shift_date), ("rfc9421", shift_created)])
def test_verify_request_rejects_our_signature_when_signed_time_is_changed(scheme, tamper, rsa_pems):
    # Given a request whose signed time moved by one second
    headers = tamper(signed_request(scheme, rsa_pems))

    # When it is verified / Then the signature no longer holds
    assert failure_of(lambda: verify(headers, rsa_pems)).failure is SignatureFailure.INVALID


def test_verify_request_rejects_cavage_when_host_header_differs_from_url(rsa_pems):
    # Given a request signed for remote.example, presented to another host
    headers = signed_request("cavage", rsa_pems)

    # When it is verified at a URL on another host
    error = failure_of(lambda: verify(headers, rsa_pems, url="https://other.example/users/bob/inbox"))

    # Then it is refused as not meant for us
    assert error.failure is SignatureFailure.INVALID
    assert "host" in str(error)


def test_verify_request_rejects_when_key_is_another_actors(rsa_pems):
    # Given a request signed with one RSA key, and another RSA key
    headers = signed_request("cavage", rsa_pems)
    other = pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    # When it is verified with the other key / Then the signature fails
    assert failure_of(lambda: verify(headers, other)).failure is SignatureFailure.INVALID


# --- policy ----------------------------------------------------------------------------------------


def cavage_with(headers, /, **params: str | None) -> list[tuple[str, str]]:
    """Rewrite Signature parameters (None removes one); the signature stays as it was."""
    current = dict(re.findall(r'(\w+)="([^"]*)"', header(headers, "Signature")))
    current.update(params)
    value = ",".join(f'{k}="{v}"' for k, v in current.items() if v is not None)
    return replace_header(headers, "Signature", value)


@pytest.mark.parametrize(
    ("covered", "reason"),
    [
        (None, "does not cover (request-target)"),  # absent `headers` means just `date`
        ("host date digest", "does not cover (request-target)"),
        ("(request-target) date digest", "does not cover host"),
        ("(request-target) host digest", "does not cover date"),
        ("(request-target) host date", "does not cover digest"),
    ],
)
def test_verify_request_rejects_cavage_when_coverage_is_insufficient(covered, reason, rsa_pems):
    # Given a POST whose signature covers too little
    headers = cavage_with(signed_request("cavage", rsa_pems), headers=covered)

    # When it is verified
    error = failure_of(lambda: verify(headers, rsa_pems))

    # Then it is refused, naming what is missing
    assert error.failure is SignatureFailure.COVERAGE
    assert reason in str(error)


def test_verify_request_accepts_cavage_when_algorithm_is_absent(rsa_pems):
    # Given a valid signature without `algorithm` (not covered, so removable)
    headers = cavage_with(signed_request("cavage", rsa_pems), algorithm=None)

    # When / Then the algorithm comes from the key and it verifies
    assert verify(headers, rsa_pems).scheme == "cavage"


@pytest.mark.parametrize(
    ("algorithm", "pems_name"), [("rsa-sha512", "rsa_pems"), ("rsa-sha256", "ed25519_pems")]
)
def test_verify_request_rejects_cavage_when_algorithm_is_unsupported(algorithm, pems_name, request):
    # Given a signature naming an algorithm we do not verify, or one the key cannot do
    pems = request.getfixturevalue(pems_name)
    headers = cavage_with(signed_request("cavage", pems), algorithm=algorithm)

    # When / Then it is refused as unsupported
    assert failure_of(lambda: verify(headers, pems)).failure is SignatureFailure.UNSUPPORTED


def test_verify_request_accepts_cavage_when_signer_left_query_out(rsa_pems):
    # Given a GET signed Fedify's way: `(request-target)` without the query
    headers = signed_request("cavage", rsa_pems, method="GET", url="https://remote.example/outbox", body=None)

    # When it arrives at the URL with its query
    result = verify(headers, rsa_pems, method="GET", url="https://remote.example/outbox?page=2", body=None)

    # Then it is accepted (Mastodon's fallback too)
    assert result.scheme == "cavage"


def test_verify_request_rejects_cavage_when_query_is_changed(rsa_pems):
    # Given a GET signed with its query
    url = "https://remote.example/outbox?page=2"
    headers = signed_request("cavage", rsa_pems, method="GET", url=url, body=None)

    # When the query is changed / Then neither form of the target verifies
    error = failure_of(
        lambda: verify(headers, rsa_pems, method="GET", url=url.replace("2", "3"), body=None)
    )
    assert error.failure is SignatureFailure.INVALID


def test_verify_request_rejects_cavage_when_date_is_malformed(rsa_pems):
    # Given a signed request whose Date cannot be parsed
    headers = replace_header(signed_request("cavage", rsa_pems), "Date", "yesterday at noon")

    # When / Then it is refused as malformed
    error = failure_of(lambda: verify(headers, rsa_pems))
    assert error.failure is SignatureFailure.MALFORMED
    assert "date" in str(error)


def test_verify_request_rejects_cavage_when_digest_has_no_sha256(rsa_pems):
    # Given a Digest offering only MD5
    headers = replace_header(signed_request("cavage", rsa_pems), "Digest", "MD5=1B2M2Y8AsgTpgAmY7PhCfg==")

    # When / Then the body cannot be bound
    assert failure_of(lambda: verify(headers, rsa_pems)).failure is SignatureFailure.DIGEST


def test_verify_request_accepts_cavage_when_created_replaces_date(rsa_pems):
    # Given an hs2019 signature over `(created)` instead of Date (Mastodon accepts it)
    private = serialization.load_pem_private_key(rsa_pems[0].encode(), password=None)
    created = int(NOW.timestamp())
    digest = digest_header(ACTIVITY)
    signing_string = (
        f"(request-target): post /users/bob/inbox\n(created): {created}\n"
        f"host: remote.example\ndigest: {digest}"
    )
    signature = base64.b64encode(private.sign(signing_string.encode(), padding.PKCS1v15(), hashes.SHA256()))
    headers = [
        ("Host", "remote.example"),
        ("Digest", digest),
        ("Signature", f'keyId="{KEY_ID}",algorithm="hs2019",created={created},'
                      f'headers="(request-target) (created) host digest",signature="{signature.decode()}"'),
    ]

    # When / Then it verifies and reports the created time
    assert verify(headers, rsa_pems).created_at == NOW


def manual_rfc9421(pems, components: list[tuple[str, str]], params: str) -> list[tuple[str, str]]:
    """Sign an RFC 9421 request by hand, to reach shapes our signer never makes."""
    private = serialization.load_pem_private_key(pems[0].encode(), password=None)
    covered = " ".join(f'"{name}"' for name, _ in components)
    params_text = f"({covered}){params}"
    base = "\n".join([*(f'"{n}": {v}' for n, v in components), f'"@signature-params": {params_text}'])
    signature = private.sign(base.encode(), padding.PKCS1v15(), hashes.SHA256())
    fields = [(name, value) for name, value in components if not name.startswith("@")]
    return [*fields, ("Signature-Input", f"peer={params_text}"),
            ("Signature", f"peer=:{base64.b64encode(signature).decode()}:")]


def test_verify_request_accepts_rfc9421_without_alg_and_with_sha512_digest(rsa_pems):
    # Given a signature with no `alg`, binding the body with a SHA-512 Content-Digest only
    sha512 = base64.b64encode(hashlib.sha512(ACTIVITY).digest()).decode()
    components = [("@method", "POST"), ("@authority", "remote.example"), ("@path", "/users/bob/inbox"),
                  ("content-digest", f"sha-512=:{sha512}:")]
    headers = manual_rfc9421(rsa_pems, components, f';created={int(NOW.timestamp())};keyid="{KEY_ID}"')

    # When / Then the key type decides the algorithm, and it verifies
    assert verify(headers, rsa_pems).covered == ("@method", "@authority", "@path", "content-digest")


METHOD, TARGET = ("@method", "POST"), ("@target-uri", INBOX)
BOUND_BODY = [METHOD, TARGET, ("content-digest", content_digest_header(ACTIVITY))]


@pytest.mark.parametrize(
    ("components", "params", "expected", "reason"),
    [
        ([TARGET], "", SignatureFailure.COVERAGE, "@method"),
        ([METHOD, ("@authority", "remote.example")], "", SignatureFailure.COVERAGE, "@target-uri"),
        ([METHOD, TARGET], "", SignatureFailure.COVERAGE, "content-digest"),
        (BOUND_BODY, ";expires=1795802400", SignatureFailure.TIME, "expired"),
        (BOUND_BODY, ';alg="rsa-pss-sha512"', SignatureFailure.UNSUPPORTED, "alg"),
        ([*BOUND_BODY, ("@query-param", "?x")], "", SignatureFailure.UNSUPPORTED, "@query-param"),
    ],
    ids=["no-method", "no-target", "no-content-digest", "expired", "pss", "query-param"],
)
def test_verify_request_rejects_rfc9421_by_policy(components, params, expected, reason, rsa_pems):
    # Given a validly signed request that breaks one of our rules
    created = f';created={int(NOW.timestamp())};keyid="{KEY_ID}"'
    headers = manual_rfc9421(rsa_pems, components, created + params)

    # When it is verified
    error = failure_of(lambda: verify(headers, rsa_pems))

    # Then it is refused for that rule
    assert error.failure is expected
    assert reason in str(error)


def test_verify_request_rejects_rfc9421_without_created(rsa_pems):
    # Given a signature with no `created` (Mastodon requires it too)
    components = [("@method", "GET"), ("@target-uri", INBOX)]
    headers = manual_rfc9421(rsa_pems, components, f';keyid="{KEY_ID}"')

    # When / Then it is refused
    error = failure_of(lambda: verify(headers, rsa_pems, method="GET", body=None))
    assert error.failure is SignatureFailure.MALFORMED
    assert "created" in str(error)


def test_verify_request_prefers_rfc9421_when_signature_input_is_present(rsa_pems):
    # Given a request carrying RFC 9421 fields plus a stale cavage Date and Digest
    headers = signed_request("rfc9421", rsa_pems)
    headers += [("Date", "Mon, 01 Jan 2001 00:00:00 GMT"), ("Digest", "SHA-256=AAAA")]

    # When / Then it is verified as RFC 9421, ignoring the cavage fields
    assert verify(headers, rsa_pems).scheme == "rfc9421"
    assert parse_key_id(headers) == KEY_ID


# --- malformed input -------------------------------------------------------------------------------


def test_verify_request_rejects_unsigned_request(rsa_pems):
    # Given a request with no signature at all / When / Then it is refused as unsigned
    error = failure_of(lambda: verify(list(AS_JSON.items()), rsa_pems))
    assert error.failure is SignatureFailure.MISSING
    assert failure_of(lambda: parse_key_id([])).failure is SignatureFailure.MISSING


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
def test_verify_request_rejects_oversized_signature_header(scheme, rsa_pems):
    # Given a Signature header padded past the bound
    headers = signed_request(scheme, rsa_pems)
    padding_param = ',pad="' + "a" * MAX_FIELD_CHARS + '"'
    headers = replace_header(headers, "Signature", header(headers, "Signature") + padding_param)

    # When / Then it is refused before parsing
    error = failure_of(lambda: verify(headers, rsa_pems))
    assert error.failure is SignatureFailure.MALFORMED
    assert "too large" in str(error)


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
def test_verify_request_rejects_too_many_covered_components(scheme, rsa_pems):
    # Given a signature listing more components than we accept
    headers = signed_request(scheme, rsa_pems)
    names = [f"x-h{i}" for i in range(MAX_COVERED + 1)]
    if scheme == "cavage":
        headers = cavage_with(headers, headers=" ".join(names))
    else:
        covered = " ".join(f'"{n}"' for n in names)
        headers = replace_header(headers, "Signature-Input", f'sig1=({covered});created=1;keyid="k"')

    # When / Then it is refused as malformed
    error = failure_of(lambda: verify(headers, rsa_pems))
    assert error.failure is SignatureFailure.MALFORMED
    assert "too many" in str(error)


@pytest.mark.parametrize(
    "value",
    [
        'keyId="k",signature="not base64!"',
        'keyId="k",signature="abc',
        'keyId="k",keyId="j",signature="AAAA"',
        'keyId=,signature="AAAA",headers="(request-target) host date"',
        'signature="AAAA"',
        "sig1=:AAAA:",
        "\x00\x01",
    ],
)
def test_parse_key_id_rejects_malformed_cavage_header(value):
    # Given a Signature header that cannot be parsed / When / Then SignatureError, nothing else
    assert failure_of(lambda: parse_key_id([("Signature", value)])).failure is SignatureFailure.MALFORMED


@pytest.mark.parametrize(
    ("signature_input", "signature"),
    [
        ('sig1=("@method";created=1', "sig1=:AAAA:"),
        ('sig1=("@method");created=1;keyid="k"', "sig1=:not base64:"),
        ('sig1=("@method");created=1;keyid="k"', 'sig1="AAAA"'),
        ('sig1=("@method");created=1;keyid="k"', "sig2=:AAAA:"),
        ('sig1="@method";created=1;keyid="k"', "sig1=:AAAA:"),
        ('sig1=("@method");created=1;keyid="k", sig1=("@path")', "sig1=:AAAA:"),
        ('sig1=("@method");created=1', "sig1=:AAAA:"),
        ('sig1=("@Method");created=1;keyid="k"', "sig1=:AAAA:"),
    ],
)
def test_parse_key_id_rejects_malformed_rfc9421_fields(signature_input, signature):
    # Given Signature-Input / Signature that do not make a signature
    headers = [("Signature-Input", signature_input), ("Signature", signature)]

    # When / Then SignatureError, nothing else
    assert failure_of(lambda: parse_key_id(headers)).failure is SignatureFailure.MALFORMED


MUTATION_ALPHABET = list('",=;:()\\ \t\x00é-9*?') + ["\ud800"]


def mutate(value: str, rng: random.Random) -> str:
    """One random edit: truncate, replace, insert, delete or repeat a span."""
    i = rng.randrange(len(value) + 1)
    j = min(len(value), i + rng.randrange(1, 40))
    choice = rng.randrange(6)
    if choice == 0:
        return value[:i]
    if choice == 1:
        return value[:i] + rng.choice(MUTATION_ALPHABET) + value[i + 1 :]
    if choice == 2:
        return value[:i] + "".join(rng.choices(MUTATION_ALPHABET, k=rng.randrange(1, 5))) + value[i:]
    if choice == 3:
        return value[:i] + value[j:]
    if choice == 4:
        return value[:i] + value[i:j] * rng.randrange(2, 5) + value[j:]
    return value[:i] + base64.b64encode(rng.randbytes(rng.randrange(1, 30))).decode() + value[j:]


@pytest.mark.parametrize(
    "name", ["cavage-post-follow", "rfc9421-post-follow", "rfc9421-get-actor", "python-rfc9421-hms-post"]
)
def test_verify_request_raises_only_signature_error_when_fields_are_mangled(name):
    # Given a recorded request whose signature-related fields get random edits
    vector = load_vector(VECTORS_DIR / f"{name}.json")
    targets = {"signature", "signature-input", "digest", "content-digest", "date", "host"}
    rng = random.Random(f"thc-{name}")
    outcomes = set()
    for _ in range(400):
        headers = [list(pair) for pair in vector["headers"]]
        for pair in rng.sample([p for p in headers if p[0].lower() in targets], k=rng.randrange(1, 3)):
            pair[1] = mutate(pair[1], rng)
        mangled = dict(vector, headers=[tuple(pair) for pair in headers])

        # When it is read and verified
        try:
            parse_key_id(mangled["headers"])
            verify_vector(mangled)
            outcomes.add("accepted")
        except SignatureError as error:
            outcomes.add(error.failure)

    # Then every outcome was a verdict (no other exception escaped), mostly refusals
    assert SignatureFailure.MALFORMED in outcomes
    assert len(outcomes - {"accepted"}) >= 3


def test_the_signature_parameter_pattern_reads_what_the_plain_grammar_reads():
    # _CAVAGE_PARAM's quoted value is written unrolled for speed; it must accept and capture
    # exactly what the textbook form of the grammar does, escapes and broken quoting included.
    import itertools
    import re

    from federation import signature_cavage

    textbook = re.compile(
        r'[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))[ \t]*(?:,|\Z)')
    alphabet = ['a', '"', '\\', ',', ' ', '=']
    for size in range(0, 6):
        for chars in itertools.product(alphabet, repeat=size):
            for value in ('k="' + "".join(chars), 'k="' + "".join(chars) + '"',
                          "k=" + "".join(chars)):
                ours, theirs = signature_cavage._CAVAGE_PARAM.match(value), textbook.match(value)
                assert (ours and (ours.groups(), ours.end())) == \
                    (theirs and (theirs.groups(), theirs.end())), value
