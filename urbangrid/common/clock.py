"""The one clock: ``now()`` in aware UTC, so tests can freeze time in one place."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return timezone.now()


def local(moment: dt.datetime) -> dt.datetime:
    """The moment in Asia/Shanghai, for display and for working-time arithmetic."""
    return moment.astimezone(SHANGHAI)


def today_local() -> dt.date:
    return local(now()).date()
