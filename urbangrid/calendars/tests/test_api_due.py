"""GET /api/v1/calendar/due: the due-time calculator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from urbangrid.calendars.models import CalendarOverride, WorkCalendar
from urbangrid.calendars.services import AROUND_THE_CLOCK_CALENDAR_NAME, DEFAULT_CALENDAR_NAME

pytestmark = pytest.mark.django_db

URL = "/api/v1/calendar/due"


def get(client: Client, **params: str | int) -> Any:
    return client.get(URL, params)


def test_due_across_national_day_2024(client):
    response = get(client, start="2024-09-30T10:00:00+08:00", amount=1, unit="working_days")
    assert response.status_code == 200
    body = response.json()
    default = WorkCalendar.objects.get(is_default=True)
    assert body == {
        "start": "2024-09-30T10:00:00+08:00",
        "due": "2024-10-08T10:00:00+08:00",
        "due_utc": "2024-10-08T02:00:00Z",
        "amount": 1,
        "unit": "working_days",
        "calendar": {"id": default.pk, "name": DEFAULT_CALENDAR_NAME},
    }


def test_start_without_offset_means_shanghai(client):
    body = get(client, start="2024-09-30T16:00", amount=4, unit="working_hours").json()
    assert body["start"] == "2024-09-30T16:00:00+08:00"
    assert body["due"] == "2024-10-08T11:30:00+08:00"


def test_start_in_utc_is_shown_in_local_time(client):
    body = get(client, start="2024-09-30T08:00:00Z", amount=30, unit="working_minutes").json()
    assert body["start"] == "2024-09-30T16:00:00+08:00"
    assert body["due"] == "2024-09-30T16:30:00+08:00"


def test_an_unencoded_plus_in_the_offset_is_tolerated(client):
    response = client.get(f"{URL}?start=2024-09-30T10:00:00+08:00&amount=1&unit=working_hours")
    assert response.status_code == 200
    assert response.json()["due"] == "2024-09-30T11:00:00+08:00"


def test_calendar_units_ignore_the_calendar(client):
    body = get(client, start="2024-09-30T10:00", amount=2, unit="calendar_days").json()
    assert body["due"] == "2024-10-02T10:00:00+08:00"
    body = get(client, start="2024-09-30T10:00", amount=20, unit="calendar_hours").json()
    assert body["due"] == "2024-10-01T06:00:00+08:00"


def test_another_calendar_by_id(client):
    always = WorkCalendar.objects.get(name=AROUND_THE_CLOCK_CALENDAR_NAME)
    body = get(
        client, start="2024-10-01T10:00", amount=1, unit="working_days", calendar=always.pk
    ).json()
    assert body["due"] == "2024-10-02T10:00:00+08:00"
    assert body["calendar"] == {"id": always.pk, "name": AROUND_THE_CLOCK_CALENDAR_NAME}


def test_overrides_saved_in_the_database_apply(client):
    CalendarOverride.objects.create(on=dt.date(2027, 2, 8), is_workday=False)
    body = get(client, start="2027-02-05T10:00", amount=1, unit="working_days").json()
    assert body["due"] == "2027-02-09T10:00:00+08:00"


def test_zero_and_the_largest_amount_are_accepted(client):
    assert get(client, start="2024-09-30T10:00", amount=0, unit="working_hours").json()["due"] == (
        "2024-09-30T10:00:00+08:00"
    )
    response = get(client, start="2024-09-30T10:00", amount=100_000, unit="working_days")
    assert response.status_code == 200
    assert response.json()["due"].startswith("24")


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) >= {"code", "message", "field"}
    return body


@pytest.mark.parametrize(
    "start", ["", "tomorrow", "2024-13-01T10:00", "2024-09-30T25:00", "30/09/2024 10:00"]
)
def test_a_bad_start_is_a_400(client, start):
    body = error(get(client, start=start, amount=1, unit="working_hours"), 400)
    assert body["code"] == "invalid"
    assert body["field"] == "start"


def test_a_missing_start_is_a_400(client):
    body = error(client.get(URL, {"amount": 1, "unit": "working_hours"}), 400)
    assert body["field"] == "start"


@pytest.mark.parametrize("amount", ["-1", "100001", "1.5", "many", ""])
def test_a_bad_amount_is_a_400(client, amount):
    body = error(get(client, start="2024-09-30T10:00", amount=amount, unit="working_hours"), 400)
    assert body["code"] == "invalid"
    assert body["field"] == "amount"


@pytest.mark.parametrize("unit", ["", "hours", "WORKING_HOURS", "working_weeks"])
def test_a_bad_unit_is_a_400(client, unit):
    body = error(get(client, start="2024-09-30T10:00", amount=1, unit=unit), 400)
    assert body["code"] == "invalid"
    assert body["field"] == "unit"
    assert "working_minutes" in body["message"]


def test_an_unknown_calendar_is_a_404(client):
    body = error(
        get(client, start="2024-09-30T10:00", amount=1, unit="working_hours", calendar=987654),
        404,
    )
    assert body == {
        "code": "not_found",
        "message": "calendar 987654 does not exist",
        "field": "calendar",
    }


def test_a_calendar_that_is_not_a_number_is_a_400(client):
    body = error(
        get(client, start="2024-09-30T10:00", amount=1, unit="working_hours", calendar="x"), 400
    )
    assert body["field"] == "calendar"


def test_a_calendar_with_broken_periods_is_a_409(client):
    broken = WorkCalendar.objects.create(name="坏", periods=[["12:00", "09:00"]])
    body = error(
        get(client, start="2024-09-30T10:00", amount=1, unit="working_hours", calendar=broken.pk),
        409,
    )
    assert body["code"] == "calendar_invalid"
    assert body["field"] == "calendar"


@pytest.mark.parametrize(
    ("start", "amount", "unit"),
    [
        ("9999-12-30T10:00", 100_000, "working_days"),
        ("9999-12-31T23:00+00:00", 1, "calendar_hours"),
        ("9999-12-31T20:00+00:00", 0, "working_hours"),
        ("0001-01-01T00:00+08:00", 1, "working_hours"),
        ("0001-01-01T01:00+14:00", 1, "calendar_days"),
    ],
)
def test_dates_at_the_edge_of_the_range_are_a_400_not_a_500(client, start, amount, unit):
    response = get(client, start=start, amount=amount, unit=unit)
    assert response.status_code in {200, 400}, response.content
    if response.status_code == 400:
        assert error(response, 400)["field"] == "start"
