"""The outbox (发件箱): messages waiting to leave the system, with their own send state.

Notifications and, later, deliveries to external systems (Open311 push, SMS, e-mail)
are rows here, written in the same transaction as the change that caused them, so a
message exists exactly when its cause committed. Delivery state (pending → sent, or
failed after retries) never mixes with case statuses. ``dedupe_key`` is unique: queueing
the same message twice is a no-op.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Message(models.Model):
    """One message to one recipient, e.g. ``department:12`` or ``user:5``."""

    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    topic = models.CharField(_("topic"), max_length=60)
    recipient = models.CharField(_("recipient"), max_length=100)
    payload: models.JSONField[Any] = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.recipient} ({self.status})"
