"""Frozen scenarios across National Day and Spring Festival, checked against the official
State Council schedules written out by hand here (independent of ``chinesecalendar``),
and a year the package does not know (2027) made correct with overrides.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
import time_machine

from urbangrid.calendars.tests.helpers import at, local
from urbangrid.calendars.worktime import (
    DEFAULT_SPEC,
    CalendarSpec,
    add_working_time,
    is_workday,
    light,
    remaining_due,
    special_days,
    working_seconds_between,
)
from urbangrid.common import clock


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


D = dt.date
# name: (days off, make-up workdays 调休) as published by the State Council General Office.
OFFICIAL = {
    "2024 National Day": (days(D(2024, 10, 1), D(2024, 10, 7)), [D(2024, 9, 29), D(2024, 10, 12)]),
    "2025 Spring Festival": (days(D(2025, 1, 28), D(2025, 2, 4)), [D(2025, 1, 26), D(2025, 2, 8)]),
    "2025 National Day and Mid-Autumn": (
        days(D(2025, 10, 1), D(2025, 10, 8)),
        [D(2025, 9, 28), D(2025, 10, 11)],
    ),
    "2026 Spring Festival": (
        days(D(2026, 2, 15), D(2026, 2, 23)),
        [D(2026, 2, 14), D(2026, 2, 28)],
    ),
    "2026 National Day": (days(D(2026, 10, 1), D(2026, 10, 7)), [D(2026, 9, 20), D(2026, 10, 10)]),
}


@pytest.mark.parametrize("name", OFFICIAL)
def test_the_official_schedule_matches_chinese_calendar_and_our_calendar(name):
    off, make_up = OFFICIAL[name]
    for day in off:
        assert not chinese_calendar.is_workday(day), day
        assert not is_workday(DEFAULT_SPEC, day), day
    for day in make_up:
        assert day.weekday() >= 5, day  # make-up workdays fall on weekends
        assert chinese_calendar.is_workday(day), day
        assert is_workday(DEFAULT_SPEC, day), day
    # The days just around the holiday are ordinary workdays.
    assert is_workday(DEFAULT_SPEC, off[0] - dt.timedelta(days=1)) or (
        (off[0] - dt.timedelta(days=1)).weekday() >= 5
    )
    assert is_workday(DEFAULT_SPEC, off[-1] + dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("start", "amount", "unit", "due"),
    [
        # 2022: Friday 30 Sep 10:00 + 1 working day = the first workday after National Day
        # (Saturday 8 Oct 2022, a make-up workday), same clock time.
        (at(2022, 9, 30, 10), 1, "working_days", at(2022, 10, 8, 10)),
        # 2024 National Day
        (at(2024, 9, 30, 10), 1, "working_days", at(2024, 10, 8, 10)),
        (at(2024, 9, 27, 10), 1, "working_days", at(2024, 9, 29, 10)),  # Sunday make-up
        (at(2024, 9, 30, 16), 4, "working_hours", at(2024, 10, 8, 11, 30)),
        (at(2024, 10, 3, 10), 30, "working_minutes", at(2024, 10, 8, 9, 30)),
        (at(2024, 10, 11, 10), 1, "working_days", at(2024, 10, 12, 10)),  # Saturday make-up
        (at(2024, 9, 30, 10), 5, "calendar_days", at(2024, 10, 5, 10)),
        # 2025 Spring Festival
        (at(2025, 1, 24, 10), 1, "working_days", at(2025, 1, 26, 10)),  # Friday → Sunday
        (at(2025, 1, 27, 10), 1, "working_days", at(2025, 2, 5, 10)),
        (at(2025, 1, 27, 17), 2, "working_hours", at(2025, 2, 5, 10, 30)),
        (at(2025, 2, 7, 10), 1, "working_days", at(2025, 2, 8, 10)),  # Friday → Saturday
        # 2025 National Day and Mid-Autumn (8 days)
        (at(2025, 9, 26, 10), 1, "working_days", at(2025, 9, 28, 10)),
        (at(2025, 9, 30, 10), 1, "working_days", at(2025, 10, 9, 10)),
        (at(2025, 9, 30, 10), 3, "working_days", at(2025, 10, 11, 10)),
        # 2026 Spring Festival (9 days)
        (at(2026, 2, 13, 10), 1, "working_days", at(2026, 2, 14, 10)),
        (at(2026, 2, 14, 10), 1, "working_days", at(2026, 2, 24, 10)),
        (at(2026, 2, 14, 17), 60, "working_minutes", at(2026, 2, 24, 9, 30)),
        (at(2026, 2, 27, 10), 1, "working_days", at(2026, 2, 28, 10)),
        # 2026 National Day
        (at(2026, 9, 18, 10), 1, "working_days", at(2026, 9, 20, 10)),
        (at(2026, 9, 30, 10), 1, "working_days", at(2026, 10, 8, 10)),
        (at(2026, 10, 9, 10), 1, "working_days", at(2026, 10, 10, 10)),
        (at(2026, 10, 9, 18), 1, "working_days", at(2026, 10, 10, 17, 30)),
    ],
)
def test_due_across_holidays(start, amount, unit, due):
    assert local(add_working_time(DEFAULT_SPEC, start, amount, unit)) == due


def test_working_time_over_the_2025_spring_festival():
    seconds = working_seconds_between(DEFAULT_SPEC, at(2025, 1, 27, 9), at(2025, 2, 5, 9))
    assert seconds == 7 * 3600  # only Monday 27 January


@pytest.mark.parametrize(
    ("now", "colour"),
    [
        (at(2024, 10, 3, 12), "green"),  # 1.5 of 4 hours used: the holiday does not count
        (at(2024, 10, 8, 10, 30), "green"),  # 3 h = 75 %
        (at(2024, 10, 8, 10, 42), "yellow"),  # 3.2 h = 80 %
        (at(2024, 10, 8, 11, 30), "yellow"),  # the due instant, 100 %
        (at(2024, 10, 8, 11, 31), "red"),
    ],
)
def test_lights_of_a_case_filed_before_national_day_2024(now, colour):
    """A 4-working-hour limit filed Monday 30 Sep 2024 16:00 runs out 8 Oct 11:30."""
    filed = at(2024, 9, 30, 16)
    due = add_working_time(DEFAULT_SPEC, filed, 4, "working_hours")
    assert local(due) == at(2024, 10, 8, 11, 30)
    with time_machine.travel(now, tick=False):
        assert light(DEFAULT_SPEC, filed, due, clock.now()) == colour


def test_a_suspension_after_the_2025_spring_festival_moves_the_due():
    """Filed Monday 27 Jan 2025 16:00 with 4 working hours; suspended (挂账) on 5 Feb
    09:00–10:00: 1.5 h before the holiday, then 10:00–12:00 and 13:30–14:00."""
    filed = at(2025, 1, 27, 16)
    pauses = [(at(2025, 2, 5, 9), at(2025, 2, 5, 10))]
    due = remaining_due(DEFAULT_SPEC, filed, 4, "working_hours", pauses)
    assert local(due) == at(2025, 2, 5, 14)
    with time_machine.travel(at(2025, 2, 5, 9, 30), tick=False):
        open_pause = [(at(2025, 2, 5, 9), None)]
        assert remaining_due(DEFAULT_SPEC, filed, 4, "working_hours", open_pause) is None


# An illustrative 2027 Spring Festival (the package knows no 2027; this is NOT the
# official schedule, which is published late in the preceding year): 6–14 February off,
# Sunday 31 January and Saturday 20 February make-up workdays.
OVERRIDES_2027 = {
    **dict.fromkeys(days(D(2027, 2, 6), D(2027, 2, 14)), False),
    D(2027, 1, 31): True,
    D(2027, 2, 20): True,
}


def test_chinese_calendar_does_not_know_2027():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 2, 8))
    assert is_workday(DEFAULT_SPEC, D(2027, 2, 8))  # a plain Monday without overrides


def test_overrides_make_2027_correct():
    spec = CalendarSpec(overrides=OVERRIDES_2027)
    assert not is_workday(spec, D(2027, 2, 8))
    assert is_workday(spec, D(2027, 1, 31))
    assert local(add_working_time(spec, at(2027, 1, 29, 10), 1, "working_days")) == at(
        2027, 1, 31, 10
    )
    assert local(add_working_time(spec, at(2027, 2, 5, 10), 1, "working_days")) == at(
        2027, 2, 15, 10
    )
    assert local(add_working_time(spec, at(2027, 2, 19, 16), 3, "working_hours")) == at(
        2027, 2, 20, 10, 30
    )
    listed = {(d.on, d.kind) for d in special_days(spec, 2027)}
    assert (D(2027, 1, 31), "override_workday") in listed
    assert (D(2027, 2, 8), "override_rest_day") in listed
    assert (D(2027, 2, 6), "override_rest_day") not in listed  # a Saturday anyway


def test_special_days_of_2024_list_the_holidays_and_make_up_workdays():
    listed = {d.on: d for d in special_days(DEFAULT_SPEC, 2024)}
    off, make_up = OFFICIAL["2024 National Day"]
    for day in off:
        assert listed[day].kind == "holiday"
        assert not listed[day].is_workday
        assert listed[day].name_zh == "国庆节"
    for day in make_up:
        assert listed[day].kind == "make_up_workday"
        assert listed[day].is_workday
    assert D(2024, 9, 28) not in listed  # an ordinary Saturday
