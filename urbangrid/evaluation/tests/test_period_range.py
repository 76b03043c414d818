"""Dates at the edges of the calendar (0001-01, 9999-12) are refused where the period is
parsed, like malformed ones: a structured 400 from the API, a 404 from pages, never an
OverflowError (500)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from urbangrid.evaluation.periods import EARLIEST, LATEST, PeriodError, make_period, parse_period
from urbangrid.organisations.services import issue_token

TODAY = dt.date(2025, 12, 10)
EDGES = [
    ("month", "9999-12"),
    ("month", "0001-01"),
    ("year", "9999-06-01"),
    ("week", "9999-12-31"),
    ("week", "0001-01-01"),
    ("day", "9999-12-31"),
    ("quarter", "0001-02-01"),
]


@pytest.mark.parametrize(("kind", "on"), EDGES)
def test_parse_period_refuses_the_edges_of_the_calendar(kind: str, on: str) -> None:
    with pytest.raises(PeriodError, match="out of range"):
        parse_period(kind, on, today=TODAY)


D = dt.date
# (kind, day): the period holding the first and the last supported day, and the period
# before it. Derived days may fall outside the range (before 1900, a week ending in
# 3000) but stay valid dates.
DERIVED = [
    ("day", EARLIEST, (D(1900, 1, 1), D(1900, 1, 1)), (D(1899, 12, 31), D(1899, 12, 31))),
    ("day", LATEST, (D(2999, 12, 31), D(2999, 12, 31)), (D(2999, 12, 30), D(2999, 12, 30))),
    ("week", EARLIEST, (D(1900, 1, 1), D(1900, 1, 7)), (D(1899, 12, 25), D(1899, 12, 31))),
    ("week", LATEST, (D(2999, 12, 30), D(3000, 1, 5)), (D(2999, 12, 23), D(2999, 12, 29))),
    ("month", EARLIEST, (D(1900, 1, 1), D(1900, 1, 31)), (D(1899, 12, 1), D(1899, 12, 31))),
    ("month", LATEST, (D(2999, 12, 1), D(2999, 12, 31)), (D(2999, 11, 1), D(2999, 11, 30))),
    ("quarter", EARLIEST, (D(1900, 1, 1), D(1900, 3, 31)), (D(1899, 10, 1), D(1899, 12, 31))),
    ("quarter", LATEST, (D(2999, 10, 1), D(2999, 12, 31)), (D(2999, 7, 1), D(2999, 9, 30))),
    ("year", EARLIEST, (D(1900, 1, 1), D(1900, 12, 31)), (D(1899, 1, 1), D(1899, 12, 31))),
    ("year", LATEST, (D(2999, 1, 1), D(2999, 12, 31)), (D(2998, 1, 1), D(2998, 12, 31))),
]


@pytest.mark.parametrize(("kind", "day", "bounds", "previous"), DERIVED)
def test_the_supported_range_keeps_every_derived_period_a_valid_date(
    kind: str,
    day: dt.date,
    bounds: tuple[dt.date, dt.date],
    previous: tuple[dt.date, dt.date],
) -> None:
    period = parse_period(kind, day.isoformat(), today=TODAY)
    assert (period.kind, period.start, period.end) == (kind, *bounds)
    before = period.previous()
    assert (before.kind, before.start, before.end) == (kind, *previous)
    assert make_period(kind, period.start) == period


def test_a_custom_period_must_lie_in_the_range_and_its_previous_may_not() -> None:
    with pytest.raises(PeriodError, match="out of range"):
        parse_period("custom", start="0001-01-01", end="0001-12-31", today=TODAY)
    with pytest.raises(PeriodError, match="out of range"):
        parse_period("custom", start="2025-01-01", end="9999-12-31", today=TODAY)
    longest = parse_period("custom", start="1900-01-01", end="1909-12-31", today=TODAY)
    assert (longest.start, longest.end, longest.days) == (D(1900, 1, 1), D(1909, 12, 31), 3652)
    before = longest.previous()
    assert (before.kind, before.start, before.end) == ("custom", D(1890, 1, 1), D(1899, 12, 31))


EDGE_API_GETS = [
    "/api/v1/evaluation/scores/department?on=9999-12",
    "/api/v1/evaluation/scores/department?on=0001-01",
    "/api/v1/evaluation/scores/department?period=year&on=9999-06-01",
    "/api/v1/evaluation/scores/department?period=week&on=9999-12-31",
    "/api/v1/evaluation/scores/department?period=custom&start=0001-01-01&end=0001-01-31",
    "/api/v1/evaluation/scores/department/{dept}?on=9999-12",
    "/api/v1/evaluation/scores/department/{dept}/cases/closed?on=9999-12",
    "/api/v1/evaluation/hotspots/trend?kind=department&key={dept}&on=0001-01",
    "/api/v1/evaluation/hotspots/top-matters?on=9999-12",
    "/api/v1/evaluation/hotspots/one-topic?on=9999-12",
    "/api/v1/evaluation/hotspots/repeated?on=0001-01-01",
    "/api/v1/evaluation/hotspots/heatmap?on=9999-12",
]


def test_the_api_answers_a_structured_400(world: Any) -> None:
    c = Client(headers={"authorization": f"Bearer {issue_token(world.sl)}"})
    for url in EDGE_API_GETS:
        answer = c.get(url.format(dept=world.dept_a.pk))
        assert answer.status_code == 400, url
        body = answer.json()
        assert body["code"] == "invalid", url
        assert "out of range" in body["message"], url
    for payload in (
        {"on": "9999-12", "format": "report_xlsx"},
        {"on": "0001-01", "format": "indicators_csv"},
        {"month": "9999-12", "format": "report_pdf"},
    ):
        answer = c.post("/api/v1/evaluation/exports", payload, content_type="application/json")
        assert answer.status_code == 400, payload
        assert answer.json()["code"] == "invalid"


def test_staff_and_public_pages_answer_404(world: Any) -> None:
    c = Client()
    c.force_login(world.sl)
    dept = world.dept_a.pk
    for url in (
        "/staff/evaluation/?on=9999-12",
        "/staff/evaluation/?on=0001-01-01",
        "/staff/evaluation/?period=week&on=9999-12-31",
        "/staff/evaluation/report.pdf?on=9999-12",
        "/staff/evaluation/report.xlsx?on=0001-01",
        "/staff/evaluation/indicators.csv?on=9999-12",
        "/staff/evaluation/hotspots/?on=9999-12",
        f"/staff/evaluation/department/{dept}/?on=9999-12",
        f"/staff/evaluation/department/{dept}/closed/cases/?on=9999-12",
    ):
        assert c.get(url).status_code == 404, url
    for data in (
        {"format": "report_xlsx", "on": "9999-12"},
        {"format": "report_pdf", "month": "0001-01"},
    ):
        assert c.post("/staff/evaluation/exports/new", data).status_code == 404, data
    for month in ("9999-12", "0001-01"):
        assert Client().get(f"/public/rankings/?month={month}").status_code == 404
