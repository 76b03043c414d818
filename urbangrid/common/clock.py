"""The one clock: ``now()`` in aware UTC, so tests can freeze time in one place.

``simulated(moment)`` sets the clock for code that replays the past (the demo loader
walks sample cases through last month); outside it, ``now()`` is the real time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
_simulated: ContextVar[dt.datetime | None] = ContextVar("simulated_now", default=None)


def now() -> dt.datetime:
    return _simulated.get() or timezone.now()


@contextmanager
def simulated(moment: dt.datetime) -> Iterator[None]:
    """Within the block, ``now()`` answers ``moment`` (aware)."""
    if moment.tzinfo is None:
        raise ValueError("simulated time must be aware")
    token = _simulated.set(moment)
    try:
        yield
    finally:
        _simulated.reset(token)


def local(moment: dt.datetime) -> dt.datetime:
    """The moment in Asia/Shanghai, for display and for working-time arithmetic."""
    return moment.astimezone(SHANGHAI)


def today_local() -> dt.date:
    return local(now()).date()
