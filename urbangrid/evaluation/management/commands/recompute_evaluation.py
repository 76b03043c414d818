"""``manage.py recompute_evaluation [--from DATE --to DATE]``: rebuild the evaluation
aggregates from the case event history (all of it without dates)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from urbangrid.evaluation.aggregates import recompute


class Command(BaseCommand):
    help = "Rebuild the evaluation aggregates from the case events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", help="first local day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="end", help="last local day (YYYY-MM-DD)")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="PostgreSQL connections counting at once (default: one per CPU, at most 4)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            start = dt.date.fromisoformat(options["start"]) if options["start"] else None
            end = dt.date.fromisoformat(options["end"]) if options["end"] else None
        except ValueError as exc:
            raise CommandError(f"bad date: {exc}") from exc
        if start and end and end < start:
            raise CommandError("--to is before --from")
        began = time.perf_counter()
        cases = recompute(start, end, workers=options["workers"])
        self.stdout.write(f"replayed {cases} cases in {time.perf_counter() - began:.1f} s")
