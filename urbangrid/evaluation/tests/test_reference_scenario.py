"""The hand-computed reference month (November 2025, see ``conftest.run_scenario``).

Counts by hand — department A: dispatched 19 (G1 6, G2 4, G3 3, G4 2, G5 2, G6 1,
G10 1); handled 19 (G4 twice each, G5 none) of which 16 on time (G3 late); went red 3;
closed 17 (G5 closed with B), 14 normally (G3 overdue); rework 2, returns 2, extension 1;
received within 2 h 17 (G5 returned unreceived); callbacks 6, reached 5, solved 4,
satisfied (very + satisfied) 3.
"""

from __future__ import annotations

from typing import Any

from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.periods import month_period
from urbangrid.evaluation.selectors import evaluate

from .conftest import at

NOV = month_period(at(1, 12).date())


def by_key(kind: str, district: str = "110101") -> dict[str, Any]:
    return {r.key: r for r in evaluate(kind, NOV, district)}


def approx(value: float | None, expected: float) -> bool:
    return value is not None and abs(value - expected) < 0.006


def check_departments(w: Any) -> None:
    results = by_key(ind.DEPARTMENT)
    a, b = results[str(w.dept_a.pk)], results[str(w.dept_b.pk)]
    assert a.counters == {
        "to_handle": 19,
        "handled": 19,
        "handled_on_time": 16,
        "handled_late": 3,
        "overdue": 3,
        "overdue_unhandled": 0,
        "need_close": 19,
        "closed": 17,
        "closed_on_time": 14,
        "reworks": 2,
        "returns": 2,
        "extensions": 1,
        "suspensions": 0,
        "callbacks": 6,
        "reached": 5,
        "solved": 4,
        "satisfied": 3,
        "responded": 17,
    }
    assert approx(a.rates["handle_rate"], 1.0)
    assert approx(a.rates["handle_on_time_rate"], 16 / 19)
    assert approx(a.rates["close_rate"], 17 / 19)
    assert approx(a.rates["closed_on_time_rate"], 14 / 19)
    assert approx(a.rates["rework_rate"], 2 / 19)
    assert approx(a.rates["return_rate"], 2 / 19)
    assert approx(a.rates["extension_rate"], 1 / 19)
    assert approx(a.rates["response_rate"], 17 / 19)
    assert approx(a.rates["solution_rate"], 4 / 5)
    assert approx(a.rates["satisfaction_rate"], 3 / 5)
    # 10 × 100 (≤ 50 cases) + 30 × 17/19 + 30 × 16/19 + 30 × (1 − 2/19)
    assert approx(a.score, (1000 + 3000 * 17 / 19 + 3000 * 16 / 19 + 3000 * 17 / 19) / 100)
    assert a.score == 88.95
    assert a.grade == "B"
    assert approx(a.hotline_score, (10 * 100 * 17 / 19 + 45 * 80 + 45 * 60) / 100)
    assert b.counters["to_handle"] == 3
    assert b.counters["handled_on_time"] == 3
    assert b.counters["suspensions"] == 1
    assert b.counters["closed_on_time"] == 3
    assert b.score == 100.0
    assert b.grade == "A"
    assert b.hotline_score == 100.0
    assert (b.rank, a.rank) == (1, 2)
    assert a.previous_score is None
    assert a.change is None


def check_staff(w: Any) -> None:
    d = by_key(ind.DISPATCHER)[str(w.dp.pk)]
    assert d.counters == {
        "dispatches": 22,
        "dispatches_on_time": 22,
        "dispatches_accurate": 20,
        "send_backs": 0,
    }
    assert approx(d.score, (4000 + 4000 * 20 / 22) / 100)
    assert d.grade == "B"
    sl = by_key(ind.SHIFT_LEADER)[str(w.sl.pk)]
    assert sl.counters == {
        "filed": 21,
        "filed_on_time": 20,
        "filings_cancelled": 1,
        "filings_sent_back": 0,
        "cancels": 1,
        "closes": 20,
        "closes_on_time": 20,
    }
    assert approx(sl.score, (65 * 100 * 20 / 21 + 3500) / 100)
    assert sl.grade == "A"
    op = by_key(ind.OPERATOR)[str(w.op.pk)]
    assert op.counters == {
        "accepts": 21,
        "accepts_on_time": 21,
        "not_accepts": 1,
        "send_verify": 17,
        "send_verify_on_time": 17,
        "send_checks": 22,
        "send_checks_on_time": 22,
    }
    assert op.score == 75.0
    assert op.grade == "B"
    inspectors = by_key(ind.INSPECTOR)
    i1, i2 = inspectors[str(w.i1.pk)], inspectors[str(w.i2.pk)]
    assert i1.counters == {
        "reports": 5,
        "valid_reports": 5,
        "verify_tasks": 13,
        "verify_on_time": 13,
        "check_tasks": 20,
        "check_on_time": 20,
        "missed": 13,
        "grid_filed": 18,
        "self_handled": 0,
    }
    assert approx(i1.score, (4000 + 2000 * (1 - 13 / 18) + 4000) / 100)
    assert i1.grade == "B"
    assert i2.counters["verify_tasks"] == 4
    assert i2.counters["check_tasks"] == 2
    assert (i2.counters["missed"], i2.counters["grid_filed"]) == (3, 3)
    assert i2.rates["valid_report_rate"] is None
    assert approx(i2.score, 200 / 3)
    assert i2.grade == "C"
    assert (i1.rank, i2.rank) == (1, 2)


def check_areas(w: Any) -> None:
    district = by_key(ind.DISTRICT)["110101"]
    assert {
        k: district.counters[k]
        for k in (
            "reports",
            "public_reports",
            "filed",
            "public_filed",
            "to_handle",
            "handled",
            "handled_on_time",
            "closed",
            "closed_on_time",
            "overdue",
            "need_close",
            "reworks",
        )
    } == {
        "reports": 23,
        "public_reports": 18,
        "filed": 21,
        "public_filed": 16,
        "to_handle": 22,
        "handled": 22,
        "handled_on_time": 19,
        "closed": 20,
        "closed_on_time": 17,
        "overdue": 3,
        "need_close": 22,
        "reworks": 2,
    }
    # 10 × (1 − 16/21) + 20 × 90 (21 filed / 16 grids ≤ 2) + 30 × 20/22 + 40 × 17/22
    expected = (1000 * (1 - 16 / 21) + 1800 + 3000 * 20 / 22 + 4000 * 17 / 22) / 100
    assert approx(district.score, expected)
    assert district.grade == "B"
    streets = by_key(ind.STREET)
    one, two = streets["110101001"], streets["110101002"]
    assert (one.counters["filed"], one.counters["to_handle"], one.counters["closed"]) == (
        18,
        20,
        18,
    )
    assert approx(one.score, (1000 * 5 / 18 + 1500 + 2700 + 3000) / 100)
    assert one.grade == "C"
    assert (two.counters["filed"], two.counters["public_filed"], two.counters["closed"]) == (
        3,
        3,
        2,
    )
    assert two.score == 88.0
    assert two.grade == "B"
    assert (two.rank, one.rank) == (1, 2)


def test_every_counter_rate_score_and_grade_of_the_reference_month(scenario):
    w, _groups = scenario
    check_departments(w)
    check_staff(w)
    check_areas(w)


def test_accurate_dispatch_and_filing_follow_the_reference_formulas(scenario):
    """Standards §5.2: 准确派遣数 = 应派遣数 − 返工数 and 准确立案率 = (立案数 − 作废数) /
    立案数. The two reworks (G4, dispatched Fri 7 Nov) take their dispatches back on that
    day; the two misroutes (G5, Mon 10 Nov) are returns, not inaccurate dispatches: their
    four dispatches and G6's of that day stay accurate."""
    from urbangrid.evaluation.models import DailyCount

    w, _groups = scenario
    rows = DailyCount.objects.filter(
        object_kind=ind.DISPATCHER, object_key=str(w.dp.pk), counter="dispatches_accurate"
    )
    accurate = {r.day.day: r.value for r in rows}
    assert accurate.get(7, 0) == 0
    assert accurate[10] == 5
    departments = by_key(ind.DEPARTMENT)
    assert departments[str(w.dept_a.pk)].counters["returns"] == 2
    sl = by_key(ind.SHIFT_LEADER)[str(w.sl.pk)]
    assert approx(sl.rates["file_accuracy_rate"], (21 - 1) / 21)
