"""Admin for the catalogue: per-type configuration and stage time limits."""

from __future__ import annotations

from django.contrib import admin

from urbangrid.catalog.models import CatalogType, StageLimit


class StageLimitInline(admin.TabularInline[StageLimit, CatalogType]):
    model = StageLimit
    extra = 0
    fields = ("stage", "grade", "amount", "unit", "note")


@admin.register(CatalogType)
class CatalogTypeAdmin(admin.ModelAdmin[CatalogType]):
    list_display = (
        "code",
        "name",
        "kind",
        "class_name",
        "standard",
        "needs_verification",
        "needs_check",
        "is_active",
    )
    list_filter = (
        "standard",
        "kind",
        "class_code",
        "is_active",
        "needs_verification",
        "needs_check",
    )
    list_editable = ("needs_verification", "needs_check", "is_active")
    search_fields = ("code", "name", "plain_name", "keywords")
    list_select_related = ("component_type", "successor")
    readonly_fields = ("standard", "kind", "code", "class_code", "class_name")
    raw_id_fields = ("component_type", "successor")
    fieldsets = (
        (None, {"fields": ("standard", "kind", "code", "class_code", "class_name", "name")}),
        ("Names", {"fields": ("plain_name", "keywords", "note")}),
        ("Links", {"fields": ("component_type", "successor")}),
        (
            "Configuration",
            {
                "fields": (
                    "needs_verification",
                    "needs_check",
                    "filing_standard",
                    "closing_standard",
                    "is_active",
                )
            },
        ),
    )
    inlines = (StageLimitInline,)
    list_per_page = 100

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Codes are fixed once created (load_catalogue creates them); editable when adding.
        return self.readonly_fields if obj is not None else ()


@admin.register(StageLimit)
class StageLimitAdmin(admin.ModelAdmin[StageLimit]):
    list_display = ("__str__", "catalog_type", "stage", "grade", "amount", "unit", "note")
    list_filter = ("stage", "grade", "unit", ("catalog_type", admin.EmptyFieldListFilter))
    search_fields = ("catalog_type__code", "catalog_type__name", "note")
    list_select_related = ("catalog_type",)
    autocomplete_fields = ("catalog_type",)
