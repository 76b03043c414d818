"""POST requests.{fmt}: form-encoded, JSON and multipart; keys, attributes, locations,
photos without EXIF, duplicates; the spec's error documents."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from urbangrid.cases.models import Case, Channel
from urbangrid.open311.models import RequestRecord, ServiceAttribute
from urbangrid.open311.services import create_api_key, revoke_api_key
from urbangrid.open311.tests.conftest import (
    ERRORS_SCHEMA,
    POST_RESPONSE_SCHEMA,
    assert_golden,
    jpeg_with_exif,
    validate,
)

pytestmark = pytest.mark.django_db


def test_form_encoded_request_enters_the_loop_with_its_source(client, world):
    response = world.post(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = response.json()
    validate(data, POST_RESPONSE_SCHEMA)
    case = Case.objects.get(number=data[0]["service_request_id"])
    assert case.channel == Channel.OPEN311
    assert case.status == "reported"
    assert case.reporter_name == "张三"
    assert case.reporter_phone == "13812341234"
    record = RequestRecord.objects.get(case=case)
    assert record.source == "demo"
    assert record.api_key == world.key
    first_event = case.events.get(seq=1)
    assert "Open311 (demo)" in first_event.note
    assert_golden("post_request.json", response.content)


def test_xml_response_uses_service_requests_request(client, world):
    response = world.post(client, "xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id") is not None
    assert root.find("request/token") is None
    assert_golden("post_request.xml", response.content)


def test_json_body_is_accepted(client, world):
    body = world.form(attribute={"urgency": "urgent"})
    response = client.post("/open311/v2/requests.json", json.dumps(body), "application/json")
    assert response.status_code == 200, response.content
    record = RequestRecord.objects.get(case__number=response.json()[0]["service_request_id"])
    assert record.attributes == {"urgency": "urgent"}


def test_multipart_media_becomes_a_reporter_photo_without_exif(client, world):
    upload = SimpleUploadedFile("p.jpg", jpeg_with_exif(), content_type="image/jpeg")
    response = client.post("/open311/v2/requests.json", {**world.form(), "media": upload})
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    (photo,) = case.attachments.all()
    assert photo.kind == "reporter"
    with photo.file.open("rb") as stored, Image.open(stored) as image:
        assert not image.getexif()
    public = client.get(f"/open311/media/{photo.pk}")
    assert public.status_code == 200
    assert public["Content-Type"] == "image/jpeg"
    assert b"SecretCam" not in public.content
    with Image.open(io.BytesIO(public.content)) as image:
        assert not image.getexif()


def test_a_file_that_is_not_an_image_is_a_400(client, world):
    upload = SimpleUploadedFile("p.jpg", b"not an image", content_type="image/jpeg")
    response = client.post("/open311/v2/requests.json", {**world.form(), "media": upload})
    assert response.status_code == 400
    assert "not a photo" in response.json()[0]["description"]


@pytest.mark.parametrize("key", [None, "", "wrong"])
def test_missing_or_wrong_api_key_is_a_403_in_the_spec_format(client, world, key):
    response = world.post(client, "xml", api_key=key)
    assert response.status_code == 403
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "403"
    assert not Case.objects.exists()


def test_revoked_key_is_refused(client, world):
    key, raw = create_api_key("app", "civic-app")
    assert world.post(client, api_key=raw).status_code == 200
    revoke_api_key(key)
    response = world.post(client, api_key=raw)
    assert response.status_code == 403
    validate(response.json(), ERRORS_SCHEMA)


def test_required_attribute_is_enforced(client, world):
    ServiceAttribute.objects.create(
        catalog_type=world.matter,
        code="volume",
        datatype="number",
        required=True,
        description="约多少立方米？",
        order=5,
    )
    missing = world.post(client)
    assert missing.status_code == 400
    assert "attribute[volume]" in missing.json()[0]["description"]
    wrong = world.post(client, **{"attribute[volume]": "lots"})
    assert wrong.status_code == 400
    assert world.post(client, **{"attribute[volume]": "2.5"}).status_code == 200


def test_list_attribute_values_are_checked(client, world):
    response = world.post(client, **{"attribute[urgency]": "whenever"})
    assert response.status_code == 400
    assert "normal" in response.json()[0]["description"]


def test_address_string_is_matched_against_the_gazetteer(client, world):
    number = world.create(client, lat=None, long=None, address_string="测试路1号附近")
    case = Case.objects.get(number=number)
    assert (case.lat, case.lng) == (world.place.lat, world.place.lng)
    assert case.grid_code == world.city.grids[1].code
    assert RequestRecord.objects.get(case=case).address_id == str(world.place.pk)


def test_address_id_is_a_place_id(client, world):
    number = world.create(client, lat=None, long=None, address_id=str(world.place.pk))
    assert Case.objects.get(number=number).grid_code == world.city.grids[1].code


def test_unknown_address_is_a_400(client, world):
    response = world.post(client, lat=None, long=None, address_string="火星路99号")
    assert response.status_code == 400
    assert "gazetteer" in response.json()[0]["description"]
    nothing = world.post(client, lat=None, long=None, address_string=None)
    assert nothing.status_code == 400


def test_point_outside_the_city_is_a_400(client, world):
    response = world.post(client, lat="31.2", long="121.5")
    assert response.status_code == 400
    assert "grid" in response.json()[0]["description"]


def test_missing_or_unknown_service_code(client, world):
    assert world.post(client, service_code=None).status_code == 400
    unknown = world.post(client, "xml", service_code="99999")
    assert unknown.status_code == 404
    assert ET.fromstring(unknown.content).findtext("error/code") == "404"


def test_unknown_jurisdiction_is_a_404(client, world):
    assert world.post(client, jurisdiction_id="sfgov.org").status_code == 404
    assert world.post(client, jurisdiction_id="110101").status_code == 200


def test_nearby_open_case_of_the_same_matter_is_suggested_as_duplicate(client, world):
    first = world.create(client)
    response = world.post(client)
    assert first in response.json()[0]["service_notice"]
    second = response.json()[0]["service_request_id"]
    assert RequestRecord.objects.get(case__number=second).duplicates == [first]
    assert first in Case.objects.get(number=second).events.get(seq=1).note
    far = world.post(client, lat=str(world.point(7)[0]), long=str(world.point(7)[1]))
    assert first not in far.json()[0]["service_notice"]


def test_batch_mode_returns_a_token_that_resolves_to_the_id(client, world):
    response = world.post(client, batch="true")
    item = response.json()[0]
    assert "service_request_id" not in item
    validate(response.json(), POST_RESPONSE_SCHEMA)
    resolved = client.get(f"/open311/v2/tokens/{item['token']}.json").json()
    assert resolved[0]["token"] == item["token"]
    assert Case.objects.filter(number=resolved[0]["service_request_id"]).exists()
