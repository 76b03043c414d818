"""``manage.py export_grids [--district CODE] [--out FILE]``: current grids as GeoJSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from urbangrid.geo.selectors import current_grids, grid_features


class Command(BaseCommand):
    help = "Write the current unit grids as a GeoJSON FeatureCollection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--district", help="six-digit district code (or any code prefix)")
        parser.add_argument("--out", help="output file (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        grids = current_grids(district=options["district"])
        handle = open(options["out"], "w", encoding="utf-8") if options["out"] else None  # noqa: SIM115

        def write(text: str) -> None:
            if handle is not None:
                handle.write(text)
            else:
                self.stdout.write(text, ending="")

        count = 0
        try:
            write('{"type": "FeatureCollection", "features": [\n')
            for feature in grid_features(grids):
                if count:
                    write(",\n")
                write(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
                count += 1
            write("\n]}\n")
        finally:
            if handle is not None:
                handle.close()
        self.stderr.write(f"exported {count} grids")
