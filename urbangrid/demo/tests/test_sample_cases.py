"""Sample cases of the demo: made only through the workflow service, in a sane history."""

from __future__ import annotations

import datetime as dt

import pytest

from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.workflow import END_STATUSES
from urbangrid.demo.cases import seed_cases
from urbangrid.demo.generator import DemoCity

from .test_load_demo import load

pytestmark = pytest.mark.usefixtures("db_catalogue")


@pytest.fixture
def loaded(db_catalogue: None, tiny_city: DemoCity) -> DemoCity:
    load()
    return tiny_city


def test_sample_cases_walk_the_loop_with_a_consistent_history(loaded: DemoCity) -> None:
    created = seed_cases(40, seed=3, days=20)
    assert created == 40
    assert Case.objects.count() == 40
    assert Case.objects.filter(status="closed").exists()
    assert Case.objects.exclude(status__in=END_STATUSES).exists()
    for case in Case.objects.all():
        events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
        assert events[0].action == "report"
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        status = events[0].to_status
        for event in events[1:]:
            if event.from_status:  # every status change starts where the last one ended
                assert event.from_status == status, (case.number, event.action)
            status = event.to_status or status
            assert event.at >= events[0].at
        assert status == case.status


def test_sample_staff_steps_happen_in_working_time(loaded: DemoCity) -> None:
    """Reports may come at any hour; the centre's and departments' steps keep office
    hours and workdays, as the deadlines assume."""
    from urbangrid.calendars.services import spec_for_calendar
    from urbangrid.calendars.worktime import working_seconds_between

    seed_cases(30, seed=5, days=20)
    spec = spec_for_calendar(None)
    steps = CaseEvent.objects.exclude(action__in=["report", "light_changed"])  # the sweep: any hour
    assert steps.exists()
    second = dt.timedelta(seconds=1)
    for event in steps:
        # Inside a working period (or on its edge): a working second touches the moment.
        before = working_seconds_between(spec, event.at - second, event.at)
        after = working_seconds_between(spec, event.at, event.at + second)
        assert before or after, (event.action, event.at)


def test_the_demo_inspector_has_verify_and_check_tasks_waiting(loaded: DemoCity) -> None:
    """Whoever signs in as ``inspector`` finds work in the app: tasks in its own grids,
    made through the workflow within its latest working hours (never in the future)."""
    from urbangrid.common import clock
    from urbangrid.intake.selectors import inspector_tasks
    from urbangrid.organisations.models import InspectorGrid, User

    seed_cases(40, seed=7, days=20)
    inspector = User.objects.get(username="inspector")
    grids = set(
        InspectorGrid.objects.filter(inspector=inspector).values_list("grid_code", flat=True)
    )
    tasks = [task.case for task in inspector_tasks(inspector, None, None)]
    assert {"verifying", "checking"} <= {case.status for case in tasks}, tasks
    for case in tasks:
        assert case.grid_code in grids
        assert case.created_at <= clock.now()
    assert not CaseEvent.objects.filter(at__gt=clock.now()).exists()
