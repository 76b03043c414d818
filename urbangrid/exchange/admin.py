from django.contrib import admin

from urbangrid.exchange.models import ExchangeMessage, Partner, ReceivedMessage


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin[Partner]):
    list_display = ("name", "role", "base_url", "key_id", "area_code", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("name", "key_id", "base_url")


@admin.register(ExchangeMessage)
class ExchangeMessageAdmin(admin.ModelAdmin[ExchangeMessage]):
    list_display = ("message_id", "partner", "kind", "case", "state", "attempts", "created_at")
    list_filter = ("state", "kind", "partner")
    readonly_fields = ("message_id", "payload", "response", "last_error")
    raw_id_fields = ("case",)


@admin.register(ReceivedMessage)
class ReceivedMessageAdmin(admin.ModelAdmin[ReceivedMessage]):
    list_display = ("message_id", "partner", "kind", "case", "received_at")
    list_filter = ("kind", "partner")
    readonly_fields = ("message_id", "payload", "result")
    raw_id_fields = ("case",)
