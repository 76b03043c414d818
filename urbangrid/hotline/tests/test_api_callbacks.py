"""GET/POST /api/v1/hotline/callbacks: the callback (回访) contract, the retry policy for
requesters not reached (with its least gap between attempts), and the reopening policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from urbangrid.cases.models import Case
from urbangrid.cases.tests.conftest import MONDAY_0900
from urbangrid.evaluation.aggregates import refresh_aggregates
from urbangrid.evaluation.models import DailyCount
from urbangrid.hotline.models import CallbackAttempt

GAP = dt.timedelta(minutes=120)  # URBANGRID_CALLBACK_GAP_MINUTES's default


def closed_case(world: Any) -> Case:
    case = world.report(channel="hotline")
    world.act(case, "send_verify", world.operator)
    world.act(case, "verify", world.inspector, result=True)
    world.act(case, "accept", world.operator)
    Case.objects.filter(pk=case.pk).update(status="closed")
    return Case.objects.get(pk=case.pk)


def post(api: Any, user: Any, number: str, key: str | None = None, **data: Any) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return api(user).post(
        f"/api/v1/hotline/callbacks/{number}", data, content_type="application/json",
        headers=headers,
    )  # fmt: skip


def due(api: Any, user: Any) -> list[dict[str, Any]]:
    answer = api(user).get("/api/v1/hotline/callbacks")
    assert answer.status_code == 200, answer.json()
    rows: list[dict[str, Any]] = answer.json()
    return rows


def evaluated_callbacks() -> dict[str, int]:
    """The district's ``callbacks`` and ``reached`` counters after a refresh."""
    refresh_aggregates()
    totals = {"callbacks": 0, "reached": 0}
    for counter, value in DailyCount.objects.filter(
        object_kind="district", counter__in=list(totals)
    ).values_list("counter", "value"):
        totals[counter] += value
    return totals


def test_ended_cases_with_a_reporter_are_due_for_a_callback(world, api):
    case = closed_case(world)
    rows = due(api, world.operator)
    assert [d["number"] for d in rows] == [case.number]
    assert rows[0]["reporter_phone"] == "13812341234"
    assert (rows[0]["status"], rows[0]["status_label"]) == ("closed", "已结案")
    assert rows[0]["attempts"] == 0
    post(api, world.operator, case.number, reached=True, solved=True, satisfaction="satisfied")
    assert api(world.operator).get("/api/v1/hotline/callbacks").json() == []


def test_a_callback_is_an_event_with_the_evaluation_contract(world, api):
    case = closed_case(world)
    answer = post(api, world.operator, case.number, reached=True, solved=True,
                  satisfaction="very_satisfied", note="很满意")  # fmt: skip
    assert answer.status_code == 200, answer.json()
    event = case.events.get(action="callback")
    assert event.data == {"reached": True, "solved": True, "satisfaction": "very_satisfied"}
    assert event.note == "很满意"
    assert Case.objects.get(pk=case.pk).status == "closed"


def test_a_caller_not_reached_stays_due_for_a_retry(world, api):
    case = closed_case(world)
    answer = post(api, world.operator, case.number, reached=False, note="无人接听")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["done"], body["attempts"], body["max_attempts"]) == (False, 1, 3)
    assert (body["status"], body["status_label"], body["reopened"]) == ("closed", "已结案", False)
    assert not case.events.filter(action="callback").exists()  # not a callback result yet
    [row] = due(api, world.operator)
    assert (row["number"], row["attempts"], row["max_attempts"]) == (case.number, 1, 3)
    assert row["last_attempt_at"] is not None
    assert CallbackAttempt.objects.get().note == "无人接听"


def test_the_last_failed_attempt_ends_the_callback_as_unreachable(world, api, frozen):
    case = closed_case(world)
    for attempt in (1, 2):
        body = post(api, world.operator, case.number, reached=False).json()
        assert (body["done"], body["attempts"]) == (False, attempt)
        frozen.shift(GAP)
    body = post(api, world.operator, case.number, reached=False).json()
    assert (body["done"], body["reached"], body["attempts"]) == (True, False, 3)
    event = case.events.get(action="callback")
    assert event.data == {"reached": False, "solved": None, "satisfaction": None}
    assert "3" in event.note
    assert due(api, world.operator) == []
    assert Case.objects.get(pk=case.pk).status == "closed"
    # A stale page cannot add a second result.
    again = post(api, world.operator, case.number, reached=True, satisfaction="satisfied")
    assert again.status_code == 409
    assert again.json()["code"] == "already_called_back"


def test_the_number_of_attempts_is_configurable(world, api, settings):
    settings.URBANGRID_CALLBACK_ATTEMPTS = 1
    case = closed_case(world)
    body = post(api, world.operator, case.number, reached=False).json()
    assert (body["done"], body["attempts"], body["max_attempts"]) == (True, 1, 1)
    assert case.events.filter(action="callback").count() == 1


def test_reached_on_a_retry_is_the_result(world, api):
    case = closed_case(world)
    post(api, world.operator, case.number, reached=False)
    body = post(api, world.operator, case.number, reached=True, solved=True,
                satisfaction="satisfied").json()  # fmt: skip
    assert (body["done"], body["reached"], body["attempts"]) == (True, True, 2)
    event = case.events.get(action="callback")
    assert event.data == {"reached": True, "solved": True, "satisfaction": "satisfied"}
    assert due(api, world.operator) == []


def test_a_retried_submission_is_one_attempt(world, api):
    case = closed_case(world)
    first = post(api, world.operator, case.number, key="cb-key-0001", reached=False)
    second = post(api, world.operator, case.number, key="cb-key-0001", reached=False)
    assert first.json() == second.json()
    assert CallbackAttempt.objects.count() == 1
    assert due(api, world.operator)[0]["attempts"] == 1


def test_failed_attempts_are_not_callbacks_in_evaluation(world, api, frozen):
    reached, unreachable = closed_case(world), closed_case(world)
    post(api, world.operator, reached.number, reached=False)
    post(api, world.operator, unreachable.number, reached=False)
    frozen.shift(GAP)
    post(api, world.operator, unreachable.number, reached=False)
    assert evaluated_callbacks() == {"callbacks": 0, "reached": 0}
    post(api, world.operator, reached.number, reached=True, solved=True, satisfaction="satisfied")
    frozen.shift(GAP)
    post(api, world.operator, unreachable.number, reached=False)  # the third: unreachable
    assert evaluated_callbacks() == {"callbacks": 2, "reached": 1}


def test_reached_needs_a_satisfaction_answer(world, api):
    case = closed_case(world)
    answer = post(api, world.operator, case.number, reached=True, solved=True)
    assert answer.status_code == 400
    assert answer.json()["field"] == "satisfaction"
    assert {"code", "message", "field"} <= set(answer.json())
    assert not case.events.filter(action="callback").exists()
    assert not CallbackAttempt.objects.exists()
    assert [d["number"] for d in due(api, world.operator)] == [case.number]


def test_the_list_puts_cases_not_tried_yet_first(world, api):
    tried, fresh = closed_case(world), closed_case(world)
    post(api, world.operator, tried.number, reached=False)
    assert [d["number"] for d in due(api, world.operator)] == [fresh.number, tried.number]


def test_unsolved_and_unsatisfied_reopens_by_default_policy(world, api):
    case = closed_case(world)
    answer = post(api, world.operator, case.number, reached=True, solved=False,
                  satisfaction="unsatisfied")  # fmt: skip
    body = answer.json()
    assert (body["number"], body["status"], body["reopened"]) == (case.number, "to_dispatch", True)
    assert body["status_label"] == "待派遣"
    reopen = case.events.get(action="reopen")
    assert reopen.actor is not None
    assert reopen.actor.username == "callback-policy"
    assert Case.objects.get(pk=case.pk).counters["reopens"] == 1


def test_unsatisfied_but_solved_does_not_reopen(world, api):
    case = closed_case(world)
    answer = post(api, world.operator, case.number, reached=True, solved=True,
                  satisfaction="unsatisfied")  # fmt: skip
    assert answer.json()["reopened"] is False


def test_the_policy_can_be_switched_off(world, api, settings):
    settings.URBANGRID_CALLBACK_REOPEN = "never"
    case = closed_case(world)
    answer = post(api, world.operator, case.number, reached=True, solved=False,
                  satisfaction="unsatisfied")  # fmt: skip
    assert answer.json()["status"] == "closed"


def test_a_callback_on_an_open_case_is_refused(world, api):
    case = world.report(channel="hotline")
    answer = post(api, world.operator, case.number, reached=True, satisfaction="satisfied")
    assert answer.status_code == 409
    assert post(api, world.operator, case.number, reached=False).status_code == 409
    assert not CallbackAttempt.objects.exists()


def test_callbacks_are_masked_for_roles_without_personal_data(world, api):
    closed_case(world)
    rows = api(world.dispatcher).get("/api/v1/hotline/callbacks").json()
    assert rows[0]["reporter_phone"] == "138****1234"


# --- The least gap between attempts (URBANGRID_CALLBACK_GAP_MINUTES) ---------------------


def test_an_attempt_too_soon_after_the_last_is_refused_then_accepted_after_the_gap(
    world, api, frozen
):
    case = closed_case(world)
    first = post(api, world.operator, case.number, reached=False).json()
    assert dt.datetime.fromisoformat(first["next_attempt_at"]) == MONDAY_0900 + GAP
    [row] = due(api, world.operator)
    assert row["next_attempt_at"] is not None
    frozen.shift(GAP - dt.timedelta(minutes=1))
    early = post(api, world.operator, case.number, reached=False)
    assert early.status_code == 409
    body = early.json()
    assert (body["code"], body["field"]) == ("callback_too_soon", None)
    assert body["message"] == (
        "the last call to the requester, at 2025-09-29 09:00, did not reach them; call again "
        "from 2025-09-29 11:00 (at least 120 minutes between attempts)"
    )
    # And in the reader's language (the default, Simplified Chinese).
    zh = (
        "上次回访（2025-09-29 09:00）未接通；请于 2025-09-29 11:00 后再拨"
        "（两次尝试至少间隔 120 分钟）"
    )
    assert body["display"] == zh
    assert CallbackAttempt.objects.count() == 1  # the refused call left nothing
    frozen.shift(dt.timedelta(minutes=1))
    assert due(api, world.operator)[0]["next_attempt_at"] is None  # may call now
    later = post(api, world.operator, case.number, reached=False)
    assert later.status_code == 200, later.json()
    assert (later.json()["attempts"], later.json()["done"]) == (2, False)


def test_a_call_that_reaches_the_requester_is_recorded_within_the_gap(world, api):
    case = closed_case(world)
    post(api, world.operator, case.number, reached=False)
    answer = post(api, world.operator, case.number, reached=True, solved=True,
                  satisfaction="satisfied")  # fmt: skip
    assert answer.status_code == 200, answer.json()
    assert answer.json()["done"] is True
    assert answer.json()["next_attempt_at"] is None


def test_the_gap_is_configurable_and_zero_switches_it_off(world, api, settings, frozen):
    settings.URBANGRID_CALLBACK_GAP_MINUTES = 30
    case = closed_case(world)
    post(api, world.operator, case.number, reached=False)
    frozen.shift(dt.timedelta(minutes=29))
    assert post(api, world.operator, case.number, reached=False).status_code == 409
    frozen.shift(dt.timedelta(minutes=1))
    assert post(api, world.operator, case.number, reached=False).status_code == 200
    settings.URBANGRID_CALLBACK_GAP_MINUTES = 0
    body = post(api, world.operator, case.number, reached=False).json()
    assert (body["done"], body["attempts"]) == (True, 3)


def test_the_gap_counts_from_the_current_callbacks_attempts_only(world, api, frozen):
    """A case reopened and ended again starts a new callback: the calls of the previous
    one do not hold back the first call of this one."""
    case = closed_case(world)
    post(api, world.operator, case.number, reached=False)
    world.act(case, "reopen", world.shift_leader, reason="未解决")
    Case.objects.filter(pk=case.pk).update(status="closed")
    answer = post(api, world.operator, case.number, reached=False)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["attempts"] == 1


def test_the_service_refuses_an_attempt_too_soon(world, frozen):
    from urbangrid.hotline.services import CallbackTooSoon, record_callback

    case = closed_case(world)
    record_callback(case.number, agent=world.operator, reached=False)
    with pytest.raises(CallbackTooSoon) as refused:
        record_callback(case.number, agent=world.operator, reached=False)
    assert (refused.value.status, refused.value.code) == (409, "callback_too_soon")
    frozen.shift(GAP)
    answer = record_callback(case.number, agent=world.operator, reached=False)
    assert answer.body["attempts"] == 2


# --- The desk asks the workflow (check_action) --------------------------------------------


def test_the_desk_asks_the_workflow_whether_a_case_can_be_called_back(world, api, monkeypatch):
    from urbangrid.cases import services as case_services
    from urbangrid.hotline import services

    asked: list[tuple[str, str]] = []

    def spy(case: Case, action: str, **kwargs: Any) -> Any:
        asked.append((case.number, action))
        return case_services.check_action(case, action, **kwargs)

    monkeypatch.setattr(services, "check_action", spy)
    case = closed_case(world)
    assert post(api, world.operator, case.number, reached=False).status_code == 200
    assert asked == [(case.number, "callback")]


def test_a_role_that_may_not_call_back_is_refused_in_the_desks_words(world, api):
    case = closed_case(world)  # in the inspector's grids: they see it
    answer = post(api, world.inspector, case.number, reached=False)
    assert answer.status_code == 403
    assert (answer.json()["code"], answer.json()["message"]) == (
        "forbidden",
        "your role may not call back",
    )
    assert not CallbackAttempt.objects.exists()


def test_an_open_case_is_refused_in_the_desks_words(world, api):
    case = world.report(channel="hotline")
    answer = post(api, world.operator, case.number, reached=False)
    assert answer.status_code == 409
    assert answer.json()["code"] == "transition_not_allowed"
    assert answer.json()["message"] == (
        f"case {case.number} is reported, to accept (待受理): callback is not possible now"
    )
