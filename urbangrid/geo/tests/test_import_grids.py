import datetime as dt
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from urbangrid.geo.locate import locate
from urbangrid.geo.models import Community, District, Street, UnitGrid
from urbangrid.geo.services import GridImportError, import_grids
from urbangrid.geo.tests.builders import collection, grid_feature, small_city
from urbangrid.testing import ORIGIN_LAT, ORIGIN_LNG, make_city, square

pytestmark = pytest.mark.django_db

DAY1 = dt.date(2026, 1, 1)
DAY2 = dt.date(2026, 6, 1)


def counts() -> tuple[int, int, int, int]:
    return (
        District.objects.count(),
        Street.objects.count(),
        Community.objects.count(),
        UnitGrid.objects.count(),
    )


def refused(data: Any, **kwargs: Any) -> list[str]:
    before = counts()
    with pytest.raises(GridImportError) as info:
        import_grids(data, valid_from=DAY1, **kwargs)
    assert counts() == before, "a refused import must write nothing"
    return [str(issue) for issue in info.value.issues]


def test_importing_grids_creates_the_districts_streets_and_communities_they_name():
    result = import_grids(small_city(), valid_from=DAY1)
    assert result.created == 4
    assert (result.districts_created, result.streets_created, result.communities_created) == (
        1,
        1,
        2,
    )
    assert District.objects.get(code="120101").name == "新区"
    assert Street.objects.get(code="120101001").name == "一街道"
    assert Community.objects.get(code="120101001002").name == "乙社区"
    grid = UnitGrid.objects.get(code="120101001001001")
    assert grid.valid_from == DAY1
    assert grid.valid_to is None
    assert 9_400 < grid.area_m2 < 9_600  # 0.001° × 0.001° at 39.9° N ≈ 111 m × 85 m


def test_importing_recomputes_the_shapes_and_boxes_of_the_areas_above():
    import_grids(small_city(), valid_from=DAY1)
    community = Community.objects.get(code="120101001001")
    assert community.geometry["type"] == "Polygon"
    assert community.min_lng == pytest.approx(ORIGIN_LNG)
    assert community.max_lng == pytest.approx(ORIGIN_LNG + 0.002)
    district = District.objects.get(code="120101")
    assert district.geometry_from_grids
    assert district.max_lng == pytest.approx(ORIGIN_LNG + 0.004)
    assert district.centre_lat == pytest.approx(ORIGIN_LAT + 0.0005)


def test_imported_grids_are_found_by_locate_at_once():
    import_grids(small_city(), valid_from=DAY1)
    found = locate(ORIGIN_LNG + 0.0025, ORIGIN_LAT + 0.0005)
    assert found is not None
    assert found.grid_code == "120101001002001"
    assert found.community_name == "乙社区"


def test_a_file_that_is_not_a_feature_collection_is_refused():
    assert refused({"type": "Feature"}) == ["input: broken GeoJSON: not a FeatureCollection"]
    assert refused([1, 2]) == ["input: broken GeoJSON: not a FeatureCollection"]


def test_broken_geojson_features_are_named_with_their_index_and_reason():
    bad_coords = grid_feature("120101001001001", geometry={"type": "Polygon", "coordinates": [[1]]})
    data = collection(bad_coords, grid_feature("120101001001002"))
    data["features"].insert(1, "not a feature")
    issues = refused(data)
    assert any(
        i.startswith(
            "feature #0 (id '120101001001001') code 120101001001001: broken GeoJSON geometry"
        )
        for i in issues
    )
    assert "feature #1: broken GeoJSON: not a Feature object" in issues


def test_a_geometry_that_is_not_a_polygon_is_refused():
    point = grid_feature(
        "120101001001001", geometry={"type": "Point", "coordinates": [116.4, 39.9]}
    )
    issues = refused(collection(point))
    assert issues == [
        "feature #0 (id '120101001001001') code 120101001001001: "
        "geometry must be a Polygon or MultiPolygon, got 'Point'"
    ]


def test_a_self_intersecting_polygon_is_refused_with_the_reason():
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[116.4, 39.9], [116.401, 39.901], [116.401, 39.9], [116.4, 39.901], [116.4, 39.9]]
        ],
    }
    issues = refused(collection(grid_feature("120101001001001", geometry=bowtie)))
    assert len(issues) == 1
    assert "invalid geometry: Self-intersection" in issues[0]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("12010100100100", "code must be 15 digits, got 14"),
        ("1201010010010011", "code must be 15 digits, got 16"),
        ("12010100100100A", "code '12010100100100A' must contain digits only"),
    ],
)
def test_grid_codes_of_the_wrong_length_or_with_letters_are_refused(code, reason):
    issues = refused(collection(grid_feature(code)))
    assert issues == [f"feature #0 (id '{code}') code {code}: {reason}"]


def test_a_parent_code_that_disagrees_with_the_grid_code_is_refused():
    issues = refused(collection(grid_feature("120101001001001", district_code="120102")))
    assert issues == [
        "feature #0 (id '120101001001001') code 120101001001001: "
        "district_code 120102 disagrees with the grid code (expected 120101)"
    ]


def test_a_duplicate_code_in_the_file_is_refused():
    issues = refused(
        collection(grid_feature("120101001001001", 0), grid_feature("120101001001001", 1))
    )
    assert issues == [
        "feature #1 (id '120101001001001') code 120101001001001: "
        "duplicate code: also in feature #0 (id '120101001001001')"
    ]


def test_overlapping_grids_of_one_community_in_the_file_are_refused():
    half = square(ORIGIN_LNG + 0.0005, ORIGIN_LAT)
    issues = refused(
        collection(
            grid_feature("120101001001001", 0), grid_feature("120101001001002", geometry=half)
        )
    )
    assert len(issues) == 1
    assert issues[0].startswith(
        "feature #1 (id '120101001001002') code 120101001001002: overlaps grid 120101001001001"
    )


def test_grids_that_only_touch_are_not_an_overlap():
    result = import_grids(
        collection(grid_feature("120101001001001", 0), grid_feature("120101001001002", 1)),
        valid_from=DAY1,
    )
    assert result.created == 2


def test_a_grid_overlapping_a_current_grid_of_its_community_in_the_database_is_refused():
    city = make_city()
    community = city.communities[0]
    overlapping = grid_feature(
        f"{community.code}009", geometry=square(ORIGIN_LNG + 0.0005, ORIGIN_LAT)
    )
    issues = refused(collection(overlapping))
    assert issues == [
        f"feature #0 (id '{community.code}009') code {community.code}009: overlaps current grid "
        f"{community.code}{seq} of the same community by 5e-07 square degrees"
        for seq in ("001", "002")
    ]


def test_a_grid_outside_its_districts_declared_box_is_refused():
    make_city()  # district 110101 declares a 0.008° square from the origin
    far = grid_feature("110101001001009", geometry=square(ORIGIN_LNG + 0.1, ORIGIN_LAT))
    issues = refused(collection(far))
    assert len(issues) == 1
    assert "lies outside the bounding box of district 110101" in issues[0]


def test_skip_invalid_imports_the_valid_grids_and_lists_the_others():
    data = collection(grid_feature("120101001001001", 0), grid_feature("12010100100100", 1))
    result = import_grids(data, valid_from=DAY1, skip_invalid=True)
    assert result.created == 1
    assert result.skipped == 1
    assert [i.code for i in result.issues] == ["12010100100100"]
    assert UnitGrid.objects.count() == 1


def test_nothing_is_written_when_one_feature_of_many_is_bad():
    data = small_city()
    data["features"].append(
        grid_feature("120101001001003", geometry={"type": "LineString", "coordinates": []})
    )
    refused(data)


def test_a_changed_geometry_closes_the_current_version_and_adds_a_new_one():
    import_grids(small_city(), valid_from=DAY1)
    moved = collection(
        grid_feature("120101001001001", geometry=square(ORIGIN_LNG, ORIGIN_LAT - 0.001))
    )
    result = import_grids(moved, valid_from=DAY2)
    assert (result.created, result.replaced) == (0, 1)
    versions = list(UnitGrid.objects.filter(code="120101001001001").order_by("valid_from"))
    assert [(v.valid_from, v.valid_to) for v in versions] == [(DAY1, DAY2), (DAY2, None)]
    assert versions[0].geometry == small_city()["features"][0]["geometry"]
    assert Community.objects.get(code="120101001001").min_lat == pytest.approx(ORIGIN_LAT - 0.001)


def test_reimporting_identical_geometry_changes_nothing():
    import_grids(small_city(), valid_from=DAY1)
    result = import_grids(small_city(), valid_from=DAY2)
    assert (result.created, result.replaced, result.unchanged) == (0, 0, 4)
    assert UnitGrid.objects.count() == 4


def test_a_changed_geometry_on_the_day_of_the_current_version_is_refused():
    import_grids(small_city(), valid_from=DAY1)
    moved = collection(
        grid_feature("120101001001001", geometry=square(ORIGIN_LNG, ORIGIN_LAT - 0.001))
    )
    issues = refused(moved)
    assert issues == [
        "feature #0 (id '120101001001001') code 120101001001001: the current version starts on "
        "2026-01-01; valid_from 2026-01-01 must be later"
    ]


def test_the_import_command_reports_progress_and_counts(tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(small_city()), encoding="utf-8")
    out, err = _run(
        "import_grids", str(path), "--valid-from", "2026-01-01", "--progress-every", "2"
    )
    assert "4 new, 0 replaced" in out
    assert "checked 2/4 features" in err
    assert UnitGrid.objects.filter(valid_from=DAY1).count() == 4


def test_the_import_command_lists_problems_and_fails_on_broken_json(tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported"):
        _run("import_grids", str(path))
    assert UnitGrid.objects.count() == 0


def test_exported_grids_can_be_imported_again(tmp_path):
    make_city()
    make_city("110102", "另一区")
    path = tmp_path / "out.geojson"
    _run("export_grids", "--district", "110101", "--out", str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["features"]) == 16
    assert data["features"][0]["properties"]["district_name"] == "测试区"
    result = import_grids(data, valid_from=DAY2)
    assert result.unchanged == 16


def _run(*args: str) -> tuple[str, str]:
    import io

    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()
