"""A position or radius in a query is finite and in range, else a structured 400 that
names the parameter: ``nan``, ``inf`` and ``1e999`` used to give a 500 (assets nearby)
or an empty answer that looked like "nothing here" (duplicates, similar, tasks)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

GOOD = {"lng": "116.4", "lat": "39.9"}
OPERATIONS = {
    "/api/v1/intake/assets/nearby": {},
    "/api/v1/intake/duplicates": {"matter_code": "06010"},
    "/api/v1/hotline/similar": {"matter_code": "06010"},
    "/api/v1/intake/tasks": {},
}


@pytest.mark.parametrize("path", list(OPERATIONS))
@pytest.mark.parametrize("field", ["lng", "lat"])
@pytest.mark.parametrize("value", ["nan", "inf", "-1e999", "181", "-400"])
def test_a_position_that_is_not_a_place_is_a_400_naming_it(
    world: Any, api: Any, path: str, field: str, value: str
) -> None:
    if field == "lat" and value == "181":
        value = "91"
    response = api(world.admin).get(path, {**OPERATIONS[path], **GOOD, field: value})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert field in (body.get("field") or "") + body["message"]


@pytest.mark.parametrize("path", [p for p in OPERATIONS if p != "/api/v1/intake/tasks"])
@pytest.mark.parametrize("radius", ["nan", "inf", "0", "-5", "1e6"])
def test_a_radius_that_is_not_a_distance_is_a_400(
    world: Any, api: Any, path: str, radius: str
) -> None:
    response = api(world.admin).get(path, {**OPERATIONS[path], **GOOD, "radius_m": radius})
    assert response.status_code == 400, response.content
    assert "radius_m" in (response.json().get("field") or "") + response.json()["message"]


def test_a_good_position_still_finds_the_open_case_nearby(world: Any, api: Any) -> None:
    case = world.report()
    query = {"matter_code": case.matter.code, "lng": case.lng, "lat": case.lat}
    found = api(world.admin).get("/api/v1/intake/duplicates", {**query, "radius_m": 50}).json()
    assert [f["number"] for f in found] == [case.number]
    assets = api(world.admin).get("/api/v1/intake/assets/nearby", GOOD)
    assert assets.status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/intake/reports", {"matter_code": "06010", "description": "x"}),
        ("/api/v1/cases", {"matter_code": "06010", "description": "x", "channel": "hotline"}),
        ("/api/v1/hotline/calls", {"request_kind": "help", "text": "x", "outcome": "answered"}),
    ],
)
@pytest.mark.parametrize("position", ['"lng": 1e999, "lat": 39.9', '"lng": 500, "lat": 39.9'])
def test_a_position_in_a_body_is_checked_too(
    world: Any, api: Any, path: str, body: dict[str, Any], position: str
) -> None:
    import json

    raw = json.dumps(body)[:-1] + ", " + position + "}"
    response = api(world.admin).post(path, raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "lng" in (response.json().get("field") or "") + response.json()["message"]
