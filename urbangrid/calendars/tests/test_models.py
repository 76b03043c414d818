"""Model validation and the admin forms that show it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from urbangrid.calendars.models import CalendarOverride, WorkCalendar

pytestmark = pytest.mark.django_db


def test_clean_rejects_overlapping_periods_on_the_periods_field():
    calendar = WorkCalendar(name="坏", periods=[["09:00", "12:00"], ["11:00", "13:00"]])
    with pytest.raises(ValidationError) as excinfo:
        calendar.full_clean()
    assert "period 2 overlaps period 1" in excinfo.value.message_dict["periods"][0]


def test_admin_shows_period_errors_on_the_form(admin_client):
    response = admin_client.post(
        "/admin/calendars/workcalendar/add/",
        {
            "name": "坏日历",
            "periods": '[["13:00", "12:00"]]',
            "overrides-TOTAL_FORMS": "0",
            "overrides-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "must be after start" in errors["periods"][0]
    assert not WorkCalendar.objects.filter(name="坏日历").exists()


def test_admin_adds_a_calendar_with_an_inline_override(admin_client):
    response = admin_client.post(
        "/admin/calendars/workcalendar/add/",
        {
            "name": "早班",
            "periods": '[["07:00", "15:00"]]',
            "overrides-TOTAL_FORMS": "1",
            "overrides-INITIAL_FORMS": "0",
            "overrides-0-on": "2027-01-04",
            "overrides-0-is_workday": "",
            "overrides-0-note": "local day off",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    calendar = WorkCalendar.objects.get(name="早班")
    assert calendar.overrides.get().on == dt.date(2027, 1, 4)


def test_admin_rejects_a_second_global_override_for_the_same_day(admin_client):
    CalendarOverride.objects.create(on=dt.date(2027, 1, 1), is_workday=False)
    response = admin_client.post(
        "/admin/calendars/calendaroverride/add/",
        {"on": "2027-01-01", "is_workday": "on", "note": "dup"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert CalendarOverride.objects.count() == 1


def test_admin_lists_global_overrides(admin_client):
    CalendarOverride.objects.create(on=dt.date(2027, 1, 1), is_workday=False, note="元旦")
    response = admin_client.get("/admin/calendars/calendaroverride/?scope=global")
    assert response.status_code == 200
    assert "元旦" in response.content.decode()


def test_admin_rejects_a_second_default_calendar(admin_client):
    response = admin_client.post(
        "/admin/calendars/workcalendar/add/",
        {
            "name": "另一个默认",
            "periods": '[["09:00", "17:00"]]',
            "is_default": "on",
            "overrides-TOTAL_FORMS": "0",
            "overrides-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
