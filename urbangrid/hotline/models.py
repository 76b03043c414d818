"""The hotline desk (12345/12319): calls and the knowledge base agents answer from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from urbangrid.cases.models import RequestKind


class KnowledgeEntry(models.Model):
    """A question the desk answers on the spot (咨询), editable in the admin."""

    title = models.CharField(_("title"), max_length=120)
    answer = models.TextField(_("answer"))
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("knowledge entry")
        verbose_name_plural = _("knowledge base")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Outcome(models.TextChoices):
    NEW_CASE = "new_case", _("new work order (新建工单)")
    SUPPORT = "support", _("attached to an open case (重复来电)")
    ANSWERED = "answered", _("answered on the spot (直接答复)")
    TRANSFERRED = "transferred", _("emergency transferred (转紧急热线)")


class EmergencyLine(models.TextChoices):
    POLICE = "110", _("110 police")
    FIRE = "119", _("119 fire")
    AMBULANCE = "120", _("120 ambulance")
    TRAFFIC = "122", _("122 traffic police")


class Call(models.Model):
    """One call taken at the desk. Caller name and number are personal data: shown only
    to roles holding ``VIEW_PERSONAL_DATA``."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    caller_name = models.CharField(_("caller name"), max_length=50, blank=True)
    caller_phone = models.CharField(_("caller number"), max_length=30, blank=True)
    request_kind = models.CharField(_("request kind"), max_length=12, choices=RequestKind.choices)
    text = models.TextField(_("what the caller said"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    lng = models.FloatField(_("longitude (WGS84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS84)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    knowledge = models.ForeignKey(
        KnowledgeEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answer = models.TextField(_("answer given"), blank=True)
    transferred_to = models.CharField(
        _("transferred to"), max_length=3, choices=EmergencyLine.choices, blank=True
    )
    created_at = models.DateTimeField(_("taken at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"call {self.pk} ({self.outcome})"


class CallbackAttempt(models.Model):
    """One call made for a callback (回访). A call that does not reach the requester stays
    here only, and the case stays in the callback list for a retry; the callback's result
    — reached, or the last allowed attempt failed — is the case's one ``callback`` event
    (what evaluation reads). ``case_seq`` is the case's last event number when the call
    was made: the attempts of the current callback are those made since the case last
    changed."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="callback_attempts"
    )
    case_seq = models.PositiveIntegerField(_("case event number"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("called at"))
    reached = models.BooleanField(_("reached"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("callback attempt")
        verbose_name_plural = _("callback attempts")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "case_seq"], name="hotline_attempt_case_idx")]

    def __str__(self) -> str:
        return f"callback attempt {self.pk} ({'reached' if self.reached else 'not reached'})"
