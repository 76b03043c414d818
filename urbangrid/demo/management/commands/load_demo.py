"""``manage.py load_demo``: generate and load the demo district 城东区 (110199)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from urbangrid.demo.services import DemoRefusedError, load_demo


class Command(BaseCommand):
    help = (
        "Load the deterministic demo district (streets, communities, unit grids, components, "
        "departments, responsibility rules, places and one account per role, password demo). "
        "Refused in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0,
            help="size factor: N× grids and components (fractions make tiny test cities)",
        )  # fmt: skip
        parser.add_argument("--seed", type=int, default=2004, help="random seed (default 2004)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any district exists"
        )
        parser.add_argument(
            "--districts", type=int, default=1,
            help="districts of the demo city (1–8; more than 1 adds street sub-centres "
            "and city centre accounts)",
        )  # fmt: skip
        parser.add_argument("--force", action="store_true", help="replace an earlier demo district")
        parser.add_argument(
            "--cases", type=int, default=0,
            help="sample cases walked through last month's loop (scripts/run loads 300)",
        )  # fmt: skip
        parser.add_argument(
            "--catalogue", type=Path, default=None,
            help="catalogue CSV (default: the database, else the CSV of the catalog app)",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] <= 0:
            raise CommandError("--scale must be positive")

        def progress(message: str) -> None:
            self.stderr.write(f"load_demo: {message}")

        try:
            result = load_demo(
                scale=options["scale"],
                seed=options["seed"],
                if_empty=options["if_empty"],
                force=options["force"],
                catalogue_csv=options["catalogue"],
                districts=options["districts"],
                cases=max(0, options["cases"]),
                progress=progress if options["verbosity"] > 0 else None,
            )
        except DemoRefusedError as exc:
            raise CommandError(str(exc)) from exc
        if not result.loaded:
            self.stdout.write("demo data already present")
            return
        summary = ", ".join(f"{v:,} {k}" for k, v in result.counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"demo district loaded in {result.seconds:.1f}s: {summary}")
        )
