import pytest

from urbangrid.testing import make_city

pytestmark = pytest.mark.django_db

URL = "/api/v1/geo/grids.geojson"


def test_grids_are_served_as_a_feature_collection(client):
    make_city()
    make_city("110102", "另一区")
    response = client.get(URL, {"district": "110101"})
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] == 16
    assert body["next"] is None
    feature = body["features"][0]
    assert feature["properties"]["code"] == "110101001001001"
    assert feature["geometry"]["type"] == "Polygon"


def test_grids_can_be_filtered_by_box_and_paged(client):
    make_city()
    # The box covers the first two columns of grids (the first community's four grids).
    box = "116.4001,39.9001,116.4019,39.9019"
    body = client.get(URL, {"bbox": box, "limit": 3}).json()
    assert body["numberMatched"] == 4
    assert body["numberReturned"] == 3
    assert body["next"] == 3
    rest = client.get(URL, {"bbox": box, "limit": 3, "offset": 3}).json()
    assert [f["id"] for f in rest["features"]] == ["110101001001004"]
    assert rest["next"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "3,2,1,4"}, "bbox"),
        ({"limit": 100000}, "limit"),
        # Past any integer the database stores (found by the schema fuzzer: a 500).
        ({"offset": 55362632428246352277425249845248}, "offset"),
    ],
)
def test_bad_grid_queries_answer_a_structured_400(client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.json()["field"] == field
