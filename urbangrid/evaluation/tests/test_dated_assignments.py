"""An inspector's 漏报数 ``missed`` and ``grid_filed`` count a grid on the days they
patrolled it (dated assignments), so reassigning a grid never rewrites a past month.

Grid 0 is i1's from 3 November 2025; on Monday 15 December it is handed to i2. Public
reports filed in grid 0: two in November and one on 4 December (i1's days), one on
18 December (i2's); one report by i1 himself on 12 November (filed, not missed)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from urbangrid.common.clock import SHANGHAI
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.aggregates import recompute, refresh_aggregates
from urbangrid.evaluation.periods import Period, month_period
from urbangrid.evaluation.selectors import (
    cases_behind,
    config_for,
    counters_for,
    evaluate,
    patrol_spans,
)
from urbangrid.evaluation.tests.conftest import FILE, World
from urbangrid.organisations.models import InspectorGrid
from urbangrid.organisations.services import reassign_grid

pytestmark = pytest.mark.django_db

NOV = month_period(dt.date(2025, 11, 1))
DEC = month_period(dt.date(2025, 12, 1))
HANDOVER = dt.date(2025, 12, 15)
DISTRICT = "110101"


def when(month: int, day: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, 10, minute, tzinfo=SHANGHAI)


def public_filed(w: World, month: int, day: int, verifier) -> str:
    n = w.report(when(month, day), 0)
    w.act(when(month, day, 2), n, "send_verify", w.op)
    w.act(when(month, day, 5), n, "verify", verifier, result=True)  # the grid's inspector
    w.act(when(month, day, 7), n, "accept", w.op)
    w.act(when(month, day, 9), n, "file", w.sl, **FILE)
    return n


def inspector_filed(w: World, month: int, day: int) -> str:
    n = w.report(when(month, day), 0, by=w.i1)
    w.act(when(month, day, 2), n, "accept", w.op)
    w.act(when(month, day, 4), n, "file", w.sl, **FILE)
    return n


def figures(w: World, period: Period) -> dict[str, tuple[int, int]]:
    rows = counters_for(ind.INSPECTOR, period, DISTRICT, config_for(DISTRICT))
    shown = {r.key: r.counters for r in evaluate(ind.INSPECTOR, period, DISTRICT)}
    result = {}
    for name, user in (("i1", w.i1), ("i2", w.i2)):
        row = rows.get(str(user.pk), {})
        pair = (row.get("missed", 0), row.get("grid_filed", 0))
        assert (shown[str(user.pk)]["missed"], shown[str(user.pk)]["grid_filed"]) == pair
        result[name] = pair
    return result


def behind(w: World, user, counter: str, period: Period) -> list[str]:
    return [
        f["number"] for f in cases_behind(ind.INSPECTOR, str(user.pk), counter, period, DISTRICT)
    ]


@pytest.fixture
def history(world: World) -> dict[str, list[str]]:
    w = world
    cases = {
        "nov": [public_filed(w, 11, 5, w.i1), public_filed(w, 11, 19, w.i1)],
        "nov_own": [inspector_filed(w, 11, 12)],
        "dec_before": [public_filed(w, 12, 4, w.i1)],
    }
    refresh_aggregates()
    return cases


def test_reassigning_a_grid_leaves_the_previous_month_unchanged(world, history):
    w = world
    before = figures(w, NOV)
    assert before == {"i1": (2, 3), "i2": (0, 0)}
    with time_machine.travel(when(12, HANDOVER.day), tick=False):
        reassign_grid(w.city.grids[0].code, from_inspector=w.i1, to_inspector=w.i2)
    assert figures(w, NOV) == before
    assert sorted(behind(w, w.i1, "missed", NOV)) == sorted(history["nov"])
    assert behind(w, w.i2, "missed", NOV) == []


def test_the_month_of_the_reassignment_splits_by_day(world, history):
    w = world
    with time_machine.travel(when(12, HANDOVER.day), tick=False):
        reassign_grid(w.city.grids[0].code, from_inspector=w.i1, to_inspector=w.i2)
    after = public_filed(w, 12, 18, w.i2)  # i2 patrols grid 0 now: i2 verifies
    refresh_aggregates()
    assert figures(w, DEC) == {"i1": (1, 1), "i2": (1, 1)}
    assert behind(w, w.i1, "missed", DEC) == history["dec_before"]
    assert behind(w, w.i2, "grid_filed", DEC) == [after]
    # A custom period across the handover: each inspector on their own days.
    days = Period("custom", dt.date(2025, 11, 10), dt.date(2025, 12, 31))
    assert figures(w, days) == {"i1": (2, 3), "i2": (1, 1)}
    # A recompute from scratch shows the same figures.
    shown = figures(w, DEC), figures(w, NOV)
    recompute()
    assert (figures(w, DEC), figures(w, NOV)) == shown


def test_patrol_spans_are_the_days_of_the_period_each_grid_was_patrolled(world):
    w = world
    grid = w.city.grids[0].code
    reassign_grid(grid, from_inspector=w.i1, to_inspector=w.i2, on=HANDOVER)
    spans = patrol_spans(DEC, district_code=DISTRICT)
    assert spans[str(w.i1.pk)][grid] == [(DEC.start, dt.date(2025, 12, 14))]
    assert spans[str(w.i2.pk)][grid] == [(HANDOVER, DEC.end)]
    assert spans[str(w.i2.pk)][w.city.grids[15].code] == [(DEC.start, DEC.end)]
    # Before the handover the grid was the first inspector's on every day, the second's
    # on none (the world's assignments start on the earliest day a period covers).
    october = patrol_spans(month_period(dt.date(2025, 10, 1)))
    assert october[str(w.i1.pk)][grid] == [(dt.date(2025, 10, 1), dt.date(2025, 10, 31))]
    assert grid not in october.get(str(w.i2.pk), {})
    assert InspectorGrid.history.filter(grid_code=grid).count() == 2
