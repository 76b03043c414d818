"""Admin for the asset inventory."""

from __future__ import annotations

from django.contrib import admin

from urbangrid.assets.models import Component


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin[Component]):
    list_display = ("ident", "name", "component_type", "status", "grid_code", "competent_name")
    search_fields = ("ident", "name", "grid_code", "competent_name", "competent_code")
    list_filter = ("status", "component_type__class_name", "data_source")
    list_select_related = ("component_type",)
    raw_id_fields = ("component_type",)
    date_hierarchy = "initial_on"
