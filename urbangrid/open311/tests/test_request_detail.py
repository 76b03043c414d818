"""GET requests/{id}.{fmt}: a list of one request, 404 in the spec format."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from urbangrid.open311.tests.conftest import (
    ERRORS_SCHEMA,
    REQUESTS_SCHEMA,
    assert_golden,
    assert_no_personal_data,
    validate,
)

pytestmark = pytest.mark.django_db


def test_one_request_is_a_one_element_list_in_both_formats(client, world):
    number = world.create(client)
    world.dispatch(number)
    as_json = client.get(f"/open311/v2/requests/{number}.json")
    data = as_json.json()
    validate(data, REQUESTS_SCHEMA)
    assert len(data) == 1
    assert data[0]["service_request_id"] == number
    assert_golden("request.json", as_json.content)
    as_xml = client.get(f"/open311/v2/requests/{number}.xml")
    root = ET.fromstring(as_xml.content)
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [number]
    assert_golden("request.xml", as_xml.content)
    extended = client.get(f"/open311/v2/requests/{number}.xml?extensions=true")
    assert_golden("request_extensions.xml", extended.content)
    assert_no_personal_data(extended.content)


def test_unknown_request_is_a_404(client, world):
    response = client.get("/open311/v2/requests/110101-20000101-0001.json")
    assert response.status_code == 404
    validate(response.json(), ERRORS_SCHEMA)
    xml = client.get("/open311/v2/requests/nope.xml")
    assert ET.fromstring(xml.content).findtext("error/code") == "404"
    assert client.get("/open311/v2/requests/nope.json?jurisdiction_id=x").status_code == 404
