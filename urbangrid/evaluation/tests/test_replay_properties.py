"""Properties of the replay on random histories: refreshes at any points add up to a
recompute from scratch (full, by day range, and on PostgreSQL on parallel
connections), and the cases behind the numbers add up to the numbers."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.db import connection

from urbangrid.cases.models import Case
from urbangrid.evaluation.aggregates import (
    aggregate_rows,
    case_emissions,
    recompute,
    refresh_aggregates,
)
from urbangrid.evaluation.models import DailyCount, Watermark

from .conftest import World, at, build_world, run_scenario
from .histories import History


def _grow(world: World, seed: int, *, refreshes: bool) -> None:
    """The reference month, then random events on random cases, refreshing now and
    then."""
    rng = random.Random(seed)
    run_scenario(world, refresh=refreshes)
    w = world
    history = History(
        seed, [w.i1, w.i2, w.op, w.sl, w.dp, w.ha, w.hb], [w.dept_a.pk, w.dept_b.pk, 999]
    )
    cases = list(Case.objects.order_by("pk"))
    for _ in range(400):
        history.add(rng.choice(cases))
        if refreshes and rng.random() < 0.05:
            refresh_aggregates()
    refresh_aggregates()


@pytest.mark.parametrize("seed", range(8))
def test_refreshes_at_any_point_equal_a_recompute(world: World, seed: int) -> None:
    _grow(world, seed, refreshes=True)
    incremental = aggregate_rows()
    assert incremental
    recompute()
    assert aggregate_rows() == incremental
    recompute(dt.date(2025, 11, 10), dt.date(2025, 12, 3))
    assert aggregate_rows() == incremental


def test_the_cases_behind_the_numbers_add_up_to_them(world: World) -> None:
    _grow(world, 99, refreshes=False)
    upto = Watermark.objects.get(name="events").last_event_id
    summed: dict[tuple[dt.date, str, str, str], int] = defaultdict(int)
    for _case, day, kind, key, counter, value in case_emissions(
        list(Case.objects.values_list("pk", flat=True)), upto
    ):
        summed[(day, kind, key, counter)] += value
    stored = {
        (r.day, r.object_kind, r.object_key, r.counter): r.value
        for r in DailyCount.objects.all()
        if r.value
    }
    assert {k: v for k, v in summed.items() if v} == stored


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel on PostgreSQL only")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_recompute_on_parallel_connections_equals_the_refreshes() -> None:
    import time_machine

    with time_machine.travel(at(3, 9), tick=False):
        world = build_world()
    _grow(world, 7, refreshes=True)
    incremental = aggregate_rows()
    assert not connection.in_atomic_block
    recompute(workers=2)
    assert aggregate_rows() == incremental
