"""Request signing for the exchange API (pure: no database).

Every request carries five headers::

    X-UG-Key-Id       the partner's key id
    X-UG-Timestamp    Unix seconds when the request was signed
    X-UG-Nonce        a fresh random string (16–64 characters) per request
    X-UG-Content-SHA256  hex SHA-256 of the body (of b"" for an empty body)
    X-UG-Signature    hex HMAC-SHA256(secret, canonical)

where ``canonical`` is the five lines ``METHOD``, ``PATH`` (with the query string, if
any), ``TIMESTAMP``, ``NONCE`` and ``CONTENT-SHA256`` joined by ``\\n``. The receiver
rejects a timestamp more than ``MAX_SKEW`` away from its clock and a nonce it has seen
(replay protection; ``services.check_request``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

MAX_SKEW = 300  # seconds: ±5 minutes
KEY_ID = "X-UG-Key-Id"
TIMESTAMP = "X-UG-Timestamp"
NONCE = "X-UG-Nonce"
DIGEST = "X-UG-Content-SHA256"
SIGNATURE = "X-UG-Signature"
HEADERS = (KEY_ID, TIMESTAMP, NONCE, DIGEST, SIGNATURE)


class SignatureError(Exception):
    """The request's signature headers are missing, malformed, stale or wrong."""

    def __init__(self, message: str, *, code: str = "bad_signature") -> None:
        super().__init__(message)
        self.code = code


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical(method: str, path: str, timestamp: str, nonce: str, digest: str) -> bytes:
    return "\n".join((method.upper(), path, timestamp, nonce, digest)).encode()


def signature(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(
    *,
    key_id: str,
    secret: str,
    method: str,
    path: str,
    body: bytes,
    now: float,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers that sign one request."""
    timestamp = str(int(now))
    nonce = nonce or secrets.token_hex(16)
    digest = body_digest(body)
    return {
        KEY_ID: key_id,
        TIMESTAMP: timestamp,
        NONCE: nonce,
        DIGEST: digest,
        SIGNATURE: signature(secret, canonical(method, path, timestamp, nonce, digest)),
    }


@dataclass(frozen=True)
class SignedRequest:
    """The signature headers of a request, parsed but not yet verified."""

    key_id: str
    timestamp: int
    nonce: str
    digest: str
    signature: str


def parse(headers: Mapping[str, str]) -> SignedRequest:
    """Read the signature headers (names case-insensitive); ``SignatureError`` if any
    is missing or malformed."""
    lower = {k.lower(): v for k, v in headers.items()}
    values = {name: lower.get(name.lower(), "").strip() for name in HEADERS}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise SignatureError(f"missing header {missing[0]}", code="unsigned")
    try:
        timestamp = int(values[TIMESTAMP])
    except ValueError as exc:
        raise SignatureError(f"{TIMESTAMP} is not Unix seconds") from exc
    nonce = values[NONCE]
    if not 16 <= len(nonce) <= 64 or not nonce.isascii() or not nonce.isprintable():
        raise SignatureError(f"{NONCE} must be 16–64 printable ASCII characters")
    return SignedRequest(
        key_id=values[KEY_ID],
        timestamp=timestamp,
        nonce=nonce,
        digest=values[DIGEST].lower(),
        signature=values[SIGNATURE].lower(),
    )


def verify(
    signed: SignedRequest, *, secret: str, method: str, path: str, body: bytes, now: float
) -> None:
    """Check freshness, body digest and signature (not the nonce: that needs memory)."""
    if abs(now - signed.timestamp) > MAX_SKEW:
        raise SignatureError(
            f"timestamp is more than {MAX_SKEW} s away from our clock", code="stale"
        )
    if not hmac.compare_digest(signed.digest, body_digest(body)):
        raise SignatureError("the body does not match its digest")
    expected = signature(
        secret, canonical(method, path, str(signed.timestamp), signed.nonce, signed.digest)
    )
    if not hmac.compare_digest(signed.signature, expected):
        raise SignatureError("signature does not match")
