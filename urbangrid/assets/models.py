"""The asset inventory (部件普查): component instances with their standard attributes.

Identifiers (管理部件标识码) are 17 digits in GB/T 47678.5-2026 (6 admin + 5 type + 6
serial) and 16 digits in the legacy CJ/T 214 generation (6 + 4 + 6). The 18 attributes of
GB/T 47678.5-2026 Table 2 are the columns below; local extension attributes go in ``extra``.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class ComponentStatus(models.TextChoices):
    """管理部件状态 (GLBJZT)."""

    INTACT = "intact", _("intact (完好)")
    DAMAGED = "damaged", _("damaged (破损)")
    LOST = "lost", _("lost (丢失)")
    ABANDONED = "abandoned", _("abandoned (废弃)")
    REMOVED = "removed", _("removed (移除)")


class Component(models.Model):
    """A component (部件): one public asset such as a manhole cover or a street lamp."""

    ident = models.CharField(_("component id (GLBJBSM)"), max_length=17, unique=True)
    component_type = models.ForeignKey(
        "catalog.CatalogType", on_delete=models.PROTECT, related_name="components"
    )
    name = models.CharField(_("name (GLBJMC)"), max_length=30)
    competent_code = models.CharField(_("competent dept. code (ZGBMDM)"), max_length=18)
    competent_name = models.CharField(_("competent dept. name (ZGBMMC)"), max_length=100)
    owner_code = models.CharField(_("owner code (QSDWDM)"), max_length=18, blank=True)
    owner_name = models.CharField(_("owner name (QSDWMC)"), max_length=100, blank=True)
    maintainer_code = models.CharField(_("maintainer code (YHDWDM)"), max_length=18, blank=True)
    maintainer_name = models.CharField(_("maintainer name (YHDWMC)"), max_length=100, blank=True)
    grid_code = models.CharField(_("unit grid (SZDYWGBSM)"), max_length=15)
    status = models.CharField(
        _("status (GLBJZT)"),
        max_length=10,
        choices=ComponentStatus.choices,
        default=ComponentStatus.INTACT,
    )
    initial_on = models.DateField(_("initial date (CSRQ)"))
    changed_on = models.DateField(_("change date (BGRQ)"), null=True, blank=True)
    data_source = models.CharField(_("data source (SJLY)"), max_length=30, blank=True)
    remark = models.CharField(_("remark (BZ)"), max_length=1000, blank=True)
    street_code = models.CharField(_("street code (SZJDDM)"), max_length=9, blank=True)
    street_name = models.CharField(_("street name (SZJDMC)"), max_length=50, blank=True)
    community_code = models.CharField(_("community code (SZSQDM)"), max_length=12, blank=True)
    community_name = models.CharField(_("community name (SZSQMC)"), max_length=50, blank=True)
    lng = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    extra: models.JSONField[Any] = models.JSONField(
        _("extension attributes"), default=dict, blank=True
    )

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        indexes = [
            models.Index(fields=["grid_code"], name="component_grid_idx"),
            models.Index(fields=["lng", "lat"], name="component_point_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ident} {self.name}"
