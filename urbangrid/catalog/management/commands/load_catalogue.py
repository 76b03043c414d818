"""``manage.py load_catalogue [--file CSV ...] [--standard STD] [--dry-run]``.

Reloads the bundled catalogue, or loads a city's own extensions from a CSV. Every row is
checked first; if any is bad, each is reported by line and reason and nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from urbangrid.catalog.loading import (
    BUNDLED_CSVS,
    CatalogueFileError,
    CatalogueRow,
    load_rows,
    read_catalogue,
)
from urbangrid.catalog.models import Standard


class Command(BaseCommand):
    help = "Load or update catalogue types from CSV (kind,code,class_code,class_name,name,…)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            dest="files",
            action="append",
            type=Path,
            help="CSV to load (repeatable). Default: the bundled catalogue files.",
        )
        parser.add_argument(
            "--standard",
            default=Standard.GBT_47678_5_2026.value,
            choices=Standard.values,
            help="Standard for rows without a 'standard' column.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        files: list[Path] = options["files"] or list(BUNDLED_CSVS)
        rows: list[CatalogueRow] = []
        problems: list[str] = []
        for path in files:
            if not path.is_file():
                problems.append(f"{path}: no such file")
                continue
            try:
                rows.extend(read_catalogue(path, default_standard=options["standard"]))
            except CatalogueFileError as exc:
                problems.extend(f"{path}: {error}" for error in exc.errors)
            except UnicodeDecodeError as exc:
                problems.append(f"{path}: not UTF-8 ({exc.reason})")
        seen: dict[tuple[str, str, str], int] = {}
        for row in rows:
            if row.key in seen and len(files) > 1:
                problems.append(f"{row.kind} {row.code} ({row.standard}) appears in two files")
            seen[row.key] = row.line
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} bad row(s); nothing was written")
        if options["dry_run"]:
            self.stdout.write(f"{len(rows)} rows are valid (dry run, nothing written)")
            return
        result = load_rows(rows)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged; linked {result.linked_components} anomaly "
                f"matters to components and {result.linked_successors} legacy types to successors"
            )
        )
