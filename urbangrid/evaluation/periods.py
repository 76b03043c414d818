"""Evaluation periods: day, week, month, quarter, year or a custom range of local days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

KINDS = ("day", "week", "month", "quarter", "year", "custom")

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)
"""The days a period may cover. Far inside ``date.min``/``date.max``: the previous period,
a trend of up to 60 months or the day after the end of any period in range stay valid
dates (outside, they overflowed into a 500)."""


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # inclusive

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()}–{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        if self.kind == "month":
            return month_period((self.start - dt.timedelta(days=1)).replace(day=1))
        if self.kind == "quarter":
            return make_period("quarter", self.start - dt.timedelta(days=1))
        if self.kind == "year":
            return make_period("year", self.start - dt.timedelta(days=1))
        length = dt.timedelta(days=self.days)
        return Period(self.kind, self.start - length, self.end - length)


def month_period(day: dt.date) -> Period:
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return Period("month", start, end)


def _in_range(day: dt.date) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise PeriodError(
            f"date {day.isoformat()} is out of range "
            f"({EARLIEST.isoformat()} to {LATEST.isoformat()})"
        )
    return day


def make_period(
    kind: str, on: dt.date, *, start: dt.date | None = None, end: dt.date | None = None
) -> Period:
    """The period of ``kind`` holding ``on`` (or ``start``–``end`` for a custom one).
    Input from outside goes through :func:`parse_period`, which keeps days in range."""
    if kind == "day":
        return Period(kind, on, on)
    if kind == "week":
        monday = on - dt.timedelta(days=on.weekday())
        return Period(kind, monday, monday + dt.timedelta(days=6))
    if kind == "month":
        return month_period(on)
    if kind == "quarter":
        first = dt.date(on.year, 3 * ((on.month - 1) // 3) + 1, 1)
        last = (first + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
        return Period(kind, first, last)
    if kind == "year":
        return Period(kind, dt.date(on.year, 1, 1), dt.date(on.year, 12, 31))
    if kind == "custom":
        if start is None or end is None or end < start:
            raise PeriodError("a custom period needs from ≤ to")
        if (end - start).days > 3660:
            raise PeriodError("a custom period is at most ten years")
        return Period(kind, start, end)
    raise PeriodError(f"unknown period kind {kind!r}")


def parse_period(
    kind: str = "month", on: str = "", start: str = "", end: str = "", *, today: dt.date
) -> Period:
    """From query strings: ``on`` is a date or ``YYYY-MM`` (default today). The one
    place where input becomes a period: a malformed date, or one outside
    ``EARLIEST``–``LATEST``, is a :class:`PeriodError`."""
    try:
        day = today
        if on:
            day = dt.date.fromisoformat(on + "-01" if len(on) == 7 else on)
        first = dt.date.fromisoformat(start) if start else None
        last = dt.date.fromisoformat(end) if end else None
    except ValueError as exc:
        raise PeriodError(f"bad date: {exc}") from exc
    for given in (day, first, last):
        if given is not None:
            _in_range(given)
    return make_period(kind, day, start=first, end=last)
