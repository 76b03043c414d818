"""Evaluation rolls up by level with the same formulas: the counters of the streets of a
district add up to the district's, those of the grids to their streets', and a city
prefix (``1101``) ranks the districts of the city with the district formulas. (The
evaluation's reference month, run on its test world.)"""

from __future__ import annotations

from collections import defaultdict

import pytest
import time_machine

from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.aggregates import refresh_aggregates
from urbangrid.evaluation.periods import month_period
from urbangrid.evaluation.selectors import evaluate, sum_counters
from urbangrid.evaluation.tests.conftest import World, at, build_world, run_scenario

pytestmark = pytest.mark.django_db

PERIOD_DAY = at(1, 0).date()


@pytest.fixture
def scenario() -> World:
    with time_machine.travel(at(3, 9), tick=False):
        world = build_world()
    run_scenario(world, refresh=False)
    refresh_aggregates()
    return world


def _rolled_up(
    child: str, parent: str
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    period = month_period(PERIOD_DAY)
    children = sum_counters(child, period)
    parents = sum_counters(parent, period)
    summed: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    length = ind.AREA_CODE_LENGTH[parent]
    for key, counters in children.items():
        for counter, value in counters.items():
            summed[key[:length]][counter] += value
    return {k: dict(v) for k, v in summed.items()}, parents


@pytest.mark.parametrize(
    ("child", "parent"),
    [(ind.GRID, ind.COMMUNITY), (ind.COMMUNITY, ind.STREET), (ind.STREET, ind.DISTRICT)],
)
def test_counters_of_a_level_add_up_to_the_level_above(
    scenario: World, child: str, parent: str
) -> None:
    summed, parents = _rolled_up(child, parent)
    assert parents
    assert summed == parents


def test_a_city_prefix_evaluates_its_districts_with_the_district_formulas(
    scenario: World,
) -> None:
    period = month_period(PERIOD_DAY)
    district = scenario.city.district.code
    (own,) = evaluate(ind.DISTRICT, period, district)
    (from_the_city,) = evaluate(ind.DISTRICT, period, district[:4])
    assert from_the_city.key == own.key == district
    assert from_the_city.counters == own.counters
    assert from_the_city.score == own.score
    streets = evaluate(ind.STREET, period, district[:4])
    assert {r.key for r in streets} == {r.key for r in evaluate(ind.STREET, period, district)}
