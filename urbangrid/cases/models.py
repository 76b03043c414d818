"""Cases (案件), their append-only history, their dispatches and their photos.

Only ``services.py`` changes a case's status (see ``workflow.py``). What configuration
said when it applied — the stage time limits in force — is copied onto the case, so
later edits never rewrite history.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Case as SqlCase
from django.db.models import F, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from urbangrid.cases.workflow import CaseStatus, ClosingType
from urbangrid.catalog.models import Grade
from urbangrid.organisations.models import Level


class Channel(models.TextChoices):
    """Where a report came from (案件来源)."""

    INSPECTOR = "inspector", _("inspector (监督员上报)")
    HOTLINE = "hotline", _("hotline (热线)")
    PUBLIC = "public", _("public (公众举报)")
    OPEN311 = "open311", _("Open311")
    OTHER = "other", _("other (其他)")


class RequestKind(models.TextChoices):
    """What a hotline caller asks for (诉求类型, 12345)."""

    CONSULTATION = "consultation", _("consultation (咨询)")
    HELP = "help", _("help (求助)")
    COMPLAINT = "complaint", _("complaint (投诉)")
    REPORT = "report", _("report (举报)")
    SUGGESTION = "suggestion", _("suggestion (建议)")


class Light(models.TextChoices):
    """Traffic light (红黄绿灯): share of the stage's time limit used."""

    GREEN = "green", _("green (< 80 %)")
    YELLOW = "yellow", _("yellow (80–100 %)")
    RED = "red", _("red (overdue)")


LIGHT_RANK = SqlCase(
    When(light=Light.RED, then=Value(0)),
    When(light=Light.YELLOW, then=Value(1)),
    When(light=Light.GREEN, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
"""Urgency of a light for sorting: red 0, yellow 1, green 2, none 3 (indexed for queues)."""

OPEN_STATUS_LIST = [
    s.value
    for s in CaseStatus
    if s not in (CaseStatus.CLOSED, CaseStatus.NOT_ACCEPTED, CaseStatus.CANCELLED)
]
"""The open statuses in the table's order (the list the queues filter on, as indexed)."""


class Case(models.Model):
    """A case (案件): one problem the city has decided to act on, from report to close."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Indexes of the foreign keys: ``matter`` is served by ``case_matter_point_idx``
    # (matter first), ``department`` and ``merged_into`` by partial indexes of the cases
    # that have one — a new case writes no entry in either.
    matter = models.ForeignKey(
        "catalog.CatalogType", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    component_ident = models.CharField(_("component id"), max_length=17, blank=True)
    grade = models.CharField(
        _("time-limit grade"), max_length=12, choices=Grade.choices, blank=True
    )
    filing_condition = models.CharField(
        _("filing condition (立案条件)"), max_length=200, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lng = models.FloatField(_("longitude (WGS84)"))
    lat = models.FloatField(_("latitude (WGS84)"))
    grid_code = models.CharField(_("unit grid"), max_length=15)
    community_code = models.CharField(_("community"), max_length=12)
    street_code = models.CharField(_("street"), max_length=9)
    district_code = models.CharField(_("district"), max_length=6)
    area_names: models.JSONField[Any] = models.JSONField(
        _("area names"), default=dict, blank=True, help_text=_("Names at the time of reporting.")
    )
    department = models.ForeignKey(
        "organisations.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        help_text=_("The department the case is with now."),
        db_index=False,
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_cases",
    )
    reporter_name = models.CharField(_("reporter name"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=30, blank=True)
    reporter_email = models.CharField(_("reporter e-mail"), max_length=254, blank=True)
    public_reply = models.TextField(_("public reply"), blank=True)
    request_kind = models.CharField(
        _("request kind"),
        max_length=12,
        choices=RequestKind.choices,
        blank=True,
        help_text=_("Hotline request kind (诉求类型); blank for grid reports."),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_reports",
        help_text=_("The case this duplicate report was merged into (合并)."),
        db_index=False,
    )
    support_count = models.PositiveIntegerField(
        _("support"), default=0, help_text=_("Repeat reports and calls attached (附议).")
    )
    level = models.CharField(
        _("level holding the case"),
        max_length=10,
        choices=Level.choices,
        default=Level.DISTRICT,
        help_text=_(
            "The street, district or city centre that holds the case now (提级 moves it up)."
        ),
    )
    origin_level = models.CharField(
        _("originating level"),
        max_length=10,
        choices=Level.choices,
        default=Level.DISTRICT,
        help_text=_("The level that filed the case: it checks and closes it."),
    )
    limits: models.JSONField[Any] = models.JSONField(
        _("time limits in force"),
        default=dict,
        help_text=_("Stage → {amount, unit}, copied at report and at filing."),
    )
    clocks: models.JSONField[Any] = models.JSONField(
        _("stage clocks"), default=dict, help_text=_("Stage → started, due, pauses, ended, light.")
    )
    stage = models.CharField(_("running stage"), max_length=10, blank=True)
    stage_due_at = models.DateTimeField(_("stage due at"), null=True, blank=True)
    expected_at = models.DateTimeField(_("case due at"), null=True, blank=True)
    light = models.CharField(_("light"), max_length=6, choices=Light.choices, blank=True)
    light_check_at = models.DateTimeField(
        _("light checked again at"),
        null=True,
        blank=True,
        help_text=_("When the light sweep looks at the case again: its light's next change."),
    )
    pending_request = models.CharField(
        _("pending request"), max_length=12, blank=True, help_text=_("extension or suspension")
    )
    pending: models.JSONField[Any] = models.JSONField(_("pending request data"), default=dict)
    check_passed = models.BooleanField(_("last check passed"), null=True, blank=True)
    counters: models.JSONField[Any] = models.JSONField(_("counters"), default=dict)
    closing_type = models.CharField(
        _("closing type"), max_length=10, choices=ClosingType.choices, blank=True
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    last_event_seq = models.PositiveIntegerField(_("last event number"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="case_cursor_idx"),
            # The light sweep's candidates (``services.sweep_lights``).
            models.Index(
                fields=["light_check_at"],
                condition=Q(light_check_at__isnull=False),
                name="case_light_check_idx",
            ),
            # By status: ``case_queue_urgency_idx`` (status first).
            models.Index(
                fields=["department"],
                condition=Q(department__isnull=False),
                name="case_department_idx",
            ),
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="case_merged_into_idx",
            ),
            models.Index(fields=["grid_code"], name="case_grid_idx"),
            models.Index(fields=["stage_due_at"], name="case_stage_due_idx"),
            models.Index(fields=["light"], name="case_light_idx"),
            models.Index(fields=["matter", "lat", "lng"], name="case_matter_point_idx"),
            # The workbench queues: a status, then red → yellow → green → none, soonest due
            # (ascending is NULLS LAST in PostgreSQL, matching the queue's ORDER BY).
            models.Index(
                F("status"),
                LIGHT_RANK,
                F("stage_due_at"),
                F("id"),
                name="case_queue_urgency_idx",
            ),
            # The map: open cases by position.
            models.Index(
                fields=["lng", "lat"],
                condition=~Q(status__in=["closed", "not_accepted", "cancelled"]),
                name="case_open_point_idx",
            ),
            # Queues of few cases among many of their statuses, each read in urgency order
            # from an index of only its cases: overdue (open and red), extension or
            # suspension asked, returned by a department.
            models.Index(
                LIGHT_RANK,
                F("stage_due_at"),
                F("id"),
                condition=Q(status__in=OPEN_STATUS_LIST, light="red"),
                name="case_overdue_idx",
            ),
            models.Index(
                LIGHT_RANK,
                F("stage_due_at"),
                F("id"),
                condition=Q(status__in=["dispatched", "handling"]) & ~Q(pending_request=""),
                name="case_requests_idx",
            ),
            models.Index(
                LIGHT_RANK,
                F("stage_due_at"),
                F("id"),
                condition=Q(status="to_dispatch", counters__has_key="misroutes"),
                name="case_returned_idx",
            ),
            # A department's queues: its cases of one status, in urgency order.
            models.Index(
                F("department"),
                F("status"),
                LIGHT_RANK,
                F("stage_due_at"),
                F("id"),
                condition=Q(status__in=["dispatched", "handling", "suspended"]),
                name="case_department_queue_idx",
            ),
            # Closed today (the overview).
            models.Index(
                fields=["closed_at"],
                condition=Q(closed_at__isnull=False),
                name="case_closed_at_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def needs_verification(self) -> bool:
        """Whether intake must verify (核实) before accepting: public-side reports only."""
        return self.channel != Channel.INSPECTOR and self.matter.needs_verification


class CaseNumberCounter(models.Model):
    """The last sequence number used per district and local day, locked to allocate."""

    district_code = models.CharField(max_length=6)
    on = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district_code", "on"], name="case_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.district_code} {self.on}: {self.last}"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a case event."""


class CaseEventQuerySet(models.QuerySet["CaseEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("case events are append-only")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("case events are append-only")


class CaseEvent(models.Model):
    """One step in a case's timeline. Append-only: never changed, never deleted."""

    # Found by case through the unique index (case, seq).
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    seq = models.PositiveIntegerField(_("sequence"))
    action = models.CharField(_("action"), max_length=24)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    actor_role = models.CharField(_("actor role"), max_length=20, blank=True)
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    is_public = models.BooleanField(_("shown to the public"), default=False)
    data: models.JSONField[Any] = models.JSONField(_("data"), default=dict)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq")]
        indexes = [models.Index(fields=["action", "at"], name="case_event_action_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("case events are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("case events are append-only")


class Dispatch(models.Model):
    """One dispatch (派遣) of a case to a department: who had it, from when."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="dispatches")
    department = models.ForeignKey(
        "organisations.Department", on_delete=models.PROTECT, related_name="dispatches"
    )
    at = models.DateTimeField(_("dispatched at"))
    event = models.OneToOneField(CaseEvent, on_delete=models.PROTECT, related_name="dispatch")

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        indexes = [models.Index(fields=["department", "case"], name="dispatch_dept_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.department_id} at {self.at}"


class CaseShare(models.Model):
    """A boundary case (跨区协调) shared with another district it concerns.

    The case stays one record in the district where it lies; coordination by the city
    writes one row per other district, so that district's centre sees the case (read
    only: the city holds it) for good, in its history too.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="shares")
    district_code = models.CharField(_("district"), max_length=6)
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, related_name="shares")

    class Meta:
        verbose_name = _("shared district")
        verbose_name_plural = _("shared districts")
        constraints = [
            models.UniqueConstraint(fields=["case", "district_code"], name="case_share_once")
        ]
        indexes = [models.Index(fields=["district_code"], name="case_share_district_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} shared with {self.district_code}"


class AttachmentKind(models.TextChoices):
    BEFORE = "before", _("before handling")
    AFTER = "after", _("after handling")
    REPORTER = "reporter", _("from the reporter")
    INSPECTOR = "inspector", _("from the inspector")
    DEPARTMENT = "department", _("from the department")


class Attachment(models.Model):
    """A photo of a case. Uploaded first, then tied to the event that cites it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"{self.kind} {self.file.name}"


# --- Open-case tallies (``tally.py``): what queue counts, the overview and the map read ------


class OpenCaseCount(models.Model):
    """Open cases per queue key. Written only by ``tally.compact`` and ``tally.rebuild``;
    read together with the journal (``OpenCaseChange``)."""

    # The grid code's street (its first nine digits), or the unit grid itself for the
    # cases waiting for an inspector on site (``tally.ON_SITE``).
    area = models.CharField(max_length=15)
    status = models.CharField(max_length=20)
    light = models.CharField(max_length=6, blank=True)
    department = models.IntegerField(default=0)  # the department holding the cases; 0: none
    returned = models.BooleanField(default=False)  # a department sent them back (misroutes)
    pending = models.BooleanField(default=False)  # an extension or suspension is asked
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "status", "light", "department", "returned", "pending"],
                name="open_count_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.status} {self.light}: {self.n}"


class OpenCaseCell(models.Model):
    """Open cases per map cell (``level``: the zoom whose 64-pixel cells these are), street
    and light, with the sums of their positions in micro-degrees."""

    level = models.PositiveSmallIntegerField()
    area = models.CharField(max_length=9)
    x = models.IntegerField()  # floor(lng / cell size)
    y = models.IntegerField()
    light = models.CharField(max_length=6, blank=True)
    n = models.BigIntegerField(default=0)
    lng_sum = models.BigIntegerField(default=0)
    lat_sum = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level", "area", "x", "y", "light"], name="open_cell_key"
            )
        ]
        indexes = [models.Index(fields=["level", "x", "y"], name="open_cell_xy_idx")]

    def __str__(self) -> str:
        return f"z{self.level} {self.x},{self.y} {self.area} {self.light}: {self.n}"


class OpenCaseChange(models.Model):
    """The tallies' journal: −1 for the key a case leaves, +1 for the key it enters,
    written in the transaction that changes the case (inserts only, no hot row) and folded
    into ``OpenCaseCount`` and ``OpenCaseCell`` by ``tally.compact``."""

    id = models.BigAutoField(primary_key=True)
    area = models.CharField(max_length=15)  # as ``OpenCaseCount.area``
    status = models.CharField(max_length=20)
    light = models.CharField(max_length=6, blank=True)
    department = models.IntegerField(default=0)
    returned = models.BooleanField(default=False)
    pending = models.BooleanField(default=False)
    x = models.IntegerField()  # the cell of the finest kept level
    y = models.IntegerField()
    lng_e6 = models.IntegerField()
    lat_e6 = models.IntegerField()
    n = models.SmallIntegerField()

    def __str__(self) -> str:
        return f"{self.n:+d} {self.area} {self.status} {self.light}"
