"""Calendars in the database: the default rows, specs, merging of overrides, the cache."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from urbangrid.calendars import services
from urbangrid.calendars.models import CalendarOverride, WorkCalendar
from urbangrid.calendars.services import (
    AROUND_THE_CLOCK_CALENDAR_NAME,
    DEFAULT_CALENDAR_NAME,
    compute_due,
    resolve_calendar,
    spec_for_calendar,
)
from urbangrid.calendars.tests.helpers import at, local
from urbangrid.calendars.worktime import AROUND_THE_CLOCK_SPEC, DEFAULT_SPEC, is_workday

pytestmark = pytest.mark.django_db

NEW_YEAR_2027 = dt.date(2027, 1, 1)  # a Friday the package knows nothing about


@pytest.fixture
def store_in_cache(monkeypatch):
    """Tests run inside a transaction, where the cache stores nothing; pretend otherwise."""
    monkeypatch.setattr(services, "connection", type("C", (), {"in_atomic_block": False})())


def test_the_migration_creates_the_default_and_the_around_the_clock_calendars():
    default = WorkCalendar.objects.get(is_default=True)
    assert default.name == DEFAULT_CALENDAR_NAME == "标准工作日"
    assert default.periods == [["09:00", "12:00"], ["13:30", "17:30"]]
    assert not default.around_the_clock
    always = WorkCalendar.objects.get(name=AROUND_THE_CLOCK_CALENDAR_NAME)
    assert always.around_the_clock
    assert not always.is_default


def test_spec_for_the_default_calendar_is_the_built_in_default():
    assert spec_for_calendar(None) == DEFAULT_SPEC
    default = WorkCalendar.objects.get(is_default=True)
    assert spec_for_calendar(default.pk) == DEFAULT_SPEC
    assert resolve_calendar(None).id == default.pk


def test_spec_for_the_around_the_clock_calendar():
    always = WorkCalendar.objects.get(name=AROUND_THE_CLOCK_CALENDAR_NAME)
    assert spec_for_calendar(always.pk) == AROUND_THE_CLOCK_SPEC


def test_without_calendars_the_built_in_default_is_used():
    WorkCalendar.objects.all().delete()
    CalendarOverride.objects.create(on=NEW_YEAR_2027, is_workday=False)
    resolved = resolve_calendar(None)
    assert resolved.id is None
    assert resolved.name == DEFAULT_CALENDAR_NAME
    assert resolved.spec.periods == DEFAULT_SPEC.periods
    assert not is_workday(resolved.spec, NEW_YEAR_2027)


def test_an_unknown_calendar_raises_does_not_exist():
    with pytest.raises(WorkCalendar.DoesNotExist):
        spec_for_calendar(987654)


def test_global_and_own_overrides_are_merged_and_own_ones_win():
    saturday_shift = WorkCalendar.objects.create(
        name="街道值班", periods=[["08:00", "12:00"]], saturday_is_workday=True
    )
    CalendarOverride.objects.create(on=NEW_YEAR_2027, is_workday=False, note="元旦")
    CalendarOverride.objects.create(on=dt.date(2027, 1, 4), is_workday=False)
    CalendarOverride.objects.create(
        calendar=saturday_shift, on=dt.date(2027, 1, 4), is_workday=True
    )
    spec = spec_for_calendar(saturday_shift.pk)
    assert spec.periods == ((480, 720),)
    assert spec.saturday_is_workday
    assert dict(spec.overrides) == {NEW_YEAR_2027: False, dt.date(2027, 1, 4): True}
    # The default calendar sees only the global ones.
    assert dict(spec_for_calendar(None).overrides) == {
        NEW_YEAR_2027: False,
        dt.date(2027, 1, 4): False,
    }


def test_specs_are_cached(store_in_cache, django_assert_num_queries):
    spec_for_calendar(None)
    with django_assert_num_queries(0):
        assert spec_for_calendar(None) == DEFAULT_SPEC


@pytest.mark.parametrize("change", ["save_override", "delete_override", "save_calendar"])
def test_saving_or_deleting_invalidates_the_cache(store_in_cache, change):
    default = WorkCalendar.objects.get(is_default=True)
    override = CalendarOverride.objects.create(on=NEW_YEAR_2027, is_workday=True)
    assert spec_for_calendar(None).overrides == {NEW_YEAR_2027: True}
    if change == "save_override":
        override.is_workday = False
        override.save()
        assert spec_for_calendar(None).overrides == {NEW_YEAR_2027: False}
    elif change == "delete_override":
        override.delete()
        assert spec_for_calendar(None).overrides == {}
    else:
        default.periods = [["08:00", "17:00"]]
        default.save()
        assert spec_for_calendar(None).periods == ((480, 1020),)


def test_deleting_a_calendar_invalidates_the_cache(store_in_cache):
    extra = WorkCalendar.objects.create(name="临时")
    pk = extra.pk
    assert spec_for_calendar(pk) == DEFAULT_SPEC
    extra.delete()
    with pytest.raises(WorkCalendar.DoesNotExist):
        spec_for_calendar(pk)


def test_reads_inside_a_transaction_are_cached(django_assert_num_queries):
    # The test runs inside a transaction that changed no calendar.
    spec_for_calendar(None)
    with django_assert_num_queries(0):
        assert spec_for_calendar(None) == DEFAULT_SPEC


def test_a_transaction_that_changed_a_calendar_neither_reads_nor_fills_the_cache(
    django_assert_num_queries,
):
    assert spec_for_calendar(None) == DEFAULT_SPEC  # cached
    CalendarOverride.objects.create(on=NEW_YEAR_2027, is_workday=True)
    # What this transaction sees may roll back: it is read each time and never stored.
    with django_assert_num_queries(2):
        assert spec_for_calendar(None).overrides == {NEW_YEAR_2027: True}
    with django_assert_num_queries(2):
        spec_for_calendar(None)
    assert not services._cache


def _change_and_read_then_roll_back() -> None:
    with transaction.atomic():
        CalendarOverride.objects.create(on=NEW_YEAR_2027, is_workday=True)
        assert spec_for_calendar(None).overrides == {NEW_YEAR_2027: True}
        raise RuntimeError("roll back")


def test_a_rolled_back_change_leaves_no_trace_in_the_cache(django_assert_num_queries):
    with pytest.raises(RuntimeError):
        _change_and_read_then_roll_back()
    assert spec_for_calendar(None).overrides == {}
    with django_assert_num_queries(0):
        assert spec_for_calendar(None).overrides == {}


def test_a_load_overlapping_an_invalidation_is_not_stored(monkeypatch):
    load = services._load

    def load_while_someone_saves(calendar_id):
        resolved = load(calendar_id)
        services.invalidate_calendar_cache()
        return resolved

    monkeypatch.setattr(services, "_load", load_while_someone_saves)
    spec_for_calendar(None)
    assert not services._cache


def test_compute_due_uses_the_calendar():
    always = WorkCalendar.objects.get(name=AROUND_THE_CLOCK_CALENDAR_NAME)
    start = at(2024, 10, 1, 10)
    due = compute_due(start=start, amount=2, unit="working_hours", calendar_id=always.pk)
    assert local(due.due) == at(2024, 10, 1, 12)
    assert due.calendar.name == AROUND_THE_CLOCK_CALENDAR_NAME
    due = compute_due(start=start, amount=2, unit="working_hours")
    assert local(due.due) == at(2024, 10, 8, 11)


def test_2027_made_correct_with_database_overrides():
    for day in (dt.date(2027, 2, 8), dt.date(2027, 2, 9)):
        CalendarOverride.objects.create(on=day, is_workday=False, note="春节 (illustrative)")
    due = compute_due(start=at(2027, 2, 5, 10), amount=1, unit="working_days")
    assert local(due.due) == at(2027, 2, 10, 10)


def test_the_units_match_the_catalogue_limit_units():
    from urbangrid.calendars.worktime import UNITS
    from urbangrid.catalog.models import LimitUnit

    assert tuple(LimitUnit.values) == UNITS
