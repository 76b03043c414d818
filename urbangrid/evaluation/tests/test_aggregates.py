"""Recompute from scratch equals the incremental refreshes; partial recomputes too."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command

from urbangrid.evaluation.aggregates import aggregate_rows, recompute, refresh_aggregates
from urbangrid.evaluation.models import Watermark

from .conftest import run_scenario


def test_recompute_equals_incremental(world):
    run_scenario(world, refresh=True)
    assert refresh_aggregates() == 0  # nothing new
    incremental = aggregate_rows()
    assert incremental
    recompute()
    assert aggregate_rows() == incremental
    call_command("recompute_evaluation", "--from", "2025-11-05", "--to", "2025-11-12")
    assert aggregate_rows() == incremental


def test_a_single_refresh_at_the_end_gives_the_same(world):
    run_scenario(world, refresh=False)
    assert Watermark.objects.filter(name="events").first() is None
    assert refresh_aggregates() > 0
    once = aggregate_rows()
    recompute(dt.date(2025, 11, 1), dt.date(2025, 11, 30))
    assert aggregate_rows() == once
