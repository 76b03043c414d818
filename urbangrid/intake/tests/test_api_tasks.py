"""GET /api/v1/intake/tasks and POST /api/v1/intake/tasks/{number}/answer."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from urbangrid.cases.models import Attachment

from .conftest import jpeg


def test_tasks_are_listed_nearest_first(world, api):
    far = world.report(grid_index=3)
    near = world.report(grid_index=0)
    for case in (far, near):
        world.act(case, "send_verify", world.operator)
    lng, lat = world.point(0)
    tasks = api(world.inspector).get(f"/api/v1/intake/tasks?lng={lng}&lat={lat}").json()
    assert [t["number"] for t in tasks] == [near.number, far.number]
    assert tasks[0]["task"] == "verify"
    assert tasks[0]["distance_m"] == 0
    assert api(world.other_inspector).get("/api/v1/intake/tasks").json() == []


def test_a_verify_task_is_answered_with_photos_once_per_key(world, api):
    case = world.report()
    world.act(case, "send_verify", world.operator)
    client = api(world.inspector)

    def answer() -> Any:
        return client.post(
            f"/api/v1/intake/tasks/{case.number}/answer",
            {
                "payload": json.dumps(
                    {"action": "verify", "result": True, "idempotency_key": "answer-key-1"}
                ),
                "photos": [SimpleUploadedFile("site.jpg", jpeg())],
            },
        )

    first, second = answer(), answer()
    assert first.status_code == 200, first.json()
    assert first.json() == second.json()
    assert first.json()["status"] == "verified"
    photo = Attachment.objects.get()
    assert photo.event is not None
    assert photo.event.action == "verify"
    assert case.events.filter(action="verify").count() == 1


def test_a_check_without_photos_is_refused(world, api):
    case = world.report()
    world.to_handling(case)
    world.act(case, "report_handled", world.handler, photos=[world.photo(case, world.handler).pk])
    world.act(case, "send_check", world.operator)
    answer = api(world.inspector).post(
        f"/api/v1/intake/tasks/{case.number}/answer",
        {"payload": json.dumps({"action": "check", "result": True})},
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "photos"
