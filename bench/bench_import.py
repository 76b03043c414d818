"""Benchmark: import the demo city from files with ``import_grids`` and ``import_components``.

    .venv/bin/python bench/bench_import.py [--quick] [--scale N] [--db PATH] [--out DIR]

On a fresh SQLite file database (``var/bench-import.sqlite3``, migrated here), generates the
``--scale 10`` demo city (≈16,500 unit grids, 1.5 M components) as ``grids.geojson`` and
``components.csv`` (``manage.py export_demo``), loads the departments (their USCCs appear in
ZGBMDM), then times ``import_grids`` and ``import_components`` separately and in total.
``--quick`` uses scale 1. Goal: 16,000 grids + 1.5 M components imported in ≤ 60 s on SQLite.
When an import command is missing, says so and times the direct bulk load instead.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOAL_SECONDS = 60.0


def figure(label: str, value: str) -> None:
    print(f"{label:<44} {value}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="scale 1 instead of 10")
    parser.add_argument("--scale", type=float, default=None, help="city size (default 10)")
    parser.add_argument("--seed", type=int, default=2004)
    parser.add_argument("--db", type=Path, default=ROOT / "var" / "bench-import.sqlite3")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench-import")
    args = parser.parse_args()
    scale = args.scale if args.scale is not None else (1.0 if args.quick else 10.0)

    db_path: Path = args.db.resolve()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("URBANGRID_ENV", "development")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import CommandError, call_command, get_commands

    from urbangrid.assets.models import Component
    from urbangrid.catalog.models import CatalogType
    from urbangrid.demo.export import write_components_csv, write_grids_geojson
    from urbangrid.demo.generator import generate_city
    from urbangrid.demo.services import demo_catalogue
    from urbangrid.demo.writer import (
        ensure_catalogue,
        write_areas,
        write_components,
        write_departments,
    )
    from urbangrid.geo.models import UnitGrid

    print(f"== bench_import: demo city scale {scale:g} on SQLite {db_path}")
    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    figure("migrate", f"{time.perf_counter() - t:.1f} s")

    catalogue = demo_catalogue()
    type_ids = ensure_catalogue(catalogue)
    figure("catalogue types in database", f"{CatalogType.objects.count()}")

    t = time.perf_counter()
    city = generate_city(catalogue, scale=scale, seed=args.seed)
    figure("generate city (without components)", f"{time.perf_counter() - t:.1f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    grids_file, components_file = args.out / "grids.geojson", args.out / "components.csv"
    t = time.perf_counter()
    n_grids = write_grids_geojson(city, grids_file)
    n_components = write_components_csv(city, components_file)
    figure(
        "write grids.geojson + components.csv",
        f"{time.perf_counter() - t:.1f} s ({n_grids:,} grids, {n_components:,} components, "
        f"{(grids_file.stat().st_size + components_file.stat().st_size) / 1e6:.0f} MB)",
    )

    commands = get_commands()
    total = 0.0
    complete = True

    if "import_grids" in commands:
        t = time.perf_counter()
        try:
            call_command(
                "import_grids", str(grids_file), stdout=io.StringIO(), stderr=io.StringIO()
            )
        except CommandError as exc:
            figure("import_grids", f"FAILED: {exc}")
            return 1
        elapsed = time.perf_counter() - t
        total += elapsed
        figure("import_grids", f"{elapsed:.1f} s ({n_grids / elapsed:,.0f} grids/s)")
    else:
        complete = False
        print("import_grids not available yet: timing the direct bulk load instead")
        t = time.perf_counter()
        write_areas(city)
        figure("direct bulk load of areas + grids", f"{time.perf_counter() - t:.1f} s")
    figure("grids in database", f"{UnitGrid.objects.count():,}")

    t = time.perf_counter()
    write_departments(city)
    figure("load departments (untimed in total)", f"{time.perf_counter() - t:.2f} s")

    if "import_components" in commands:
        t = time.perf_counter()
        try:
            call_command(
                "import_components",
                str(components_file),
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        except CommandError as exc:
            figure("import_components", f"FAILED: {exc}")
            return 1
        elapsed = time.perf_counter() - t
        total += elapsed
        figure("import_components", f"{elapsed:.1f} s ({n_components / elapsed:,.0f} components/s)")
    else:
        complete = False
        print("import_components not available yet: timing the direct bulk load instead")
        t = time.perf_counter()
        write_components(city, type_ids)
        figure("direct bulk load of components", f"{time.perf_counter() - t:.1f} s")
    figure("components in database", f"{Component.objects.count():,}")

    if complete:
        figure("import total (grids + components)", f"{total:.1f} s")
        verdict = "met" if total <= GOAL_SECONDS else "NOT met"
        goal = f"≤ {GOAL_SECONDS:.0f} s for 16,000 grids + 1.5 M components on SQLite"
        figure("goal", f"{goal}: {verdict}" if scale >= 10 else f"{goal} (run without --quick)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
