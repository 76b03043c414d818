"""Inspectors' patrol assignments are dated: reassigning ends the old one, never deletes
it; ``InspectorGrid.objects`` answers today's grids, ``InspectorGrid.history`` (the
default manager, so ``user.grid_assignments`` too) every assignment."""

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from urbangrid.common.clock import SHANGHAI
from urbangrid.organisations.models import InspectorGrid, Role
from urbangrid.organisations.services import assign_grid, end_assignment, reassign_grid
from urbangrid.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The refusals are matched in English (the default language translates them)."""
    with translation.override("en"):
        yield


GRID = "110101001001001"
OTHER = "110101001001002"
DEC_15 = dt.date(2025, 12, 15)


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI)


@pytest.fixture
def inspectors():
    return make_user("ann", Role.INSPECTOR), make_user("bob", Role.INSPECTOR)


def test_a_new_assignment_starts_today_and_is_open(inspectors):
    ann, _bob = inspectors
    with time_machine.travel(noon(DEC_15), tick=False):
        row = assign_grid(ann, GRID)
    assert (row.started_on, row.ended_on) == (DEC_15, None)


def test_reassigning_ends_the_old_assignment_and_keeps_it(inspectors):
    ann, bob = inspectors
    assign_grid(ann, GRID, on=dt.date(2025, 1, 1))
    reassign_grid(GRID, from_inspector=ann, to_inspector=bob, on=DEC_15)
    rows = list(
        InspectorGrid.history.order_by("started_on").values_list(
            "inspector__username", "started_on", "ended_on"
        )
    )
    assert rows == [("ann", dt.date(2025, 1, 1), DEC_15), ("bob", DEC_15, None)]


def test_objects_and_grid_assignments_hold_the_assignments_in_force_today(inspectors):
    ann, bob = inspectors
    assign_grid(ann, GRID, on=dt.date(2025, 1, 1))
    assign_grid(ann, OTHER, on=dt.date(2025, 1, 1))
    reassign_grid(GRID, from_inspector=ann, to_inspector=bob, on=DEC_15)

    def patrolled(day: dt.date) -> dict[str, list[str]]:
        with time_machine.travel(noon(day), tick=False):
            return {
                user.username: sorted(
                    InspectorGrid.objects.filter(inspector=user).values_list("grid_code", flat=True)
                )
                for user in (ann, bob)
            } | {"bob via user": [g.grid_code for g in bob.grid_assignments.current()]}

    assert patrolled(dt.date(2025, 12, 14)) == {"ann": [GRID, OTHER], "bob": [], "bob via user": []}
    # The end day is the first day no longer patrolled: the new inspector has it.
    assert patrolled(DEC_15) == {"ann": [OTHER], "bob": [GRID], "bob via user": [GRID]}
    assert InspectorGrid.history.count() == 3
    assert bob.grid_assignments.count() == 1  # the default manager: every row
    assert ann.grid_assignments.count() == 2


def test_an_assignment_in_force_on_a_day(inspectors):
    ann, _bob = inspectors
    row = assign_grid(ann, GRID, on=dt.date(2025, 3, 1))
    end_assignment(row, on=dt.date(2025, 4, 1))
    in_force = InspectorGrid.history.in_force_on
    assert not in_force(dt.date(2025, 2, 28)).exists()
    assert in_force(dt.date(2025, 3, 1)).exists()
    assert in_force(dt.date(2025, 3, 31)).exists()
    assert not in_force(dt.date(2025, 4, 1)).exists()
    between = InspectorGrid.history.in_force_between
    assert between(dt.date(2025, 1, 1), dt.date(2025, 3, 1)).exists()
    assert not between(dt.date(2025, 4, 1), dt.date(2025, 4, 30)).exists()


def test_a_second_assignment_to_a_grid_already_patrolled_is_refused(inspectors):
    ann, bob = inspectors
    assign_grid(ann, GRID, on=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError, match="already patrols grid"):
        assign_grid(ann, GRID, on=DEC_15)
    assign_grid(bob, GRID, on=DEC_15)  # two inspectors may share a grid
    with pytest.raises(IntegrityError), transaction.atomic():
        InspectorGrid.objects.create(inspector=ann, grid_code=GRID, started_on=DEC_15)


def test_an_assignment_overlapping_an_ended_one_is_refused(inspectors):
    ann, _bob = inspectors
    row = assign_grid(ann, GRID, on=dt.date(2025, 1, 1))
    end_assignment(row, on=dt.date(2025, 6, 1))
    with pytest.raises(ValidationError, match="already patrols grid"):
        assign_grid(ann, GRID, on=dt.date(2025, 5, 1))
    again = assign_grid(ann, GRID, on=dt.date(2025, 6, 1))  # from its end day on: fine
    assert again.started_on == dt.date(2025, 6, 1)


def test_an_assignment_ends_once_and_not_before_it_starts(inspectors):
    ann, bob = inspectors
    row = assign_grid(ann, GRID, on=DEC_15)
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        end_assignment(row, on=dt.date(2025, 12, 14))
    end_assignment(row, on=DEC_15)  # a mistake undone the day it was made: no day patrolled
    with pytest.raises(ValidationError, match="already ended"):
        end_assignment(row, on=dt.date(2025, 12, 20))
    with pytest.raises(ValidationError, match="does not patrol"):
        reassign_grid(GRID, from_inspector=ann, to_inspector=bob, on=dt.date(2025, 12, 20))
    with pytest.raises(IntegrityError), transaction.atomic():
        InspectorGrid.history.filter(pk=row.pk).update(ended_on=dt.date(2025, 12, 1))
