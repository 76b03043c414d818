"""Lists: filters, an opaque cursor, and a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from urbangrid.cases.exceptions import InvalidInput
from urbangrid.cases.selectors import CaseFilters, case_page

from .conftest import local as at


def test_the_cursor_walks_every_case_once_newest_first(world):
    numbers = []
    for minute in range(7):
        with time_machine.travel(at(2025, 9, 29, 10, minute), tick=False):
            numbers.append(world.report().number)
    seen, cursor = [], None
    while True:
        page = case_page(world.operator, CaseFilters(), cursor=cursor, limit=3)
        seen += [c.number for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(reversed(numbers))


def test_a_forged_cursor_is_a_400(world):
    with pytest.raises(InvalidInput) as caught:
        case_page(world.operator, CaseFilters(), cursor="not-a-cursor")
    assert caught.value.field == "cursor"


def test_filters_by_status_department_area_matter_light_due_and_text(world):
    a = world.report(description="井边垃圾")
    b = world.report(grid_index=2)
    world.to_handling(b)
    op = world.operator

    def numbers(**filters: Any) -> set[str]:
        return {c.number for c in case_page(op, CaseFilters(**filters)).items}

    assert numbers(status=["reported"]) == {a.number}
    assert numbers(department_id=world.dept_a.pk) == {b.number}
    assert numbers(area_code=world.city.grids[2].code) == {b.number}
    assert numbers(matter_code=world.matter.code) == {a.number, b.number}
    assert numbers(light="green") == {a.number, b.number}
    assert numbers(due_before=at(2025, 9, 29, 10, 0)) == {a.number}
    assert numbers(text="井边") == {a.number}


def test_text_shaped_like_a_case_number_searches_numbers_by_prefix_only(world):
    a = world.report()
    b = world.report(description=f"与{a.number}相同的问题")  # names a's number in its text
    op = world.operator

    def numbers(text: str) -> set[str]:
        return {c.number for c in case_page(op, CaseFilters(text=text)).items}

    district_day = a.number.rsplit("-", 1)[0]
    assert numbers(a.number) == {a.number}  # not b, whose description holds it
    assert numbers(f" {district_day}-") == {a.number, b.number}
    assert numbers(a.number[:6] + "-") == {a.number, b.number}
    assert numbers("110199-") == set()
    # Anything else still searches numbers anywhere, descriptions and addresses.
    assert numbers(a.number[-4:]) >= {a.number}
    assert numbers("相同的问题") == {b.number}


def test_listing_costs_the_same_queries_for_one_or_many_cases(world):
    world.report()
    with CaptureQueriesContext(connection) as one:
        case_page(world.handler, CaseFilters())
        case_page(world.inspector, CaseFilters())
        case_page(world.operator, CaseFilters())
    for _ in range(5):
        world.to_handling(world.report())
    with CaptureQueriesContext(connection) as many:
        page = case_page(world.handler, CaseFilters())
        assert all(
            c.matter.code and (c.department is None or c.department.name) for c in page.items
        )
        case_page(world.inspector, CaseFilters())
        case_page(world.operator, CaseFilters())
    # One query per page, and one more for the district operator: the boundary cases the
    # city shares with its district (跨区协调).
    assert len(many) == len(one) == 4
