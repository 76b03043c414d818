"""Send due Open311 deliveries and poll department systems, every --interval seconds."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from urbangrid.open311 import delivery


class Command(BaseCommand):
    help = "Deliver cases to department Open311 systems and poll their status updates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=60.0)
        parser.add_argument("--once", action="store_true", help="run once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            sent = delivery.send_due()
            applied = delivery.poll_departments()
            self.stdout.write(f"open311: {sent} delivered, {applied} updates applied")
            if options["once"]:
                return
            time.sleep(options["interval"])
