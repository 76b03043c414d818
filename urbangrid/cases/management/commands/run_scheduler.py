"""Enqueue the periodic tasks (deadline sweep, outbox delivery) for ``db_worker``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from urbangrid.cases.tasks import deliver_outbox, sweep_deadlines


class Command(BaseCommand):
    help = "Every --interval seconds, enqueue sweep_deadlines and deliver_outbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=60.0)
        parser.add_argument("--once", action="store_true", help="enqueue once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        interval: float = options["interval"]
        while True:
            sweep = sweep_deadlines.enqueue()
            deliver = deliver_outbox.enqueue()
            self.stdout.write(f"enqueued {sweep.id} and {deliver.id}")
            if options["once"]:
                return
            time.sleep(interval)
