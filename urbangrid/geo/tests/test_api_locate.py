import pytest

from urbangrid.geo.gcj02 import wgs84_to_gcj02
from urbangrid.testing import make_city

pytestmark = pytest.mark.django_db

URL = "/api/v1/geo/locate"


def test_locate_answers_the_grid_and_the_areas_above_it(client):
    city = make_city()
    grid = city.grids[6]
    lat, lng = city.point_in(grid)
    response = client.get(URL, {"lat": lat, "lng": lng})
    assert response.status_code == 200
    assert response.json() == {
        "grid": {"code": grid.code, "name": grid.name},
        "community": {"code": grid.community.code, "name": grid.community.name},
        "street": {"code": grid.community.street.code, "name": grid.community.street.name},
        "district": {"code": "110101", "name": "测试区"},
        "lat": lat,
        "lng": lng,
    }


def test_locate_converts_gcj02_points_to_wgs84_first(client):
    city = make_city()
    lat, lng = city.point_in(city.grids[2])
    g_lng, g_lat = wgs84_to_gcj02(lng, lat)
    response = client.get(URL, {"lat": g_lat, "lng": g_lng, "crs": "gcj02"})
    assert response.status_code == 200
    body = response.json()
    assert body["grid"]["code"] == city.grids[2].code
    assert body["lat"] == pytest.approx(lat, abs=1e-7)
    assert body["lng"] == pytest.approx(lng, abs=1e-7)


def test_a_point_outside_every_grid_answers_404_naming_the_point(client):
    make_city()
    response = client.get(URL, {"lat": 31.2, "lng": 121.5})
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "outside_grids"
    assert body["field"] is None
    assert "lat 31.200000, lng 121.500000" in body["message"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 91, "lng": 116.4}, "lat"),
        ({"lat": 39.9, "lng": -181}, "lng"),
        ({"lat": "north", "lng": 116.4}, "lat"),
        ({"lat": "nan", "lng": 116.4}, "lat"),
        ({"lng": 116.4}, "lat"),
        ({"lat": 39.9, "lng": 116.4, "crs": "bd09"}, "crs"),
    ],
)
def test_bad_coordinates_answer_a_structured_400(client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == field
    assert body["message"]


def test_the_locate_schema_is_in_the_openapi_document(client):
    doc = client.get("/api/openapi.json").json()
    operation = doc["paths"]["/api/v1/geo/locate"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"lat", "lng", "crs"}
    assert {"200", "400", "404"} <= set(operation["responses"])
