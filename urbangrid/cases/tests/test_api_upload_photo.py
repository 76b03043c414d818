"""POST /api/v1/cases/{number}/attachments."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from .test_services import png_upload


def test_a_photo_is_stored_and_can_be_cited_by_an_action(world, api):
    case = world.report()
    world.to_handling(case)
    client = api(world.handler)
    answer = client.post(
        f"/api/v1/cases/{case.number}/attachments", {"file": png_upload(), "kind": "after"}
    )
    assert answer.status_code == 201, answer.json()
    photo = answer.json()
    assert (photo["content_type"], photo["width"], photo["height"]) == ("image/png", 4, 3)
    done = client.post(
        f"/api/v1/cases/{case.number}/actions/report_handled",
        {"photos": [photo["id"]]},
        content_type="application/json",
    )
    assert done.status_code == 200
    assert done.json()["timeline"][-1]["photos"][0]["id"] == photo["id"]


def test_a_file_that_is_not_an_image_is_a_clear_400(world, api):
    case = world.report()
    fake = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    answer = api(world.operator).post(
        f"/api/v1/cases/{case.number}/attachments", {"file": fake, "kind": "reporter"}
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "file"
    assert "not a photo" in answer.json()["message"]
