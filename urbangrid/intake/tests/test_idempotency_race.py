"""One key, many simultaneous submissions: one case, one answer for all.

Real transactions and threads, as in ``cases/tests/test_concurrency.py``: a report
without photos writes its key row last, so concurrent retries do the work, meet the
unique index, roll back and answer the stored receipt.
"""

from __future__ import annotations

from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.services import Report
from urbangrid.cases.tests.conftest import World, build_world
from urbangrid.cases.tests.test_concurrency import (  # noqa: F401 - fixture
    THREADS,
    race,
    real_database,
)
from urbangrid.intake.models import IdempotencyKey
from urbangrid.intake.services import Answer, submit_report


def report(world: World) -> Report:
    lng, lat = world.point()
    return Report(channel="inspector", matter_code="06010", lng=lng, lat=lat, description="x")


def test_simultaneous_retries_with_one_key_make_one_case(real_database):  # noqa: F811
    world = build_world()
    answers = race(
        lambda i: submit_report(report(world), actor=world.inspector, key="same-key-0001")
    )
    assert all(isinstance(a, Answer) for a in answers), answers
    assert len({a.body["number"] for a in answers}) == 1
    assert sorted(a.replayed for a in answers) == [False] + [True] * (THREADS - 1)
    assert {a.status for a in answers} == {201}
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1
    key = IdempotencyKey.objects.get()
    assert key.case is not None
    assert key.case.number == answers[0].body["number"]
    assert key.response == answers[0].body


def test_simultaneous_reports_with_their_own_keys_make_their_own_cases(real_database):  # noqa: F811
    world = build_world()
    answers = race(
        lambda i: submit_report(report(world), actor=world.inspector, key=f"own-key-{i:04d}")
    )
    assert all(isinstance(a, Answer) and not a.replayed for a in answers), answers
    assert len({a.body["number"] for a in answers}) == THREADS
    assert Case.objects.count() == IdempotencyKey.objects.count() == THREADS
