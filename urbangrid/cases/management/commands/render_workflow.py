"""Write ``docs/workflow.md`` from the transition table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from urbangrid.cases.rendering import render_markdown

DEFAULT_PATH = Path(settings.BASE_DIR) / "docs" / "workflow.md"


class Command(BaseCommand):
    help = "Render docs/workflow.md (table + Mermaid diagram) from cases/workflow.py."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default=str(DEFAULT_PATH))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["output"])
        path.write_text(render_markdown(), encoding="utf-8")
        self.stdout.write(f"wrote {path}")
