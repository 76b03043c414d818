from django.contrib import admin

from urbangrid.outbox.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    list_display = ["topic", "recipient", "status", "attempts", "next_attempt_at", "created_at"]
    list_filter = ["status", "topic"]
    search_fields = ["dedupe_key", "recipient"]
    readonly_fields = [f.name for f in Message._meta.fields]
