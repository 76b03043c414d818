"""Open311 GeoReport v2: API keys of client systems and per-type extra questions.

Services are the active matter types of the catalogue (``catalog.CatalogType``); this app
adds only what the catalogue does not know: which systems may POST (``ApiKey``, each tied
to a source and revocable) and the extra questions a service definition asks
(``ServiceAttribute``, admin-configurable).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(models.Model):
    """A key a client system sends as ``api_key``. Only its hash is stored."""

    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(
        _("source"), max_length=100, help_text=_("Which system or app uses this key.")
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(_("key hint"), max_length=12, editable=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    department = models.ForeignKey(
        "organisations.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="open311_keys",
        help_text=_(
            "Set for a department's own system: it may then POST status updates "
            "(servicerequestupdates) on the cases dispatched to that department."
        ),
    )

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.source})"

    def set_key(self, raw: str) -> None:
        self.key_hash = hash_key(raw)
        self.key_hint = raw[:4] + "…"


class Datatype(models.TextChoices):
    STRING = "string", "string"
    NUMBER = "number", "number"
    DATETIME = "datetime", "datetime"
    TEXT = "text", "text"
    SINGLEVALUELIST = "singlevaluelist", "singlevaluelist"
    MULTIVALUELIST = "multivaluelist", "multivaluelist"


class ServiceAttribute(models.Model):
    """An extra question of a service definition. ``catalog_type`` empty = every service."""

    catalog_type = models.ForeignKey(
        "catalog.CatalogType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="open311_attributes",
    )
    code = models.SlugField(_("code"), max_length=50)
    variable = models.BooleanField(_("user input"), default=True)
    datatype = models.CharField(_("datatype"), max_length=16, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    datatype_description = models.CharField(_("input hint"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    description = models.CharField(_("question"), max_length=300)
    values: models.JSONField[Any] = models.JSONField(
        _("values"), default=list, blank=True, help_text=_('[{"key": "1", "name": "…"}]')
    )
    automated = models.CharField(
        _("automated"),
        max_length=16,
        blank=True,
        choices=[("server_set", "server_set"), ("hidden_field", "hidden_field")],
    )
    updated_at = models.DateTimeField(auto_now=True)
    applies_to_components = models.BooleanField(
        _("only for component matters"),
        default=False,
        help_text=_("Ask only for matters about a component (…异常)."),
    )

    class Meta:
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["catalog_type", "code"], name="o311_attr_code_unique")
        ]

    def __str__(self) -> str:
        return self.code


class RequestRecord(models.Model):
    """What Open311 adds to a case it created: the key and source that sent it, the token,
    the answers to the definition's questions and the duplicates suggested at intake."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="open311_request"
    )
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True)
    source = models.CharField(_("source"), max_length=100)
    token = models.CharField(_("token"), max_length=40, unique=True)
    address_id = models.CharField(_("address id"), max_length=50, blank=True)
    media_url = models.URLField(_("media URL given"), max_length=500, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    attributes: models.JSONField[Any] = models.JSONField(_("attributes"), default=dict)
    service_notice = models.CharField(_("service notice"), max_length=500, blank=True)
    duplicates: models.JSONField[Any] = models.JSONField(
        _("possible duplicates"), default=list, blank=True
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")

    def __str__(self) -> str:
        return f"{self.case_id} via {self.source}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed (gave up)")
    STUCK = "stuck", _("stuck (failing, alerted, still retried)")
    CANCELLED = "cancelled", _("cancelled (case no longer with the department)")


class Delivery(models.Model):
    """One case sent to a department's own Open311 system, with its own send state.

    Separate from the case's status: a case is dispatched (派遣) whether or not its
    delivery to the department system has gone through yet.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="deliveries")
    department = models.ForeignKey(
        "organisations.Department", on_delete=models.CASCADE, related_name="open311_deliveries"
    )
    event_seq = models.PositiveIntegerField(_("dispatch event"))
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    first_failed_at = models.DateTimeField(_("failing since"), null=True, blank=True)
    alerted_at = models.DateTimeField(_("alerted at"), null=True, blank=True)
    external_id = models.CharField(_("their service_request_id"), max_length=100, blank=True)
    external_token = models.CharField(_("their token"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 delivery")
        verbose_name_plural = _("Open311 deliveries")
        constraints = [
            models.UniqueConstraint(fields=["case", "event_seq"], name="o311_delivery_once")
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="o311_delivery_due_idx"),
            models.Index(fields=["department", "external_id"], name="o311_delivery_ext_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.department_id} ({self.state})"


class InboundUpdate(models.Model):
    """A status update from a department system (POSTed or polled), recorded once per
    (origin, update_id) so applying the same update twice is a no-op."""

    origin = models.CharField(_("origin"), max_length=100)
    update_id = models.CharField(_("their update id"), max_length=100)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="open311_updates")
    status = models.CharField(_("status"), max_length=40)
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(_("updated at (theirs)"))
    actions: models.JSONField[Any] = models.JSONField(_("actions applied"), default=list)
    result = models.CharField(_("result"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("Open311 inbound update")
        verbose_name_plural = _("Open311 inbound updates")
        constraints = [
            models.UniqueConstraint(fields=["origin", "update_id"], name="o311_update_once")
        ]

    def __str__(self) -> str:
        return f"{self.origin}:{self.update_id} {self.status}"


class Poll(models.Model):
    """Where the poller of a department's ``servicerequestupdates`` feed stands."""

    department = models.OneToOneField(
        "organisations.Department", on_delete=models.CASCADE, related_name="open311_poll"
    )
    polled_until = models.DateTimeField(_("polled until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 poll")
        verbose_name_plural = _("Open311 polls")

    def __str__(self) -> str:
        return f"poll {self.department_id} until {self.polled_until}"
