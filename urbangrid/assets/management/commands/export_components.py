"""``manage.py export_components [--format csv|geojson] [--out FILE] [--grid PREFIX]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from urbangrid.assets.selectors import (
    components_in,
    write_components_csv,
    write_components_geojson,
)


class Command(BaseCommand):
    help = "Write components in the standard attribute set as CSV or GeoJSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["csv", "geojson"], default="csv")
        parser.add_argument("--out", help="output file (default: standard output)")
        parser.add_argument("--grid", help="grid code prefix (district, street, community…)")

    def handle(self, *args: Any, **options: Any) -> None:
        components = components_in(options["grid"])
        write = write_components_geojson if options["format"] == "geojson" else write_components_csv
        if options["out"]:
            with open(options["out"], "w", encoding="utf-8", newline="") as out:
                count = write(out, components)
        else:
            count = write(self.stdout, components)  # type: ignore[arg-type]
        self.stderr.write(f"exported {count} components")
