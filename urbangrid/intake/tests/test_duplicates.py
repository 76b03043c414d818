"""Duplicates: suggestions, merge (support, reporter follows) and split, as workflow actions."""

from __future__ import annotations

from typing import Any

import pytest

from urbangrid.cases.exceptions import TransitionNotAllowed
from urbangrid.cases.models import Case


def accepted(world: Any, **extra: Any) -> Case:
    case = world.report(world.inspector, channel="inspector", **extra)
    accepted_case: Case = world.act(case, "accept", world.operator)
    return accepted_case


def test_staff_see_suggested_duplicates_of_a_case(world, api):
    original = accepted(world)
    lng, _lat = world.point()
    repeat = accepted(world, lng=lng + 0.0001)
    found = api(world.operator).get(f"/api/v1/intake/cases/{repeat.number}/duplicates").json()
    assert [f["number"] for f in found] == [original.number]
    assert found[0]["distance_m"] <= 10


def test_the_radius_is_configurable(world, api, settings):
    accepted(world)
    lng, lat = world.point()
    url = f"/api/v1/intake/duplicates?matter_code={world.matter.code}&lng={lng + 0.0008}&lat={lat}"
    assert api(world.operator).get(url).json() == []  # ~68 m > 50 m
    settings.URBANGRID_DUPLICATE_RADIUS_M = 100
    assert len(api(world.operator).get(url).json()) == 1


def test_merge_links_both_counts_support_and_the_reporter_follows(world):
    original = accepted(world)
    repeat = accepted(world)
    merged = world.act(repeat, "merge", world.shift_leader, into=original.number)
    assert merged.status == "cancelled"
    assert merged.merged_into_id == original.pk
    original.refresh_from_db()
    assert original.support_count == 1
    assert list(original.merged_reports.all()) == [merged]
    support = original.events.get(action="support")
    assert support.data == {"merged": repeat.number}
    from urbangrid.intake.notify import contacts

    assert ("13812341234", "zhang@example.com") in contacts(original)


def test_split_puts_the_report_back_on_its_own(world):
    original = accepted(world)
    repeat = accepted(world)
    world.act(repeat, "merge", world.shift_leader, into=original.number)
    split = world.act(repeat, "split", world.shift_leader, reason="不是同一处")
    assert split.status == "reported"
    assert split.merged_into_id is None
    original.refresh_from_db()
    assert original.support_count == 0
    assert original.events.filter(action="support").count() == 2


def test_a_case_cannot_be_merged_into_itself_or_a_closed_case(world):
    case = accepted(world)
    from urbangrid.cases.exceptions import InvalidInput

    with pytest.raises(InvalidInput):
        world.act(case, "merge", world.shift_leader, into=case.number)
    other = accepted(world)
    Case.objects.filter(pk=other.pk).update(status="closed")
    with pytest.raises(InvalidInput):
        world.act(case, "merge", world.shift_leader, into=other.number)


def test_split_needs_a_merged_report(world):
    case = accepted(world)
    world.act(case, "cancel", world.shift_leader, reason="无效")
    with pytest.raises(TransitionNotAllowed):
        world.act(case, "split", world.shift_leader, reason="x")


def test_a_busy_spot_gives_the_ten_nearest_in_order_either_way(world):
    """The intake's own query and the visibility-filtered one agree, nearest first, with
    every candidate measured exactly (many open cases around one point)."""
    import random

    from urbangrid.intake.selectors import similar_open_cases

    rng = random.Random(7)
    lng, lat = world.point(5)
    for _ in range(40):
        world.report(lng=lng + rng.uniform(-0.0006, 0.0006), lat=lat + rng.uniform(-0.0004, 0.0004))
    for _ in range(5):
        x, y = lng + rng.uniform(-0.0003, 0.0003), lat + rng.uniform(-0.0002, 0.0002)
        fast = similar_open_cases(world.matter.pk, x, y)
        filtered = similar_open_cases(world.matter.pk, x, y, among=Case.objects.all())
        assert [(n.case.number, n.distance_m) for n in fast] == [
            (n.case.number, n.distance_m) for n in filtered
        ]
        assert 0 < len(fast) <= 10
        distances = [n.distance_m for n in fast]
        assert distances == sorted(distances)
        assert all(d <= 50 for d in distances)
        everything = sorted(
            (d, c.pk) for c in Case.objects.all() if (d := distance_m(x, y, c.lng, c.lat)) <= 50
        )
        assert [n.case.pk for n in fast] == [pk for _d, pk in everything[:10]]


def distance_m(*args: float) -> float:
    from urbangrid.intake.selectors import distance_m as measure

    return measure(*args)
