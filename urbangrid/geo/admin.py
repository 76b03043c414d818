"""Admin for the spatial model. Grid geometry is read-only: new shapes come by import."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from urbangrid.geo.models import Community, District, Place, Street, UnitGrid

_BOX = ("min_lng", "min_lat", "max_lng", "max_lat", "centre_lng", "centre_lat")


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin[District]):
    list_display = ("code", "name", "city_name", "geometry_from_grids")
    search_fields = ("code", "name", "city_name")
    list_filter = ("city_name", "geometry_from_grids")
    readonly_fields = _BOX


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin[Street]):
    list_display = ("code", "name", "district")
    search_fields = ("code", "name")
    list_filter = ("district",)
    list_select_related = ("district",)
    readonly_fields = ("geometry", *_BOX)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin[Community]):
    list_display = ("code", "name", "street")
    search_fields = ("code", "name")
    list_filter = ("street__district",)
    list_select_related = ("street",)
    readonly_fields = ("geometry", *_BOX)


class CurrentFilter(admin.SimpleListFilter):
    title = "validity"
    parameter_name = "current"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, str]]:
        return [("yes", "current"), ("no", "closed")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[UnitGrid]
    ) -> QuerySet[UnitGrid] | None:
        if self.value() == "yes":
            return queryset.filter(valid_to__isnull=True)
        if self.value() == "no":
            return queryset.filter(valid_to__isnull=False)
        return queryset


@admin.register(UnitGrid)
class UnitGridAdmin(admin.ModelAdmin[UnitGrid]):
    list_display = ("code", "name", "community", "area_m2", "valid_from", "valid_to")
    search_fields = ("code", "name", "responsible_party")
    list_filter = (CurrentFilter, "land_use", "management_level", "community__street__district")
    list_select_related = ("community",)
    date_hierarchy = "valid_from"
    readonly_fields = ("code", "community", "geometry", "area_m2", "valid_from", "valid_to", *_BOX)


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin[Place]):
    list_display = ("name", "kind", "address", "district", "grid_code")
    search_fields = ("name", "address", "grid_code")
    list_filter = ("kind", "district")
    list_select_related = ("district",)
