"""POST /api/v1/cases/{number}/actions/{action}."""

from __future__ import annotations

from typing import Any


def post(client: Any, case: Any, action: str, **data: Any) -> Any:
    return client.post(
        f"/api/v1/cases/{case.number}/actions/{action}", data, content_type="application/json"
    )


def test_an_action_answers_the_new_state_and_the_actions_now_allowed(world, api):
    case = world.report()
    answer = post(api(world.operator), case, "send_verify", note="请核实")
    assert answer.status_code == 200
    data = answer.json()
    assert data["status"] == "verifying"
    assert data["allowed_actions"] == ["urge"]
    assert data["timeline"][-1]["note"] == "请核实"
    assert data["version"] == 2


def test_errors_are_structured_with_400_403_404_and_409(world, api):
    case = world.report()
    operator = api(world.operator)
    missing = post(operator, case, "not_accept")
    assert missing.status_code == 400
    assert missing.json() == {
        "code": "invalid",
        "message": "reason_code is required",
        "field": "reason_code",
        "display": "reason_code 为必填项",
    }
    forbidden = post(api(world.dispatcher), case, "send_verify")
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "forbidden"
    assert post(operator, case, "levitate").status_code == 404
    assert post(api(world.outsider), case, "send_verify").status_code == 404
    assert post(operator, case, "send_verify").status_code == 200
    again = post(operator, case, "send_verify")
    assert again.status_code == 409
    assert again.json()["code"] == "transition_not_allowed"
    stale = post(operator, case, "urge", expected_version=1)
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict"


def test_wrongly_typed_input_is_a_400_not_a_500(world, api):
    case = world.report()
    world.act(case, "send_verify", world.operator)
    answer = post(api(world.inspector), case, "verify", result="maybe")
    assert answer.status_code == 400
    assert answer.json()["field"] == "result"
    bad_date = post(api(world.inspector), case, "verify", result=True, until="tomorrow")
    assert bad_date.status_code == 400


def test_the_openapi_documents_every_action_and_its_fields(world, client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/cases/{number}/actions/{action}"]["post"]
    assert "`report_handled` | `photos`" in operation["description"]
    assert set(operation["responses"]) >= {"200", "400", "401", "403", "404", "409"}
