"""Enqueue the periodic tasks for ``db_worker``: deadline sweep, outbox delivery, and the
Open311 delivery to and polling of department systems, the evaluation aggregates and the
exchange with partner platforms."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from urbangrid.cases.tasks import deliver_outbox, sweep_deadlines
from urbangrid.evaluation.tasks import refresh_evaluation
from urbangrid.exchange.tasks import deliver_exchange
from urbangrid.open311.tasks import deliver_open311, poll_open311


class Command(BaseCommand):
    help = "Every --interval seconds, enqueue the deadline sweep and the deliveries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=60.0)
        parser.add_argument("--once", action="store_true", help="enqueue once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        interval: float = options["interval"]
        while True:
            tasks = [
                sweep_deadlines,
                deliver_outbox,
                deliver_open311,
                poll_open311,
                refresh_evaluation,
                deliver_exchange,
            ]
            ids = [task.enqueue().id for task in tasks]
            self.stdout.write("enqueued " + ", ".join(ids))
            if options["once"]:
                return
            time.sleep(interval)
