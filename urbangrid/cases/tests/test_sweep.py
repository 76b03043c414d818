"""The deadline sweep: light changes become events and notifications, exactly once."""

from __future__ import annotations

import datetime as dt

import time_machine

from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.tasks import deliver_outbox, sweep_deadlines
from urbangrid.outbox.models import Message

from .conftest import local as at


def test_the_sweep_records_light_changes_as_events_without_changing_the_status(world):
    case = world.report()  # accept: 30 working minutes from 09:00
    with time_machine.travel(at(2025, 9, 29, 9, 25), tick=False):
        assert sweep_deadlines.call() == 1
    case.refresh_from_db()
    assert (case.status, case.light) == ("reported", "yellow")
    event = CaseEvent.objects.get(case=case, action="light_changed")
    assert event.actor is None
    assert event.actor_role == "system"
    assert (event.from_status, event.to_status) == ("reported", "reported")
    assert event.data["stage"] == "accept"
    assert (event.data["from"], event.data["to"]) == ("green", "yellow")
    assert case.version == 1  # a light change is not a user's change


def test_running_the_sweep_twice_never_notifies_twice(world):
    world.report()
    with time_machine.travel(at(2025, 9, 29, 9, 31), tick=False):
        assert sweep_deadlines.call() == 1
        assert sweep_deadlines.call() == 0
    red = Message.objects.filter(topic="case.light.red")
    assert red.count() == 1
    assert red.get().recipient == "role:dispatcher:110101"
    assert CaseEvent.objects.filter(action="light_changed").count() == 1


def test_a_red_handling_light_notifies_the_department(world):
    case = world.report()
    world.to_handling(case)
    with time_machine.travel(at(2025, 9, 30, 9, 0), tick=False):
        sweep_deadlines.call()
    case.refresh_from_db()
    assert case.light == "red"
    assert Message.objects.filter(
        topic="case.light.red", recipient=f"department:{world.dept_a.pk}"
    ).exists()


def test_closed_cases_are_not_swept(world):
    case = world.report()
    world.act(case, "not_accept", world.operator, reason_code="duplicate")
    with time_machine.travel(at(2025, 10, 20, 9, 0), tick=False):
        assert sweep_deadlines.call() == 0
    assert Case.objects.get(pk=case.pk).light == ""


def test_deliver_outbox_sends_what_the_actions_queued(world):
    case = world.report()
    world.act(case, "send_verify", world.operator)
    assert Message.objects.filter(status="pending").count() == 1
    assert deliver_outbox.call() == 1
    assert Message.objects.get().status == "sent"


def test_each_case_says_when_its_light_changes_and_the_sweep_reads_only_those_due(world):
    case = world.report()  # accept: 30 working minutes from 09:00, yellow from 80 %
    assert case.light_check_at == at(2025, 9, 29, 9, 24)
    with time_machine.travel(at(2025, 9, 29, 9, 23), tick=False):
        assert sweep_deadlines.call() == 0
    with time_machine.travel(at(2025, 9, 29, 9, 24), tick=False):
        assert sweep_deadlines.call() == 1
    case.refresh_from_db()
    assert (case.light, case.light_check_at) == ("yellow", at(2025, 9, 29, 9, 30))
    with time_machine.travel(at(2025, 9, 29, 9, 31), tick=False):
        assert sweep_deadlines.call() == 1
    case.refresh_from_db()
    assert (case.light, case.light_check_at) == ("red", None)  # red stays red by itself


def test_a_case_not_due_for_a_check_is_not_read(world):
    case = world.report()
    Case.objects.filter(pk=case.pk).update(light_check_at=at(2025, 9, 30, 9, 0))
    with time_machine.travel(at(2025, 9, 29, 9, 31), tick=False):
        assert sweep_deadlines.call() == 0  # not yet: its light is not recomputed
    with time_machine.travel(at(2025, 9, 30, 9, 0), tick=False):
        assert sweep_deadlines.call() == 1
    assert Case.objects.get(pk=case.pk).light == "red"


def test_a_calendar_change_has_the_next_sweep_look_at_every_open_case(
    world, django_capture_on_commit_callbacks
):
    from urbangrid.calendars.models import CalendarOverride

    case = world.report()
    closed = world.report()
    world.act(closed, "not_accept", world.operator, reason_code="duplicate")
    with (
        time_machine.travel(at(2025, 9, 29, 9, 10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        CalendarOverride.objects.create(calendar=None, on=dt.date(2025, 9, 29), is_workday=False)
    assert Case.objects.get(pk=case.pk).light_check_at == at(2025, 9, 29, 9, 10)
    assert Case.objects.get(pk=closed.pk).light_check_at is None
