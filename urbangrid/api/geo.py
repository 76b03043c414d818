"""Geo endpoints: locate a point in the unit grids, list districts, grids as GeoJSON."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja import P, QueryEx, Router, Schema

from urbangrid.api.errors import ApiError, ErrorOut, NotFound
from urbangrid.geo.gcj02 import gcj02_to_wgs84
from urbangrid.geo.locate import locate
from urbangrid.geo.models import District
from urbangrid.geo.selectors import current_grids, districts_overview, grid_feature_collection

router = Router(tags=["geo"])

MAX_GRIDS_PER_PAGE = 5000
MAX_OFFSET = 1_000_000_000  # beyond any city's grids; the database's integers stay in range


class Crs(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"


class CodeName(Schema):
    code: str
    name: str


class LatLng(Schema):
    lat: float
    lng: float


class LocateOut(Schema):
    """The unit grid (单元网格) containing the point and the areas above it."""

    grid: CodeName
    community: CodeName
    street: CodeName
    district: CodeName
    lat: float
    lng: float


class DistrictOut(Schema):
    code: str
    name: str
    city_name: str
    centre: LatLng | None
    bbox: list[float] | None

    @staticmethod
    def resolve_centre(obj: District) -> LatLng | None:
        if obj.centre_lat is None or obj.centre_lng is None:
            return None
        return LatLng(lat=obj.centre_lat, lng=obj.centre_lng)

    @staticmethod
    def resolve_bbox(obj: District) -> list[float] | None:
        box = [obj.min_lng, obj.min_lat, obj.max_lng, obj.max_lat]
        return None if any(v is None for v in box) else [float(v) for v in box if v is not None]


def _finite(value: float, field: str) -> float:
    if not math.isfinite(value):
        raise ApiError(
            "invalid",
            gettext_noop("%(field)s must be a finite number"),
            field=field,
            params={"field": field},
        )
    return value


@router.get(
    "/locate",
    response={200: LocateOut, 400: ErrorOut, 404: ErrorOut},
    summary="Find the unit grid containing a point",
    description="A point outside every current grid answers 404 with code `outside_grids`. "
    "`lat`/`lng` in the given `crs` (WGS84 by default, or GCJ-02 from Chinese web maps); "
    "the answer echoes the WGS84 point used.",
)
def locate_point(
    request: HttpRequest,
    lat: QueryEx[float, P(ge=-90, le=90, description="latitude in degrees")],
    lng: QueryEx[float, P(ge=-180, le=180, description="longitude in degrees")],
    crs: QueryEx[Crs, P(description="coordinate system of lat/lng")] = Crs.WGS84,
) -> LocateOut:
    lat, lng = _finite(lat, "lat"), _finite(lng, "lng")
    if crs == Crs.GCJ02:
        lng, lat = gcj02_to_wgs84(lng, lat)
    found = locate(lng, lat)
    if found is None:
        raise NotFound(
            "outside_grids",
            gettext_noop(
                "The point lat %(lat)s, lng %(lng)s (WGS84) lies outside every unit grid."
            ),
            params={"lat": f"{lat:.6f}", "lng": f"{lng:.6f}"},
        )
    return LocateOut(
        grid=CodeName(code=found.grid_code, name=found.grid_name),
        community=CodeName(code=found.community_code, name=found.community_name),
        street=CodeName(code=found.street_code, name=found.street_name),
        district=CodeName(code=found.district_code, name=found.district_name),
        lat=lat,
        lng=lng,
    )


@router.get(
    "/districts",
    response=list[DistrictOut],
    summary="List districts with their centre and bounding box",
)
def list_districts(request: HttpRequest) -> Any:
    return districts_overview()


def _parse_bbox(raw: str) -> tuple[float, float, float, float]:
    try:
        parts = [float(p) for p in raw.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise ApiError(
            "invalid", gettext_noop("bbox must be minlng,minlat,maxlng,maxlat"), field="bbox"
        )
    min_lng, min_lat, max_lng, max_lat = parts
    if min_lng > max_lng or min_lat > max_lat:
        raise ApiError(
            "invalid", gettext_noop("bbox minimum must not exceed its maximum"), field="bbox"
        )
    return min_lng, min_lat, max_lng, max_lat


@router.get(
    "/grids.geojson",
    response={200: dict[str, Any], 400: ErrorOut},
    summary="Current unit grids as a GeoJSON FeatureCollection",
    description="Filtered by district code and/or bounding box, ordered by code and paged "
    "with `limit` (at most 5000) and `offset`. The collection carries `numberMatched`, "
    "`numberReturned` and `next` (the next offset, or null).",
)
def grids_geojson(
    request: HttpRequest,
    district: QueryEx[str | None, P(description="district code (or any code prefix)")] = None,
    bbox: QueryEx[str | None, P(description="minlng,minlat,maxlng,maxlat (WGS84)")] = None,
    limit: QueryEx[int, P(ge=1, le=MAX_GRIDS_PER_PAGE)] = 1000,
    offset: QueryEx[int, P(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    grids = current_grids(district=district, bbox=_parse_bbox(bbox) if bbox else None)
    matched = grids.count()
    page = grids[offset : offset + limit]
    collection = grid_feature_collection(page, numberMatched=matched)
    returned = len(collection["features"])
    collection["numberReturned"] = returned
    collection["next"] = offset + returned if offset + returned < matched else None
    return collection
