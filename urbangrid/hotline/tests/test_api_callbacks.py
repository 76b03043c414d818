"""GET/POST /api/v1/hotline/callbacks: the callback (回访) contract and the reopening policy."""

from __future__ import annotations

from typing import Any

from urbangrid.cases.models import Case


def closed_case(world: Any) -> Case:
    case = world.report(channel="hotline")
    world.act(case, "send_verify", world.operator)
    world.act(case, "verify", world.inspector, result=True)
    world.act(case, "accept", world.operator)
    Case.objects.filter(pk=case.pk).update(status="closed")
    return Case.objects.get(pk=case.pk)


def post(api: Any, user: Any, number: str, **data: Any) -> Any:
    return api(user).post(
        f"/api/v1/hotline/callbacks/{number}", data, content_type="application/json"
    )


def test_ended_cases_with_a_reporter_are_due_for_a_callback(world, api):
    case = closed_case(world)
    due = api(world.operator).get("/api/v1/hotline/callbacks").json()
    assert [d["number"] for d in due] == [case.number]
    assert due[0]["reporter_phone"] == "13812341234"
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


def test_not_reached_records_nulls(world, api):
    case = closed_case(world)
    post(api, world.operator, case.number, reached=False)
    event = case.events.get(action="callback")
    assert event.data == {"reached": False, "solved": None, "satisfaction": None}


def test_unsolved_and_unsatisfied_reopens_by_default_policy(world, api):
    case = closed_case(world)
    answer = post(api, world.operator, case.number, reached=True, solved=False,
                  satisfaction="unsatisfied")  # fmt: skip
    assert answer.json() == {"number": case.number, "status": "to_dispatch", "reopened": True}
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
    assert post(api, world.operator, case.number, reached=True).status_code == 409


def test_callbacks_are_masked_for_roles_without_personal_data(world, api):
    closed_case(world)
    due = api(world.dispatcher).get("/api/v1/hotline/callbacks").json()
    assert due[0]["reporter_phone"] == "138****1234"
