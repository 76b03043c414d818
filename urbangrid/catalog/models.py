"""The standard catalogue: component types (部件) and matter types (事件/事项).

GB/T 47678.5-2026 gives 153 component types and 250 matter types with five-digit codes
(two-digit class + three-digit subclass). The older CJ/T 214-2007 / GB/T 30428.2-2013
generation used four-digit codes (two + two). Both live side by side, each row tagged
with its ``standard``. Per-type configuration (needs verification 核实, needs check 核查,
stage time limits, filing 立案 and closing 结案 standards, active flag) is edited in admin.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Standard(models.TextChoices):
    GBT_47678_5_2026 = "GB/T 47678.5-2026", "GB/T 47678.5-2026"
    CJT_214_2007 = "CJ/T 214-2007", "CJ/T 214-2007"


class Kind(models.TextChoices):
    COMPONENT = "component", _("component (部件)")
    MATTER = "matter", _("matter (事项)")


class Stage(models.TextChoices):
    """Stages of the closed loop that carry a time limit."""

    ACCEPT = "accept", _("accept (受理)")
    VERIFY = "verify", _("verify (核实)")
    FILE = "file", _("file (立案)")
    DISPATCH = "dispatch", _("dispatch (派遣)")
    HANDLE = "handle", _("handle (处置)")
    CHECK = "check", _("check (核查)")
    CLOSE = "close", _("close (结案)")


class Grade(models.TextChoices):
    """Time-limit grade (处置时限等级) chosen at filing."""

    GENERAL = "general", _("general (一般性)")
    ENGINEERING = "engineering", _("engineering (工程性)")
    SPECIAL = "special", _("special (特殊性)")


class LimitUnit(models.TextChoices):
    WORKING_MINUTES = "working_minutes", _("working minutes")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_HOURS = "calendar_hours", _("calendar hours")
    CALENDAR_DAYS = "calendar_days", _("calendar days")


COMPONENT_CLASSES = frozenset({"01", "02", "03", "04", "05"})
"""GB/T 47678.5-2026 classes whose matters are component anomalies (部件异常)."""


class CatalogType(models.Model):
    """One standard type: a component type (部件类型) or a matter type (事项类型)."""

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    standard = models.CharField(_("standard"), max_length=30, choices=Standard.choices)
    code = models.CharField(_("code"), max_length=5)
    name = models.CharField(_("name"), max_length=60)
    class_code = models.CharField(_("class code"), max_length=2)
    class_name = models.CharField(_("class name"), max_length=30)
    plain_name = models.CharField(
        _("plain-language name"), max_length=60, blank=True, help_text=_("Shown to the public.")
    )
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        help_text=_("Provenance: alternative names, unconfirmed codes, local remarks."),
    )
    component_type = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="matters",
        help_text=_("For a “…异常” matter: the component type it concerns."),
    )
    successor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text=_("For a legacy code: the GB/T 47678.5-2026 type that replaces it."),
    )
    needs_verification = models.BooleanField(_("needs verification (核实)"), default=True)
    needs_check = models.BooleanField(_("needs check (核查)"), default=True)
    filing_standard = models.TextField(_("filing standard (立案标准)"), blank=True)
    closing_standard = models.TextField(_("closing standard (结案标准)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("catalogue type")
        verbose_name_plural = _("catalogue types")
        ordering = ["standard", "kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "kind", "code"], name="catalog_type_unique_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def concerns_component(self) -> bool:
        """Whether this type is a component type or a component anomaly (部件异常) matter.

        Such types follow "owner first, then locality" when assigning responsibility;
        behaviour matters (classes 06–10 of GB/T 47678.5-2026) follow "locality first".
        """
        if self.kind == Kind.COMPONENT or self.component_type_id is not None:
            return True
        return self.standard == Standard.GBT_47678_5_2026 and self.class_code in COMPONENT_CLASSES


class StageLimit(models.Model):
    """A stage time limit (时限). ``catalog_type`` empty = the default for every type;
    ``grade`` empty = every grade. The most specific row wins."""

    catalog_type = models.ForeignKey(
        CatalogType, on_delete=models.CASCADE, null=True, blank=True, related_name="limits"
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices, blank=True)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=16, choices=LimitUnit.choices)
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        help_text=_("Where the value comes from; seeded rows are configurable defaults."),
    )

    class Meta:
        verbose_name = _("stage time limit")
        verbose_name_plural = _("stage time limits")
        constraints = [
            models.UniqueConstraint(
                fields=["catalog_type", "stage", "grade"], name="stage_limit_unique"
            ),
            models.UniqueConstraint(
                fields=["stage", "grade"],
                condition=models.Q(catalog_type__isnull=True),
                name="stage_limit_default_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage}/{self.grade or '*'}: {self.amount} {self.unit}"
