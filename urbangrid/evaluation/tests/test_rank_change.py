"""The change from the previous period: the score change (labelled as such) and the rank
change (previous rank − rank: ↑ / ↓ / – / new), the same on pages, API and exports.

Two months of department aggregates: October A 100 (1st), B 55 (2nd), D 40 (3rd);
November B 100 (1st: ↑1, +45.00), A 85 (2nd: ↓1, -15.00), C and D 40 (tied 3rd: C new,
D – and 0.00).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.utils import translation

from urbangrid.common.clock import SHANGHAI
from urbangrid.evaluation import exports
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.models import MonthlyCount
from urbangrid.evaluation.periods import month_period
from urbangrid.evaluation.selectors import evaluate
from urbangrid.organisations.services import issue_token
from urbangrid.testing import make_department

OCT, NOV = dt.date(2025, 10, 1), dt.date(2025, 11, 1)

# (to_handle, handled, handled_on_time, closed) per month; scores by the default weights:
# band 10 (≤ 50 → 100), close rate 30, on-time handling 30, 1 − rework rate 30.
DEPARTMENTS = {
    "A": {OCT: (10, 10, 10, 10), NOV: (10, 10, 5, 10)},  # 100 → 85
    "B": {OCT: (10, 10, 0, 5), NOV: (10, 10, 10, 10)},  # 55 → 100
    "C": {NOV: (10, 10, 0, 0)},  # new: 40
    "D": {OCT: (10, 10, 0, 0), NOV: (10, 10, 0, 0)},  # 40 → 40, third both months
}


@pytest.fixture
def months(world: Any) -> dict[str, str]:
    w = world
    departments = {
        "A": w.dept_a,
        "B": w.dept_b,
        "C": make_department("区水务局", district=w.city.district),
        "D": make_department("区市政设施中心", district=w.city.district),
    }
    rows = []
    for letter, by_month in DEPARTMENTS.items():
        for month, (to_handle, handled, on_time, closed) in by_month.items():
            values = {
                "to_handle": to_handle,
                "handled": handled,
                "handled_on_time": on_time,
                "closed": closed,
            }
            for counter, value in values.items():
                rows.append(
                    MonthlyCount(
                        month=month,
                        object_kind=ind.DEPARTMENT,
                        object_key=str(departments[letter].pk),
                        counter=counter,
                        value=value,
                    )
                )
    MonthlyCount.objects.bulk_create(rows)
    return {letter: str(d.pk) for letter, d in departments.items()}


@pytest.fixture
def december() -> Any:
    with time_machine.travel(dt.datetime(2025, 12, 10, 9, tzinfo=SHANGHAI), tick=False):
        yield


@translation.override("en")
def test_results_carry_previous_rank_and_rank_change(months: dict[str, str]) -> None:
    results = {r.key: r for r in evaluate(ind.DEPARTMENT, month_period(NOV), "110101")}
    a, b, c, d = (results[months[x]] for x in "ABCD")
    assert [(r.score, r.rank, r.previous_rank) for r in (a, b, c, d)] == [
        (85.0, 2, 1),
        (100.0, 1, 2),
        (40.0, 3, None),
        (40.0, 3, 3),
    ]
    assert (a.change, a.rank_change, a.rank_change_label, a.change_label) == (
        -15.0,
        -1,
        "↓1",
        "-15.00",
    )
    assert (b.change, b.rank_change, b.rank_change_label, b.change_label) == (
        45.0,
        1,
        "↑1",
        "+45.00",
    )
    assert (c.change, c.rank_change, c.rank_change_label) == (None, None, "new")
    assert (d.change, d.rank_change, d.rank_change_label) == (0.0, 0, "–")


def test_staff_pages_show_both_changes(months: dict[str, str], world: Any) -> None:
    c = Client()
    c.force_login(world.sl)
    index = c.get("/staff/evaluation/?kind=department&on=2025-11-01&lang=en").content.decode()
    assert "Score change from previous period" in index
    assert "Rank change" in index
    for shown in ("+45.00", "-15.00", "↑1", "↓1", ">new<", ">–<"):
        assert shown in index, shown
    detail = c.get(
        f"/staff/evaluation/department/{months['B']}/?on=2025-11-01&lang=en"
    ).content.decode()
    assert "Score change from previous period +45.00" in detail
    assert "Rank change ↑1" in detail


def test_public_page_shows_both_changes(months: dict[str, str], december: Any) -> None:
    page = Client().get("/public/rankings/?month=2025-11&lang=en").content.decode()
    assert "Score change from previous period" in page
    for shown in ("+45.00", "-15.00", "↑1", "↓1", ">new<"):
        assert shown in page, shown


def test_api_adds_rank_fields_and_keeps_change(months: dict[str, str], world: Any) -> None:
    c = Client(headers={"authorization": f"Bearer {issue_token(world.sl)}"})
    body = c.get("/api/v1/evaluation/scores/department?on=2025-11").json()
    by_key = {r["key"]: r for r in body["results"]}
    b, cc = by_key[months["B"]], by_key[months["C"]]
    assert (b["rank"], b["previous_rank"], b["rank_change"]) == (1, 2, 1)
    assert (b["change"], b["score_change"], b["previous_score"]) == (45.0, 45.0, 55.0)
    assert (cc["rank"], cc["previous_rank"], cc["rank_change"]) == (3, None, None)
    one = c.get(f"/api/v1/evaluation/scores/department/{months['A']}?on=2025-11").json()
    assert (one["rank_change"], one["change"]) == (-1, -15.0)


def test_exports_show_both_changes(months: dict[str, str]) -> None:
    with translation.override("en"):
        check_exports()


def check_exports() -> None:
    period = month_period(NOV)
    text = exports.indicators_csv(ind.DEPARTMENT, period, "110101").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    score_change = header.index("Score change from previous period")
    rank_change = header.index("Rank change")
    by_name = {r[1]: r for r in rows[1:]}
    assert (by_name["区园林绿化局"][score_change], by_name["区园林绿化局"][rank_change]) == (
        "+45.00",
        "↑1",
    )
    assert by_name["区环卫中心"][rank_change] == "↓1"
    assert by_name["区水务局"][rank_change] == "new"

    sheet = openpyxl.load_workbook(
        io.BytesIO(exports.indicators_xlsx(ind.DEPARTMENT, period, "110101"))
    ).active
    cells = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    b = cells["区园林绿化局"]
    assert (b[score_change].value, b[rank_change].value) == (45, 1)
    assert b[rank_change].number_format == '"↑"0;"↓"0;"–"'
    assert cells["区环卫中心"][rank_change].value == -1
    assert cells["区水务局"][rank_change].value == "new"

    html = exports.report_html(NOV, "110101")
    assert "Score change from previous period" in html
    # rank, name, score, grade, score change, rank change: each department's own row
    assert report_row(html, "区园林绿化局")[:6] == [
        "1",
        "区园林绿化局",
        "100.0",
        "A",
        "+45.00",
        "↑1",
    ]
    assert report_row(html, "区环卫中心")[:6] == ["2", "区环卫中心", "85.0", "B", "-15.00", "↓1"]
    assert report_row(html, "区水务局")[:6] == ["3", "区水务局", "40.0", "D", "", "new"]
    assert report_row(html, "区市政设施中心")[4:6] == ["0.00", "–"]


def report_row(html: str, name: str) -> list[str]:
    """The cells of the first report table row of ``name`` (the scores and changes)."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if len(cells) > 1 and cells[1] == name:
            return cells
    raise AssertionError(f"no row of {name}")
