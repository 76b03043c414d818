"""GET /api/v1/catalog/matters"""

import csv

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from urbangrid.catalog.loading import GBT_2026_CSV

pytestmark = pytest.mark.django_db
URL = "/api/v1/catalog/matters"


def csv_rows() -> list[dict[str, str]]:
    with GBT_2026_CSV.open(encoding="utf-8") as fh:
        return [row for row in csv.DictReader(fh) if row["kind"] == "matter"]


def test_matters_list_exactly_the_250_codes_of_the_standard_by_default(client):
    rows = client.get(URL).json()
    assert len(rows) == 250
    assert {(r["code"], r["name"], r["class_code"], r["class_name"]) for r in rows} == {
        (r["code"], r["name"], r["class_code"], r["class_name"]) for r in csv_rows()
    }


def test_anomaly_matters_name_their_component(client):
    rows = {row["code"]: row for row in client.get(URL).json()}
    assert rows["01001"]["component_code"] == "01001"
    assert rows["06010"]["component_code"] is None


def test_matters_filter_by_class_and_search(client):
    rows = client.get(URL, {"class_code": "07"}).json()
    assert [row["code"] for row in rows] == [
        "07001",
        "07002",
        "07003",
        "07004",
        "07006",
        "07007",
        "07008",
    ]
    found = client.get(URL, {"q": "垃圾"}).json()
    assert "06010" in [row["code"] for row in found]
    assert all("垃圾" in row["name"] or "垃圾" in row["keywords"] for row in found)


def test_legacy_matters_are_tagged_with_their_standard(client):
    rows = client.get(URL, {"standard": "CJ/T 214-2007"}).json()
    assert rows
    assert {row["standard"] for row in rows} == {"CJ/T 214-2007"}
    by_code = {row["code"]: row for row in rows}
    assert by_code["0102"]["successor_code"] == "06010"
    found = client.get(URL, {"q": "道路保洁", "standard": "CJ/T 214-2007"}).json()
    assert [row["code"] for row in found] == ["0104"]


def test_matters_list_runs_in_one_query(client):
    with CaptureQueriesContext(connection) as ctx:
        client.get(URL)
    assert len(ctx.captured_queries) == 1
