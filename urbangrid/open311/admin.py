from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from urbangrid.open311 import services
from urbangrid.open311.models import (
    ApiKey,
    Delivery,
    InboundUpdate,
    RequestRecord,
    ServiceAttribute,
)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    list_display = ["name", "source", "department", "key_hint", "last_used_at", "revoked_at"]
    list_filter = ["source"]
    raw_id_fields = ["department"]
    search_fields = ["name", "source"]
    readonly_fields = ["key_hint", "created_at", "last_used_at"]
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if not change:
            _key, raw = services.create_api_key(obj.name, obj.source)
            obj.pk = _key.pk
            messages.warning(
                request, _("New API key (shown once, copy it now): %(key)s") % {"key": raw}
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            services.revoke_api_key(key)


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin[ServiceAttribute]):
    list_display = [
        "code",
        "catalog_type",
        "datatype",
        "required",
        "order",
        "applies_to_components",
    ]
    list_filter = ["datatype", "required", "applies_to_components"]
    search_fields = ["code", "description", "catalog_type__name", "catalog_type__code"]
    raw_id_fields = ["catalog_type"]


@admin.register(RequestRecord)
class RequestRecordAdmin(admin.ModelAdmin[RequestRecord]):
    list_display = ["case", "source", "created_at", "service_notice"]
    list_filter = ["source"]
    search_fields = ["case__number", "token"]
    readonly_fields = [f.name for f in RequestRecord._meta.fields]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    """Send state of cases delivered to department systems (not the case status)."""

    list_display = ["case", "department", "state", "attempts", "next_attempt_at", "external_id"]
    list_filter = ["state", "department"]
    search_fields = ["case__number", "external_id"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry_now"]

    @admin.action(description=_("Retry now"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        from urbangrid.common.clock import now

        queryset.exclude(state="sent").update(state="pending", next_attempt_at=now())


@admin.register(InboundUpdate)
class InboundUpdateAdmin(admin.ModelAdmin[InboundUpdate]):
    list_display = ["origin", "update_id", "case", "status", "result", "received_at"]
    list_filter = ["origin", "status"]
    search_fields = ["update_id", "case__number"]
    readonly_fields = [f.name for f in InboundUpdate._meta.fields]
