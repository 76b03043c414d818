"""The outbox's public face: queue a message, deliver what is due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from urbangrid.common import clock, writes
from urbangrid.outbox.models import Message, MessageStatus
from urbangrid.outbox.senders import sender_for

MAX_ATTEMPTS = 8
BATCH_SIZE = 200


@dataclass(frozen=True)
class Outgoing:
    """A message to queue: ``dedupe_key`` makes queueing it again a no-op."""

    dedupe_key: str
    topic: str
    recipient: str
    payload: dict[str, Any]


def queue_messages(messages: list[Outgoing], *, at: dt.datetime | None = None) -> None:
    """Insert ``messages``; a dedupe key already present is silently skipped.

    Call inside the transaction of the change that caused them (transactional outbox).
    """
    if not messages:
        return
    moment = at or clock.now()
    writes.insert_many(
        [
            Message(
                dedupe_key=m.dedupe_key[:200],
                topic=m.topic,
                recipient=m.recipient,
                payload=m.payload,
                next_attempt_at=moment,
                created_at=moment,
            )
            for m in messages
        ],
        ignore_conflicts=True,
    )


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt: 1, 2, 4, … minutes, at most six hours."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def deliver_pending(*, limit: int = BATCH_SIZE) -> int:
    """Send due pending messages through their senders; returns how many were sent.

    Each message is claimed under a row lock (``SKIP LOCKED`` on PostgreSQL) so two
    workers never send the same message. A failure is retried with exponential backoff,
    and after ``MAX_ATTEMPTS`` the message is marked failed with its last error.
    """
    sent = 0
    now = clock.now()
    ids = list(
        Message.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    for message_id in ids:
        with transaction.atomic():
            message = (
                Message.objects.select_for_update(skip_locked=True)
                .filter(id=message_id, status=MessageStatus.PENDING)
                .first()
            )
            if message is None:
                continue
            message.attempts += 1
            try:
                sender_for(message.topic).send(message)
            except Exception as exc:  # a sender may fail in any way; record and retry
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = MessageStatus.FAILED
                else:
                    message.next_attempt_at = clock.now() + backoff(message.attempts)
            else:
                message.status = MessageStatus.SENT
                message.sent_at = clock.now()
                message.last_error = ""
                sent += 1
            message.save(
                update_fields=["attempts", "status", "next_attempt_at", "last_error", "sent_at"]
            )
    return sent
