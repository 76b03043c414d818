"""mySociety's servicerequestupdates.{fmt}: the GET feed and POSTed department updates
mapped onto the workflow."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from urbangrid.cases.models import Case
from urbangrid.open311.models import InboundUpdate
from urbangrid.open311.services import create_api_key
from urbangrid.open311.tests.conftest import (
    ERRORS_SCHEMA,
    UPDATES_SCHEMA,
    assert_golden,
    jpeg_with_exif,
    validate,
)

pytestmark = pytest.mark.django_db
URL = "/open311/v2/servicerequestupdates"


@pytest.fixture
def dept_key(world):
    _key, raw = create_api_key("环卫系统", "sanitation-crm")
    _key.department = world.department
    _key.save()
    return raw


def post_update(
    client: Any, key: str, number: str, update_id: str, status: str, **extra: Any
) -> Any:
    data = {
        "api_key": key,
        "service_request_id": number,
        "update_id": update_id,
        "status": status,
        "updated_datetime": "2026-11-25T10:00:00+08:00",
        "description": extra.pop("description", "已派人处理"),
        **extra,
    }
    return client.post(f"{URL}.json", data)


def test_feed_lists_public_timeline_updates_in_both_formats(client, world):
    number = world.create(client)
    world.dispatch(number)
    data = client.get(f"{URL}.json").json()
    validate(data, UPDATES_SCHEMA)
    assert [u["status"] for u in data] == [
        "OPEN",
        "INVESTIGATING",
        "INVESTIGATING",
        "ACTION_SCHEDULED",
    ]
    assert {u["service_request_id"] for u in data} == {number}
    assert_golden("updates.json", client.get(f"{URL}.json").content)
    root = ET.fromstring(client.get(f"{URL}.xml").content)
    assert root.tag == "service_request_updates"
    assert len(root.findall("request_update")) == 4
    assert_golden("updates.xml", client.get(f"{URL}.xml").content)
    assert client.get(f"{URL}.json", {"end_date": "2020-01-01T00:00:00Z"}).json() == []
    too_long = client.get(
        f"{URL}.json", {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"}
    )
    assert too_long.status_code == 400


def test_department_system_receives_handles_and_its_updates_are_idempotent(client, world, dept_key):
    number = world.create(client)
    world.dispatch(number)
    first = post_update(client, dept_key, number, "u-1", "IN_PROGRESS")
    assert first.status_code == 200, first.content
    assert Case.objects.get(number=number).status == "handling"
    again = post_update(client, dept_key, number, "u-1", "IN_PROGRESS")
    assert again.json() == first.json()
    assert InboundUpdate.objects.count() == 1
    no_photo = post_update(client, dept_key, number, "u-2", "FIXED")
    assert no_photo.status_code == 400
    assert "photo" in no_photo.json()[0]["description"]
    photo = SimpleUploadedFile("after.jpg", jpeg_with_exif(), content_type="image/jpeg")
    fixed = post_update(client, dept_key, number, "u-3", "fixed", media=photo, description="已清运")
    assert fixed.status_code == 200, fixed.content
    case = Case.objects.get(number=number)
    assert case.status == "to_check"
    assert case.events.order_by("-seq")[0].note == "已清运"
    assert case.attachments.get().kind == "after"
    feed = client.get(f"{URL}.json").json()
    assert feed[-1]["status"] == "FIXED"
    assert feed[-1]["media_url"].startswith("http://testserver/open311/media/")


def test_not_our_responsibility_returns_the_case(client, world, dept_key):
    number = world.create(client)
    world.dispatch(number)
    response = post_update(
        client, dept_key, number, "u-9", "NOT_COUNCILS_RESPONSIBILITY", description="属园林"
    )
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=number)
    assert case.status == "to_dispatch"
    assert case.department is None


def test_updates_the_workflow_does_not_allow_are_a_400_with_the_reason(client, world, dept_key):
    number = world.create(client)
    not_dispatched = post_update(client, dept_key, number, "u-1", "IN_PROGRESS")
    assert not_dispatched.status_code == 400
    world.dispatch(number)
    closing = post_update(client, dept_key, number, "u-2", "CLOSED_BY_MAGIC")
    assert closing.status_code == 400
    assert "unknown status" in closing.json()[0]["description"]
    duplicate = post_update(client, dept_key, number, "u-3", "DUPLICATE")
    assert duplicate.status_code == 400
    validate(duplicate.json(), ERRORS_SCHEMA)
    assert "supervision centre" in duplicate.json()[0]["description"]
    unknown = post_update(client, dept_key, "110101-20000101-0001", "u-4", "IN_PROGRESS")
    assert unknown.status_code == 404


def test_only_a_department_key_may_post_updates(client, world):
    number = world.create(client)
    assert post_update(client, "demo-key", number, "u-1", "IN_PROGRESS").status_code == 403
    assert post_update(client, "", number, "u-1", "IN_PROGRESS").status_code == 403


def test_a_department_cannot_update_another_departments_case(client, world, dept_key):
    from urbangrid.testing import make_department

    other = make_department("区园林绿化局", district=world.city.district)
    number = world.create(client)
    world.dispatch(number, other)
    response = post_update(client, dept_key, number, "u-1", "IN_PROGRESS")
    assert response.status_code == 400
    assert "not with" in response.json()[0]["description"]
