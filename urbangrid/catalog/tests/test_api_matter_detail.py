"""GET /api/v1/catalog/matters/{code}"""

from typing import Any

import pytest

from urbangrid.catalog.models import CatalogType, Kind, Stage, StageLimit

pytestmark = pytest.mark.django_db


def limits_of(body: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["stage"], row["grade"]): row for row in body["limits"]}


def test_matter_detail_shows_the_limits_in_force(client):
    response = client.get("/api/v1/catalog/matters/06010")
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"], body["standard"]) == (
        "06010",
        "暴露垃圾",
        "GB/T 47678.5-2026",
    )
    limits = limits_of(body)
    assert limits[("handle", "general")]["amount"] == 4
    assert limits[("handle", "general")]["unit"] == "working_hours"
    assert limits[("handle", "general")]["source"] == "type"
    assert limits[("handle", "engineering")]["source"] == "default"
    assert limits[("verify", "")]["amount"] == 30
    assert limits[("check", "")]["amount"] == 120
    assert body["limits"][0]["stage"] == "accept"


def test_manhole_cover_anomaly_is_limited_in_calendar_hours(client):
    body = client.get("/api/v1/catalog/matters/01011").json()
    assert body["component_code"] == "01011"
    assert body["component_name"] == "燃气井盖"
    handle = limits_of(body)[("handle", "general")]
    assert (handle["amount"], handle["unit"]) == (6, "calendar_hours")


def test_matter_detail_shows_configuration(client):
    CatalogType.objects.filter(kind=Kind.MATTER, code="06012").update(
        needs_check=False, closing_standard="路面无垃圾"
    )
    body = client.get("/api/v1/catalog/matters/06012").json()
    assert body["needs_check"] is False
    assert body["closing_standard"] == "路面无垃圾"


def test_a_type_limit_for_any_grade_overrides_graded_defaults(client):
    matter = CatalogType.objects.get(kind=Kind.MATTER, code="09009", standard="GB/T 47678.5-2026")
    StageLimit.objects.create(
        catalog_type=matter, stage=Stage.HANDLE, amount=2, unit="working_hours"
    )
    limits = limits_of(client.get("/api/v1/catalog/matters/09009").json())
    assert limits[("handle", "")]["amount"] == 2
    # type + any grade is more specific than default + grade
    assert (limits[("handle", "special")]["amount"], limits[("handle", "special")]["source"]) == (
        2,
        "type",
    )


def test_four_digit_codes_find_legacy_matters(client):
    body = client.get("/api/v1/catalog/matters/0102").json()
    assert body["standard"] == "CJ/T 214-2007"
    assert body["successor_code"] == "06010"


def test_unknown_matter_is_a_structured_404(client):
    response = client.get("/api/v1/catalog/matters/99999")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "no matter type with code 99999",
        "field": "code",
    }
