"""Per-process caches of the catalogue: one read, then none; an edit is seen at once in
the process that made it and within ``CACHE_SECONDS`` everywhere else; a rolled-back
edit never sticks."""

from __future__ import annotations

import functools

import pytest
from django.db import transaction

from urbangrid.cases.services import snapshot_limits
from urbangrid.catalog import cache
from urbangrid.catalog.models import Grade, LimitUnit, Stage, StageLimit
from urbangrid.testing import make_type, queries

pytestmark = pytest.mark.django_db


def test_a_type_is_read_once_then_served_from_the_cache():
    matter = make_type("06010")
    assert queries(lambda: cache.active_type("06010")) == 1
    assert queries(lambda: cache.active_type(" 06010 ")) == 0
    assert cache.active_type("06010") == matter


def test_the_current_standard_and_matters_are_preferred_as_find_matter_does():
    from urbangrid.cases.services import find_matter

    for code in ("06010", "0101", "01001"):
        assert cache.active_type(code) == find_matter(code)
    assert cache.active_type("99999") is None


def test_deactivating_a_type_is_seen_at_once_by_this_process():
    matter = make_type("06010")
    assert cache.active_type("06010") == matter
    matter.is_active = False
    matter.save()
    assert cache.active_type("06010") is None


def test_a_bulk_update_elsewhere_is_seen_within_the_time_to_live(later):
    matter = make_type("06010")
    assert cache.active_type("06010") == matter
    # As another process (or a bulk update) would: no signal reaches this cache.
    type(matter).objects.filter(pk=matter.pk).update(is_active=False)
    assert cache.active_type("06010") == matter
    later(cache.CACHE_SECONDS + 1)
    assert cache.active_type("06010") is None


def test_an_edit_that_rolls_back_is_not_kept():
    matter = make_type("06010")
    assert cache.active_type("06010") == matter
    with transaction.atomic():
        matter.is_active = False
        matter.save()
        assert cache.active_type("06010") is None  # this transaction sees its change
        transaction.set_rollback(True)
    matter.refresh_from_db()
    assert matter.is_active
    assert cache.active_type("06010") == matter


@pytest.mark.parametrize("grade", ["", Grade.GENERAL, Grade.ENGINEERING])
def test_limits_in_force_equal_the_snapshot_read_from_the_database(grade):
    matter = make_type("06010")
    StageLimit.objects.update_or_create(
        catalog_type=matter,
        stage=Stage.HANDLE,
        grade=Grade.ENGINEERING,
        defaults={"amount": 9, "unit": LimitUnit.WORKING_DAYS},
    )
    assert cache.limits_in_force(matter.pk, grade) == snapshot_limits(matter, grade)
    other = make_type("09009", "机动车乱停放")
    assert cache.limits_in_force(other.pk, grade) == snapshot_limits(other, grade)


def test_a_changed_limit_is_used_at_once_and_callers_cannot_spoil_the_cache():
    matter = make_type("06010")
    before = cache.limits_in_force(matter.pk, "")
    before[Stage.ACCEPT]["amount"] = 999
    assert cache.limits_in_force(matter.pk, "")[Stage.ACCEPT]["amount"] != 999
    StageLimit.objects.update_or_create(
        catalog_type=matter,
        stage=Stage.ACCEPT,
        grade="",
        defaults={"amount": 7, "unit": LimitUnit.WORKING_MINUTES},
    )
    assert cache.limits_in_force(matter.pk, "")[Stage.ACCEPT] == {
        "amount": 7,
        "unit": LimitUnit.WORKING_MINUTES,
    }


def test_a_process_cache_is_bounded():
    small = cache.ProcessCache[int]("test_bounded", max_entries=8)
    for i in range(100):
        assert small.get(i, functools.partial(int, i * 2)) == i * 2
    assert len(small) <= 8
    assert small.get(99, functools.partial(int, -1)) == 198


def test_clear_all_empties_every_cache():
    make_type("06010")
    cache.active_type("06010")
    cache.clear_all()
    assert queries(lambda: cache.active_type("06010")) == 1
