"""Sample cases of the demo: made only through the workflow service, in a sane history."""

from __future__ import annotations

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
