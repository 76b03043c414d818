"""Open311 discovery, service list and service definitions in both formats."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from urbangrid.catalog.models import CatalogType
from urbangrid.open311.models import ServiceAttribute
from urbangrid.testing import make_city, make_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    """The standard catalogue (loaded by migration) with one matter switched off."""
    make_type("07001", "非法小广告", is_active=False)
    return CatalogType.objects.all()


def test_discovery_lists_the_v2_endpoint_in_both_formats(client, catalogue):
    doc = client.get("/open311/discovery.json").json()
    endpoint = doc["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert dt.datetime.fromisoformat(doc["changeset"]) < dt.datetime.now(dt.UTC)
    xml = client.get("/open311/discovery.xml")
    assert xml["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(xml.content)
    assert root.tag == "discovery"
    formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]


def test_services_are_the_active_matters_with_codes_as_strings(client, catalogue):
    data = client.get("/open311/v2/services.json").json()
    codes = [s["service_code"] for s in data]
    assert len(codes) == 249  # 250 matters of GB/T 47678.5-2026, one inactive
    assert "07001" not in codes
    assert codes == sorted(codes)
    assert all(isinstance(c, str) and len(c) == 5 for c in codes)
    garbage = next(s for s in data if s["service_code"] == "06010")
    assert garbage == {
        "service_code": "06010",
        "service_name": "暴露垃圾",
        "description": "暴露垃圾",
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": "市容环境类",
    }


def test_services_xml_uses_the_spec_element_names(client, catalogue):
    root = ET.fromstring(client.get("/open311/v2/services.xml").content)
    assert root.tag == "services"
    services = {s.findtext("service_code"): s for s in root.findall("service")}
    assert services["01037"].findtext("service_name") == "路灯异常"
    assert services["06010"].findtext("metadata") == "true"
    assert services["06010"].findtext("group") == "市容环境类"


def test_component_matter_definition_asks_for_the_component_id(client, catalogue):
    data = client.get("/open311/v2/services/01037.json").json()
    assert data["service_code"] == "01037"
    codes = [a["code"] for a in data["attributes"]]
    assert codes == ["urgency", "component_id"]
    assert [a["order"] for a in data["attributes"]] == [1, 2]
    urgency = data["attributes"][0]
    assert urgency["datatype"] == "singlevaluelist"
    assert {v["key"] for v in urgency["values"]} == {"normal", "urgent"}


def test_behaviour_matter_definition_has_no_component_question(client, catalogue):
    root = ET.fromstring(client.get("/open311/v2/services/06010.xml").content)
    assert root.tag == "service_definition"
    assert [a.findtext("code") for a in root.findall("attributes/attribute")] == ["urgency"]
    values = root.findall("attributes/attribute/values/value")
    assert [v.findtext("key") for v in values] == ["normal", "urgent"]


def test_admin_configured_question_appears_in_its_service_only(client, catalogue):
    garbage = CatalogType.objects.get(code="06010", kind="matter")
    ServiceAttribute.objects.create(
        catalog_type=garbage,
        code="volume",
        datatype="number",
        description="约多少立方米？",
        order=5,
    )
    assert "volume" in [
        a["code"] for a in client.get("/open311/v2/services/06010.json").json()["attributes"]
    ]
    assert "volume" not in [
        a["code"] for a in client.get("/open311/v2/services/01037.json").json()["attributes"]
    ]


def test_unknown_or_inactive_service_is_a_404_in_the_spec_error_format(client, catalogue):
    response = client.get("/open311/v2/services/07001.xml")
    assert response.status_code == 404
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert "07001" in (root.findtext("error/description") or "")
    as_json = client.get("/open311/v2/services/99999.json")
    assert as_json.status_code == 404
    assert as_json.json()[0]["code"] == 404


def test_jurisdiction_is_validated_when_given(client, catalogue):
    make_city("110101")
    assert client.get("/open311/v2/services.json?jurisdiction_id=110101").status_code == 200
    assert client.get("/open311/v2/services.json?jurisdiction_id=").status_code == 200
    unknown = client.get("/open311/v2/services.json?jurisdiction_id=sfgov.org")
    assert unknown.status_code == 404
    assert "sfgov.org" in unknown.json()[0]["description"]


def test_unknown_format_is_refused(client, catalogue):
    assert client.get("/open311/v2/services.html").status_code == 404
