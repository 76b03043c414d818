"""Staff pages under /staff/evaluation/: sign-in and permission, scores, drill-down from a
score to the indicator values to the cases behind a number, hotspots, exports."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse


@pytest.fixture
def pages(scenario):
    w, groups = scenario
    c = Client()
    c.force_login(w.sl)
    return w, groups, c


def test_sign_in_and_permission_are_required(world):
    w = world
    assert Client().get("/staff/evaluation/").status_code == 302
    c = Client()
    c.force_login(w.ha)
    assert c.get("/staff/evaluation/").status_code == 403


def _drill_down_from_score_to_cases(pages: Any) -> None:
    w, groups, c = pages
    index = c.get("/staff/evaluation/?kind=department&on=2025-11-01").content.decode()
    assert "区环卫中心" in index
    assert "88.95" in index
    assert "<svg" in index
    detail = c.get(f"/staff/evaluation/department/{w.dept_a.pk}/?on=2025-11-01").content.decode()
    assert "88.95" in detail
    assert f"/staff/evaluation/department/{w.dept_a.pk}/reworks/cases/" in detail
    cases = c.get(
        f"/staff/evaluation/department/{w.dept_a.pk}/reworks/cases/?on=2025-11-01"
    ).content.decode()
    for number in groups["rework"]:
        assert f'href="{reverse("staff:case", args=[number])}"' in cases
    assert "/api/v1/cases/" not in cases


def _hotspots_downloads_and_exports(pages: Any) -> None:
    _w, _groups, c = pages
    page = c.get("/staff/evaluation/hotspots/?on=2025-11-01").content.decode()
    assert "暴露垃圾" in page
    csv = c.get("/staff/evaluation/indicators.csv?kind=street&on=2025-11-01")
    assert csv.status_code == 200
    assert "第2街道" in csv.content.decode("utf-8-sig")
    assert c.get("/staff/evaluation/report.xlsx?on=2025-11-01").status_code == 200
    answer = c.post(
        "/staff/evaluation/exports/new",
        {"format": "indicators_xlsx", "kind": "department", "on": "2025-11-01"},
    )
    assert answer.status_code == 302
    assert c.get("/staff/evaluation/exports/").status_code == 200


def test_drill_down_hotspots_downloads_and_exports(pages):
    _drill_down_from_score_to_cases(pages)
    _hotspots_downloads_and_exports(pages)
