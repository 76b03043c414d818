"""Signing and verification of exchange requests (pure: no database)."""

from __future__ import annotations

import pytest

from urbangrid.exchange import signing

NOW = 1_759_107_600.0
BODY = b'{"hello": "world"}'


def _signed(**overrides: object) -> dict[str, str]:
    values: dict[str, object] = {
        "key_id": "k1",
        "secret": "secret",
        "method": "POST",
        "path": "/exchange/v1/messages",
        "body": BODY,
        "now": NOW,
        "nonce": "0123456789abcdef",
    }
    values.update(overrides)
    return signing.sign(**values)  # type: ignore[arg-type]


def _verify(headers: dict[str, str], **overrides: object) -> None:
    values: dict[str, object] = {
        "secret": "secret",
        "method": "POST",
        "path": "/exchange/v1/messages",
        "body": BODY,
        "now": NOW,
    }
    values.update(overrides)
    signing.verify(signing.parse(headers), **values)  # type: ignore[arg-type]


def test_a_signed_request_verifies() -> None:
    _verify(_signed())


def test_the_signature_covers_method_path_timestamp_nonce_and_body() -> None:
    headers = _signed()
    canonical = b"POST\n/exchange/v1/messages\n1759107600\n0123456789abcdef\n" + (
        signing.body_digest(BODY).encode()
    )
    assert headers[signing.SIGNATURE] == signing.signature("secret", canonical)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"secret": "other"}, "bad_signature"),
        ({"method": "PUT"}, "bad_signature"),
        ({"path": "/exchange/v1/other"}, "bad_signature"),
        ({"body": b'{"hello": "there"}'}, "bad_signature"),
        ({"now": NOW + 301}, "stale"),
        ({"now": NOW - 301}, "stale"),
    ],
)
def test_any_change_is_refused(change: dict[str, object], code: str) -> None:
    with pytest.raises(signing.SignatureError) as caught:
        _verify(_signed(), **change)
    assert caught.value.code == code


def test_five_minutes_of_clock_skew_are_tolerated() -> None:
    _verify(_signed(), now=NOW + 300)
    _verify(_signed(), now=NOW - 300)


def test_a_tampered_timestamp_or_nonce_is_refused() -> None:
    headers = _signed()
    headers[signing.TIMESTAMP] = str(int(NOW) + 1)
    with pytest.raises(signing.SignatureError):
        _verify(headers)
    headers = _signed()
    headers[signing.NONCE] = "fedcba9876543210"
    with pytest.raises(signing.SignatureError):
        _verify(headers)


@pytest.mark.parametrize("missing", signing.HEADERS)
def test_a_missing_header_is_refused(missing: str) -> None:
    headers = _signed()
    del headers[missing]
    with pytest.raises(signing.SignatureError) as caught:
        signing.parse(headers)
    assert caught.value.code == "unsigned"


def test_header_names_are_case_insensitive() -> None:
    _verify({k.lower(): v for k, v in _signed().items()})


def test_a_short_nonce_is_refused() -> None:
    with pytest.raises(signing.SignatureError):
        signing.parse(_signed(nonce="short"))


def test_fresh_nonces_differ() -> None:
    first = signing.sign(key_id="k", secret="s", method="POST", path="/", body=b"", now=NOW)
    second = signing.sign(key_id="k", secret="s", method="POST", path="/", body=b"", now=NOW)
    assert first[signing.NONCE] != second[signing.NONCE]
