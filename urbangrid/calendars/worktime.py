"""Working-time arithmetic (工作时间计算): pure functions, no Django.

Time limits (时限) of the closed loop are counted in *working time*: only the minutes inside
the working periods of workdays (工作日) count. Which days are workdays follows the State
Council holiday schedule shipped in ``chinesecalendar`` (public holidays, 法定节假日, and
the weekend make-up workdays, 调休), corrected by per-date overrides. A calendar may also
run around the clock (24/7, 全天候), where every minute of every day counts.

The model, on one screen:

* A calendar maps every instant ``t`` to a *working-time coordinate* ``W(t)``: the working
  microseconds elapsed since an arbitrary origin. ``W`` is continuous and non-decreasing;
  it is flat outside working time (nights, lunch breaks, weekends, holidays).
* ``add_working_time(start, amount)`` is the earliest instant ``t >= start`` with
  ``W(t) = W(start) + amount``. Consequences: a start outside working time begins at the
  next working minute; a limit that is used up exactly at a period end returns that end
  (17:30, not 09:00 the next morning); an amount of 0 returns ``start`` itself.
* ``working_days``: N working days = N × the working time of one standard day, counted
  from ``start``. Started inside working hours, that is the same clock time N workdays
  later (Friday 10:00 before National Day + 1 working day = 10:00 on the first workday
  after the holiday). Started outside working hours, the first working minute begins the
  count, so it ends at the close of the N-th workday (Friday 18:00 + 1 = next workday
  17:30). On a 24/7 calendar one working day is 24 hours.
* Calendar units (``calendar_hours``, ``calendar_days``) ignore the calendar and count
  elapsed real time: 1 calendar day = 24 hours.

Speed: per calendar, a timeline holds for every day of 2000–2040 (and of every override)
the working microseconds before it (prefix sums), so each computation is a bisect plus a
walk over the day's few periods; outside that table only the weekly rule applies and whole
weeks are counted arithmetically. Timelines are cached per ``CalendarSpec`` (hashable).

Local time is wall-clock time in ``spec.tz`` (Asia/Shanghai, which has no daylight-saving
time). Every function takes aware datetimes and returns aware UTC datetimes.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final
from zoneinfo import ZoneInfo

from chinese_calendar import constants as _official

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
UTC: Final = dt.UTC

WORKING_MINUTES: Final = "working_minutes"
WORKING_HOURS: Final = "working_hours"
WORKING_DAYS: Final = "working_days"
CALENDAR_HOURS: Final = "calendar_hours"
CALENDAR_DAYS: Final = "calendar_days"
UNITS: Final = (WORKING_MINUTES, WORKING_HOURS, WORKING_DAYS, CALENDAR_HOURS, CALENDAR_DAYS)
WORKING_UNITS: Final = frozenset({WORKING_MINUTES, WORKING_HOURS, WORKING_DAYS})
CALENDAR_UNITS: Final = frozenset({CALENDAR_HOURS, CALENDAR_DAYS})

GREEN: Final = "green"
YELLOW: Final = "yellow"
RED: Final = "red"

DEFAULT_PERIODS: Final[tuple[tuple[int, int], ...]] = ((540, 720), (810, 1050))
MINUTES_PER_DAY: Final = 1440

_US_PER_MINUTE: Final = 60_000_000
_US_PER_SECOND: Final = 1_000_000
_US_PER_DAY: Final = MINUTES_PER_DAY * _US_PER_MINUTE
_ONE_US: Final = dt.timedelta(microseconds=1)
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=UTC)

#: Years whose official schedule ``chinesecalendar`` ships (2004–2026 in version 1.11).
OFFICIAL_FIRST_YEAR: Final[int] = min(_official.holidays).year
OFFICIAL_LAST_YEAR: Final[int] = max(_official.holidays).year
_OFFICIAL_HOLIDAYS: Final[Mapping[dt.date, str]] = _official.holidays
_OFFICIAL_WORKDAYS: Final[Mapping[dt.date, str]] = _official.workdays

_TIME_RE: Final = re.compile(r"^(\d{2}):(\d{2})$")


# --------------------------------------------------------------------------- periods


def _parse_time(value: object, where: str) -> int:
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected a time as 'HH:MM', got {value!r}")
    match = _TIME_RE.match(value)
    if match is None:
        raise ValueError(f"{where}: {value!r} is not a time as 'HH:MM'")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(f"{where}: {value!r} is not between 00:00 and 24:00")
    return hours * 60 + minutes


def parse_periods(periods: list[list[str]]) -> tuple[tuple[int, int], ...]:
    """Parse working periods such as ``[["09:00", "12:00"], ["13:30", "17:30"]]``.

    Returns ``((540, 720), (810, 1050))``: minutes after local midnight. Periods must be
    in order, must not overlap (touching is allowed), must lie within 00:00–24:00 and
    must not be empty; there must be at least one. Raises ``ValueError`` otherwise.
    """
    if not isinstance(periods, list | tuple):
        raise ValueError(f"working periods must be a list of [start, end] pairs, got {periods!r}")
    if not periods:
        raise ValueError("at least one working period is required")
    parsed: list[tuple[int, int]] = []
    for number, period in enumerate(periods, start=1):
        where = f"period {number}"
        if not isinstance(period, list | tuple) or len(period) != 2:
            raise ValueError(f"{where}: expected a pair [start, end], got {period!r}")
        start = _parse_time(period[0], f"{where} start")
        end = _parse_time(period[1], f"{where} end")
        if start == MINUTES_PER_DAY:
            raise ValueError(f"{where}: a period cannot start at 24:00")
        if end <= start:
            raise ValueError(f"{where}: end {period[1]} must be after start {period[0]}")
        if parsed and start < parsed[-1][1]:
            previous = number - 1
            if start < parsed[-1][0]:
                raise ValueError(f"{where} starts before period {previous}: list them in order")
            raise ValueError(f"{where} overlaps period {previous}")
        parsed.append((start, end))
    return tuple(parsed)


def format_periods(periods: Sequence[tuple[int, int]]) -> list[list[str]]:
    """The inverse of ``parse_periods``."""
    return [[f"{s // 60:02d}:{s % 60:02d}", f"{e // 60:02d}:{e % 60:02d}"] for s, e in periods]


def _check_periods(periods: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    result = tuple((int(s), int(e)) for s, e in periods)
    if not result:
        raise ValueError("at least one working period is required")
    previous_end = 0
    for start, end in result:
        if not (previous_end <= start < end <= MINUTES_PER_DAY):
            raise ValueError(f"invalid working periods {result!r}: use parse_periods")
        previous_end = end
    return result


# --------------------------------------------------------------------------- calendar spec


class Overrides(Mapping[dt.date, bool]):
    """An immutable, hashable ``{date: is_workday}`` mapping (节假日调整)."""

    __slots__ = ("_data", "_hash")

    def __init__(self, items: Mapping[dt.date, bool] | Iterable[tuple[dt.date, bool]] = ()):
        data = dict(items)
        for day, flag in data.items():
            if type(day) is not dt.date or not isinstance(flag, bool):
                raise ValueError(f"override {day!r}: {flag!r} must map a date to a bool")
        self._data: dict[dt.date, bool] = data
        self._hash = hash(frozenset(data.items()))

    def __getitem__(self, key: dt.date) -> bool:
        return self._data[key]

    def __iter__(self) -> Iterator[dt.date]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Overrides):
            return self._hash == other._hash and self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"Overrides({dict(sorted(self._data.items()))!r})"


NO_OVERRIDES: Final = Overrides()


@dataclass(frozen=True)
class CalendarSpec:
    """Everything the arithmetic needs to know about one work calendar (工作日历).

    ``periods`` are minutes after local midnight (see ``parse_periods``) and are ignored
    when ``around_the_clock``. ``overrides`` wins over everything except 24/7; any mapping
    may be passed and is frozen into ``Overrides``. Instances are hashable and compare by
    value, so they are cache keys.
    """

    periods: tuple[tuple[int, int], ...] = DEFAULT_PERIODS
    around_the_clock: bool = False
    saturday_is_workday: bool = False
    sunday_is_workday: bool = False
    overrides: Mapping[dt.date, bool] = NO_OVERRIDES
    tz: dt.tzinfo = SHANGHAI
    _timeline: _Timeline | None = field(
        default=None, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "periods", _check_periods(self.periods))
        if not isinstance(self.overrides, Overrides):
            object.__setattr__(self, "overrides", Overrides(self.overrides))

    @property
    def day_minutes(self) -> int:
        """Working minutes in one standard workday (420 by default, 1440 for 24/7)."""
        if self.around_the_clock:
            return MINUTES_PER_DAY
        return sum(end - start for start, end in self.periods)


DEFAULT_SPEC: Final = CalendarSpec()
AROUND_THE_CLOCK_SPEC: Final = CalendarSpec(periods=((0, MINUTES_PER_DAY),), around_the_clock=True)


def is_official_year(year: int) -> bool:
    """Whether ``chinesecalendar`` ships the official schedule for ``year``."""
    return OFFICIAL_FIRST_YEAR <= year <= OFFICIAL_LAST_YEAR


def is_ordinary_workday(spec: CalendarSpec, day: dt.date) -> bool:
    """The weekly rule alone: Monday–Friday, plus Saturday/Sunday when the flags say so."""
    weekday = day.weekday()
    if weekday < 5:
        return True
    return spec.saturday_is_workday if weekday == 5 else spec.sunday_is_workday


def is_workday(spec: CalendarSpec, day: dt.date) -> bool:
    """Whether ``day`` is a workday on this calendar.

    In order: a 24/7 calendar works every day; an override decides; for the years
    ``chinesecalendar`` knows, a public holiday is a rest day and a make-up workday (调休)
    is a workday; otherwise the weekly rule (``is_ordinary_workday``). The Saturday and
    Sunday flags turn ordinary weekends into workdays, never public holidays.
    """
    if spec.around_the_clock:
        return True
    flag = spec.overrides.get(day)
    if flag is not None:
        return flag
    if OFFICIAL_FIRST_YEAR <= day.year <= OFFICIAL_LAST_YEAR:
        if day in _OFFICIAL_HOLIDAYS:
            return False
        if day in _OFFICIAL_WORKDAYS:
            return True
    return is_ordinary_workday(spec, day)


@dataclass(frozen=True)
class SpecialDay:
    """A day whose status is not the ordinary weekly rule, or an official holiday."""

    on: dt.date
    is_workday: bool
    kind: str  # "holiday", "make_up_workday", "override_workday" or "override_rest_day"
    name: str  # English holiday name from chinesecalendar, or "" for overrides
    name_zh: str


_HOLIDAY_ZH: Final[dict[str, str]] = {h.value: h.chinese for h in _official.Holiday}


def special_days(spec: CalendarSpec, year: int) -> list[SpecialDay]:
    """Public holidays, make-up workdays and overrides of ``year``, for staff planning.

    Lists every official holiday (also those that fall on a weekend), every official
    make-up workday and every override that changes the day. Empty for 24/7 calendars.
    """
    if spec.around_the_clock:
        return []
    result: list[SpecialDay] = []
    day = dt.date(year, 1, 1)
    step = dt.timedelta(days=1)
    while day.year == year:
        working = is_workday(spec, day)
        official_name = _OFFICIAL_HOLIDAYS.get(day) or _OFFICIAL_WORKDAYS.get(day) or ""
        kind = ""
        if day in spec.overrides:
            if working != is_ordinary_workday(spec, day) or official_name:
                kind = "override_workday" if working else "override_rest_day"
        elif day in _OFFICIAL_HOLIDAYS:
            kind = "holiday"
        elif day in _OFFICIAL_WORKDAYS:
            kind = "make_up_workday"
        if kind:
            result.append(
                SpecialDay(day, working, kind, official_name, _HOLIDAY_ZH.get(official_name, ""))
            )
        day += step
    return result


# --------------------------------------------------------------------------- timeline


class _Timeline:
    """Working time of one calendar as prefix sums per day.

    A table covers the Monday-aligned ordinals ``[lo, hi)``: every year the official
    schedule knows and every override, with margin. Outside it only the weekly rule
    applies, so coordinates there are computed from whole weeks, without a table.
    ``cum[i]`` is the working time (µs) before day ``lo + i``; ``cum[0] == 0``.
    """

    __slots__ = ("cum", "day_us", "hi", "lo", "periods", "week", "week_prefix", "week_us", "work")

    def __init__(self, spec: CalendarSpec) -> None:
        periods: list[tuple[int, int, int]] = []
        before = 0
        for start, end in spec.periods:
            periods.append((start * _US_PER_MINUTE, end * _US_PER_MINUTE, before))
            before += (end - start) * _US_PER_MINUTE
        self.periods: tuple[tuple[int, int, int], ...] = tuple(periods)
        self.day_us = before
        monday = dt.date(2024, 1, 1)  # any Monday
        self.week = tuple(
            is_ordinary_workday(spec, monday + dt.timedelta(days=k)) for k in range(7)
        )
        prefix = [0]
        for working in self.week:
            prefix.append(prefix[-1] + (before if working else 0))
        self.week_prefix: tuple[int, ...] = tuple(prefix)
        self.week_us = prefix[-1]  # > 0: Monday to Friday always work outside the table
        lo, hi = _TABLE_LO, _TABLE_HI
        if spec.overrides:
            lo = min(lo, min(spec.overrides).toordinal())
            hi = max(hi, max(spec.overrides).toordinal() + 1)
        lo -= (lo - 1) % 7  # ordinal 1 (0001-01-01) is a Monday
        hi += -(hi - 1) % 7
        self.lo, self.hi = lo, hi
        self.work = bytearray()
        self.cum: list[int] = [0]
        total = 0
        for ordinal in range(lo, hi):
            working = is_workday(spec, dt.date.fromordinal(ordinal))
            self.work.append(working)
            if working:
                total += before
            self.cum.append(total)

    def within(self, us: int) -> int:
        """Working microseconds of a workday before ``us`` microseconds after midnight."""
        for start, end, before in self.periods:
            if us < start:
                return before
            if us < end:
                return before + us - start
        return self.day_us

    def day_start(self, ordinal: int) -> int:
        """The coordinate at local midnight starting day ``ordinal``."""
        index = ordinal - self.lo
        if 0 <= index < len(self.cum):
            return self.cum[index]
        if index > 0:
            weeks, rest = divmod(ordinal - self.hi, 7)
            return self.cum[-1] + weeks * self.week_us + self.week_prefix[rest]
        weeks = -(index // 7)
        return self.week_prefix[ordinal - (self.lo - 7 * weeks)] - weeks * self.week_us

    def is_work(self, ordinal: int) -> bool:
        index = ordinal - self.lo
        if 0 <= index < len(self.work):
            return bool(self.work[index])
        return self.week[(ordinal - 1) % 7]

    def coordinate(self, ordinal: int, us: int) -> int:
        """The coordinate of ``us`` microseconds after local midnight of day ``ordinal``."""
        index = ordinal - self.lo
        if 0 <= index < len(self.work):
            if self.work[index]:
                return self.cum[index] + self.within(us)
            return self.cum[index]
        if self.is_work(ordinal):
            return self.day_start(ordinal) + self.within(us)
        return self.day_start(ordinal)

    def locate(self, target: int) -> tuple[int, int]:
        """The earliest (ordinal, microseconds after midnight) with coordinate ``target``."""
        cum = self.cum
        if 0 < target <= cum[-1]:
            index = bisect_left(cum, target) - 1
            return self.lo + index, self._within_inverse(target - cum[index])
        # Outside the table: find the Monday of the right week, then walk its days.
        if target > 0:
            monday, rest = self.hi, target - cum[-1]
        else:
            weeks = -target // self.week_us + 1
            monday, rest = self.lo - 7 * weeks, target + weeks * self.week_us
        weeks = (rest - 1) // self.week_us
        monday += 7 * weeks
        rest -= weeks * self.week_us
        for offset, working in enumerate(self.week):
            if working:
                if rest <= self.day_us:
                    return monday + offset, self._within_inverse(rest)
                rest -= self.day_us
        raise AssertionError("unreachable: rest exceeds a working week")  # pragma: no cover

    def _within_inverse(self, rest: int) -> int:
        """Microseconds after midnight where ``rest`` (0 < rest <= day_us) is used up."""
        for start, end, before in self.periods:
            if rest <= before + end - start:
                return start + rest - before
        raise AssertionError("unreachable: rest exceeds a working day")  # pragma: no cover


_TIMELINES: dict[CalendarSpec, _Timeline] = {}
_TIMELINES_LOCK = threading.Lock()
_MAX_TIMELINES: Final = 256
_TABLE_LO: Final = dt.date(2000, 1, 1).toordinal()
_TABLE_HI: Final = dt.date(2041, 1, 1).toordinal()


def _timeline(spec: CalendarSpec) -> _Timeline:
    """The timeline of ``spec``: kept on the spec and in a cache shared by equal specs."""
    timeline = spec._timeline
    if timeline is None:
        with _TIMELINES_LOCK:
            timeline = _TIMELINES.get(spec)
            if timeline is None:
                timeline = _Timeline(spec)
                if len(_TIMELINES) >= _MAX_TIMELINES:
                    _TIMELINES.clear()
                _TIMELINES[spec] = timeline
        object.__setattr__(spec, "_timeline", timeline)
    return timeline


def clear_cache() -> None:
    """Forget every cached timeline (tests; long-lived processes never need it)."""
    with _TIMELINES_LOCK:
        _TIMELINES.clear()


# --------------------------------------------------------------------------- arithmetic


def _local_parts(spec: CalendarSpec, moment: dt.datetime) -> tuple[int, int]:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} is naive: pass an aware datetime")
    local = moment.astimezone(spec.tz)
    us = ((local.hour * 60 + local.minute) * 60 + local.second) * _US_PER_SECOND
    return local.toordinal(), us + local.microsecond


def _from_local_parts(spec: CalendarSpec, ordinal: int, us: int) -> dt.datetime:
    try:
        naive = dt.datetime.fromordinal(ordinal) + dt.timedelta(microseconds=us)
        return naive.replace(tzinfo=spec.tz).astimezone(UTC)
    except (ValueError, OverflowError):
        raise OverflowError("the result falls outside the years 1–9999") from None


def _limit_us(spec: CalendarSpec, amount: int, unit: str) -> int:
    """The limit in microseconds of working time (working units) or real time (calendar)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValueError(f"amount must be an integer, got {amount!r}")
    if amount < 0:
        raise ValueError(f"amount must not be negative, got {amount}")
    if unit == WORKING_MINUTES:
        return amount * _US_PER_MINUTE
    if unit in (WORKING_HOURS, CALENDAR_HOURS):
        return amount * 60 * _US_PER_MINUTE
    if unit == WORKING_DAYS:
        return amount * spec.day_minutes * _US_PER_MINUTE
    if unit == CALENDAR_DAYS:
        return amount * _US_PER_DAY
    raise ValueError(f"unknown unit {unit!r}: use one of {', '.join(UNITS)}")


def add_working_time(spec: CalendarSpec, start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """The due instant of a limit of ``amount`` ``unit`` started at ``start`` (aware UTC).

    See the module docstring for the rules. Raises ``ValueError`` for a naive ``start``,
    a negative amount or an unknown unit, ``OverflowError`` past the year 9999.
    """
    limit = _limit_us(spec, amount, unit)
    if unit in CALENDAR_UNITS or spec.around_the_clock:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(f"{start!r} is naive: pass an aware datetime")
        return start.astimezone(UTC) + dt.timedelta(microseconds=limit)
    ordinal, us = _local_parts(spec, start)
    if limit == 0:
        return start.astimezone(UTC)
    timeline = spec._timeline or _timeline(spec)
    day, us = timeline.locate(timeline.coordinate(ordinal, us) + limit)
    return _from_local_parts(spec, day, us)


def _working_coordinate(spec: CalendarSpec, moment: dt.datetime) -> int:
    ordinal, us = _local_parts(spec, moment)
    return _timeline(spec).coordinate(ordinal, us)


def _real_coordinate(moment: dt.datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} is naive: pass an aware datetime")
    return (moment - _EPOCH) // _ONE_US


def working_seconds_between(spec: CalendarSpec, start: dt.datetime, end: dt.datetime) -> int:
    """Whole seconds of working time from ``start`` to ``end``; 0 if ``end <= start``."""
    if end <= start:
        return 0
    if spec.around_the_clock:
        return (_real_coordinate(end) - _real_coordinate(start)) // _US_PER_SECOND
    elapsed = _working_coordinate(spec, end) - _working_coordinate(spec, start)
    return elapsed // _US_PER_SECOND


Pause = tuple[dt.datetime, dt.datetime | None]


def _merge_pauses(start: dt.datetime, paused: Iterable[Pause]) -> list[Pause]:
    """Pauses clipped to begin at ``start`` or later, sorted, overlaps merged."""
    clipped: list[Pause] = []
    for begin, end in paused:
        if end is not None and end <= start:
            continue
        if end is not None and end < begin:
            raise ValueError(f"pause ends ({end}) before it begins ({begin})")
        clipped.append((max(begin, start), end))
    clipped.sort(key=lambda pause: pause[0])
    merged: list[Pause] = []
    for begin, end in clipped:
        if merged:
            last_begin, last_end = merged[-1]
            if last_end is None:
                break
            if begin <= last_end:
                merged[-1] = (last_begin, None if end is None else max(end, last_end))
                continue
        merged.append((begin, end))
    return merged


def remaining_due(
    spec: CalendarSpec,
    start: dt.datetime,
    amount: int,
    unit: str,
    paused: Sequence[Pause],
) -> dt.datetime | None:
    """The due instant when the clock stopped over ``paused`` (suspension, 挂账).

    Working time (or, for calendar units, real time) inside a pause does not count, so
    the due instant is the one where the time elapsed outside the pauses equals the limit.
    Pauses may overlap, be unsorted or start before ``start``. Returns ``None`` when an
    open pause (end ``None``) began before the limit ran out: the clock is stopped and
    there is no due instant until the case is resumed. (To show a provisional due,
    close the open pause at ``now``.) Pauses that begin after the due instant are ignored.
    """
    limit = _limit_us(spec, amount, unit)
    pauses = _merge_pauses(start, paused)
    if not pauses:
        return add_working_time(spec, start, amount, unit)
    real = unit in CALENDAR_UNITS or spec.around_the_clock
    coordinate = _Coordinate(spec, real)
    target = coordinate(start) + limit
    for begin, end in pauses:
        if coordinate(begin) >= target:
            break
        if end is None:
            return None
        target += coordinate(end) - coordinate(begin)
    if real:
        return _EPOCH + dt.timedelta(microseconds=target)
    if target == coordinate(start):
        return start.astimezone(UTC)
    day, us = _timeline(spec).locate(target)
    return _from_local_parts(spec, day, us)


def _active(
    coordinate: _Coordinate, start: dt.datetime, moment: dt.datetime, pauses: list[Pause]
) -> int:
    """Time from ``start`` to ``moment`` outside ``pauses`` (already merged and clipped)."""
    if moment <= start:
        return 0
    total = coordinate(moment) - coordinate(start)
    for begin, end in pauses:
        if begin >= moment:
            break
        stop = moment if end is None or end > moment else end
        total -= coordinate(stop) - coordinate(begin)
    return total


class _Coordinate:
    def __init__(self, spec: CalendarSpec, real: bool) -> None:
        self.spec = spec
        self.real = real

    def __call__(self, moment: dt.datetime) -> int:
        if self.real:
            return _real_coordinate(moment)
        return _working_coordinate(self.spec, moment)


def light(
    spec: CalendarSpec,
    start: dt.datetime,
    due: dt.datetime,
    now: dt.datetime,
    paused: Sequence[Pause] = (),
    *,
    unit: str | None = None,
) -> str:
    """The traffic light (红黄绿灯) of a running time limit: "green", "yellow" or "red".

    fraction = time used ÷ time allowed, where time used is the working time from
    ``start`` to ``now`` outside ``paused`` and time allowed the working time from
    ``start`` to ``due`` outside ``paused`` (pass ``due`` as ``remaining_due`` computed it,
    with the same pauses). An open pause (end ``None``) counts as ending at ``now``:
    pass as ``due`` the provisional due, ``remaining_due`` with that pause closed at
    ``now``. For calendar units (``unit="calendar_hours"`` or
    ``"calendar_days"``) and 24/7 calendars, plain seconds are used.
    Green below 80 %, yellow from 80 % to 100 %, red above 100 % — and red as soon as
    ``now`` is past ``due``: a limit that ran out at 17:30 stays red overnight although
    no working time elapses after it.
    """
    if unit is not None and unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}: use one of {', '.join(UNITS)}")
    if now > due:
        return RED
    real = unit in CALENDAR_UNITS or spec.around_the_clock
    coordinate = _Coordinate(spec, real)
    closed = [(begin, end if end is not None else max(begin, now)) for begin, end in paused]
    pauses = _merge_pauses(start, closed)
    allowed = _active(coordinate, start, due, pauses)
    used = _active(coordinate, start, now, pauses)
    if used > allowed:
        return RED
    if allowed == 0 or used * 5 < allowed * 4:
        return GREEN
    return YELLOW


def yellow_at(
    spec: CalendarSpec,
    start: dt.datetime,
    due: dt.datetime,
    paused: Sequence[tuple[dt.datetime, dt.datetime]] = (),
    *,
    unit: str | None = None,
) -> dt.datetime:
    """The instant ``light`` turns a running limit yellow: the earliest one at which the
    time used (outside ``paused``, all closed) reaches four fifths of the time allowed
    (``due`` without pauses allowed: ``due``, where it turns red once passed). Same
    arguments and units as ``light``.
    """
    if unit is not None and unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}: use one of {', '.join(UNITS)}")
    real = unit in CALENDAR_UNITS or spec.around_the_clock
    coordinate = _Coordinate(spec, real)
    pauses = _merge_pauses(start, paused)
    allowed = _active(coordinate, start, due, pauses)
    if allowed <= 0:
        return due
    target = coordinate(start) - (-allowed * 4 // 5)  # + the used time, rounded up
    for begin, end in pauses:
        if end is None or coordinate(begin) >= target:
            break
        target += coordinate(end) - coordinate(begin)
    if real:
        return _EPOCH + dt.timedelta(microseconds=target)
    day, us = _timeline(spec).locate(target)
    return _from_local_parts(spec, day, us)
