"""Reads of the spatial model: current grids by district or box, as GeoJSON; districts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from urbangrid.geo.models import District, UnitGrid

BBox = tuple[float, float, float, float]

_FEATURE_VALUES = (
    "code",
    "name",
    "geometry",
    "area_m2",
    "land_use",
    "management_level",
    "responsible_party",
    "valid_from",
    "community__code",
    "community__name",
    "community__street__code",
    "community__street__name",
    "community__street__district__code",
    "community__street__district__name",
)


def current_grids(*, district: str | None = None, bbox: BBox | None = None) -> QuerySet[UnitGrid]:
    """Grids in force, ordered by code; optionally of one district (code prefix) and/or
    meeting a box ``(min_lng, min_lat, max_lng, max_lat)`` (bounding-box test)."""
    grids = UnitGrid.objects.current().order_by("code")
    if district:
        grids = grids.filter(code__startswith=district)
    if bbox is not None:
        min_lng, min_lat, max_lng, max_lat = bbox
        grids = grids.filter(
            min_lng__lte=max_lng, max_lng__gte=min_lng, min_lat__lte=max_lat, max_lat__gte=min_lat
        )
    return grids


def _feature(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": row["code"],
        "geometry": row["geometry"],
        "properties": {
            "code": row["code"],
            "name": row["name"],
            "community_code": row["community__code"],
            "community_name": row["community__name"],
            "street_code": row["community__street__code"],
            "street_name": row["community__street__name"],
            "district_code": row["community__street__district__code"],
            "district_name": row["community__street__district__name"],
            "land_use": row["land_use"],
            "management_level": row["management_level"],
            "responsible_party": row["responsible_party"],
            "area_m2": round(row["area_m2"], 1),
            "valid_from": row["valid_from"].isoformat(),
        },
    }


def grid_features(grids: QuerySet[UnitGrid]) -> Iterator[dict[str, Any]]:
    """GeoJSON Features of ``grids`` (importable again by ``import_grids``), streamed."""
    for row in grids.values(*_FEATURE_VALUES).iterator(chunk_size=2000):
        yield _feature(row)


def grid_feature_collection(grids: QuerySet[UnitGrid], **members: Any) -> dict[str, Any]:
    """A FeatureCollection of ``grids``; ``members`` are added at the top level."""
    return {"type": "FeatureCollection", **members, "features": list(grid_features(grids))}


def districts_overview() -> QuerySet[District]:
    """Every district, ordered by code."""
    return District.objects.order_by("code")
