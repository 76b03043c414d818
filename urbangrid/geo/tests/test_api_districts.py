import pytest

from urbangrid.geo.models import District
from urbangrid.testing import make_city

pytestmark = pytest.mark.django_db


def test_districts_are_listed_with_centre_and_box(client):
    make_city()
    District.objects.create(code="110102", name="无界区")
    response = client.get("/api/v1/geo/districts")
    assert response.status_code == 200
    first, second = response.json()
    assert first == {
        "code": "110101",
        "name": "测试区",
        "city_name": "测试市",
        "centre": {"lat": pytest.approx(39.904), "lng": pytest.approx(116.404)},
        "bbox": [
            pytest.approx(116.4),
            pytest.approx(39.9),
            pytest.approx(116.408),
            pytest.approx(39.908),
        ],
    }
    assert second["code"] == "110102"
    assert second["centre"] is None
    assert second["bbox"] is None
