import csv
import io
import json

import pytest
from django.core.management import call_command

from urbangrid.assets.models import Component
from urbangrid.assets.services import import_components
from urbangrid.assets.tests.builders import make_inventory_city, record, rows

pytestmark = pytest.mark.django_db


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_components", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_csv_export_uses_the_standard_header_and_can_be_imported_again():
    city = make_inventory_city()
    import_components(
        rows(record(city, serial=1), record(city, serial=2, grid=9, BGRQ="2026-02-03"))
    )
    text = export("--format", "csv")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert list(lines[0])[:3] == ["GLBJBSM", "GLBJMC", "ZGBMDM"]
    assert list(lines[0])[-2:] == ["X", "Y"]
    assert lines[0]["GLBJZT"] == "完好"
    assert lines[1]["BGRQ"] == "20260203"
    assert lines[1]["SZDYWGBSM"] == city.grids[9].code
    Component.objects.all().delete()
    result = import_components((f"row {i}", r) for i, r in enumerate(lines, start=2))
    assert result.created == 2


def test_geojson_export_filters_by_grid_prefix():
    city = make_inventory_city()
    import_components(rows(record(city, serial=1, grid=0), record(city, serial=2, grid=15)))
    data = json.loads(export("--format", "geojson", "--grid", city.grids[15].code))
    assert [f["id"] for f in data["features"]] == ["11010101001000002"]
    feature = data["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["SZSQDM"] == city.grids[15].community.code


def test_the_admin_lists_components(client):
    from django.urls import reverse

    from urbangrid.organisations.models import User

    city = make_inventory_city()
    import_components(rows(record(city)))
    User.objects.create_superuser("root", password="x")
    client.login(username="root", password="x")
    response = client.get(reverse("admin:assets_component_changelist"), {"q": "110101"})
    assert response.status_code == 200
    assert "11010101001000001" in response.content.decode()
