"""GET /api/v1/organisations/responsibility"""

import pytest

from urbangrid.catalog.models import Kind
from urbangrid.organisations.models import AreaLevel, Basis, Level, ResponsibilityRule
from urbangrid.testing import make_department, make_type

pytestmark = pytest.mark.django_db
URL = "/api/v1/organisations/responsibility"
GRID = "110101001001001"


@pytest.fixture
def rules():
    district = make_department("区城管委", level=Level.DISTRICT)
    street = make_department("第1街道办事处", level=Level.STREET, parent=district)
    water = make_department("区自来水公司", level=Level.DISTRICT)
    ResponsibilityRule.objects.create(
        department=street, area_level=AreaLevel.STREET, area_code="110101001", basis=Basis.LOCALITY
    )
    ResponsibilityRule.objects.create(
        department=water,
        area_level=AreaLevel.DISTRICT,
        area_code="110101",
        basis=Basis.OWNER,
        catalog_type=make_type("01001", "供水井盖", kind=Kind.COMPONENT),
    )
    return {"street": street, "water": water, "district": district}


def test_responsibility_explains_the_suggestion_for_a_component_anomaly(client, rules):
    response = client.get(URL, {"type": "01001", "grid": GRID})
    assert response.status_code == 200
    body = response.json()
    assert body["suggestion"]["department"]["name"] == "区自来水公司"
    assert body["suggestion"]["basis"] == "owner"
    assert body["suggestion"]["reason"].startswith("部件先属主：属主 区自来水公司")
    assert [c["department"]["name"] for c in body["candidates"]] == [
        "区自来水公司",
        "第1街道办事处",
    ]
    assert body["candidates"][1]["department"]["parent"] == rules["district"].uscc
    assert [c["matched_by"] for c in body["candidates"]] == ["type", "any"]


def test_responsibility_puts_the_locality_first_for_an_event(client, rules):
    body = client.get(URL, {"type": "06010", "grid": GRID}).json()
    assert body["suggestion"]["department"]["name"] == "第1街道办事处"
    assert body["suggestion"]["reason"].startswith("事件先属地")


def test_responsibility_without_a_rule_has_no_suggestion_and_says_why(client, rules):
    body = client.get(URL, {"type": "06010", "grid": "110101002001001"}).json()
    assert body["suggestion"] is None
    assert body["candidates"] == []
    assert "没有适用于 06010" in body["notes"][0]


def test_responsibility_notes_an_unknown_component(client, rules):
    body = client.get(URL, {"type": "01001", "grid": GRID, "component": "11010101001999999"}).json()
    assert body["suggestion"]["department"]["name"] == "区自来水公司"
    assert body["notes"] == ["未找到部件 11010101001999999，不按部件权属判断"]


def test_unknown_type_is_a_structured_404(client, rules):
    response = client.get(URL, {"type": "99999", "grid": GRID})
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "no matter type with code 99999",
        "field": "type",
    }


@pytest.mark.parametrize("grid", ["11010100100100", "abc", "1101010010010011"])
def test_malformed_grid_is_a_structured_400(client, rules, grid):
    response = client.get(URL, {"type": "06010", "grid": grid})
    assert response.status_code == 400
    assert response.json()["field"] == "grid"


def test_missing_parameters_are_a_structured_400(client, rules):
    response = client.get(URL, {"grid": GRID})
    assert response.status_code == 400
    assert response.json()["field"] == "type"
