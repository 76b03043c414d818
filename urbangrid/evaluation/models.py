"""Evaluation (考评) storage: daily and monthly aggregates of counters computed from the
case event history, the incremental watermark, per-city scoring configuration and
background exports.

Aggregates hold counters only (never rates, scores or configuration), so changing the
weights or bands of a city never requires recomputing them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyCount(models.Model):
    """One counter of one evaluated object on one local (Asia/Shanghai) day."""

    day = models.DateField(_("day"))
    object_kind = models.CharField(_("object kind"), max_length=16)
    object_key = models.CharField(_("object key"), max_length=40)
    counter = models.CharField(_("counter"), max_length=32)
    value = models.IntegerField(_("value"), default=0)

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [
            models.UniqueConstraint(
                fields=["object_kind", "day", "object_key", "counter"], name="eval_daily_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.object_kind}:{self.object_key} {self.counter}={self.value}"


class MonthlyCount(models.Model):
    """The same counters rolled up per month (``month`` is the first day of the month)."""

    month = models.DateField(_("month"))
    object_kind = models.CharField(_("object kind"), max_length=16)
    object_key = models.CharField(_("object key"), max_length=40)
    counter = models.CharField(_("counter"), max_length=32)
    value = models.IntegerField(_("value"), default=0)

    class Meta:
        verbose_name = _("monthly count")
        verbose_name_plural = _("monthly counts")
        constraints = [
            models.UniqueConstraint(
                fields=["object_kind", "month", "object_key", "counter"],
                name="eval_monthly_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.object_kind}:{self.object_key} {self.counter}"


class Watermark(models.Model):
    """The last case event folded into the aggregates (one row, ``name="events"``)."""

    name = models.CharField(max_length=20, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_event_id}"


class ScoringConfig(models.Model):
    """Weights, count-score bands, grade bands and hotline definitions of one city
    (district code). Missing keys fall back to the published defaults
    (``indicators.DEFAULT_CONFIG``)."""

    district_code = models.CharField(_("district code"), max_length=6, unique=True)
    config: models.JSONField[Any] = models.JSONField(
        _("configuration"),
        default=dict,
        blank=True,
        help_text=_("Overrides of the default weights, bands and definitions (JSON)."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("scoring configuration")
        verbose_name_plural = _("scoring configurations")

    def __str__(self) -> str:
        return self.district_code


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ExportFormat(models.TextChoices):
    REPORT_PDF = "report_pdf", _("monthly report (PDF)")
    REPORT_XLSX = "report_xlsx", _("monthly report (Excel)")
    INDICATORS_CSV = "indicators_csv", _("indicator list (CSV)")
    INDICATORS_XLSX = "indicators_xlsx", _("indicator list (Excel)")


class Export(models.Model):
    """An export produced in the background, with progress and a download link."""

    format = models.CharField(_("format"), max_length=20, choices=ExportFormat.choices)
    params: models.JSONField[Any] = models.JSONField(_("parameters"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evaluation_exports"
    )
    created_at = models.DateTimeField(_("created at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.format} {self.status}"
