"""Map endpoints for the staff workbench: cases in a viewport (single points at street
zoom, counts per screen cell below it, from the open-case tally or aggregated by the
database) and components."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import P, QueryEx, Router, Schema

from urbangrid.api.auth import api_auth, current_user
from urbangrid.api.errors import ApiError, ErrorOut
from urbangrid.cases.workflow import CaseStatus
from urbangrid.staff import selectors

router = Router(tags=["map"], auth=api_auth)

ASSET_ZOOM = 17
MAX_ASSETS = 2000


class PointOut(Schema):
    n: str
    lng: float
    lat: float
    l: str  # noqa: E741 - light, kept short: thousands of points per answer
    s: str


class CellOut(Schema):
    lng: float
    lat: float
    n: int
    red: int
    yellow: int


class MapCasesOut(Schema):
    mode: Literal["points", "cells"]
    total: int
    cell_size: float | None
    points: list[PointOut]
    cells: list[CellOut]


class AssetOut(Schema):
    ident: str
    name: str
    lng: float
    lat: float
    status: str


class MapAssetsOut(Schema):
    shown: bool
    items: list[AssetOut]


def _bbox(raw: str) -> selectors.BBox:
    box = selectors.parse_bbox(raw)
    if box is None:
        raise ApiError("invalid", "bbox must be minlng,minlat,maxlng,maxlat", field="bbox")
    return box


@router.get(
    "/cases",
    response={200: MapCasesOut, 400: ErrorOut, 401: ErrorOut},
    summary="Cases in a map viewport",
    description="Open cases you may see (or `status=` ones) inside `bbox`. From zoom "
    f"{selectors.POINT_ZOOM} up, single points (`n` number, `l` light, `s` status) while "
    f"there are at most {selectors.MAX_POINTS}; otherwise counts per square cell of about "
    "64 screen pixels (`cell_size` degrees, aligned on multiples of it), with red and yellow "
    "counts and the cell's mean position. Cells are whole: a cell crossing the edge of "
    "`bbox` counts all its cases. For centre roles' open cases (no `status`), the cells come "
    "from counts kept per cell as cases change: exact when answered, a few thousand rows "
    "for a city.",
)
def map_cases(
    request: HttpRequest,
    bbox: QueryEx[str, P(description="minlng,minlat,maxlng,maxlat (WGS84)")],
    zoom: QueryEx[int, P(ge=0, le=22)] = 14,
    light: Literal["", "green", "yellow", "red"] = "",
    status: QueryEx[
        list[CaseStatus] | None,
        P(description="statuses to show instead of the open ones (repeat the parameter)"),
    ] = None,
) -> dict[str, Any]:
    user = current_user(request)
    statuses = [str(s) for s in status] if status else None
    data = selectors.map_cases(user, _bbox(bbox), zoom, statuses=statuses, light=light)
    return {
        "mode": data.mode,
        "total": data.total,
        "cell_size": data.cell_size,
        "points": data.points,
        "cells": data.cells,
    }


@router.get(
    "/assets",
    response={200: MapAssetsOut, 400: ErrorOut, 401: ErrorOut},
    summary="Components (部件) in a map viewport",
    description=f"Only from zoom {ASSET_ZOOM} up (`shown` false below), at most {MAX_ASSETS}.",
)
def map_assets(
    request: HttpRequest,
    bbox: QueryEx[str, P(description="minlng,minlat,maxlng,maxlat (WGS84)")],
    zoom: QueryEx[int, P(ge=0, le=22)] = 14,
) -> dict[str, Any]:
    current_user(request)
    box = _bbox(bbox)
    if zoom < ASSET_ZOOM:
        return {"shown": False, "items": []}
    return {"shown": True, "items": selectors.components_in_bbox(box, limit=MAX_ASSETS)}
