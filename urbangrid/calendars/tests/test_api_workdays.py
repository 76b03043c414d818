"""GET /api/v1/calendar/workdays: holidays, make-up workdays and overrides of a year."""

from __future__ import annotations

import datetime as dt

import pytest

from urbangrid.calendars.models import CalendarOverride, WorkCalendar
from urbangrid.calendars.services import AROUND_THE_CLOCK_CALENDAR_NAME, DEFAULT_CALENDAR_NAME

pytestmark = pytest.mark.django_db

URL = "/api/v1/calendar/workdays"


def test_2025_lists_spring_festival_and_its_make_up_workdays(client):
    response = client.get(URL, {"year": 2025})
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2025
    assert body["official_schedule"] is True
    assert body["around_the_clock"] is False
    assert body["calendar"]["name"] == DEFAULT_CALENDAR_NAME
    days = {day["on"]: day for day in body["days"]}
    assert days["2025-01-28"] == {
        "on": "2025-01-28",
        "weekday": 2,
        "is_workday": False,
        "kind": "holiday",
        "name": "Spring Festival",
        "name_zh": "春节",
    }
    assert days["2025-01-26"]["kind"] == "make_up_workday"
    assert days["2025-01-26"]["is_workday"] is True
    assert days["2025-01-26"]["weekday"] == 7
    assert days["2025-02-08"]["kind"] == "make_up_workday"
    assert "2025-01-25" not in days  # an ordinary Saturday
    assert [d["on"] for d in body["days"]] == sorted(days)


def test_a_year_the_package_does_not_know_lists_only_overrides(client):
    CalendarOverride.objects.create(on=dt.date(2027, 1, 1), is_workday=False, note="元旦")
    body = client.get(URL, {"year": 2027}).json()
    assert body["official_schedule"] is False
    assert body["days"] == [
        {
            "on": "2027-01-01",
            "weekday": 5,
            "is_workday": False,
            "kind": "override_rest_day",
            "name": "",
            "name_zh": "",
        }
    ]


def test_a_calendar_override_of_an_official_holiday_is_listed_as_override(client):
    calendar = WorkCalendar.objects.create(name="应急值守")
    CalendarOverride.objects.create(calendar=calendar, on=dt.date(2024, 10, 2), is_workday=True)
    body = client.get(URL, {"year": 2024, "calendar": calendar.pk}).json()
    days = {day["on"]: day for day in body["days"]}
    assert days["2024-10-02"]["kind"] == "override_workday"
    assert days["2024-10-02"]["name"] == "National Day"
    assert days["2024-10-01"]["kind"] == "holiday"


def test_around_the_clock_calendars_have_no_special_days(client):
    always = WorkCalendar.objects.get(name=AROUND_THE_CLOCK_CALENDAR_NAME)
    body = client.get(URL, {"year": 2025, "calendar": always.pk}).json()
    assert body["around_the_clock"] is True
    assert body["days"] == []


@pytest.mark.parametrize("year", ["", "abc", "1899", "2101", "2025.5"])
def test_a_bad_year_is_a_400(client, year):
    response = client.get(URL, {"year": year})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == "year"


def test_a_missing_year_is_a_400(client):
    response = client.get(URL)
    assert response.status_code == 400
    assert response.json()["field"] == "year"


def test_an_unknown_calendar_is_a_404(client):
    response = client.get(URL, {"year": 2025, "calendar": 987654})
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "calendar 987654 does not exist",
        "field": "calendar",
    }
