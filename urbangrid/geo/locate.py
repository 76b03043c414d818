"""Locate a point in the current unit grids, in process.

The index is a uniform bucket hash over the grids' extent: each cell (a quarter of the
median grid size) lists the grids whose boxes meet it, largest overlap first, and a point is
tested with ``shapely.intersects_xy`` against its cell's candidates only; a cell lying
wholly inside one grid needs no test at all. For a whole
array of points this is pure NumPy plus one vectorised Shapely call per candidate rank,
so it avoids building Point objects (which costs more than the STRtree query itself);
``bench/bench_locate.py`` measures it. A point on a shared edge belongs to the first
candidate of its cell, the same in :func:`locate` and :func:`locate_many`.

The index is built lazily and rebuilt when grids change: a cheap change token
``(count, max id, max valid_to)`` is re-read at most once a second, saving or deleting an
area through the ORM invalidates it, and the import service calls :func:`invalidate`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from django.db.models import Count, Max

from urbangrid.geo.models import UnitGrid

CHECK_INTERVAL_S = 1.0
_MAX_CELLS = 2_000_000
_CELLS_PER_GRID = 4  # cells along a median grid's width
_EDGE_EPSILON = 1e-9

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Location:
    """Where a point lies: its unit grid and the areas above it (codes and names)."""

    grid_code: str
    grid_name: str
    community_code: str
    community_name: str
    street_code: str
    street_name: str
    district_code: str
    district_name: str


@dataclass(frozen=True)
class _Index:
    token: tuple[Any, ...]
    locations: tuple[Location, ...]
    codes: npt.NDArray[np.str_]  # one per grid, plus "" at the end for "outside"
    geoms: npt.NDArray[np.object_]
    x0: float
    y0: float
    cell_w: float
    cell_h: float
    nx: int
    ny: int
    offsets: IntArray  # CSR: candidates of cell c are cand[offsets[c]:offsets[c + 1]]
    cand: IntArray
    full: IntArray  # per cell: the grid covering the whole cell, else -1

    def cells(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> IntArray:
        """Cell number per point, -1 outside the extent (or not a finite number)."""
        fx = (x - self.x0) / self.cell_w
        fy = (y - self.y0) / self.cell_h
        ok = (fx >= 0) & (fx <= self.nx) & (fy >= 0) & (fy <= self.ny)
        ix = np.minimum(np.where(ok, fx, 0).astype(np.int64), self.nx - 1)
        iy = np.minimum(np.where(ok, fy, 0).astype(np.int64), self.ny - 1)
        return np.where(ok, iy * self.nx + ix, -1)

    def lookup(self, lngs: npt.ArrayLike, lats: npt.ArrayLike) -> IntArray:
        x = np.ascontiguousarray(lngs, dtype=np.float64).ravel()
        y = np.ascontiguousarray(lats, dtype=np.float64).ravel()
        result = np.full(x.shape, -1, dtype=np.int64)
        if not len(self.locations) or not len(x):
            return result
        cell = self.cells(x, y)
        whole = self.full[np.maximum(cell, 0)]
        whole[cell < 0] = -1
        direct = whole >= 0
        result[direct] = whole[direct]
        live = np.flatnonzero((cell >= 0) & ~direct)
        start = self.offsets[cell[live]]
        count = self.offsets[cell[live] + 1] - start
        rank = 0
        while len(live):
            has = count > rank
            live, start, count = live[has], start[has], count[has]
            if not len(live):
                break
            grid = self.cand[start + rank]
            hit = shapely.intersects_xy(self.geoms[grid], x[live], y[live])
            result[live[hit]] = grid[hit]
            miss = ~hit
            live, start, count = live[miss], start[miss], count[miss]
            rank += 1
        return result

    def lookup_one(self, lng: float, lat: float) -> int:
        if not len(self.locations) or not (math.isfinite(lng) and math.isfinite(lat)):
            return -1
        fx = (lng - self.x0) / self.cell_w
        fy = (lat - self.y0) / self.cell_h
        if not (0 <= fx <= self.nx and 0 <= fy <= self.ny):
            return -1
        c = min(int(fy), self.ny - 1) * self.nx + min(int(fx), self.nx - 1)
        if self.full[c] >= 0:
            return int(self.full[c])
        for k in range(int(self.offsets[c]), int(self.offsets[c + 1])):
            grid = int(self.cand[k])
            if shapely.intersects_xy(self.geoms[grid], lng, lat):
                return grid
        return -1


_EMPTY_CODES: npt.NDArray[np.str_] = np.array([""], dtype="<U15")


def _change_token() -> tuple[Any, ...]:
    agg = UnitGrid.objects.aggregate(n=Count("id"), last=Max("id"), closed=Max("valid_to"))
    return (agg["n"], agg["last"], agg["closed"])


def _build(token: tuple[Any, ...]) -> _Index:
    rows = list(
        UnitGrid.objects.current()
        .order_by("code")
        .values_list(
            "code",
            "name",
            "geometry",
            "community__code",
            "community__name",
            "community__street__code",
            "community__street__name",
            "community__street__district__code",
            "community__street__district__name",
        )
    )
    rows = [r for r in rows if r[2]]
    if not rows:
        return _Index(token, (), _EMPTY_CODES, np.empty(0, dtype=object), 0, 0, 1, 1, 1, 1,
                      np.zeros(2, dtype=np.int64), np.empty(0, dtype=np.int64),
                      np.full(1, -1, dtype=np.int64))  # fmt: skip
    locations = tuple(Location(r[0], r[1], r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows)
    geoms = np.array([shapely.geometry.shape(r[2]) for r in rows], dtype=object)
    shapely.prepare(geoms)
    bounds = shapely.bounds(geoms)
    x0, y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
    x1, y1 = float(bounds[:, 2].max()), float(bounds[:, 3].max())
    cell_w = max(float(np.median(bounds[:, 2] - bounds[:, 0])) / _CELLS_PER_GRID, 1e-6)
    cell_h = max(float(np.median(bounds[:, 3] - bounds[:, 1])) / _CELLS_PER_GRID, 1e-6)
    nx = max(1, math.ceil((x1 - x0) / cell_w))
    ny = max(1, math.ceil((y1 - y0) / cell_h))
    if nx * ny > _MAX_CELLS:
        grow = math.sqrt(nx * ny / _MAX_CELLS)
        cell_w, cell_h = cell_w * grow, cell_h * grow
        nx = max(1, math.ceil((x1 - x0) / cell_w))
        ny = max(1, math.ceil((y1 - y0) / cell_h))
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
    cx0 = x0 + ix.ravel() * cell_w
    cy0 = y0 + iy.ravel() * cell_h
    e = _EDGE_EPSILON
    boxes = shapely.box(cx0 - e, cy0 - e, cx0 + cell_w + e, cy0 + cell_h + e)
    cell_of, grid_of = shapely.STRtree(geoms).query(boxes, predicate="intersects")
    # Rank candidates: the grid holding the cell centre first, then by box overlap.
    centre = shapely.intersects_xy(
        geoms[grid_of], cx0[cell_of] + cell_w / 2, cy0[cell_of] + cell_h / 2
    )
    gb = bounds[grid_of]
    overlap = np.clip(
        np.minimum(gb[:, 2], cx0[cell_of] + cell_w) - np.maximum(gb[:, 0], cx0[cell_of]), 0, None
    ) * np.clip(
        np.minimum(gb[:, 3], cy0[cell_of] + cell_h) - np.maximum(gb[:, 1], cy0[cell_of]), 0, None
    )
    order = np.lexsort((grid_of, -overlap, ~centre, cell_of))
    cell_of, grid_of, centre = cell_of[order], grid_of[order], centre[order]
    offsets = np.zeros(nx * ny + 1, dtype=np.int64)
    np.cumsum(np.bincount(cell_of, minlength=nx * ny), out=offsets[1:])
    # A cell wholly inside its first candidate needs no point-in-polygon test at all.
    full = np.full(nx * ny, -1, dtype=np.int64)
    first = offsets[:-1][offsets[:-1] < offsets[1:]]
    first = first[centre[first]]
    covered = shapely.covers(geoms[grid_of[first]], boxes[cell_of[first]])
    full[cell_of[first[covered]]] = grid_of[first[covered]]
    codes = np.array([*(loc.grid_code for loc in locations), ""], dtype="<U15")
    return _Index(token, locations, codes, geoms, x0, y0, cell_w, cell_h, nx, ny, offsets,
                  grid_of.astype(np.int64), full)  # fmt: skip


_lock = threading.Lock()
_index: _Index | None = None
_checked_at = 0.0


def _current() -> _Index:
    global _index, _checked_at
    index = _index
    now = time.monotonic()
    if index is not None and now - _checked_at < CHECK_INTERVAL_S:
        return index
    with _lock:
        token = _change_token()
        if _index is None or _index.token != token:
            _index = _build(token)
        _checked_at = time.monotonic()
        return _index


def invalidate() -> None:
    """Forget the index; the next lookup rebuilds it from the database."""
    global _index, _checked_at
    with _lock:
        _index = None
        _checked_at = 0.0


def locate(lng: float, lat: float) -> Location | None:
    """The current unit grid containing the WGS84 point, or ``None`` outside every grid."""
    index = _current()
    found = index.lookup_one(float(lng), float(lat))
    return index.locations[found] if found >= 0 else None


def locate_indices(lngs: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[IntArray, Sequence[Location]]:
    """Vectorised lookup: per point the position of its grid in the returned locations
    (-1 outside every grid), and those locations. For callers that need more than codes."""
    index = _current()
    return index.lookup(lngs, lats), index.locations


def locate_many(lngs: npt.ArrayLike, lats: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """The grid code (``'<U15'``) of each WGS84 point; ``''`` where it is outside every grid."""
    index = _current()
    return index.codes[index.lookup(lngs, lats)]
