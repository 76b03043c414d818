"""GET tokens/{token}.{fmt}."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from urbangrid.open311.models import RequestRecord
from urbangrid.open311.tests.conftest import ERRORS_SCHEMA, TOKEN_SCHEMA, assert_golden, validate

pytestmark = pytest.mark.django_db


def test_token_resolves_to_the_request_in_both_formats(client, world):
    number = world.create(client)
    token = RequestRecord.objects.get(case__number=number).token
    as_json = client.get(f"/open311/v2/tokens/{token}.json")
    validate(as_json.json(), TOKEN_SCHEMA)
    assert as_json.json() == [{"service_request_id": number, "token": token}]
    assert_golden("token.json", as_json.content)
    as_xml = client.get(f"/open311/v2/tokens/{token}.xml")
    root = ET.fromstring(as_xml.content)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == number
    assert_golden("token.xml", as_xml.content)


def test_unknown_token_is_a_404(client, world):
    response = client.get("/open311/v2/tokens/0123.json")
    assert response.status_code == 404
    validate(response.json(), ERRORS_SCHEMA)
