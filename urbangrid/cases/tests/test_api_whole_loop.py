"""The issue's whole loop through the API, one persona per role, in frozen time:
a public report verified, accepted, filed, dispatched, returned, re-dispatched, extended,
handled, failed at check, reworked, checked and closed — every step in the timeline, with
the lights the clocks say."""

from __future__ import annotations

from typing import Any

import time_machine

from urbangrid.cases.tasks import sweep_deadlines

from .conftest import local as at
from .test_services import png_upload


def test_a_public_report_walks_the_whole_loop_through_the_api(world, api):
    operator, inspector = api(world.operator), api(world.inspector)
    shift_leader, dispatcher = api(world.shift_leader), api(world.dispatcher)
    handler_a, handler_b = api(world.handler), api(world.other_handler)

    def act(client: Any, action: str, **data: Any) -> Any:
        answer = client.post(
            f"/api/v1/cases/{number}/actions/{action}", data, content_type="application/json"
        )
        assert answer.status_code == 200, (action, answer.json())
        return answer.json()

    def photo(client: Any) -> Any:
        answer = client.post(f"/api/v1/cases/{number}/attachments", {"file": png_upload()})
        assert answer.status_code == 201
        return answer.json()["id"]

    def stage(case: Any, name: str) -> Any:
        return next(s for s in reversed(case["stages"]) if s["stage"] == name)

    lng, lat = world.point()
    with time_machine.travel(at(2025, 9, 29, 9, 0), tick=False):
        created = operator.post(
            "/api/v1/cases",
            {
                "channel": "public",
                "matter_code": world.matter.code,
                "lng": lng,
                "lat": lat,
                "description": "小区门口暴露垃圾",
                "reporter_name": "王五",
                "reporter_phone": "13700001234",
            },
            content_type="application/json",
        )
        assert created.status_code == 201
        number = created.json()["number"]
        assert created.json()["allowed_actions"] == ["send_verify", "not_accept", "urge"]
    with time_machine.travel(at(2025, 9, 29, 9, 5), tick=False):
        act(operator, "send_verify")
    with time_machine.travel(at(2025, 9, 29, 9, 20), tick=False):
        case = act(inspector, "verify", result=True, note="现场属实")
        assert case["status"] == "verified"
    with time_machine.travel(at(2025, 9, 29, 9, 25), tick=False):
        act(operator, "accept")
    with time_machine.travel(at(2025, 9, 29, 9, 30), tick=False):
        case = act(shift_leader, "file", grade="general", filing_condition="面积大于1平方米")
        assert case["limits"]["handle"] == {"amount": 4, "unit": "working_hours"}
    with time_machine.travel(at(2025, 9, 29, 9, 35), tick=False):
        case = act(dispatcher, "dispatch")
        assert case["department"]["id"] == world.dept_a.pk
        assert stage(case, "handle")["due_at"].startswith("2025-09-29T07:05:00")  # 15:05 local
    with time_machine.travel(at(2025, 9, 29, 9, 40), tick=False):
        case = act(handler_a, "return", reason="非本单位职责，属园林绿化")
        assert case["status"] == "to_dispatch"
        assert case["counters"]["misroutes"] == 1
    with time_machine.travel(at(2025, 9, 29, 9, 45), tick=False):
        case = act(dispatcher, "dispatch", department_id=world.dept_b.pk)
        assert case["department"]["id"] == world.dept_b.pk
        assert case["expected_at"].startswith("2025-09-29T07:15:00")  # 15:15 local
    with time_machine.travel(at(2025, 9, 29, 9, 50), tick=False):
        act(handler_b, "receive")
    with time_machine.travel(at(2025, 9, 29, 14, 30), tick=False):
        sweep_deadlines.call()  # 195 of 240 working minutes used: 81 %
        case = handler_b.get(f"/api/v1/cases/{number}").json()
        assert case["light"] == "yellow"
        assert case["timeline"][-1]["action"] == "light_changed"
    with time_machine.travel(at(2025, 9, 29, 14, 35), tick=False):
        act(handler_b, "request_extension", until="2025-09-30T12:00:00+08:00", reason="需调车")
    with time_machine.travel(at(2025, 9, 29, 14, 40), tick=False):
        case = act(dispatcher, "approve_extension")
        assert case["expected_at"].startswith("2025-09-30T04:00:00")  # 12:00 local
        assert case["light"] == "green"
    with time_machine.travel(at(2025, 9, 30, 10, 0), tick=False):
        case = act(handler_b, "report_handled", photos=[photo(handler_b)])
        assert case["status"] == "to_check"
    with time_machine.travel(at(2025, 9, 30, 10, 5), tick=False):
        act(operator, "send_check")
    with time_machine.travel(at(2025, 9, 30, 10, 30), tick=False):
        case = act(inspector, "check", result=False, photos=[photo(inspector)])
        assert case["check_passed"] is False
    with time_machine.travel(at(2025, 9, 30, 10, 35), tick=False):
        case = act(shift_leader, "rework", reason="仍有残留")
        assert case["status"] == "handling"
        assert case["department"]["id"] == world.dept_b.pk
        assert case["expected_at"].startswith("2025-09-30T08:05:00")  # 16:05 local
    with time_machine.travel(at(2025, 9, 30, 11, 0), tick=False):
        act(handler_b, "report_handled", photos=[photo(handler_b)])
    with time_machine.travel(at(2025, 9, 30, 11, 5), tick=False):
        act(operator, "send_check")
    with time_machine.travel(at(2025, 9, 30, 11, 20), tick=False):
        act(inspector, "check", result=True, photos=[photo(inspector)])
    with time_machine.travel(at(2025, 9, 30, 11, 30), tick=False):
        case = act(shift_leader, "close")

    assert case["status"] == "closed"
    assert case["closing_type"] == "normal"
    assert case["light"] == ""
    assert case["allowed_actions"] == ["reopen"]
    assert case["counters"] == {
        "dispatches": 2,
        "misroutes": 1,
        "extensions": 1,
        "reworks": 1,
    }
    assert [e["action"] for e in case["timeline"]] == [
        "report",
        "send_verify",
        "verify",
        "accept",
        "file",
        "dispatch",
        "return",
        "dispatch",
        "receive",
        "light_changed",
        "request_extension",
        "approve_extension",
        "report_handled",
        "send_check",
        "check",
        "rework",
        "report_handled",
        "send_check",
        "check",
        "close",
    ]
    assert [e["to_status"] for e in case["timeline"]][-4:] == [
        "to_check",
        "checking",
        "to_close",
        "closed",
    ]
    assert all(e["actor"] for e in case["timeline"] if e["action"] != "light_changed")
    # Every stage ended, each with the light it had at its end.
    assert all(s["ended_at"] for s in case["stages"])
    assert stage(case, "handle")["light"] == "green"
