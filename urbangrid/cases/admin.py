from django.contrib import admin

from urbangrid.cases.models import Case, CaseEvent


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin[Case]):
    """Read-only: cases change only through ``services.apply_action``."""

    list_display = ["number", "status", "matter", "department", "light", "created_at"]
    list_filter = ["status", "light", "channel"]
    search_fields = ["number", "address", "description"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin[CaseEvent]):
    list_display = ["case", "seq", "action", "from_status", "to_status", "actor", "at"]
    list_filter = ["action"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
