"""GeoJSON builders for the grid import tests (on top of ``urbangrid.testing``)."""

from __future__ import annotations

from typing import Any

from urbangrid.testing import ORIGIN_LAT, ORIGIN_LNG, STEP, square


def grid_feature(
    code: str, col: int = 0, row: int = 0, *, geometry: Any = None, **props: Any
) -> dict[str, Any]:
    """A unit-grid Feature: by default the 0.001° square at (col, row) from the origin."""
    geom = (
        geometry
        if geometry is not None
        else square(ORIGIN_LNG + col * STEP, ORIGIN_LAT + row * STEP)
    )
    return {
        "type": "Feature",
        "id": code,
        "geometry": geom,
        "properties": {"code": code, "name": f"{code[-3:]}号网格", **props},
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def small_city(district: str = "120101") -> dict[str, Any]:
    """Two communities of two grids each, side by side, in a new district."""
    return collection(
        grid_feature(f"{district}001001001", 0, 0, district_name="新区", street_name="一街道",
                     community_name="甲社区"),
        grid_feature(f"{district}001001002", 1, 0),
        grid_feature(f"{district}001002001", 2, 0, community_name="乙社区"),
        grid_feature(f"{district}001002002", 3, 0),
    )  # fmt: skip
