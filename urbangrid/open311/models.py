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
