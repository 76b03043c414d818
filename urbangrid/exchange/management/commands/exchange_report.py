"""``manage.py exchange_report``: queue today's statistics (统计上报) for every active
parent platform, and send what is due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from urbangrid.exchange import delivery
from urbangrid.exchange.models import Partner, PartnerRole
from urbangrid.exchange.services import report_statistics


class Command(BaseCommand):
    help = "Queue the statistics report for every active parent platform, then send."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD")
        parser.add_argument("--no-send", action="store_true", help="queue only")

    def handle(self, *args: Any, **options: Any) -> None:
        parents = Partner.objects.filter(role=PartnerRole.PARENT, is_active=True)
        queued = [report_statistics(partner=p, on=options["on"]) for p in parents]
        sent = 0 if options["no_send"] else delivery.send_due()
        self.stdout.write(f"queued {len(queued)} statistics report(s), sent {sent} message(s)")
