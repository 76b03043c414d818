"""The spatial model of the grid method (网格化城市管理).

A district (区, GB/T 2260 six-digit code) is divided into streets (街道, three more digits),
streets into communities (社区, three more) and communities into unit grids (单元网格,
three more: fifteen digits in all, ~100 m × 100 m). Unit grids are versioned: a change
closes the old row (``valid_to``) and adds a new one; rows are never edited in place.

Geometry is kept as GeoJSON (WGS84 longitude/latitude) with a bounding box in plain
columns, so SQLite and PostgreSQL behave the same and bounding-box queries use indexes.
Point-in-polygon work happens in process on Shapely's STRtree (see ``locate.py``).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Area(models.Model):
    """Common columns of every administrative area and grid."""

    code = models.CharField(_("code"), max_length=15)
    name = models.CharField(_("name"), max_length=100)
    geometry: models.JSONField[Any] = models.JSONField(
        _("geometry (GeoJSON, WGS84)"), null=True, blank=True
    )
    min_lng = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lng = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    centre_lng = models.FloatField(null=True, blank=True)
    centre_lat = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class District(Area):
    """A district (区/县): GB/T 2260 six-digit administrative division code."""

    city_name = models.CharField(_("city"), max_length=100, blank=True)
    geometry_from_grids = models.BooleanField(
        _("geometry derived from grids"),
        default=False,
        help_text=_(
            "Set when the boundary is the union of the district's grids. A declared boundary "
            "(this flag off) is kept on grid import and bounds the grids that may be imported."
        ),
    )

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="district_code_unique"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{6}$"), name="district_code_6_digits"
            ),
        ]


class Street(Area):
    """A street (街道/镇/乡): district code + three digits (GB/T 10114)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="streets")

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="street_code_unique"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{9}$"), name="street_code_9_digits"
            ),
        ]


class Community(Area):
    """A community (社区/村): street code + three digits."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="communities")

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="community_code_unique"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{12}$"), name="community_code_12_digits"
            ),
        ]


class UnitGridQuerySet(models.QuerySet["UnitGrid"]):
    def current(self) -> UnitGridQuerySet:
        """Grids in force today (``valid_to`` empty)."""
        return self.filter(valid_to__isnull=True)


class UnitGrid(Area):
    """A unit grid (单元网格): community code + three-digit sequence, 15 digits.

    Versioned: ``valid_from``/``valid_to`` (dates, local). At most one current version
    per code.
    """

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="grids")
    area_m2 = models.FloatField(_("area (m²)"), default=0)
    land_use = models.CharField(_("land use"), max_length=20, blank=True)
    management_level = models.CharField(_("management level"), max_length=20, blank=True)
    responsible_party = models.CharField(_("responsible party"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = UnitGridQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit grid")
        verbose_name_plural = _("unit grids")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="grid_code_version_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_to__isnull=True), name="grid_one_current_version"
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{15}$"), name="grid_code_15_digits"
            ),
        ]
        indexes = [models.Index(fields=["min_lng", "min_lat"], name="grid_bbox_idx")]


class Place(models.Model):
    """An address or point of interest (地址/兴趣点) of the gazetteer, for address search."""

    class Kind(models.TextChoices):
        ADDRESS = "address", _("address")
        POI = "poi", _("point of interest")
        ROAD = "road", _("road")

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="places")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ADDRESS)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lng = models.FloatField()
    lat = models.FloatField()
    grid_code = models.CharField(max_length=15, blank=True)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        indexes = [models.Index(fields=["name"], name="place_name_idx")]

    def __str__(self) -> str:
        return self.name
