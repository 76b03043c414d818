"""The public face of the calendars app: calendars as ``CalendarSpec`` and due computations.

Other apps call ``spec_for_calendar`` and then the pure functions of ``worktime``. Specs are
cached in the process and dropped whenever a ``WorkCalendar`` or ``CalendarOverride`` is
saved or deleted (``signals.py``); a short time-to-live bounds staleness in the other
worker processes, which do not hear those signals.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from urbangrid.calendars import worktime
from urbangrid.calendars.models import CalendarOverride, WorkCalendar
from urbangrid.calendars.worktime import CalendarSpec

#: The name of the built-in default calendar (also created by migration 0002).
DEFAULT_CALENDAR_NAME = "标准工作日"
AROUND_THE_CLOCK_CALENDAR_NAME = "全天候 (24/7)"
#: Seconds a cached spec may live in a process that did not see the change itself.
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class ResolvedCalendar:
    """A calendar row (or the built-in fallback, ``id`` None) with its spec."""

    id: int | None
    name: str
    spec: CalendarSpec


@dataclass(frozen=True)
class Due:
    """A computed due instant (aware UTC) and what it was computed from."""

    start: dt.datetime
    due: dt.datetime
    amount: int
    unit: str
    calendar: ResolvedCalendar


_cache: dict[int | None, tuple[float, ResolvedCalendar]] = {}
_lock = threading.Lock()
_generation = 0
"""Bumped by every invalidation: a load that overlapped one is not stored."""


def invalidate_calendar_cache() -> None:
    """Forget every cached spec (called by the signals on save and delete)."""
    global _generation
    with _lock:
        _cache.clear()
        _generation += 1


def _changed_in_this_transaction() -> bool:
    """Whether the open transaction changed a calendar or an override: the signals then
    left ``invalidate_calendar_cache`` waiting for its commit. What such a transaction
    reads may yet roll back (which sends no signal), so it is not stored; a rollback
    drops the waiting callback, and so ends this state too."""
    pending = getattr(connection, "run_on_commit", None) or ()
    return any(entry[1] is invalidate_calendar_cache for entry in pending)


def spec_from_calendar(
    calendar: WorkCalendar, overrides: dict[dt.date, bool] | None = None
) -> CalendarSpec:
    """Build the spec of ``calendar`` with the given overrides (no database access)."""
    periods = (
        ((0, worktime.MINUTES_PER_DAY),)
        if calendar.around_the_clock
        else worktime.parse_periods(calendar.periods)
    )
    return CalendarSpec(
        periods=periods,
        around_the_clock=calendar.around_the_clock,
        saturday_is_workday=calendar.saturday_is_workday,
        sunday_is_workday=calendar.sunday_is_workday,
        overrides=overrides or {},
    )


def _load(calendar_id: int | None) -> ResolvedCalendar:
    if calendar_id is None:
        calendar = WorkCalendar.objects.filter(is_default=True).first()
    else:
        calendar = WorkCalendar.objects.get(pk=calendar_id)
    overrides: dict[dt.date, bool] = {}
    scope = Q(calendar__isnull=True)
    if calendar is not None:
        scope |= Q(calendar=calendar)
    rows = CalendarOverride.objects.filter(scope).values_list("on", "is_workday", "calendar_id")
    # Global overrides first, so the calendar's own win on the same date.
    for on, is_workday, _owner_id in sorted(rows, key=lambda row: row[2] is not None):
        overrides[on] = is_workday
    if calendar is None:
        return ResolvedCalendar(None, DEFAULT_CALENDAR_NAME, CalendarSpec(overrides=overrides))
    return ResolvedCalendar(calendar.pk, calendar.name, spec_from_calendar(calendar, overrides))


def resolve_calendar(calendar_id: int | None) -> ResolvedCalendar:
    """The calendar ``calendar_id`` (None: the default one) and its spec, cached.

    Without a default calendar row, the built-in default (09:00–12:00, 13:30–17:30,
    Monday–Friday and the official schedule, plus global overrides). Raises
    ``WorkCalendar.DoesNotExist`` for an unknown id.

    What a transaction that changed a calendar or an override reads is neither taken
    from nor stored in the cache: it may roll back, which sends no signal. Any other
    read is stored, inside a transaction too (under READ COMMITTED it reads committed
    rows), unless a change was signalled while it was loading.
    """
    if connection.in_atomic_block and _changed_in_this_transaction():
        return _load(calendar_id)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(calendar_id)
        generation = _generation
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    resolved = _load(calendar_id)
    with _lock:
        if generation == _generation:
            _cache[calendar_id] = (now, resolved)
    return resolved


def spec_for_calendar(calendar_id: int | None) -> CalendarSpec:
    """The ``CalendarSpec`` of calendar ``calendar_id`` (None: the default calendar)."""
    return resolve_calendar(calendar_id).spec


def compute_due(
    *, start: dt.datetime, amount: int, unit: str, calendar_id: int | None = None
) -> Due:
    """The due instant of a limit on a calendar (raises like ``add_working_time``)."""
    resolved = resolve_calendar(calendar_id)
    due = worktime.add_working_time(resolved.spec, start, amount, unit)
    return Due(start=start, due=due, amount=amount, unit=unit, calendar=resolved)


def special_days_for(
    year: int, calendar_id: int | None = None
) -> tuple[ResolvedCalendar, list[worktime.SpecialDay]]:
    """Holidays, make-up workdays and overrides of ``year`` on a calendar."""
    resolved = resolve_calendar(calendar_id)
    return resolved, worktime.special_days(resolved.spec, year)
