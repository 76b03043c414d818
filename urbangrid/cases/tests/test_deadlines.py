"""Stage clocks in frozen time: across National Day and Spring Festival, with suspension
(the clock stops) and extension (the deadline moves). Limits from ``conftest.LIMITS``."""

from __future__ import annotations

import time_machine

from urbangrid.cases import deadlines
from urbangrid.cases.models import Case
from urbangrid.catalog.models import StageLimit
from urbangrid.common.clock import local

from .conftest import local as at


def expected_local(case: Case):
    case.refresh_from_db()
    assert case.expected_at is not None
    return local(case.expected_at).replace(tzinfo=None)


def dispatched_at(world, moment, grade: str = "general") -> Case:
    with time_machine.travel(moment, tick=False):
        case = world.report(channel="inspector")
        world.act(case, "accept", world.operator)
        world.act(case, "file", world.shift_leader, grade=grade, filing_condition="x")
        dispatched: Case = world.act(case, "dispatch", world.dispatcher)
        return dispatched


def test_each_stage_clock_starts_with_its_limit(world):
    case = world.report()
    assert case.stage == "accept"
    assert local(case.stage_due_at).replace(tzinfo=None).isoformat() == "2025-09-29T09:30:00"
    assert case.light == "green"
    assert case.expected_at is None


def test_handling_deadline_skips_national_day(world):
    case = dispatched_at(world, at(2025, 9, 30, 15, 0))
    # 150 working minutes on 30 September, then 1–8 October are holidays: 90 more on 9 October.
    assert expected_local(case).isoformat() == "2025-10-09T10:30:00"
    assert case.stage == "handle"


def test_the_light_turns_yellow_at_80_percent_and_red_after_the_deadline(world):
    case = dispatched_at(world, at(2025, 9, 30, 15, 0))
    clock = Case.objects.get(pk=case.pk).clocks["handle"]
    assert deadlines.light_of(clock, at(2025, 10, 5, 12, 0)) == "green"  # holiday: 62 %
    assert deadlines.light_of(clock, at(2025, 10, 9, 10, 0)) == "yellow"  # 87.5 %
    assert deadlines.light_of(clock, at(2025, 10, 9, 10, 31)) == "red"


def test_handling_deadline_skips_spring_festival_and_counts_the_make_up_saturday(world):
    case = dispatched_at(world, at(2026, 2, 13, 14, 0), grade="engineering")
    # 5 working days = 2100 min: 210 on Fri 13, 420 on Sat 14 (调休), then 24–26 Feb,
    # and the last 210 minutes end at 14:00 on Friday 27 February.
    assert expected_local(case).isoformat() == "2026-02-27T14:00:00"


def test_suspension_stops_the_clock_and_resume_restarts_it(world):
    case = dispatched_at(world, at(2025, 9, 29, 9, 0))
    assert expected_local(case).isoformat() == "2025-09-29T14:30:00"
    with time_machine.travel(at(2025, 9, 29, 10, 0), tick=False):
        world.act(case, "receive", world.handler)
        world.act(case, "request_suspension", world.handler, reason="需立项")
        case = world.act(case, "approve_suspension", world.dispatcher)
    assert case.status == "suspended"
    assert case.stage_due_at is None
    assert case.clocks["handle"]["pauses"][0][1] is None
    with time_machine.travel(at(2025, 9, 30, 10, 0), tick=False):
        case = world.act(case, "resume", world.dispatcher)
    # 60 minutes were used before the pause; 180 remain from 30 September 10:00.
    assert case.status == "handling"
    assert local(case.stage_due_at).replace(tzinfo=None).isoformat() == "2025-09-30T14:30:00"
    assert expected_local(case).isoformat() == "2025-09-30T14:30:00"
    assert case.light == "green"
    assert case.counters["suspensions"] == 1


def test_an_approved_extension_moves_the_deadline(world):
    case = dispatched_at(world, at(2025, 9, 29, 9, 0))
    with time_machine.travel(at(2025, 9, 29, 13, 45), tick=False):
        world.act(case, "receive", world.handler)
        case = world.act(
            case,
            "request_extension",
            world.handler,
            until="2025-10-10T17:00:00+08:00",
            reason="需采购设备",
        )
        assert case.pending_request == "extension"
        assert case.light == "yellow"  # 180 + 15 of 240 minutes used
        case = world.act(case, "approve_extension", world.dispatcher)
    assert case.pending_request == ""
    assert expected_local(case).isoformat() == "2025-10-10T17:00:00"
    assert case.light == "green"
    assert case.counters["extensions"] == 1
    event = case.events.get(action="approve_extension")
    assert event.data["previous_due_at"].startswith("2025-09-29T06:30:00")


def test_a_refused_extension_keeps_the_deadline(world):
    case = dispatched_at(world, at(2025, 9, 29, 9, 0))
    world.act(case, "receive", world.handler)
    world.act(
        case, "request_extension", world.handler, until="2025-10-10T17:00:00+08:00", reason="x"
    )
    case = world.act(case, "refuse_extension", world.dispatcher, reason="理由不足")
    assert expected_local(case).isoformat() == "2025-09-29T14:30:00"
    assert case.pending_request == ""


def test_the_limits_in_force_at_filing_are_kept_when_configuration_changes(world):
    case = dispatched_at(world, at(2025, 9, 29, 9, 0))
    limits_before = Case.objects.get(pk=case.pk).limits
    StageLimit.objects.filter(catalog_type=world.matter).update(amount=1, unit="working_minutes")
    world.act(case, "return", world.handler, reason="非本单位职责")
    case = world.act(case, "dispatch", world.dispatcher)
    assert case.limits == limits_before
    assert case.limits["handle"] == {"amount": 4, "unit": "working_hours"}
    assert expected_local(case).isoformat() == "2025-09-29T14:30:00"


def test_a_case_handled_late_is_closed_as_overdue_by_default(world):
    case = dispatched_at(world, at(2025, 9, 29, 9, 0))
    with time_machine.travel(at(2025, 9, 30, 9, 0), tick=False):
        world.act(case, "receive", world.handler)
        world.act(
            case, "report_handled", world.handler, photos=[world.photo(case, world.handler).pk]
        )
        world.act(case, "send_check", world.operator)
        world.act(
            case,
            "check",
            world.inspector,
            result=True,
            photos=[world.photo(case, world.inspector).pk],
        )
        case = world.act(case, "close", world.shift_leader)
    assert case.closing_type == "overdue"
    assert case.light == ""
    assert case.stage == ""


def test_a_calendar_hour_limit_runs_through_the_night(world):
    StageLimit.objects.filter(catalog_type=world.matter, stage="handle", grade="general").update(
        amount=6, unit="calendar_hours"
    )
    case = dispatched_at(world, at(2025, 9, 30, 20, 0))
    assert expected_local(case).isoformat() == "2025-10-01T02:00:00"


def test_limit_minutes_match_the_working_time_units():
    from urbangrid.calendars.worktime import DEFAULT_SPEC

    assert deadlines.limit_minutes(DEFAULT_SPEC, 2, "working_days") == ("working", 840)
    assert deadlines.limit_minutes(DEFAULT_SPEC, 3, "working_hours") == ("working", 180)
    assert deadlines.limit_minutes(DEFAULT_SPEC, 1, "calendar_days") == ("calendar", 1440)
