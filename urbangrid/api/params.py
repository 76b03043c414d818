"""Query parameters shared by several operations, validated at the edge: a position is a
finite longitude/latitude in range and a radius a finite distance, so ``nan``, ``inf``
or ``1e999`` is a structured 400 naming the parameter, never a 500 or an empty answer.
``BodyLng``/``BodyLat`` are the same checks for positions in a JSON body."""

from __future__ import annotations

from typing import Annotated

from ninja import P, QueryEx
from pydantic import Field

MAX_RADIUS_M = 10_000

Lng = QueryEx[float, P(ge=-180, le=180, allow_inf_nan=False, description="longitude (WGS84)")]
Lat = QueryEx[float, P(ge=-90, le=90, allow_inf_nan=False, description="latitude (WGS84)")]
OptionalLng = QueryEx[
    float | None, P(ge=-180, le=180, allow_inf_nan=False, description="longitude (WGS84)")
]
OptionalLat = QueryEx[
    float | None, P(ge=-90, le=90, allow_inf_nan=False, description="latitude (WGS84)")
]
RadiusM = QueryEx[
    float | None,
    P(gt=0, le=MAX_RADIUS_M, allow_inf_nan=False, description="radius in metres"),
]

BodyLng = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
BodyLat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
