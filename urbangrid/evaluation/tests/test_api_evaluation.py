"""/api/v1/evaluation: scores, one object, cases behind a number, hotspots, exports."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from urbangrid.organisations.models import Role
from urbangrid.organisations.services import issue_token
from urbangrid.testing import make_user


def client(user: Any) -> Client:
    return Client(headers={"authorization": f"Bearer {issue_token(user)}"})


@pytest.fixture
def api(scenario):
    w, groups = scenario
    return w, groups, client(w.sl)


def _scores_object_and_cases_behind_a_number(api: Any) -> None:
    w, groups, c = api
    answer = c.get("/api/v1/evaluation/scores/department?period=month&on=2025-11")
    assert answer.status_code == 200
    body = answer.json()
    assert body["period"]["label"] == "2025-11"
    assert [(r["name"], r["score"], r["grade"], r["rank"]) for r in body["results"]] == [
        ("区园林绿化局", 100.0, "A", 1),
        ("区环卫中心", 88.95, "B", 2),
    ]
    one = c.get(f"/api/v1/evaluation/scores/department/{w.dept_a.pk}?on=2025-11").json()
    assert one["counters"]["handled_late"] == 3
    cases = c.get(
        f"/api/v1/evaluation/scores/department/{w.dept_a.pk}/cases/handled_late?on=2025-11"
    ).json()
    assert cases["total"] == 3
    assert sorted(x["number"] for x in cases["cases"]) == sorted(groups["overdue"])
    assert cases["cases"][0]["url"].startswith("/api/v1/cases/")
    returns = c.get(
        f"/api/v1/evaluation/scores/department/{w.dept_a.pk}/cases/returns?on=2025-11"
    ).json()
    assert sorted(x["number"] for x in returns["cases"]) == sorted(groups["misroute"])
    missed = c.get(f"/api/v1/evaluation/scores/inspector/{w.i2.pk}/cases/missed?on=2025-11").json()
    assert missed["total"] == 3


def _other_periods_and_errors(api: Any) -> None:
    w, _groups, c = api
    week = c.get("/api/v1/evaluation/scores/district?period=week&on=2025-11-05").json()
    assert week["results"][0]["counters"]["reports"] == 15  # G1–G4
    custom = c.get(
        "/api/v1/evaluation/scores/district?period=custom&start=2025-11-03&end=2025-11-04"
    ).json()
    assert custom["results"][0]["counters"]["reports"] == 10
    year = c.get("/api/v1/evaluation/scores/district?period=year&on=2025-01-01").json()
    assert year["results"][0]["counters"]["reports"] == 23
    assert c.get("/api/v1/evaluation/scores/nobody").status_code == 400
    assert c.get("/api/v1/evaluation/scores/district?period=fortnight").status_code == 400
    assert Client().get("/api/v1/evaluation/scores/district").status_code == 401
    handler = client(w.ha)
    assert handler.get("/api/v1/evaluation/scores/district").status_code == 403


def _hotspots(api: Any) -> None:
    _w, _groups, c = api
    top = c.get("/api/v1/evaluation/hotspots/top-matters?on=2025-11").json()
    assert top["matters"] == [{"matter": "06010", "name": "暴露垃圾", "reports": 23}]
    topic = c.get("/api/v1/evaluation/hotspots/one-topic?on=2025-11").json()
    assert topic["matter"] == "06010"
    assert topic["peak_hour"] == 10
    assert topic["grids"][0]["reports"] == 8  # grid 0: six clean + two reworks
    repeated = c.get("/api/v1/evaluation/hotspots/repeated?on=2025-11-30").json()
    assert [g["complaints"] for g in repeated["by_grid"]] == [8, 5]  # grids 0 and 15
    assert repeated["by_radius"][0]["complaints"] == 8
    heat = c.get("/api/v1/evaluation/hotspots/heatmap?on=2025-11").json()
    assert sum(f["properties"]["weight"] for f in heat["features"]) == 23
    trend = c.get(
        "/api/v1/evaluation/hotspots/trend?kind=district&key=110101&on=2025-11&months=2"
    ).json()
    assert trend == [{"month": "2025-10", "value": 0}, {"month": "2025-11", "value": 23}]
    assert c.get("/api/v1/evaluation/indicators").status_code == 200


def _exports_are_requested_and_polled(api: Any) -> None:
    _w, _groups, c = api
    answer = c.post(
        "/api/v1/evaluation/exports",
        {"format": "indicators_csv", "kind": "street", "on": "2025-11"},
        content_type="application/json",
    )
    assert answer.status_code == 202
    export = answer.json()
    assert export["status"] == "pending"
    assert c.get(f"/api/v1/evaluation/exports/{export['id']}").json()["id"] == export["id"]
    other = make_user("other_leader", Role.SHIFT_LEADER, area_code="110101")
    assert client(other).get(f"/api/v1/evaluation/exports/{export['id']}").status_code == 404


def test_scores_drill_down_periods_hotspots_and_exports(api):
    _scores_object_and_cases_behind_a_number(api)
    _other_periods_and_errors(api)
    _hotspots(api)
    _exports_are_requested_and_polled(api)


PERIOD = ["period", "on", "start", "end"]


def test_the_query_parameters_are_the_published_contract() -> None:
    """One shared period schema behind every endpoint; names and places unchanged."""
    from urbangrid.api.main import api as ninja_api

    paths = ninja_api.get_openapi_schema()["paths"]
    expected = {
        "/api/v1/evaluation/scores/{kind}": ["kind", *PERIOD, "district"],
        "/api/v1/evaluation/scores/{kind}/{key}": ["kind", "key", *PERIOD, "district"],
        "/api/v1/evaluation/scores/{kind}/{key}/cases/{counter}": [
            "kind",
            "key",
            "counter",
            *PERIOD,
            "district",
        ],
        "/api/v1/evaluation/hotspots/top-matters": [*PERIOD, "area", "limit"],
        "/api/v1/evaluation/hotspots/trend": ["kind", "key", "on", "counter", "months", "district"],
        "/api/v1/evaluation/hotspots/repeated": [
            "on",
            "window_days",
            "threshold",
            "radius_m",
            "district",
        ],
        "/api/v1/evaluation/hotspots/heatmap": [*PERIOD, "district"],
        "/api/v1/evaluation/hotspots/one-topic": ["on", "district"],
    }
    for path, names in expected.items():
        parameters = paths[path]["get"]["parameters"]
        assert sorted(p["name"] for p in parameters) == sorted(names), path
        assert all(p["in"] == "query" for p in parameters if p["name"] not in path), path
