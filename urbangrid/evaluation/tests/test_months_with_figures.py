"""The months a published ranking of an area can show: those up to the last completed
month in which a department of that district (or of none), one of its streets or one of
its staff has figures, newest first."""

from __future__ import annotations

import datetime as dt

from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.models import MonthlyCount
from urbangrid.evaluation.selectors import months_with_figures
from urbangrid.organisations.models import Role
from urbangrid.testing import make_city, make_department, make_user

from .conftest import World

D = dt.date
PUBLIC = (ind.DEPARTMENT, ind.STREET)


def count(month: dt.date, kind: str, key: object, value: int = 3) -> MonthlyCount:
    return MonthlyCount(
        month=month, object_kind=kind, object_key=str(key), counter="closed", value=value
    )


def test_months_with_figures_are_those_of_the_district(world: World) -> None:
    other = make_city("110102", "第二区")
    far_department = make_department("二区环卫所", district=other.district)
    shared_department = make_department("市排水集团", district=None)
    far_inspector = make_user("far", Role.INSPECTOR, area_code="110102")
    MonthlyCount.objects.bulk_create(
        [
            count(D(2025, 7, 1), ind.INSPECTOR, far_inspector.pk),
            count(D(2025, 8, 1), ind.STREET, "110102001"),
            count(D(2025, 9, 1), ind.DEPARTMENT, world.dept_a.pk),
            count(D(2025, 9, 1), ind.STREET, "110101001"),  # the same month twice
            count(D(2025, 10, 1), ind.STREET, "110101001", value=0),  # no figure
            count(D(2025, 10, 1), ind.GRID, "110101001001001"),  # not a published kind
            count(D(2025, 11, 1), ind.STREET, "110101002"),
            count(D(2025, 12, 1), ind.DEPARTMENT, far_department.pk),
            count(D(2026, 1, 1), ind.DEPARTMENT, shared_department.pk),
            count(D(2026, 2, 1), ind.STREET, "110101001"),  # not completed
        ]
    )
    until = D(2026, 1, 1)
    assert months_with_figures("110101", PUBLIC, until=until, limit=120) == [
        D(2026, 1, 1),
        D(2025, 11, 1),
        D(2025, 9, 1),
    ]
    assert months_with_figures("110102", PUBLIC, until=until, limit=120) == [
        D(2026, 1, 1),
        D(2025, 12, 1),
        D(2025, 8, 1),
    ]
    assert months_with_figures("110101", PUBLIC, until=until, limit=2) == [
        D(2026, 1, 1),
        D(2025, 11, 1),
    ]
    assert months_with_figures("110101", (ind.INSPECTOR,), until=until, limit=120) == []
    assert months_with_figures("110102", (ind.INSPECTOR,), until=until, limit=120) == [
        D(2025, 7, 1)
    ]
    assert months_with_figures("110101", (), until=until, limit=120) == []
