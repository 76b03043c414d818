"""A round trip with the ``georeport`` client from PyPI against a live server.

The client has no POST method: the request is created with ``requests`` (its own HTTP
library), then read back through the client in both of its formats.
"""

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

from .conftest import build_world


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_round_trip(live_server, fmt):
    world = build_world()
    root = f"{live_server.url}/open311/v2"
    client = GeoReport(root, jurisdiction="110101", api_key="demo-key", output_format=fmt)
    services = client.get_service_list()
    assert "06010" in [s["service_code"] for s in services]
    definition = client.get_service_definition("06010")
    assert definition["service_code"] == "06010"

    created = requests.post(f"{root}/requests.json", data=world.form(), timeout=10)
    assert created.status_code == 200, created.text
    number = created.json()[0]["service_request_id"]

    one = client.get_service_request(number)
    assert one["service_request_id"] == number
    assert one["status"] == "open"
    listed = client.get_service_requests(service_code="06010", status="open")
    listed = listed if isinstance(listed, list) else [listed]  # xmltodict: one item → dict
    assert number in [r["service_request_id"] for r in listed]
    by_id = client.get_service_requests(service_request_id=number)
    by_id = by_id if isinstance(by_id, list) else [by_id]
    assert [r["service_request_id"] for r in by_id] == [number]
