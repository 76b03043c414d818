"""Organisations: departments (部门), staff users with roles, inspectors' grids, and the
responsibility rules (责任规则) that say which department answers for what, where.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from urbangrid.common import clock
from urbangrid.organisations.uscc import uscc_error

# Which levels a department of each level may sit under (``None`` = no parent).
ALLOWED_PARENT_LEVELS: dict[str, frozenset[str | None]] = {
    "city": frozenset({"city", None}),
    "district": frozenset({"city", None}),
    "street": frozenset({"district", "city"}),
}
AREA_CODE_LENGTHS: dict[str, int] = {"district": 6, "street": 9, "community": 12, "grid": 15}


class Level(models.TextChoices):
    CITY = "city", _("city (市)")
    DISTRICT = "district", _("district (区)")
    STREET = "street", _("street (街道)")


class Role(models.TextChoices):
    """Roles of the two centres and the departments (see ``permissions.py``)."""

    INSPECTOR = "inspector", _("inspector (监督员)")
    OPERATOR = "operator", _("operator (受理员)")
    SHIFT_LEADER = "shift_leader", _("shift leader (值班长)")
    DISPATCHER = "dispatcher", _("dispatcher (派遣员)")
    HANDLER = "handler", _("department handler (部门处置人员)")
    DEPARTMENT_HEAD = "department_head", _("department head (部门负责人)")
    LEADER = "leader", _("leader (领导)")
    AUDITOR = "auditor", _("auditor (审计员)")
    ADMIN = "admin", _("administrator (系统管理员)")


class Department(models.Model):
    """A department or unit (部门/单位) identified by its unified social credit code
    (统一社会信用代码, USCC: 18 characters with a check character, GB 32100-2015)."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    district = models.ForeignKey(
        "geo.District", on_delete=models.PROTECT, null=True, blank=True, related_name="departments"
    )
    street = models.ForeignKey(
        "geo.Street", on_delete=models.PROTECT, null=True, blank=True, related_name="departments"
    )
    calendar = models.ForeignKey(
        "calendars.WorkCalendar", on_delete=models.PROTECT, null=True, blank=True
    )
    phone = models.CharField(_("duty phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The department's own system, if it speaks Open311 GeoReport v2: cases dispatched
    # here are POSTed to it and its status updates are polled back (``open311.delivery``).
    open311_url = models.URLField(
        _("Open311 endpoint"),
        blank=True,
        help_text=_("Base URL of the department system's GeoReport v2 endpoint (…/open311/v2)."),
    )
    open311_api_key = models.CharField(_("Open311 API key"), max_length=200, blank=True)
    open311_jurisdiction_id = models.CharField(
        _("Open311 jurisdiction id"), max_length=100, blank=True
    )
    open311_service_code_map: models.JSONField[Any] = models.JSONField(
        _("Open311 service code map"),
        default=dict,
        blank=True,
        help_text=_('Our matter code → their service_code, e.g. {"06010": "garbage"}.'),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Check the USCC and that the parent's level fits this department's level."""
        super().clean()
        errors: dict[str, str] = {}
        self.uscc = (self.uscc or "").strip().upper()
        reason = uscc_error(self.uscc)
        if reason is not None:
            errors["uscc"] = str(
                _("Unified social credit code %(code)s is invalid: %(reason)s")
                % {"code": self.uscc, "reason": reason}
            )
        parent_error = self._parent_error()
        if parent_error:
            errors["parent"] = parent_error
        if (
            self.street_id is not None
            and self.district_id is not None
            and self.street is not None
            and self.street.district_id != self.district_id
        ):
            errors["street"] = str(
                _("Street %(street)s is not in district %(district)s")
                % {
                    "street": self.street.code,
                    "district": self.district.code if self.district else "",
                }
            )
        if errors:
            raise ValidationError(errors)

    def _parent_error(self) -> str | None:
        allowed = ALLOWED_PARENT_LEVELS.get(self.level)
        parent = self.parent if self.parent_id is not None else None
        if allowed is None:
            return None
        parent_level = parent.level if parent is not None else None
        if parent_level not in allowed:
            if parent is None:
                return str(
                    _("A %(level)s unit (%(code)s) needs a parent of level %(allowed)s")
                    % {
                        "level": self.level,
                        "code": self.uscc,
                        "allowed": " or ".join(sorted(lv for lv in allowed if lv)),
                    }
                )
            return str(
                _(
                    "A %(level)s unit (%(code)s) cannot sit under %(parent)s "
                    "(%(parent_code)s, level %(parent_level)s); allowed: %(allowed)s"
                )
                % {
                    "level": self.level,
                    "code": self.uscc,
                    "parent": parent.name,
                    "parent_code": parent.uscc,
                    "parent_level": parent_level,
                    "allowed": ", ".join(sorted(lv or "none" for lv in allowed)),
                }
            )
        # No cycles: walk up from the parent and never meet ourselves.
        seen: set[int] = set()
        node = parent
        while node is not None and self.pk is not None:
            if node.pk == self.pk:
                return str(
                    _("Department %(code)s cannot be its own ancestor") % {"code": self.uscc}
                )
            if node.pk in seen:
                break
            seen.add(node.pk)
            node = node.parent
        return None


class User(AbstractUser):
    """A staff user. ``role`` decides what they may do; ``department`` and ``area_code``
    decide where (a department acts on its own cases; a street user within its street)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    area_code = models.CharField(
        _("area code"),
        max_length=15,
        blank=True,
        help_text=_("District (6), street (9) or community (12) code this user works in."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class InspectorGridQuerySet(models.QuerySet["InspectorGrid"]):
    def in_force_on(self, day: dt.date) -> InspectorGridQuerySet:
        """Assignments in force on ``day``: started on or before it, not ended by it."""
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day), started_on__lte=day)

    def current(self) -> InspectorGridQuerySet:
        """Assignments in force today (local day)."""
        return self.in_force_on(clock.today_local())

    def in_force_between(self, first: dt.date, last: dt.date) -> InspectorGridQuerySet:
        """Assignments in force on at least one day from ``first`` to ``last`` (inclusive)."""
        return self.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=first), started_on__lte=last
        ).exclude(ended_on=F("started_on"))


class CurrentInspectorGridManager(models.Manager["InspectorGrid"]):
    """``InspectorGrid.objects``: the assignments in force today, so every "which grids
    does this inspector patrol now" (access, task lists, notifications) reads today's.
    Not the default manager: Django's forms and serialisers must see every row."""

    def get_queryset(self) -> InspectorGridQuerySet:
        return InspectorGridQuerySet(self.model, using=self._db).current()


class InspectorGrid(models.Model):
    """An inspector's (监督员) patrol assignment (责任网格) to a unit grid, by code so it
    survives grid versions, from ``started_on`` until ``ended_on`` (the first day no
    longer patrolled; empty = still patrolled): half-open, as ``UnitGrid.valid_to``.

    History: reassigning ends the assignment (``services.end_assignment``) and adds a
    new one; rows are never deleted or moved. ``objects`` holds today's assignments;
    ``history`` (the default manager, so also ``user.grid_assignments``) every one, for
    the evaluation of past days (``evaluation.selectors``).
    """

    inspector = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grid_assignments")
    grid_code = models.CharField(_("grid code"), max_length=15)
    started_on = models.DateField(
        _("started on"),
        default=clock.today_local,
        help_text=_("The first day the inspector patrols the grid."),
    )
    ended_on = models.DateField(
        _("ended on"),
        null=True,
        blank=True,
        help_text=_("The first day the inspector no longer patrols the grid (empty: still)."),
    )

    objects = CurrentInspectorGridManager()
    history = InspectorGridQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspector grid")
        verbose_name_plural = _("inspector grids")
        # Every row, for Django's own use (admin forms, ``dumpdata``, related managers):
        # ``objects`` filters to today and would make ended rows invisible to them.
        default_manager_name = "history"
        constraints = [
            models.UniqueConstraint(
                fields=["inspector", "grid_code"],
                condition=Q(ended_on__isnull=True),
                name="inspector_grid_open_unique",
                violation_error_message=_(
                    "This inspector already has an open assignment to this grid."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="inspector_grid_ends_after_start",
                violation_error_message=_("An assignment cannot end before it starts."),
            ),
        ]
        indexes = [models.Index(fields=["grid_code"], name="inspector_grid_code_idx")]

    def __str__(self) -> str:
        return self.grid_code

    def clean(self) -> None:
        """Refuse an end before the start and an assignment that overlaps another of the
        same inspector and grid (one already in force on one of its days)."""
        super().clean()
        if self.started_on is None or self.inspector_id is None or not self.grid_code:
            return
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("An assignment cannot end before it starts.")})
        others = InspectorGrid.history.filter(
            inspector_id=self.inspector_id, grid_code=self.grid_code
        ).exclude(pk=self.pk)
        if self.ended_on is not None:
            others = others.filter(started_on__lt=self.ended_on)
        clash = (
            others.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=self.started_on))
            .exclude(ended_on=F("started_on"))
            .order_by("started_on")
            .first()
        )
        if clash is not None:
            raise ValidationError(
                _(
                    "%(inspector)s already patrols grid %(grid)s from %(start)s; "
                    "end that assignment first."
                )
                % {
                    "inspector": self.inspector.username,
                    "grid": self.grid_code,
                    "start": clash.started_on.isoformat(),
                }
            )


class AreaLevel(models.TextChoices):
    DISTRICT = "district", _("district")
    STREET = "street", _("street")
    COMMUNITY = "community", _("community")
    GRID = "grid", _("unit grid")


class Basis(models.TextChoices):
    """Why a department answers: as owner (属主) or as locality (属地)."""

    OWNER = "owner", _("owner (属主)")
    LOCALITY = "locality", _("locality (属地)")


class ResponsibilityRule(models.Model):
    """A responsibility rule: (type, area, priority) → department.

    ``catalog_type`` empty = any type; ``area_code`` is a district/street/community/grid
    code. Resolution applies "components: owner first, then locality; events: locality
    first, then owner" (部件先属主后属地, 事件先属地后属主), then the most specific area,
    then ``priority`` (lower first). See ``services.explain_responsibility``.
    """

    catalog_type = models.ForeignKey(
        "catalog.CatalogType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="responsibility_rules",
    )
    class_code = models.CharField(
        _("class code"), max_length=2, blank=True, help_text=_("Matches a whole class of types.")
    )
    area_level = models.CharField(_("area level"), max_length=10, choices=AreaLevel.choices)
    area_code = models.CharField(_("area code"), max_length=15)
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="responsibility_rules"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("responsibility rule")
        verbose_name_plural = _("responsibility rules")
        ordering = ["priority", "id"]
        indexes = [models.Index(fields=["area_code"], name="rule_area_idx")]

    def __str__(self) -> str:
        return (
            f"{self.catalog_type or self.class_code or '*'} @ {self.area_code} → {self.department}"
        )

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.catalog_type_id is not None and self.class_code:
            errors["class_code"] = str(_("Give a type or a class code, not both"))
        if self.class_code and (len(self.class_code) != 2 or not self.class_code.isdigit()):
            errors["class_code"] = str(_("A class code is 2 digits"))
        want = AREA_CODE_LENGTHS.get(self.area_level)
        if want is not None and (len(self.area_code) != want or not self.area_code.isdigit()):
            errors["area_code"] = str(
                _("A %(level)s code is %(n)d digits, got %(code)r")
                % {"level": self.area_level, "n": want, "code": self.area_code}
            )
        if errors:
            raise ValidationError(errors)


class ApiToken(models.Model):
    """An API token for machine clients. Only the SHA-256 of the key is stored; the raw
    key is shown once, when it is issued (``services.issue_token``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(_("key hash (SHA-256)"), max_length=64, unique=True)
    prefix = models.CharField(
        _("prefix"), max_length=12, blank=True, help_text=_("First characters, to recognise it.")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}".strip()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class LoginFailure(models.Model):
    """One failed sign-in, counted by the login throttle (``throttle.py``) per username
    and client address. Kept in the database so every process sees the same count."""

    username = models.CharField(_("username"), max_length=150)
    address = models.CharField(_("client address"), max_length=45, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [models.Index(fields=["username", "address", "at"], name="login_failure_idx")]

    def __str__(self) -> str:
        return f"{self.username} from {self.address or '?'} at {self.at}"
