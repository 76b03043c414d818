"""POST /api/v1/cases."""

from __future__ import annotations

from typing import Any


def body(world: Any, **extra: Any) -> dict[str, Any]:
    lng, lat = world.point()
    return {
        "channel": "hotline",
        "matter_code": world.matter.code,
        "lng": lng,
        "lat": lat,
        "address": "测试路1号",
        "description": "暴露垃圾",
        "reporter_name": "李四",
        "reporter_phone": "13900001111",
        **extra,
    }


def test_an_operator_registers_a_hotline_report(world, api):
    answer = api(world.operator).post("/api/v1/cases", body(world), content_type="application/json")
    assert answer.status_code == 201, answer.json()
    case = answer.json()
    assert case["number"] == "110101-20250929-0001"
    assert case["status"] == "reported"
    assert case["grid_code"] == world.grid
    assert case["stage"] == "accept"
    assert case["light"] == "green"
    assert case["allowed_actions"] == ["send_verify", "not_accept", "urge"]
    assert case["timeline"][0]["action"] == "report"
    assert case["reporter"]["phone"] == "13900001111"


def test_a_point_outside_the_city_is_a_400_naming_the_field(world, api):
    answer = api(world.operator).post(
        "/api/v1/cases", body(world, lng=10.0, lat=10.0), content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "lng"
    assert "outside every unit grid" in answer.json()["message"]


def test_a_malformed_report_is_a_400(world, api):
    answer = api(world.operator).post(
        "/api/v1/cases", body(world, channel="pigeon"), content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "channel"


def test_a_role_that_cannot_report_is_a_403(world, api):
    answer = api(world.handler).post("/api/v1/cases", body(world), content_type="application/json")
    assert answer.status_code == 403


def test_an_inspector_records_a_self_handled_issue(world, api):
    answer = api(world.inspector).post(
        "/api/v1/cases",
        body(world, channel="inspector", self_handled=True),
        content_type="application/json",
    )
    assert answer.status_code == 201
    assert answer.json()["status"] == "self_handled"
