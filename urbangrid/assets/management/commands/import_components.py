"""``manage.py import_components FILE [--skip-invalid] [--update]`` (CSV or GeoJSON)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from urbangrid.assets.services import ComponentImportError, import_components_file

MAX_LISTED = 200


class Command(BaseCommand):
    help = "Validate and import components (部件) from CSV or GeoJSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid ones")
        parser.add_argument("--update", action="store_true", help="overwrite existing ids")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()

        def progress(done: int) -> None:
            self.stderr.write(f"processed {done} records")

        try:
            result = import_components_file(
                options["file"],
                skip_invalid=options["skip_invalid"],
                update=options["update"],
                progress=progress,
            )
        except (ComponentImportError, OSError) as exc:
            if isinstance(exc, OSError):
                raise CommandError(f"cannot read {options['file']}: {exc}") from exc
            for issue in exc.issues[:MAX_LISTED]:
                self.stderr.write(str(issue))
            if exc.issue_count > MAX_LISTED:
                self.stderr.write(f"… and {exc.issue_count - MAX_LISTED} more")
            raise CommandError(
                f"{exc.issue_count} problem(s) in {options['file']}; nothing was imported"
            ) from exc
        for issue in result.issues[:MAX_LISTED]:
            self.stderr.write(f"skipped {issue}")
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, {result.skipped} skipped "
            f"components in {time.perf_counter() - started:.1f} s"
        )
