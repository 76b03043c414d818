"""Recompute the open-case tallies (queue counts, map cells) from the cases, or check them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from urbangrid.cases import tally


class Command(BaseCommand):
    help = (
        "Recompute the open-case tallies from the cases (safe while cases change); "
        "--check only compares them with a count from scratch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="compare, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            differences = tally.check()
            for d in differences[:50]:
                self.stdout.write(f"{d.key}: kept {d.kept}, counted {d.counted}")
            if differences:
                raise CommandError(f"{len(differences)} tally keys differ from the cases")
            self.stdout.write("the open-case tallies agree with the cases")
            return
        counts, cells = tally.rebuild()
        self.stdout.write(f"rebuilt the open-case tallies: {counts} count rows, {cells} cell rows")
