"""GET /api/v1/catalog/components"""

import csv

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from urbangrid.catalog.loading import GBT_2026_CSV
from urbangrid.catalog.models import CatalogType, Kind

pytestmark = pytest.mark.django_db
URL = "/api/v1/catalog/components"


def csv_codes(kind: str) -> list[str]:
    with GBT_2026_CSV.open(encoding="utf-8") as fh:
        return [row["code"] for row in csv.DictReader(fh) if row["kind"] == kind]


def test_components_list_exactly_the_153_codes_of_the_standard_by_default(client):
    response = client.get(URL)
    assert response.status_code == 200
    rows = response.json()
    assert [row["code"] for row in rows] == sorted(csv_codes("component"))
    assert {row["standard"] for row in rows} == {"GB/T 47678.5-2026"}


def test_every_component_row_has_the_documented_fields(client):
    row = client.get(URL).json()[0]
    assert row["code"] == "01001"
    assert row["name"] == "供水井盖"
    assert row["class_code"] == "01"
    assert row["class_name"] == "市政公用设施"
    assert row["kind"] == "component"
    assert row["needs_verification"] is True
    assert row["needs_check"] is True
    assert row["is_active"] is True


def test_components_filter_by_class(client):
    rows = client.get(URL, {"class_code": "04"}).json()
    assert len(rows) == 14
    assert {row["class_name"] for row in rows} == {"园林绿化设施"}


def test_components_search_by_name_and_keywords(client):
    assert [row["code"] for row in client.get(URL, {"q": "井盖"}).json()][:3] == [
        "01001",
        "01002",
        "01003",
    ]
    legacy = client.get(URL, {"q": "射灯", "standard": "all"}).json()
    assert [(row["code"], row["name"]) for row in legacy] == [("0120", "景观灯")]


def test_legacy_components_come_only_when_asked_for(client):
    rows = client.get(URL, {"standard": "CJ/T 214-2007"}).json()
    assert (
        len(rows)
        == CatalogType.objects.filter(standard="CJ/T 214-2007", kind=Kind.COMPONENT).count()
    )
    assert all(len(row["code"]) == 4 for row in rows)
    assert rows[0]["successor_code"] == "01001"
    all_rows = client.get(URL, {"standard": "all"}).json()
    assert len(all_rows) == 153 + len(rows)


def test_inactive_components_are_hidden_unless_included(client):
    CatalogType.objects.filter(kind=Kind.COMPONENT, code="01001").update(is_active=False)
    assert "01001" not in [row["code"] for row in client.get(URL).json()]
    rows = client.get(URL, {"include_inactive": "true"}).json()
    assert rows[0]["code"] == "01001"
    assert rows[0]["is_active"] is False


def test_unknown_standard_is_a_structured_400(client):
    response = client.get(URL, {"standard": "GB/T 1-2000"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["field"] == "standard"


def test_components_list_runs_in_one_query(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, {"standard": "all"}).status_code == 200
    assert len(ctx.captured_queries) == 1
