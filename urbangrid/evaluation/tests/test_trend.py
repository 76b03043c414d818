"""The monthly trend of a counter (hotspots ``trend``, GET /api/v1/evaluation/hotspots/trend)
gives for each month the figure that month's evaluation shows for the object, the
derived counters included (应结案数 need_close, an inspector's 漏报数 missed and
grid_filed, responded, satisfied), which it read as 0 from the stored counters before.
The reference month is November 2025 (``conftest.run_scenario``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.hotspots import trend
from urbangrid.evaluation.models import ScoringConfig
from urbangrid.evaluation.periods import month_period
from urbangrid.evaluation.selectors import evaluate, evaluate_one
from urbangrid.organisations.services import issue_token

DISTRICT = "110101"
OCT, NOV, DEC = dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2025, 12, 1)
DERIVED = {"need_close", "missed", "grid_filed", "responded", "satisfied"}


def month_figure(kind: str, key: str, counter: str, month: dt.date) -> int:
    """What the month's evaluation shows (0 without activity in the month)."""
    result = evaluate_one(kind, key, month_period(month), DISTRICT)
    return result.counters[counter] if result is not None else 0


def test_every_counter_of_every_object_is_the_months_evaluation_figure(scenario: Any) -> None:
    seen: set[str] = set()
    for kind in ind.OBJECT_KINDS:
        for result in evaluate(kind, month_period(NOV), DISTRICT, with_previous=False):
            for counter in ind.KIND_COUNTERS[kind]:
                points = trend(kind, result.key, counter, NOV, DISTRICT, months=1)
                assert points == [{"month": "2025-11", "value": result.counters[counter]}], (
                    kind,
                    result.key,
                    counter,
                )
                if counter in DERIVED and result.counters[counter]:
                    seen.add(counter)
    assert seen == DERIVED  # each derived counter was non-zero somewhere, and matched


@pytest.mark.parametrize(
    ("kind", "who", "counter", "expected"),
    [
        (ind.DEPARTMENT, "dept_a", "need_close", 19),
        (ind.DEPARTMENT, "dept_a", "responded", 17),
        (ind.DEPARTMENT, "dept_a", "satisfied", 3),
        (ind.INSPECTOR, "i1", "missed", 13),
        (ind.INSPECTOR, "i1", "grid_filed", 18),
        (ind.INSPECTOR, "i2", "missed", 3),
        (ind.DISTRICT, "", "need_close", 22),
        (ind.STREET, "", "need_close", 20),
    ],
)
def test_derived_counters_trend_as_the_months_show_them(
    scenario: Any, kind: str, who: str, counter: str, expected: int
) -> None:
    w, _groups = scenario
    key = str(getattr(w, who).pk) if who else {ind.DISTRICT: DISTRICT}.get(kind, "110101001")
    points = trend(kind, key, counter, DEC, DISTRICT, months=3)
    assert [p["month"] for p in points] == ["2025-10", "2025-11", "2025-12"]
    assert [p["value"] for p in points] == [
        month_figure(kind, key, counter, month) for month in (OCT, NOV, DEC)
    ]
    assert points[1]["value"] == expected != 0


def test_the_trend_counts_under_the_scoring_configuration_of_the_area(scenario: Any) -> None:
    """responded and satisfied follow the area's hotline definitions, as its evaluation."""
    w, _groups = scenario
    ScoringConfig.objects.create(
        district_code=DISTRICT,
        config={
            "hotline": {
                "response_limit_minutes": 30,
                "satisfaction_weights": {"basically_satisfied": 1.0},
            }
        },
    )
    key = str(w.dept_a.pk)
    month = evaluate_one(ind.DEPARTMENT, key, month_period(NOV), DISTRICT)
    assert month is not None
    assert month.counters["satisfied"] == 4  # very + satisfied + basically satisfied
    for counter in ("satisfied", "responded"):
        points = trend(ind.DEPARTMENT, key, counter, NOV, DISTRICT, months=1)
        assert points == [{"month": "2025-11", "value": month.counters[counter]}]


def test_a_counter_not_of_the_kind_is_refused(world: Any) -> None:
    with pytest.raises(ValueError, match="not a counter of"):
        trend(ind.DEPARTMENT, str(world.dept_a.pk), "missed", NOV, DISTRICT)


@pytest.fixture
def api(scenario: Any) -> tuple[Any, Client]:
    w, _groups = scenario
    return w, Client(headers={"authorization": f"Bearer {issue_token(w.sl)}"})


def get(c: Client, query: str) -> Any:
    answer = c.get(f"/api/v1/evaluation/hotspots/trend?{query}")
    return answer.status_code, answer.json()


def test_the_api_trend_of_derived_counters(api: tuple[Any, Client]) -> None:
    w, c = api
    dept = f"kind=department&key={w.dept_a.pk}&on=2025-11&months=2"
    assert get(c, f"{dept}&counter=need_close") == (
        200,
        [{"month": "2025-10", "value": 0}, {"month": "2025-11", "value": 19}],
    )
    assert get(c, f"{dept}&counter=satisfied&district={DISTRICT}")[1][-1]["value"] == 3
    inspector = f"kind=inspector&key={w.i2.pk}&on=2025-11&months=1"
    assert get(c, f"{inspector}&counter=missed") == (200, [{"month": "2025-11", "value": 3}])
    area = "kind=district&key=110101&on=2025-11&months=1&counter=need_close"
    assert get(c, area) == (200, [{"month": "2025-11", "value": 22}])


def test_the_api_trend_of_an_object_not_evaluated_from_the_area_is_404(
    api: tuple[Any, Client],
) -> None:
    """Not a row of zeros: the area's evaluation does not show the object at all."""
    w, c = api
    for query in (
        f"kind=department&key={w.dept_a.pk}&district=110102",
        "kind=district&key=110101&district=110102",
        "kind=grid&key=110102001001001&district=110101",
    ):
        status, body = get(c, query)
        assert (status, body["code"], body["message"]) == (
            404,
            "not_found",
            "this object is not evaluated from this area",
        ), query
    status, body = get(c, f"kind=department&key={w.dept_a.pk}&district=abc")
    assert (status, body["code"]) == (400, "invalid")
