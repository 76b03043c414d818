"""GET /api/v1/organisations/departments"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from urbangrid.organisations.models import Level
from urbangrid.testing import make_department

pytestmark = pytest.mark.django_db
URL = "/api/v1/organisations/departments"


@pytest.fixture
def tree():
    city = make_department("市城管委", level=Level.CITY)
    district = make_department("区城管委", level=Level.DISTRICT, parent=city)
    street = make_department("第1街道办事处", level=Level.STREET, parent=district)
    make_department("旧部门", level=Level.DISTRICT, is_active=False)
    return city, district, street


def test_departments_list_code_name_level_and_parent(client, tree):
    city, district, _street = tree
    rows = client.get(URL).json()
    assert [(r["name"], r["level"]) for r in rows] == [
        ("市城管委", "city"),
        ("区城管委", "district"),
        ("第1街道办事处", "street"),
    ]
    by_name = {r["name"]: r for r in rows}
    assert by_name["市城管委"]["parent"] is None
    assert by_name["区城管委"] == {
        "id": district.pk,
        "code": district.uscc,
        "name": "区城管委",
        "short_name": "",
        "level": "district",
        "parent": city.uscc,
    }
    assert by_name["第1街道办事处"]["parent"] == district.uscc


def test_departments_filter_by_level_and_include_inactive(client, tree):
    assert [r["name"] for r in client.get(URL, {"level": "street"}).json()] == ["第1街道办事处"]
    names = [r["name"] for r in client.get(URL, {"include_inactive": "true"}).json()]
    assert "旧部门" in names


def test_unknown_level_is_a_structured_400(client, tree):
    response = client.get(URL, {"level": "province"})
    assert response.status_code == 400
    assert response.json()["field"] == "level"


def test_departments_list_runs_in_one_query(client, tree):
    with CaptureQueriesContext(connection) as ctx:
        client.get(URL)
    assert len(ctx.captured_queries) == 1
