"""Intake: idempotency keys, tracking links, photo copies, rate counters and staff
notifications. The case itself lives in ``cases``; this app only records how it came in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """One submission key per user or source: a retry with the same key gets the first
    answer back instead of a second case. Written in the transaction that created the
    case, so a key exists exactly when its case does."""

    scope = models.CharField(_("scope"), max_length=64, help_text=_("user:<id>, public, …"))
    key = models.CharField(_("key"), max_length=64)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_code = models.PositiveSmallIntegerField(_("answer status"), default=0)
    response: models.JSONField[Any] = models.JSONField(_("answer"), default=dict)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="intake_idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope}/{self.key}"


class TrackingLink(models.Model):
    """The private, unguessable link a reporter follows their case by."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="tracking")
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("tracking link")
        verbose_name_plural = _("tracking links")

    def __str__(self) -> str:
        return f"{self.case_id}"


class PhotoCopy(models.Model):
    """What intake keeps beside an attachment: its public copy and thumbnail (both
    without any metadata) and the EXIF facts staff may see (position, time, device)."""

    attachment = models.OneToOneField(
        "cases.Attachment", on_delete=models.CASCADE, related_name="copies"
    )
    original_format = models.CharField(_("original format"), max_length=10)
    public_file = models.FileField(_("public copy"), upload_to="intake/public/%Y/%m/")
    thumbnail = models.FileField(_("thumbnail"), upload_to="intake/thumbs/%Y/%m/")
    exif: models.JSONField[Any] = models.JSONField(_("EXIF (staff only)"), default=dict)

    class Meta:
        verbose_name = _("photo copy")
        verbose_name_plural = _("photo copies")

    def __str__(self) -> str:
        return f"{self.attachment_id}"


class RateCounter(models.Model):
    """Requests per client and time window, in the database so that every gunicorn
    worker counts the same."""

    key = models.CharField(_("client"), max_length=80)
    window = models.BigIntegerField(_("window"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="intake_rate_unique")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}: {self.count}"


class StaffNotification(models.Model):
    """An in-app notification for one staff user (new task, light turning yellow/red)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    message_key = models.CharField(_("message"), max_length=200)
    topic = models.CharField(_("topic"), max_length=60)
    case_number = models.CharField(_("case"), max_length=32, blank=True)
    text = models.CharField(_("text"), max_length=300)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff notification")
        verbose_name_plural = _("staff notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "message_key"], name="staff_notification_once")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="staff_notification_unread")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.text}"
