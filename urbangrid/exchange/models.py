"""Exchange with other platforms (平台对接): partners, messages out, messages in.

A ``Partner`` is another urbangrid (or compatible) platform: our parent (the city or
provincial platform we report to), a child (a district platform reporting to us) or a
peer (another city we hand cases to). Each holds the key id and shared secret that sign
requests both ways (``signing.py``).

``ExchangeMessage`` is the exchange outbox: one row per message to send, with its own
send state (pending → sent, or failed), attempts and next attempt — never a case status.
``ReceivedMessage`` records every message accepted from a partner by its id, so a
retried delivery is answered with the first result and changes nothing. ``UsedNonce``
remembers request nonces for the signature window (replay protection).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerRole(models.TextChoices):
    """What the partner is to us."""

    PARENT = "parent", _("parent (上级平台)")
    CHILD = "child", _("child (下级平台)")
    PEER = "peer", _("peer (同级平台)")


class MessageKind(models.TextChoices):
    CASE_REPORT = "case.report", _("case report to the parent (案件上报)")
    STATS_REPORT = "stats.report", _("statistics report to the parent (统计上报)")
    CASE_ASSIGN = "case.assign", _("case assigned to a child (案件交办)")
    CASE_HANDOVER = "case.handover", _("case handed over to a peer (案件移交)")


class Partner(models.Model):
    """Another platform we exchange messages with (对接平台)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    base_url = models.URLField(
        _("base URL"), help_text=_("Where its exchange API lives, e.g. https://city.example/")
    )
    key_id = models.CharField(_("key id"), max_length=64, unique=True)
    secret = models.CharField(
        _("shared secret"), max_length=128, help_text=_("HMAC-SHA256 key, both ways.")
    )
    role = models.CharField(_("role"), max_length=10, choices=PartnerRole.choices)
    area_code = models.CharField(
        _("area code"),
        max_length=15,
        blank=True,
        help_text=_("For a child: the district it runs (reports outside it are refused)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("exchange partner")
        verbose_name_plural = _("exchange partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class SendState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class ExchangeMessage(models.Model):
    """One message to one partner, with its own send state (the exchange outbox)."""

    message_id = models.UUIDField(_("message id"), default=uuid.uuid4, unique=True)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="sent_messages")
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exchange_messages",
    )
    payload: models.JSONField[Any] = models.JSONField(_("payload"), default=dict)
    state = models.CharField(
        _("send state"), max_length=10, choices=SendState.choices, default=SendState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    response: models.JSONField[Any] = models.JSONField(_("response"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("exchange message")
        verbose_name_plural = _("exchange messages")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="exchange_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.partner_id} ({self.state})"


class ReceivedMessage(models.Model):
    """A message accepted from a partner, by its id: receiving it again is a no-op."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="received_messages")
    message_id = models.UUIDField(_("message id"))
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices)
    payload: models.JSONField[Any] = models.JSONField(_("payload"), default=dict)
    result: models.JSONField[Any] = models.JSONField(_("result"), default=dict)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_exchange_messages",
    )
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("received exchange message")
        verbose_name_plural = _("received exchange messages")
        constraints = [
            models.UniqueConstraint(fields=["partner", "message_id"], name="exchange_received_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} ← {self.partner_id} {self.message_id}"


class UsedNonce(models.Model):
    """A request nonce seen from a partner within the signature window."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="nonces")
    nonce = models.CharField(_("nonce"), max_length=64)
    seen_at = models.DateTimeField(_("seen at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "nonce"], name="exchange_nonce_once")
        ]
        indexes = [models.Index(fields=["seen_at"], name="exchange_nonce_seen_idx")]

    def __str__(self) -> str:
        return self.nonce
