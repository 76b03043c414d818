"""Shared helpers for the calendar tests."""

from __future__ import annotations

import datetime as dt

from urbangrid.calendars.worktime import SHANGHAI


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware Asia/Shanghai datetime."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def local(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.astimezone(SHANGHAI)
