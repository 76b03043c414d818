from django.contrib import admin

from urbangrid.hotline.models import Call, KnowledgeEntry


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
