"""Plain unit tests of the working-time arithmetic (no database)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from urbangrid.calendars.tests.helpers import at, local
from urbangrid.calendars.worktime import (
    AROUND_THE_CLOCK_SPEC,
    DEFAULT_SPEC,
    UNITS,
    UTC,
    CalendarSpec,
    Overrides,
    add_working_time,
    format_periods,
    is_workday,
    light,
    parse_periods,
    remaining_due,
    working_seconds_between,
)

# 2024-09-30 is a Monday, the last workday before National Day (Oct 1–7 off).
MONDAY = at(2024, 9, 23)


# --------------------------------------------------------------------------- parse_periods


def test_parse_periods_returns_minutes_after_midnight():
    assert parse_periods([["09:00", "12:00"], ["13:30", "17:30"]]) == ((540, 720), (810, 1050))


def test_parse_periods_accepts_a_whole_day_and_touching_periods():
    assert parse_periods([["00:00", "24:00"]]) == ((0, 1440),)
    assert parse_periods([["08:00", "12:00"], ["12:00", "13:00"]]) == ((480, 720), (720, 780))


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ([], "at least one"),
        ("09:00-12:00", r"list of \[start, end\] pairs"),
        ([["09:00"]], "period 1: expected a pair"),
        ([["9:00", "12:00"]], "period 1 start: '9:00' is not a time"),
        ([["09:00", "25:00"]], "period 1 end: '25:00' is not between 00:00 and 24:00"),
        ([["09:60", "12:00"]], "is not between"),
        ([["24:00", "24:00"]], "cannot start at 24:00"),
        ([["12:00", "09:00"]], "end 09:00 must be after start 12:00"),
        ([["09:00", "09:00"]], "must be after"),
        ([["09:00", "12:00"], ["11:00", "13:00"]], "period 2 overlaps period 1"),
        ([["13:00", "17:00"], ["09:00", "12:00"]], "period 2 starts before period 1"),
        ([[9, 12]], "expected a time as 'HH:MM'"),
    ],
)
def test_parse_periods_rejects_bad_input_with_a_clear_message(periods, message):
    with pytest.raises(ValueError, match=message):
        parse_periods(periods)


def test_format_periods_is_the_inverse_of_parse_periods():
    periods = [["08:30", "12:00"], ["14:00", "24:00"]]
    assert format_periods(parse_periods(periods)) == periods


# --------------------------------------------------------------------------- CalendarSpec


def test_calendar_spec_is_hashable_and_compares_by_value():
    one = CalendarSpec(overrides={dt.date(2027, 1, 1): False})
    two = CalendarSpec(overrides=Overrides([(dt.date(2027, 1, 1), False)]))
    assert one == two
    assert hash(one) == hash(two)
    assert one != DEFAULT_SPEC
    assert isinstance(one.overrides, Overrides)
    assert DEFAULT_SPEC.periods == ((540, 720), (810, 1050))
    assert DEFAULT_SPEC.day_minutes == 420
    assert AROUND_THE_CLOCK_SPEC.day_minutes == 1440


def test_calendar_spec_overrides_are_frozen():
    spec = CalendarSpec(overrides={dt.date(2027, 1, 1): False})
    with pytest.raises(TypeError):
        spec.overrides[dt.date(2027, 1, 2)] = True  # type: ignore[index]


def test_calendar_spec_rejects_invalid_periods_and_overrides():
    with pytest.raises(ValueError, match="use parse_periods"):
        CalendarSpec(periods=((720, 540),))
    with pytest.raises(ValueError, match="must map a date to a bool"):
        CalendarSpec(overrides={dt.datetime(2027, 1, 1): False})


# --------------------------------------------------------------------------- is_workday


def test_is_workday_follows_the_official_schedule():
    assert not is_workday(DEFAULT_SPEC, dt.date(2024, 10, 1))  # National Day
    assert is_workday(DEFAULT_SPEC, dt.date(2024, 9, 29))  # Sunday make-up workday
    assert not is_workday(DEFAULT_SPEC, dt.date(2024, 9, 28))  # ordinary Saturday
    assert is_workday(DEFAULT_SPEC, dt.date(2024, 9, 30))


def test_weekend_flags_make_ordinary_weekends_workdays_but_not_public_holidays():
    spec = CalendarSpec(saturday_is_workday=True, sunday_is_workday=True)
    assert is_workday(spec, dt.date(2024, 9, 28))  # ordinary Saturday
    assert is_workday(spec, dt.date(2024, 9, 22))  # ordinary Sunday
    assert not is_workday(spec, dt.date(2024, 10, 5))  # Saturday inside National Day
    assert not is_workday(spec, dt.date(2024, 10, 6))  # Sunday inside National Day
    saturdays = CalendarSpec(saturday_is_workday=True)
    assert is_workday(saturdays, dt.date(2030, 1, 5))
    assert not is_workday(saturdays, dt.date(2030, 1, 6))


def test_override_wins_over_the_official_schedule():
    spec = CalendarSpec(overrides={dt.date(2024, 10, 1): True, dt.date(2024, 9, 30): False})
    assert is_workday(spec, dt.date(2024, 10, 1))
    assert not is_workday(spec, dt.date(2024, 9, 30))


def test_outside_the_known_years_monday_to_friday_are_workdays():
    assert is_workday(DEFAULT_SPEC, dt.date(2027, 1, 1))  # a Friday, unknown to the package
    assert not is_workday(DEFAULT_SPEC, dt.date(2027, 1, 2))
    assert is_workday(DEFAULT_SPEC, dt.date(2003, 1, 1))


def test_around_the_clock_calendars_work_every_day():
    assert is_workday(AROUND_THE_CLOCK_SPEC, dt.date(2024, 10, 1))
    assert is_workday(AROUND_THE_CLOCK_SPEC, dt.date(2024, 9, 28))


# --------------------------------------------------------------------------- add_working_time


def test_working_minutes_skip_the_lunch_break():
    due = add_working_time(DEFAULT_SPEC, at(2024, 9, 23, 11, 40), 30, "working_minutes")
    assert local(due) == at(2024, 9, 23, 13, 40)


def test_working_hours_ending_at_a_period_end_return_that_end():
    due = add_working_time(DEFAULT_SPEC, at(2024, 9, 23, 13, 30), 4, "working_hours")
    assert local(due) == at(2024, 9, 23, 17, 30)
    due = add_working_time(DEFAULT_SPEC, at(2024, 9, 23, 9), 3, "working_hours")
    assert local(due) == at(2024, 9, 23, 12)


def test_start_outside_working_time_begins_at_the_next_working_minute():
    # Saturday evening: the count begins Monday 09:00.
    due = add_working_time(DEFAULT_SPEC, at(2024, 9, 21, 20), 30, "working_minutes")
    assert local(due) == at(2024, 9, 23, 9, 30)
    due = add_working_time(DEFAULT_SPEC, at(2024, 9, 23, 12, 15), 1, "working_minutes")
    assert local(due) == at(2024, 9, 23, 13, 31)


def test_working_hours_carry_over_to_the_next_workday():
    due = add_working_time(DEFAULT_SPEC, at(2024, 9, 23, 16, 30), 2, "working_hours")
    assert local(due) == at(2024, 9, 24, 10)


def test_working_days_keep_the_clock_time_inside_working_hours():
    due = add_working_time(DEFAULT_SPEC, at(2024, 9, 23, 10, 15), 3, "working_days")
    assert local(due) == at(2024, 9, 26, 10, 15)


def test_working_days_from_outside_working_hours_end_at_the_close_of_the_nth_workday():
    due = add_working_time(DEFAULT_SPEC, at(2024, 9, 23, 18), 1, "working_days")
    assert local(due) == at(2024, 9, 24, 17, 30)
    due = add_working_time(DEFAULT_SPEC, at(2024, 9, 23, 7), 1, "working_days")
    assert local(due) == at(2024, 9, 23, 17, 30)


def test_zero_amount_returns_the_start():
    start = at(2024, 9, 21, 20)
    assert add_working_time(DEFAULT_SPEC, start, 0, "working_hours") == start


def test_result_is_aware_utc_and_accepts_any_offset():
    start = dt.datetime(2024, 9, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    due = add_working_time(DEFAULT_SPEC, start, 1, "working_hours")
    assert due.tzinfo is UTC
    assert due == dt.datetime(2024, 9, 23, 2, 0, tzinfo=UTC)


def test_seconds_and_microseconds_of_the_start_are_kept():
    start = at(2024, 9, 23, 10).replace(second=7, microsecond=123)
    due = add_working_time(DEFAULT_SPEC, start, 1, "working_hours")
    assert local(due) == at(2024, 9, 23, 11).replace(second=7, microsecond=123)


def test_calendar_units_ignore_the_calendar():
    start = at(2024, 9, 30, 16)
    assert local(add_working_time(DEFAULT_SPEC, start, 10, "calendar_hours")) == at(2024, 10, 1, 2)
    assert local(add_working_time(DEFAULT_SPEC, start, 3, "calendar_days")) == at(2024, 10, 3, 16)


def test_around_the_clock_counts_every_minute():
    start = at(2024, 9, 30, 23)
    spec = AROUND_THE_CLOCK_SPEC
    assert local(add_working_time(spec, start, 2, "working_hours")) == at(2024, 10, 1, 1)
    assert local(add_working_time(spec, start, 2, "working_days")) == at(2024, 10, 2, 23)
    assert working_seconds_between(spec, start, at(2024, 10, 1, 1)) == 7200


def test_custom_periods_and_weekend_flags():
    spec = CalendarSpec(periods=parse_periods([["08:00", "20:00"]]), saturday_is_workday=True)
    assert spec.day_minutes == 720
    due = add_working_time(spec, at(2024, 9, 27, 19), 2, "working_hours")  # Friday
    assert local(due) == at(2024, 9, 28, 9)  # ordinary Saturday works on this calendar


def test_far_dates_extend_the_timeline():
    due = add_working_time(DEFAULT_SPEC, at(2090, 3, 1, 10), 5, "working_days")
    assert local(due) == at(2090, 3, 8, 10)  # 2090-03-01 is a Wednesday
    due = add_working_time(DEFAULT_SPEC, at(1995, 3, 1, 10), 5, "working_days")
    assert local(due) == at(1995, 3, 8, 10)
    due = add_working_time(DEFAULT_SPEC, at(2026, 1, 5, 9), 100_000, "working_days")
    assert due.year > 2400


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        (-1, "working_hours", "must not be negative"),
        (1, "fortnights", "unknown unit"),
        (1.5, "working_hours", "must be an integer"),
        (True, "working_hours", "must be an integer"),
    ],
)
def test_add_working_time_rejects_bad_input(amount, unit, message):
    with pytest.raises(ValueError, match=message):
        add_working_time(DEFAULT_SPEC, MONDAY, amount, unit)


def test_add_working_time_rejects_naive_starts():
    for unit in UNITS:
        with pytest.raises(ValueError, match="naive"):
            add_working_time(DEFAULT_SPEC, dt.datetime(2024, 9, 23, 9), 1, unit)


def test_add_working_time_overflows_past_year_9999():
    with pytest.raises(OverflowError):
        add_working_time(DEFAULT_SPEC, at(9999, 12, 1, 10), 100, "working_days")


# --------------------------------------------------------------------------- between


def test_working_seconds_between_counts_only_working_time():
    assert working_seconds_between(DEFAULT_SPEC, at(2024, 9, 23, 11), at(2024, 9, 23, 14)) == (
        3600 + 1800
    )
    assert working_seconds_between(DEFAULT_SPEC, at(2024, 9, 27, 17), at(2024, 9, 29, 10)) == (
        1800 + 3600  # Friday 17:00–17:30, then Sunday 29 Sep is a make-up workday
    )
    assert working_seconds_between(DEFAULT_SPEC, at(2024, 9, 30, 17), at(2024, 10, 8, 9)) == 1800


def test_working_seconds_between_is_zero_when_end_is_not_after_start():
    assert working_seconds_between(DEFAULT_SPEC, at(2024, 9, 23, 11), at(2024, 9, 23, 11)) == 0
    assert working_seconds_between(DEFAULT_SPEC, at(2024, 9, 23, 11), at(2024, 9, 23, 10)) == 0


# --------------------------------------------------------------------------- pauses (挂账)


def test_a_pause_moves_the_due_by_the_working_time_it_covers():
    start = at(2024, 9, 23, 9)
    pauses = [(at(2024, 9, 23, 10), at(2024, 9, 23, 11))]
    due = remaining_due(DEFAULT_SPEC, start, 4, "working_hours", pauses)
    assert local(due) == at(2024, 9, 23, 15, 30)


def test_a_pause_outside_working_time_changes_nothing():
    start = at(2024, 9, 23, 9)
    pauses = [(at(2024, 9, 23, 18), at(2024, 9, 24, 8))]
    assert remaining_due(DEFAULT_SPEC, start, 8, "working_hours", pauses) == add_working_time(
        DEFAULT_SPEC, start, 8, "working_hours"
    )


def test_pauses_after_the_due_or_before_the_start_are_ignored():
    start = at(2024, 9, 23, 9)
    plain = add_working_time(DEFAULT_SPEC, start, 2, "working_hours")
    pauses = [(at(2024, 9, 20, 9), at(2024, 9, 20, 17)), (at(2024, 9, 23, 11), None)]
    assert remaining_due(DEFAULT_SPEC, start, 2, "working_hours", pauses) == plain


def test_overlapping_and_unsorted_pauses_count_once():
    start = at(2024, 9, 23, 9)
    pauses = [
        (at(2024, 9, 23, 10, 30), at(2024, 9, 23, 11)),
        (at(2024, 9, 23, 10), at(2024, 9, 23, 10, 45)),
        (at(2024, 9, 20, 10), at(2024, 9, 23, 9, 30)),  # began before the case
    ]
    due = remaining_due(DEFAULT_SPEC, start, 3, "working_hours", pauses)
    # 09:30–11:00 paused: 09:00–09:30 and 11:00–12:00 run, then 13:30–15:00.
    assert local(due) == at(2024, 9, 23, 15)


def test_an_open_pause_before_the_due_means_no_due():
    start = at(2024, 9, 23, 9)
    assert (
        remaining_due(DEFAULT_SPEC, start, 4, "working_hours", [(at(2024, 9, 23, 10), None)])
        is None
    )


def test_pauses_on_calendar_units_move_the_due_by_real_time():
    start = at(2024, 9, 23, 9)
    pauses = [(at(2024, 9, 23, 20), at(2024, 9, 24, 2))]
    due = remaining_due(DEFAULT_SPEC, start, 1, "calendar_days", pauses)
    assert local(due) == at(2024, 9, 24, 15)


def test_a_pause_ending_before_it_begins_is_rejected():
    with pytest.raises(ValueError, match="before it begins"):
        remaining_due(
            DEFAULT_SPEC, MONDAY, 1, "working_hours", [(at(2024, 9, 23, 11), at(2024, 9, 23, 10))]
        )


def test_a_pause_spanning_a_holiday_moves_the_due_past_it():
    start = at(2024, 9, 30, 9)
    pauses = [(at(2024, 9, 30, 10), at(2024, 10, 8, 10))]
    due = remaining_due(DEFAULT_SPEC, start, 2, "working_hours", pauses)
    # One hour ran before the suspension, one hour after resuming on 8 Oct.
    assert local(due) == at(2024, 10, 8, 11)


# --------------------------------------------------------------------------- light


@pytest.mark.parametrize(
    ("now", "colour"),
    [
        (at(2024, 9, 23, 8), "green"),  # before the start
        (at(2024, 9, 23, 11), "green"),  # 2 of 4 hours
        (at(2024, 9, 23, 13, 30), "green"),  # 3 h, lunch break does not count: 75 %
        (at(2024, 9, 23, 13, 41), "green"),
        (at(2024, 9, 23, 13, 42), "yellow"),  # 3 h 12 min = 80 %
        (at(2024, 9, 23, 14, 30), "yellow"),  # exactly 100 %: the due instant
        (at(2024, 9, 23, 14, 31), "red"),
        (at(2024, 9, 23, 20), "red"),  # past due at night: no working time, still red
    ],
)
def test_light_compares_working_time_used_with_working_time_allowed(now, colour):
    start = at(2024, 9, 23, 9)
    due = add_working_time(DEFAULT_SPEC, start, 4, "working_hours")
    with time_machine.travel(now, tick=False):
        from urbangrid.common import clock

        assert light(DEFAULT_SPEC, start, due, clock.now()) == colour


def test_light_discounts_pauses():
    start = at(2024, 9, 23, 9)
    pauses = [(at(2024, 9, 23, 10), at(2024, 9, 23, 11))]
    due = remaining_due(DEFAULT_SPEC, start, 4, "working_hours", pauses)
    assert due is not None  # 15:30
    assert light(DEFAULT_SPEC, start, due, at(2024, 9, 23, 14, 30), pauses) == "green"  # 75 %
    assert light(DEFAULT_SPEC, start, due, at(2024, 9, 23, 14, 42), pauses) == "yellow"  # 80 %
    # While suspended (open pause) the clock stands still: 1 of 4 hours used at 15:00.
    now = at(2024, 9, 23, 15)
    open_pause = [(at(2024, 9, 23, 10), None)]
    provisional = remaining_due(
        DEFAULT_SPEC, start, 4, "working_hours", [(at(2024, 9, 23, 10), now)]
    )
    assert local(provisional) == at(2024, 9, 24, 9, 30)
    assert provisional is not None
    assert light(DEFAULT_SPEC, start, provisional, now, open_pause) == "green"


def test_light_uses_plain_seconds_for_calendar_units():
    start = at(2024, 9, 23, 9)
    due = add_working_time(DEFAULT_SPEC, start, 10, "calendar_hours")
    now = at(2024, 9, 23, 17)  # 8 of 10 hours: 80 %
    assert light(DEFAULT_SPEC, start, due, now, unit="calendar_hours") == "yellow"
    # 6 of 10 real hours at 15:00: green.
    assert light(DEFAULT_SPEC, start, due, at(2024, 9, 23, 15), unit="calendar_hours") == "green"
    with pytest.raises(ValueError, match="unknown unit"):
        light(DEFAULT_SPEC, start, due, now, unit="weeks")


def test_light_of_a_zero_limit():
    start = at(2024, 9, 23, 9)
    assert light(DEFAULT_SPEC, start, start, start) == "green"
    assert light(DEFAULT_SPEC, start, start, at(2024, 9, 23, 9, 1)) == "red"
