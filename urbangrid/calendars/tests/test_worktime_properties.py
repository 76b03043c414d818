"""Property tests of the working-time arithmetic against ``chinesecalendar`` (2004–2026)."""

from __future__ import annotations

import datetime as dt
import itertools

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from urbangrid.calendars.worktime import (
    AROUND_THE_CLOCK_SPEC,
    DEFAULT_SPEC,
    OFFICIAL_FIRST_YEAR,
    OFFICIAL_LAST_YEAR,
    SHANGHAI,
    CalendarSpec,
    add_working_time,
    is_workday,
    light,
    parse_periods,
    remaining_due,
    working_seconds_between,
    yellow_at,
)

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, derandomize=True)

WORKING_UNITS = ("working_minutes", "working_hours", "working_days")
UNIT_SECONDS = {"working_minutes": 60, "working_hours": 3600}

starts = st.datetimes(
    min_value=dt.datetime(2004, 1, 1),
    max_value=dt.datetime(2026, 9, 30, 23, 59),
    timezones=st.just(SHANGHAI),
).map(lambda moment: moment.replace(second=0, microsecond=0))
precise_starts = st.datetimes(
    min_value=dt.datetime(2004, 1, 1),
    max_value=dt.datetime(2026, 9, 30, 23, 59),
    timezones=st.just(SHANGHAI),
)
units = st.sampled_from(WORKING_UNITS)
amounts = st.integers(min_value=0, max_value=5_000)


def amount_for(unit: str, amount: int) -> int:
    """Keep results inside the years the package knows: at most ~50 working days."""
    return {
        "working_minutes": amount * 5,
        "working_hours": amount // 20,
        "working_days": amount // 100,
    }[unit]


specs = st.builds(
    CalendarSpec,
    periods=st.sampled_from(
        [
            ((540, 720), (810, 1050)),
            parse_periods([["08:00", "12:00"], ["14:00", "18:00"]]),
            parse_periods([["00:00", "08:00"], ["20:00", "24:00"]]),
            parse_periods([["07:00", "19:00"]]),
        ]
    ),
    saturday_is_workday=st.booleans(),
    sunday_is_workday=st.booleans(),
)


def limit_seconds(spec: CalendarSpec, amount: int, unit: str) -> int:
    per = UNIT_SECONDS.get(unit, spec.day_minutes * 60)
    return amount * per


def test_is_workday_agrees_with_chinese_calendar_on_every_day_it_knows():
    day = dt.date(OFFICIAL_FIRST_YEAR, 1, 1)
    checked = 0
    while day.year <= OFFICIAL_LAST_YEAR:
        assert is_workday(DEFAULT_SPEC, day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)
        checked += 1
    assert OFFICIAL_FIRST_YEAR == 2004
    assert OFFICIAL_LAST_YEAR == 2026
    assert checked == (dt.date(2027, 1, 1) - dt.date(2004, 1, 1)).days


def test_weekend_flags_never_turn_a_public_holiday_into_a_workday():
    spec = CalendarSpec(saturday_is_workday=True, sunday_is_workday=True)
    day = dt.date(2004, 1, 1)
    while day.year <= 2026:
        # Ordinary weekends become workdays; days with a holiday name stay rest days.
        expected = (
            chinese_calendar.is_workday(day) or chinese_calendar.get_holiday_detail(day)[1] is None
        )
        assert is_workday(spec, day) == expected, day
        day += dt.timedelta(days=1)


def inside_working_time(spec: CalendarSpec, moment: dt.datetime) -> bool:
    """On a workday and within a period (period ends included)."""
    local = moment.astimezone(SHANGHAI)
    minute = local.hour * 60 + local.minute + local.second / 60
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        previous = local.date() - dt.timedelta(days=1)  # a period ending at 24:00
        if spec.periods[-1][1] == 1440 and is_workday(spec, previous):
            return True
    return is_workday(spec, local.date()) and any(s <= minute <= e for s, e in spec.periods)


@PROPERTY_SETTINGS
@given(start=starts, unit=units, amount=amounts)
def test_due_lands_on_a_workday_inside_a_working_period(start, unit, amount):
    amount = max(1, amount_for(unit, amount))
    due = add_working_time(DEFAULT_SPEC, start, amount, unit)
    local = due.astimezone(SHANGHAI)
    assert chinese_calendar.is_workday(local.date())
    assert inside_working_time(DEFAULT_SPEC, due)
    assert due > start


@PROPERTY_SETTINGS
@given(spec=specs, start=starts, unit=units, amount=amounts)
def test_due_lands_inside_working_time_on_any_calendar(spec, start, amount, unit):
    amount = max(1, amount_for(unit, amount))
    due = add_working_time(spec, start, amount, unit)
    assert inside_working_time(spec, due)


@PROPERTY_SETTINGS
@given(spec=specs, start=starts, unit=units, one=amounts, two=amounts)
def test_due_is_monotonic_in_the_amount(spec, start, unit, one, two):
    low, high = sorted((amount_for(unit, one), amount_for(unit, two)))
    assert add_working_time(spec, start, low, unit) <= add_working_time(spec, start, high, unit)
    if high > low:
        assert add_working_time(spec, start, low, unit) < add_working_time(spec, start, high, unit)


@PROPERTY_SETTINGS
@given(spec=specs, start=precise_starts, unit=units, amount=amounts)
def test_adding_then_measuring_round_trips(spec, start, unit, amount):
    amount = amount_for(unit, amount)
    due = add_working_time(spec, start, amount, unit)
    assert working_seconds_between(spec, start, due) == limit_seconds(spec, amount, unit)


@PROPERTY_SETTINGS
@given(spec=specs, start=starts, unit=units, amount=amounts)
def test_due_is_the_earliest_such_instant(spec, start, unit, amount):
    amount = max(1, amount_for(unit, amount))
    due = add_working_time(spec, start, amount, unit)
    earlier = due - dt.timedelta(seconds=1)
    assert working_seconds_between(spec, start, earlier) < limit_seconds(spec, amount, unit)


@PROPERTY_SETTINGS
@given(spec=specs, a=starts, b=starts, c=starts)
def test_working_seconds_between_is_additive(spec, a, b, c):
    a, b, c = sorted((a, b, c))
    total = working_seconds_between(spec, a, c)
    assert total == working_seconds_between(spec, a, b) + working_seconds_between(spec, b, c)
    assert 0 <= total <= (c - a).total_seconds()


@PROPERTY_SETTINGS
@given(
    spec=specs,
    start=starts,
    unit=units,
    amount=amounts,
    pauses=st.lists(st.tuples(st.integers(-3_000, 40_000), st.integers(0, 10_000)), max_size=4),
)
def test_working_time_outside_pauses_equals_the_limit(spec, start, unit, amount, pauses):
    amount = amount_for(unit, amount)
    intervals = [
        (start + dt.timedelta(minutes=offset), start + dt.timedelta(minutes=offset + length))
        for offset, length in pauses
    ]
    due = remaining_due(spec, start, amount, unit, intervals)
    assert due is not None
    assert due >= add_working_time(spec, start, amount, unit)
    # Working time from start to due, minus the (merged) pauses inside it.
    marks = sorted({start, due, *[m for i in intervals for m in i if start <= m <= due]})
    active = 0
    for left, right in itertools.pairwise(marks):
        middle = left + (right - left) / 2
        if not any(b <= middle < e for b, e in intervals):
            active += working_seconds_between(spec, left, right)
    assert active == limit_seconds(spec, amount, unit)


@PROPERTY_SETTINGS
@given(start=precise_starts, hours=st.integers(0, 2_000))
def test_around_the_clock_is_plain_elapsed_time(start, hours):
    due = add_working_time(AROUND_THE_CLOCK_SPEC, start, hours, "working_hours")
    assert due - start == dt.timedelta(hours=hours)
    days = add_working_time(AROUND_THE_CLOCK_SPEC, start, hours, "working_days")
    assert days - start == dt.timedelta(days=hours)


wide_starts = st.datetimes(
    min_value=dt.datetime(1960, 1, 1),
    max_value=dt.datetime(2090, 12, 31),
    timezones=st.just(SHANGHAI),
).map(lambda moment: moment.replace(second=0, microsecond=0))
# Where the precomputed table (2000–2040) ends and weekly arithmetic takes over.
boundary_starts = st.sampled_from([dt.datetime(1999, 11, 1), dt.datetime(2040, 11, 1)]).flatmap(
    lambda base: st.integers(0, 60 * 24 * 90).map(
        lambda minutes: (base + dt.timedelta(minutes=minutes)).replace(tzinfo=SHANGHAI)
    )
)


def reference_seconds(spec: CalendarSpec, start: dt.datetime, end: dt.datetime) -> int:
    """Day-by-day working seconds: slow and obviously right."""
    total = 0
    day = start.astimezone(SHANGHAI).date()
    while day <= end.astimezone(SHANGHAI).date():
        if is_workday(spec, day):
            midnight = dt.datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
            for first, last in spec.periods:
                left = max(start, midnight + dt.timedelta(minutes=first))
                right = min(end, midnight + dt.timedelta(minutes=last))
                if right > left:
                    total += int((right - left).total_seconds())
        day += dt.timedelta(days=1)
    return total


@settings(max_examples=120, deadline=None, derandomize=True)
@given(
    spec=specs,
    start=st.one_of(wide_starts, boundary_starts),
    span=st.integers(min_value=0, max_value=60 * 24 * 120),
    overrides=st.dictionaries(
        st.dates(min_value=dt.date(1960, 1, 1), max_value=dt.date(2090, 12, 31)),
        st.booleans(),
        max_size=5,
    ),
)
def test_working_seconds_match_a_day_by_day_count_far_from_the_shipped_years(
    spec, start, span, overrides
):
    spec = CalendarSpec(
        periods=spec.periods,
        saturday_is_workday=spec.saturday_is_workday,
        sunday_is_workday=spec.sunday_is_workday,
        overrides=overrides,
    )
    end = start + dt.timedelta(minutes=span)
    expected = reference_seconds(spec, start, end)
    assert working_seconds_between(spec, start, end) == expected
    due = add_working_time(spec, start, expected // 60, "working_minutes")
    assert working_seconds_between(spec, start, due) == expected
    assert due <= end
    if expected:
        assert inside_working_time(spec, due)


@PROPERTY_SETTINGS
@given(
    spec=st.sampled_from([DEFAULT_SPEC, AROUND_THE_CLOCK_SPEC]),
    start=precise_starts,
    minutes=st.integers(min_value=0, max_value=60 * 24 * 20),
    pause=st.none() | st.tuples(st.integers(0, 60 * 24 * 10), st.integers(1, 60 * 24 * 5)),
)
def test_yellow_at_is_the_first_instant_light_shows_yellow(spec, start, minutes, pause):
    """What the light sweep relies on: never later than the change, and not early."""
    paused = []
    if pause is not None:
        begin = start + dt.timedelta(minutes=pause[0])
        paused = [(begin, begin + dt.timedelta(minutes=pause[1]))]
    due = remaining_due(spec, start, minutes, "working_minutes", paused)
    assert due is not None
    turn = yellow_at(spec, start, due, paused)
    assert start <= turn <= due
    if minutes == 0:
        assert turn == due
        return
    assert light(spec, start, due, turn, paused) == "yellow"
    before = turn - dt.timedelta(microseconds=1)
    if before >= start:
        assert light(spec, start, due, before, paused) == "green"
