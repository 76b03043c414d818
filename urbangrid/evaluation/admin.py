from django.contrib import admin

from urbangrid.evaluation.models import Export, ScoringConfig


@admin.register(ScoringConfig)
class ScoringConfigAdmin(admin.ModelAdmin[ScoringConfig]):
    list_display = ("district_code", "updated_at")


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin[Export]):
    list_display = ("format", "status", "progress", "created_by", "created_at")
    list_filter = ("status", "format")
