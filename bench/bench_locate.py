"""Benchmark: grid import, point location and (optionally) component import.

    .venv/bin/python bench/bench_locate.py --scale 10 [--points 1000000] [--components 1500000]

Builds a synthetic city in a throw-away SQLite database (or DATABASE_URL with --use-env-db):
``--scale 10`` = 16,000 unit grids of ~100 m in one district (20 streets × 20 communities ×
40 grids). Lattice nodes are jittered, so grids are irregular quadrilaterals that do not
line up with the index cells. Prints the figures; goals: ≥ 1,000,000 points/s in bulk,
≤ 50 µs for one point, 16,000 grids + 1.5 M components imported in ≤ 60 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEP = 0.001
ORIGIN = (116.30, 39.85)
DISTRICT = "110105"


def synthetic_city(scale: int, seed: int = 7) -> dict[str, Any]:
    """A FeatureCollection of ``1600 * scale`` grids: 8×5-grid communities, 20 per street."""
    rows, cols = 10 * scale, 160
    rng = np.random.default_rng(seed)
    nodes_x = (
        ORIGIN[0]
        + np.arange(cols + 1)[None, :] * STEP
        + rng.uniform(-0.2 * STEP, 0.2 * STEP, (rows + 1, cols + 1))
    )
    nodes_y = (
        ORIGIN[1]
        + np.arange(rows + 1)[:, None] * STEP
        + rng.uniform(-0.2 * STEP, 0.2 * STEP, (rows + 1, cols + 1))
    )
    blocks_per_row = cols // 8
    features = []
    for r in range(rows):
        for c in range(cols):
            community_idx = (r // 5) * blocks_per_row + c // 8
            street, community = divmod(community_idx, 20)
            seq = (r % 5) * 8 + c % 8 + 1
            code = f"{DISTRICT}{street + 1:03d}{community + 1:03d}{seq:03d}"
            ring = [
                [float(nodes_x[r, c]), float(nodes_y[r, c])],
                [float(nodes_x[r, c + 1]), float(nodes_y[r, c + 1])],
                [float(nodes_x[r + 1, c + 1]), float(nodes_y[r + 1, c + 1])],
                [float(nodes_x[r + 1, c]), float(nodes_y[r + 1, c])],
            ]
            ring.append(ring[0])
            features.append(
                {
                    "type": "Feature",
                    "id": code,
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "properties": {
                        "code": code,
                        "name": f"{code[-3:]}号网格",
                        "community_name": f"第{street + 1}街道第{community + 1}社区",
                        "street_name": f"第{street + 1}街道",
                        "district_name": "基准区",
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


def write_components_csv(path: Path, n: int, extent: tuple[float, float, float, float]) -> None:
    from urbangrid.assets.validation import COLUMNS
    from urbangrid.organisations.uscc import make_uscc

    rng = np.random.default_rng(11)
    # Keep points 0.5 cell inside the jittered lattice edge so every one is in a grid.
    x0, y0, x1, y1 = extent
    xs = rng.uniform(x0 + STEP / 2, x1 - STEP / 2, n)
    ys = rng.uniform(y0 + STEP / 2, y1 - STEP / 2, n)
    types = ["01001", "01002", "01037", "03005", "02012"]
    names = {
        "01001": "供水井盖",
        "01002": "污水井盖",
        "01037": "路灯",
        "03005": "垃圾箱",
        "02012": "路名牌",
    }
    depts = [make_uscc(DISTRICT, i) for i in range(1, 6)]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(n):
            t = types[i % 5]
            writer.writerow(
                [f"{DISTRICT}{t}{i // 5:06d}", names[t], depts[i % 5], "区城管委", "", "",
                 depts[(i + 1) % 5], "养护中心", "", "完好", "20260101", "", "实测", "", "", "",
                 "", "", f"{xs[i]:.7f}", f"{ys[i]:.7f}"]
            )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--components", type=int, default=0)
    parser.add_argument("--use-env-db", action="store_true", help="use DATABASE_URL as is")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ug-bench-"))
    if not args.use_env_db:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("URBANGRID_ENV", "development")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import shapely

    from urbangrid.geo import locate as locator
    from urbangrid.geo.services import import_grids

    # The demo generator (urbangrid/demo) does not exist yet: build our own synthetic city.
    city = synthetic_city(args.scale)
    n_grids = len(city["features"])
    t = time.perf_counter()
    result = import_grids(city)
    grid_import_s = time.perf_counter() - t
    print(f"grids: {n_grids:,} imported in {grid_import_s:.2f} s ({result.created:,} created)")

    t = time.perf_counter()
    locator.invalidate()
    locator.locate(0.0, 0.0)
    print(f"index build: {time.perf_counter() - t:.2f} s")

    x0, y0 = ORIGIN
    x1, y1 = x0 + 160 * STEP, y0 + 10 * args.scale * STEP
    rng = np.random.default_rng(3)
    lngs = rng.uniform(x0 - 0.002, x1 + 0.002, args.points)
    lats = rng.uniform(y0 - 0.002, y1 + 0.002, args.points)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        codes = locator.locate_many(lngs, lats)
        best = min(best, time.perf_counter() - t)
    inside = int((codes != "").sum())
    print(
        f"locate_many: {args.points:,} points in {best * 1000:.0f} ms = "
        f"{args.points / best:,.0f} points/s ({inside:,} inside a grid)"
    )

    sample = min(args.points, 20_000)
    t = time.perf_counter()
    for i in range(sample):
        locator.locate(float(lngs[i]), float(lats[i]))
    single = (time.perf_counter() - t) / sample
    print(f"locate (one point): {single * 1e6:.1f} µs per point")
    mismatches = sum(
        (loc.grid_code if (loc := locator.locate(float(lngs[i]), float(lats[i]))) else "")
        != codes[i]
        for i in range(2000)
    )
    print(f"locate vs locate_many agreement on 2,000 points: {2000 - mismatches}/2000")

    geoms = locator._current().geoms
    tree = shapely.STRtree(geoms)
    t = time.perf_counter()
    pairs = tree.query(shapely.points(lngs, lats), predicate="intersects")
    strtree_s = time.perf_counter() - t
    agree = (
        np.unique(pairs[0]).size == inside
    )  # every point inside per STRtree is inside per the hash
    print(
        f"reference STRtree bulk query (incl. building points): {args.points / strtree_s:,.0f} "
        f"points/s; same inside count: {agree}"
    )

    if args.components:
        from urbangrid.assets.services import import_components_file
        from urbangrid.catalog.models import CatalogType, Kind, Standard

        for code, name in [("01001", "供水井盖"), ("01002", "污水井盖"), ("01037", "路灯"),
                           ("03005", "垃圾箱"), ("02012", "路名牌")]:  # fmt: skip
            CatalogType.objects.get_or_create(
                standard=Standard.GBT_47678_5_2026, kind=Kind.COMPONENT, code=code,
                defaults={"name": name, "class_code": code[:2], "class_name": name},
            )  # fmt: skip
        path = workdir / "components.csv"
        write_components_csv(path, args.components, (x0, y0, x1, y1))
        t = time.perf_counter()
        res = import_components_file(path)
        comp_s = time.perf_counter() - t
        print(
            f"components: {res.created:,} imported in {comp_s:.1f} s "
            f"({res.created / comp_s:,.0f}/s); grids + components = {grid_import_s + comp_s:.1f} s"
        )


if __name__ == "__main__":
    main()
