"""Stage clocks (时限计时) of a case: start, stop, pause, resume, extend, and lights.

Each stage of the loop that has a time limit runs a clock, kept in ``Case.clocks`` as
JSON (stage → clock). The limit is normalised to minutes of one *measure*: working
minutes of a work calendar (工作日历) for working units, or real minutes for calendar
units (computed on the 24/7 spec). A clock segment starts at ``base_at`` and lasts
``minutes``; pauses (挂账) do not count. An approved extension (延期) starts a new
segment from the approval to the new deadline, so earlier pauses are not counted twice.
The arithmetic itself is ``urbangrid.calendars.worktime``; this module only keeps the
clock's book. Handling runs on the department's calendar, centre stages on the default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from urbangrid.calendars import worktime
from urbangrid.calendars.services import spec_for_calendar
from urbangrid.calendars.worktime import CalendarSpec
from urbangrid.catalog.models import LimitUnit, Stage

Clock = dict[str, Any]
Clocks = dict[str, Clock]

WORKING = "working"
CALENDAR = "calendar"
_MINUTES_PER_UNIT = {
    LimitUnit.WORKING_MINUTES: 1,
    LimitUnit.WORKING_HOURS: 60,
    LimitUnit.CALENDAR_HOURS: 60,
    LimitUnit.CALENDAR_DAYS: 24 * 60,
}


def iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def parse(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


_specs: ContextVar[dict[int | None, CalendarSpec] | None] = ContextVar("specs", default=None)


@contextmanager
def one_reading_of_calendars() -> Iterator[None]:
    """Within the block, each calendar is read once (a case's clocks share calendars)."""
    token = _specs.set({})
    try:
        yield
    finally:
        _specs.reset(token)


def calendar_spec(calendar_id: int | None) -> CalendarSpec:
    memo = _specs.get()
    if memo is None:
        return spec_for_calendar(calendar_id)
    if calendar_id not in memo:
        memo[calendar_id] = spec_for_calendar(calendar_id)
    return memo[calendar_id]


def _spec(clock: Clock) -> CalendarSpec:
    if clock["measure"] == CALENDAR:
        return worktime.AROUND_THE_CLOCK_SPEC
    return calendar_spec(clock["calendar"])


def limit_minutes(spec: CalendarSpec, amount: int, unit: str) -> tuple[str, int]:
    """(measure, minutes) of a limit: the same instant as ``add_working_time`` gives."""
    if unit == LimitUnit.WORKING_DAYS:
        return WORKING, amount * spec.day_minutes
    if unit not in _MINUTES_PER_UNIT:
        raise ValueError(f"unknown unit {unit!r}")
    measure = CALENDAR if unit.startswith("calendar") else WORKING
    return measure, amount * _MINUTES_PER_UNIT[LimitUnit(unit)]


def start_clock(
    clocks: Clocks,
    stage: str,
    *,
    at: dt.datetime,
    limit: dict[str, Any] | None,
    calendar_id: int | None,
) -> Clock:
    """Start (or restart) ``stage``'s clock at ``at`` with ``limit`` ({amount, unit})."""
    measure, minutes = WORKING, None
    if limit:
        measure, minutes = limit_minutes(
            calendar_spec(calendar_id), int(limit["amount"]), limit["unit"]
        )
    clock: Clock = {
        "started_at": iso(at),
        "limit": limit or None,
        "calendar": calendar_id,
        "measure": measure,
        "base_at": iso(at),
        "minutes": minutes,
        "pauses": [],
        "extended_to": None,
        "due_at": None,
        "ended_at": None,
        "light": worktime.GREEN,
    }
    clocks[stage] = clock
    _refresh_clock(clock, at)
    return clock


def stop_clock(clocks: Clocks, stage: str, *, at: dt.datetime) -> None:
    clock = clocks.get(stage)
    if clock is None or clock["ended_at"]:
        return
    if clock["pauses"] and clock["pauses"][-1][1] is None:
        clock["pauses"][-1][1] = iso(at)
    _refresh_clock(clock, at)
    clock["ended_at"] = iso(at)


def pause_clock(clocks: Clocks, stage: str, *, at: dt.datetime) -> None:
    clock = clocks.get(stage)
    if clock is None or clock["ended_at"] or is_paused(clock):
        return
    _refresh_clock(clock, at)
    clock["pauses"].append([iso(at), None])


def resume_clock(clocks: Clocks, stage: str, *, at: dt.datetime) -> None:
    clock = clocks.get(stage)
    if clock is None or not is_paused(clock):
        return
    clock["pauses"][-1][1] = iso(at)
    _refresh_clock(clock, at)


def extend_clock(clocks: Clocks, stage: str, *, at: dt.datetime, until: dt.datetime) -> None:
    """Move the deadline to ``until``: a new segment from ``at`` to ``until``."""
    clock = clocks.get(stage)
    if clock is None or clock["ended_at"]:
        return
    spec = _spec(clock)
    clock["base_at"] = iso(at)
    clock["minutes"] = worktime.working_seconds_between(spec, at, until) // 60
    clock["extended_to"] = iso(until)
    _refresh_clock(clock, at)


def is_paused(clock: Clock) -> bool:
    return bool(clock["pauses"]) and clock["pauses"][-1][1] is None


def _pauses(clock: Clock, now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """The clock's pauses, an open one closed at ``now`` (a provisional view)."""
    result: list[tuple[dt.datetime, dt.datetime | None]] = []
    for begin, end in clock["pauses"]:
        start = parse(begin)
        assert start is not None
        result.append((start, parse(end) or max(now, start)))
    return result


def due_of(clock: Clock, now: dt.datetime) -> dt.datetime | None:
    """When the stage is due (pauses until ``now`` counted), ``None`` without a limit."""
    if clock["minutes"] is None:
        return None
    base = parse(clock["base_at"])
    assert base is not None
    return worktime.remaining_due(
        _spec(clock), base, clock["minutes"], LimitUnit.WORKING_MINUTES, _pauses(clock, now)
    )


def light_of(clock: Clock, now: dt.datetime) -> str:
    """The clock's traffic light at ``now`` (at its end, if it has ended)."""
    return _light(clock, now, due_of(clock, now))


def _light(clock: Clock, now: dt.datetime, due: dt.datetime | None) -> str:
    """``light_of`` with the clock's due at ``now`` already known."""
    if due is None:
        return worktime.GREEN
    ended = parse(clock["ended_at"])
    moment = min(now, ended) if ended else now
    start = parse(clock["started_at"])
    assert start is not None
    return worktime.light(_spec(clock), start, due, moment, _pauses(clock, moment))


def _refresh_clock(clock: Clock, now: dt.datetime) -> None:
    if clock["ended_at"]:
        return
    due = due_of(clock, now)
    clock["due_at"] = iso(due)
    clock["light"] = _light(clock, now, due)


# A stopped (suspended) clock's light can still move, as its provisional due moves with
# the pause: the sweep looks at it again after this long.
PAUSED_RECHECK = dt.timedelta(hours=1)


def light_check_at(clock: Clock, now: dt.datetime) -> dt.datetime | None:
    """When the light sweep must look at the running ``clock`` again (refreshed at
    ``now``): when green turns yellow, when yellow turns red, an hour on while it is
    stopped; ``None`` when its light can no longer change by itself (red, no limit,
    ended). Never later than the change: at worst the sweep looks once too early."""
    if clock["ended_at"] or clock["minutes"] is None:
        return None
    if is_paused(clock):
        return now + PAUSED_RECHECK
    due = parse(clock["due_at"])
    if due is None or clock["light"] == worktime.RED:
        return None
    if clock["light"] == worktime.YELLOW:
        return due
    start = parse(clock["started_at"])
    assert start is not None
    closed = [(begin, end) for begin, end in _pauses(clock, now) if end is not None]
    return worktime.yellow_at(_spec(clock), start, due, closed)


@dataclass(frozen=True)
class Summary:
    """What the case row caches from its clocks, for lists, filters and the sweep."""

    stage: str
    stage_due_at: dt.datetime | None
    expected_at: dt.datetime | None
    light: str
    check_at: dt.datetime | None = None  # ``light_check_at`` of the running clock


def refresh(clocks: Clocks, now: dt.datetime, *, is_open: bool) -> Summary:
    """Recompute every running clock at ``now`` and summarise: the running stage, its due
    instant (none while paused), the case's due instant (the handling deadline) and the
    case's light (the running stage's)."""
    running: tuple[str, Clock] | None = None
    for stage, clock in clocks.items():
        if clock["ended_at"]:
            continue
        _refresh_clock(clock, now)
        if running is None or clock["started_at"] > running[1]["started_at"]:
            running = (stage, clock)
    handle = clocks.get(Stage.HANDLE)
    expected_at = parse(handle["due_at"]) if handle else None
    if running is None or not is_open:
        return Summary("", None, expected_at, "" if not is_open else worktime.GREEN)
    stage, clock = running
    due = None if is_paused(clock) else parse(clock["due_at"])
    return Summary(stage, due, expected_at, clock["light"], light_check_at(clock, now))


def ended_late(clocks: Clocks, stage: str) -> bool:
    """Whether ``stage``'s clock ended (or runs) past its due instant."""
    clock = clocks.get(stage)
    if not clock or not clock["due_at"]:
        return False
    end = parse(clock["ended_at"])
    due = parse(clock["due_at"])
    assert due is not None
    return end is not None and end > due
