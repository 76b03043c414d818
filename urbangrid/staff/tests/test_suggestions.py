"""Batched responsibility suggestions agree with ``suggest_department``."""

from __future__ import annotations

import pytest

from urbangrid.organisations.models import ResponsibilityRule
from urbangrid.organisations.services import suggest_department
from urbangrid.staff.selectors import suggestions_for

pytestmark = pytest.mark.django_db


def test_batched_suggestions_match_the_service(world, django_assert_max_num_queries):
    ResponsibilityRule.objects.create(
        catalog_type=world.matter,
        area_level="street",
        area_code=world.city.streets[1].code,
        basis="locality",
        department=world.dept_b,
    )
    cases = [world.report(grid_index=i) for i in (0, 5, 9, 12)]
    for case in cases:
        case.matter = world.matter
    with django_assert_max_num_queries(1):
        found = suggestions_for(cases)
    for case in cases:
        expected = suggest_department(case.matter, grid_code=case.grid_code)
        assert expected is not None
        got = found[case.pk]
        assert got is not None
        assert (got.department_id, got.reason) == (expected.department.pk, expected.reason)
