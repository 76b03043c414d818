"""``manage.py import_grids FILE.geojson [--skip-invalid] [--valid-from YYYY-MM-DD]``."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from urbangrid.geo.services import GridImportError, import_grids, load_feature_collection

MAX_LISTED = 200


class Command(BaseCommand):
    help = "Validate and import unit grids (单元网格) from a GeoJSON FeatureCollection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid ones")
        parser.add_argument("--valid-from", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--progress-every", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        valid_from = None
        if options["valid_from"]:
            try:
                valid_from = dt.date.fromisoformat(options["valid_from"])
            except ValueError as exc:
                raise CommandError(f"--valid-from {options['valid_from']!r}: {exc}") from exc
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            self.stderr.write(f"checked {done}/{total} features")

        try:
            collection = load_feature_collection(options["file"])
            result = import_grids(
                collection,
                valid_from=valid_from,
                skip_invalid=options["skip_invalid"],
                progress=progress,
                progress_every=options["progress_every"],
            )
        except GridImportError as exc:
            for issue in exc.issues[:MAX_LISTED]:
                self.stderr.write(str(issue))
            if len(exc.issues) > MAX_LISTED:
                self.stderr.write(f"… and {len(exc.issues) - MAX_LISTED} more")
            raise CommandError(
                f"{len(exc.issues)} problem(s) in {options['file']}; nothing was imported"
            ) from exc
        for issue in result.issues[:MAX_LISTED]:
            self.stderr.write(f"skipped {issue}")
        self.stdout.write(
            f"{result.created} new, {result.replaced} replaced, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.skipped} skipped grids; created "
            f"{result.districts_created} districts, {result.streets_created} streets, "
            f"{result.communities_created} communities in {time.perf_counter() - started:.1f} s"
        )
