"""prepare_request: every check but the cryptographic one, whose verdict `check()` gives."""
from __future__ import annotations

import pytest

from federation.signature_base import SignatureError, SignatureFailure
from federation.signatures import prepare_request
from tests.federation.test_signatures import (  # noqa: F401 - fixture
    ACTIVITY,
    INBOX,
    KEY_ID,
    NOW,
    WINDOW,
    replace_header,
    rsa_pems,
    signed_request,
)


def _pending(headers, pems, body=ACTIVITY):
    return prepare_request(method="POST", url=INBOX, headers=headers, body=body,
                           public_key_pem=pems[1], now=NOW, window=WINDOW)


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
def test_prepared_request_checks_as_verify_request_does(scheme, rsa_pems):
    # Given a genuine request, and the same with another request's signature
    good = signed_request(scheme, rsa_pems)
    other = signed_request(scheme, rsa_pems, url=INBOX + "/other")
    name = "Signature"
    forged = replace_header(good, name, next(v for k, v in other if k == name))
    # When both are prepared and checked, Then the genuine one verifies, the forged one not
    assert _pending(good, rsa_pems).check().key_id == KEY_ID
    with pytest.raises(SignatureError) as caught:
        _pending(forged, rsa_pems).check()
    assert caught.value.failure is SignatureFailure.INVALID


def test_prepare_request_refuses_before_any_crypto_what_verify_request_refuses(rsa_pems):
    # Given a request whose body is not the one its digest was computed on
    headers = signed_request("cavage", rsa_pems)
    # When it is prepared, Then the digest refusal comes at once (no check() needed)
    with pytest.raises(SignatureError) as caught:
        _pending(headers, rsa_pems, body=ACTIVITY + b" ")
    assert caught.value.failure is SignatureFailure.DIGEST
