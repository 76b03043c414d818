"""Sending the exchange outbox: signed POSTs with retries, stdlib ``urllib`` only.

``send_due`` claims each due message with a conditional update (no transaction is held
open during the HTTP call), POSTs the envelope to the partner's
``/exchange/v1/messages``, and records the outcome on the message: sent (with the
partner's answer), retried later after an exponential backoff, or failed — after
``MAX_ATTEMPTS``, or at once when the partner refuses the message itself (a 4xx other
than 401, 408, 409 and 429). The envelope, and so its id, is the same on every attempt:
the partner applies it once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.db.models import F

from urbangrid.common import clock
from urbangrid.exchange import signing
from urbangrid.exchange.models import ExchangeMessage, SendState
from urbangrid.exchange.services import MESSAGES_PATH, WIRE_VERSION
from urbangrid.outbox.services import backoff

log = logging.getLogger("urbangrid.exchange")

MAX_ATTEMPTS = 10
LEASE = dt.timedelta(minutes=5)
TIMEOUT = 10.0
RETRYABLE_4XX = frozenset({401, 408, 409, 429})


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def envelope(message: ExchangeMessage) -> bytes:
    """The body sent for ``message``: identical on every attempt."""
    body = {
        "version": WIRE_VERSION,
        "id": str(message.message_id),
        "kind": message.kind,
        "sent_at": message.created_at.isoformat(),
        "payload": message.payload,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode()


def post_signed(
    url: str, body: bytes, *, key_id: str, secret: str, timeout: float = TIMEOUT
) -> dict[str, Any]:
    """POST ``body`` to ``url``, signed; the JSON answer, or ``DeliveryError``."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = signing.sign(
        key_id=key_id,
        secret=secret,
        method="POST",
        path=path,
        body=body,
        now=clock.now().timestamp(),
    )
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={**headers, "Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode(errors="replace")
        permanent = 400 <= exc.code < 500 and exc.code not in RETRYABLE_4XX
        raise DeliveryError(f"HTTP {exc.code}: {detail}", permanent=permanent) from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise DeliveryError("the answer is not JSON") from exc
    if not isinstance(answer, dict):
        raise DeliveryError("the answer is not a JSON object")
    return answer


def _claim(pk: int, now: dt.datetime) -> bool:
    claimed = ExchangeMessage.objects.filter(
        pk=pk, state=SendState.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    return claimed == 1


def send_one(message: ExchangeMessage) -> dict[str, Any]:
    partner = message.partner
    url = partner.base_url.rstrip("/") + MESSAGES_PATH
    return post_signed(url, envelope(message), key_id=partner.key_id, secret=partner.secret)


def send_due(*, limit: int = 100) -> int:
    """Send the due messages; returns how many were sent."""
    now = clock.now()
    ids = list(
        ExchangeMessage.objects.filter(state=SendState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in ids:
        if not _claim(pk, clock.now()):
            continue  # another worker has it
        message = ExchangeMessage.objects.select_related("partner").get(pk=pk)
        if not message.partner.is_active:
            _failed(message, "the partner is no longer active", permanent=True)
            continue
        try:
            answer = send_one(message)
        except DeliveryError as exc:
            _failed(message, str(exc), permanent=exc.permanent)
            continue
        message.state = SendState.SENT
        message.sent_at = clock.now()
        message.last_error = ""
        message.response = answer
        message.save(update_fields=["state", "sent_at", "last_error", "response"])
        sent += 1
    return sent


def _failed(message: ExchangeMessage, error: str, *, permanent: bool) -> None:
    message.last_error = error[:2000]
    if permanent or message.attempts >= MAX_ATTEMPTS:
        message.state = SendState.FAILED
        log.warning("exchange message %s failed for good: %s", message.message_id, error)
    else:
        message.next_attempt_at = clock.now() + backoff(message.attempts)
        log.info(
            "exchange message %s failed (attempt %s): %s",
            message.message_id,
            message.attempts,
            error,
        )
    message.save(update_fields=["last_error", "state", "next_attempt_at"])
