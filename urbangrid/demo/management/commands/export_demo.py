"""``manage.py export_demo``: write the demo city as grids.geojson + components.csv."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from urbangrid.demo.export import export_city
from urbangrid.demo.generator import generate_city
from urbangrid.demo.services import demo_catalogue


class Command(BaseCommand):
    help = (
        "Write the generated demo city as DIR/grids.geojson and DIR/components.csv, the "
        "input formats of import_grids and import_components."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="size factor (default 1)")
        parser.add_argument("--seed", type=int, default=2004, help="random seed (default 2004)")
        parser.add_argument("--out", type=Path, required=True, help="output directory")
        parser.add_argument("--catalogue", type=Path, default=None, help="catalogue CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] <= 0:
            raise CommandError("--scale must be positive")
        started = time.perf_counter()
        city = generate_city(
            demo_catalogue(options["catalogue"]), scale=options["scale"], seed=options["seed"]
        )
        counts = export_city(city, options["out"])
        self.stdout.write(
            f"wrote {counts['grids']:,} grids and {counts['components']:,} components to "
            f"{options['out']} in {time.perf_counter() - started:.1f}s"
        )
