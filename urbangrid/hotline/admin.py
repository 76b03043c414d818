from django.contrib import admin
from django.http import HttpRequest

from urbangrid.hotline.models import Call, CallbackAttempt, KnowledgeEntry


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin[KnowledgeEntry]):
    list_display = ("title", "keywords", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("title", "keywords", "answer")


@admin.register(Call)
class CallAdmin(admin.ModelAdmin[Call]):
    list_display = ("id", "request_kind", "outcome", "case", "created_at")
    list_filter = ("request_kind", "outcome")
    exclude = ("caller_name", "caller_phone")
    readonly_fields = ("agent", "case", "knowledge", "created_at", "closed_at")


@admin.register(CallbackAttempt)
class CallbackAttemptAdmin(admin.ModelAdmin[CallbackAttempt]):
    """Callback (回访) calls, to read: the history is append-only (the desk writes it,
    ``hotline.services.record_callback``), so nobody adds, changes or deletes one here."""

    list_display = ("case", "at", "agent", "reached", "case_seq")
    list_filter = ("reached",)
    list_select_related = ("case", "agent")
    search_fields = ("case__number",)
    date_hierarchy = "at"
    fields = ("case", "case_seq", "agent", "at", "reached", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: CallbackAttempt | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: CallbackAttempt | None = None
    ) -> bool:
        return False
