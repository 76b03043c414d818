"""GET /api/v1/cases/{number}."""

from __future__ import annotations


def test_the_case_comes_with_its_timeline_stages_and_allowed_actions(world, api):
    case = world.report()
    world.to_handling(case)
    answer = api(world.dispatcher).get(f"/api/v1/cases/{case.number}")
    assert answer.status_code == 200
    data = answer.json()
    assert [e["action"] for e in data["timeline"]] == [
        "report",
        "send_verify",
        "verify",
        "accept",
        "file",
        "dispatch",
        "receive",
    ]
    stages = {s["stage"]: s for s in data["stages"]}
    assert stages["handle"]["ended_at"] is None
    assert stages["handle"]["light"] == "green"
    assert stages["accept"]["ended_at"] is not None
    assert data["expected_at"] is not None
    assert data["department"]["id"] == world.dept_a.pk
    assert "urge" in data["allowed_actions"]


def test_personal_data_is_masked_for_roles_without_the_permission(world, api):
    case = world.report()
    world.to_handling(case)
    masked = api(world.handler).get(f"/api/v1/cases/{case.number}").json()["reporter"]
    assert masked == {
        "name": "张*",
        "phone": "138****1234",
        "email": "z***@example.com",
        "masked": True,
    }
    clear = api(world.operator).get(f"/api/v1/cases/{case.number}").json()["reporter"]
    assert clear["phone"] == "13812341234"
    assert clear["masked"] is False


def test_a_case_the_user_cannot_see_is_a_404(world, api):
    case = world.report()
    answer = api(world.outsider).get(f"/api/v1/cases/{case.number}")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    assert api(world.operator).get("/api/v1/cases/110101-20250929-9999").status_code == 404


def test_the_dispatcher_sees_the_suggested_department_and_why(world, api):
    case = world.report()
    world.to_dispatch(case)
    suggestion = api(world.dispatcher).get(f"/api/v1/cases/{case.number}").json()["suggestion"]
    assert suggestion["department"]["id"] == world.dept_a.pk
    assert suggestion["reason"]
