"""GET requests.{fmt}: every filter, the limits, the extensions; no personal data."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from urbangrid.cases.models import Case
from urbangrid.common import clock
from urbangrid.open311.tests.conftest import (
    ERRORS_SCHEMA,
    REQUESTS_SCHEMA,
    assert_golden,
    assert_no_personal_data,
    validate,
)

pytestmark = pytest.mark.django_db
URL = "/open311/v2/requests"


@pytest.fixture
def three(client, world):
    """Three requests: one dispatched (with a public note), one closed, one fresh."""
    numbers = [
        world.create(
            client, lat=str(world.point(i)[0]), long=str(world.point(i)[1]), description=f"垃圾{i}"
        )
        for i in (0, 3, 6)
    ]
    world.dispatch(numbers[0])
    world.act(
        numbers[1], "not_accept", world.operator, reason_code="out_of_scope", note="不属于城管范围"
    )
    return numbers


def test_list_in_both_formats_matches_the_golden_documents(client, world, three):
    as_json = client.get(f"{URL}.json")
    assert as_json.status_code == 200
    data = as_json.json()
    validate(data, REQUESTS_SCHEMA)
    assert [r["service_request_id"] for r in data] == list(reversed(three))
    ids = {n: f"<CASE{i}>" for i, n in enumerate(three)}
    assert_golden("requests.json", as_json.content, ids=ids)
    as_xml = client.get(f"{URL}.xml")
    assert as_xml["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(as_xml.content)
    assert root.tag == "service_requests"
    assert len(root.findall("request")) == 3
    assert_golden("requests.xml", as_xml.content, ids=ids)


def test_fields_follow_the_case(client, world, three):
    by_id = {r["service_request_id"]: r for r in client.get(f"{URL}.json").json()}
    dispatched = by_id[three[0]]
    assert dispatched["status"] == "open"
    assert dispatched["agency_responsible"] == "区环卫中心"
    case = Case.objects.get(number=three[0])
    assert dispatched["expected_datetime"] is not None
    # W3C datetimes are given to the second (the due may carry microseconds when the
    # case was reported in working time).
    assert case.expected_at is not None
    expected = case.expected_at.replace(microsecond=0)
    assert dt.datetime.fromisoformat(dispatched["expected_datetime"]) == expected
    assert dispatched["service_code"] == "06010"
    assert dispatched["lat"] == pytest.approx(case.lat)
    closed = by_id[three[1]]
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "不属于城管范围"
    assert dt.datetime.fromisoformat(closed["requested_datetime"]).utcoffset() == dt.timedelta(
        hours=8
    )


def test_no_personal_data_in_any_get(client, world, three):
    for url in (
        f"{URL}.json",
        f"{URL}.xml",
        f"{URL}.json?extensions=true",
        f"{URL}/{three[0]}.xml?extensions=true",
        "/open311/v2/servicerequestupdates.json",
        "/open311/v2/servicerequestupdates.xml",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert_no_personal_data(response.content)


def test_service_request_id_list_overrides_every_other_filter(client, world, three):
    ids = f"{three[2]},{three[0]},nope"
    data = client.get(
        f"{URL}.json", {"service_request_id": ids, "status": "closed", "service_code": "99999"}
    ).json()
    assert [r["service_request_id"] for r in data] == [three[2], three[0]]


def test_status_and_service_code_filters(client, world, three):
    closed = client.get(f"{URL}.json", {"status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [three[1]]
    both = client.get(f"{URL}.json", {"status": "open,closed"}).json()
    assert len(both) == 3
    assert client.get(f"{URL}.json", {"service_code": "01037,06010"}).json() != []
    assert client.get(f"{URL}.json", {"service_code": "01037"}).json() == []
    assert client.get(f"{URL}.json", {"status": "pending"}).status_code == 400


def test_date_window(client, world, three):
    now = clock.now()
    assert (
        len(
            client.get(
                f"{URL}.json", {"start_date": (now - dt.timedelta(hours=1)).isoformat()}
            ).json()
        )
        == 3
    )
    assert client.get(f"{URL}.json", {"end_date": "2020-01-01T00:00:00Z"}).json() == []
    too_long = client.get(
        f"{URL}.json", {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    )
    assert too_long.status_code == 400
    validate(too_long.json(), ERRORS_SCHEMA)
    assert "90 days" in too_long.json()[0]["description"]
    bad = client.get(f"{URL}.xml", {"start_date": "yesterday"})
    assert bad.status_code == 400
    assert ET.fromstring(bad.content).findtext("error/code") == "400"
    empty = client.get(f"{URL}.json", {"start_date": "", "status": "", "service_code": ""})
    assert len(empty.json()) == 3


def test_old_requests_fall_outside_the_default_window(client, world, three):
    Case.objects.filter(number=three[0]).update(created_at=clock.now() - dt.timedelta(days=91))
    assert three[0] not in [r["service_request_id"] for r in client.get(f"{URL}.json").json()]


def test_pages(client, world, three):
    first = client.get(f"{URL}.json", {"page_size": 2}).json()
    second = client.get(f"{URL}.json", {"page_size": 2, "page": 2}).json()
    assert [r["service_request_id"] for r in first + second] == list(reversed(three))
    assert client.get(f"{URL}.json", {"page_size": 501}).status_code == 400
    assert client.get(f"{URL}.json", {"page": 0}).status_code == 400


def test_bbox_and_radius(client, world, three):
    lat, lng = world.point(0)
    box = f"{lng - 0.0004},{lat - 0.0004},{lng + 0.0004},{lat + 0.0004}"
    assert [r["service_request_id"] for r in client.get(f"{URL}.json", {"bbox": box}).json()] == [
        three[0]
    ]
    near = client.get(f"{URL}.json", {"lat": lat, "long": lng, "radius": 50}).json()
    assert [r["service_request_id"] for r in near] == [three[0]]
    wide = client.get(f"{URL}.json", {"lat": lat, "long": lng, "radius": 2000}).json()
    assert len(wide) == 3
    assert client.get(f"{URL}.json", {"bbox": "1,2,3"}).status_code == 400
    assert client.get(f"{URL}.json", {"lat": lat, "long": lng}).status_code == 400


def test_extensions_add_the_public_timeline_and_extended_attributes(client, world, three):
    data = client.get(f"{URL}.json", {"extensions": "true", "service_request_id": three[0]}).json()
    validate(data, REQUESTS_SCHEMA)
    (item,) = data
    extended = item["extended_attributes"]
    case = Case.objects.get(number=three[0])
    assert extended["grid_code"] == case.grid_code
    assert extended["street"] == "第1街道"
    assert extended["channel"] == "open311"
    assert extended["duplicate_of"] is None
    assert [n["type"] for n in item["notes"]] == ["submitted", "activity", "activity", "activity"]
    assert item["notes"][-1]["description"] == "派遣"
    plain = client.get(f"{URL}.json", {"service_request_id": three[0]}).json()[0]
    assert "notes" not in plain


def test_list_uses_a_constant_number_of_queries(
    client, world, three, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        client.get(f"{URL}.json", {"extensions": "true"})
