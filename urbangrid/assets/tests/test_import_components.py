import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from urbangrid.assets.models import Component
from urbangrid.assets.services import ComponentImportError, import_components
from urbangrid.assets.tests.builders import DEPT, make_inventory_city, record, rows, write_csv
from urbangrid.catalog.models import Kind
from urbangrid.testing import make_type

pytestmark = pytest.mark.django_db

LENGTHS = "17 digits (GB/T 47678.5-2026) or 16 (CJ/T 214)"


@pytest.fixture
def city():
    return make_inventory_city()


def refused(*records: dict[str, Any], **kwargs: Any) -> list[str]:
    before = Component.objects.count()
    with pytest.raises(ComponentImportError) as info:
        import_components(rows(*records), **kwargs)
    assert Component.objects.count() == before, "a refused import must write nothing"
    return [str(i) for i in info.value.issues]


def test_a_valid_record_is_stored_with_its_grid_street_and_community_filled_in(city):
    grid = city.grids[5]
    result = import_components(rows(record(city, grid=5)))
    assert result.created == 1
    component = Component.objects.get()
    assert component.ident == "11010101001000001"
    assert component.component_type.name == "供水井盖"
    assert component.grid_code == grid.code
    assert component.community_code == grid.community.code
    assert component.community_name == grid.community.name
    assert component.street_code == grid.community.street.code
    assert component.status == "intact"
    assert component.initial_on.isoformat() == "2026-01-01"
    assert component.changed_on is None


def test_a_legacy_16_digit_id_needs_a_legacy_type(city):
    result = import_components(rows(record(city, GLBJBSM="1101010101000001")))
    assert result.created == 1
    assert Component.objects.get().component_type.standard == "CJ/T 214-2007"


def test_an_unknown_type_code_is_refused(city):
    assert refused(record(city, GLBJBSM="11010101999000001")) == [
        "row 2 code 11010101001000001: type code 01999 (digits 7–11 of the id) is not a "
        "GB/T 47678.5-2026 component type".replace("11010101001000001", "11010101999000001")
    ]


def test_a_matter_type_code_is_not_a_component_type(city):
    make_type("06010", "暴露垃圾", kind=Kind.MATTER)
    issues = refused(record(city, GLBJBSM="11010106010000001"))
    assert issues == [
        "row 2 code 11010106010000001: type code 06010 (digits 7–11 of the id) is not a "
        "GB/T 47678.5-2026 component type"
    ]


@pytest.mark.parametrize(
    ("ident", "reason"),
    [
        ("110101010010001", f"component id must have {LENGTHS}, got 15"),
        ("1101010100100000A", "component id '1101010100100000A' must contain digits only"),
        ("", "component id (GLBJBSM) is missing"),
    ],
)  # fmt: skip
def test_ids_of_the_wrong_length_are_refused(city, ident, reason):
    issues = refused(record(city, GLBJBSM=ident))
    assert f"row 2{' code ' + ident if ident else ''}: {reason}" in issues


def test_a_bad_uscc_check_character_is_refused(city):
    bad = DEPT[:-1] + ("0" if DEPT[-1] != "0" else "1")
    issues = refused(record(city, ZGBMDM=bad))
    assert issues == [
        f"row 2 code 11010101001000001: ZGBMDM {bad!r} is not a valid USCC: "
        f"check character is {bad[-1]}, expected {DEPT[-1]}"
    ]


def test_optional_owner_and_maintainer_codes_must_be_valid_when_given(city):
    issues = refused(record(city, QSDWDM="123", YHDWDM="91110000MA00000000"))
    assert any("QSDWDM '123' is not a valid USCC: must be 18 characters" in i for i in issues)
    assert any("YHDWDM '91110000MA00000000' is not a valid USCC" in i for i in issues)


def test_a_point_outside_the_district_of_the_id_is_refused(city):
    issues = refused(record(city, GLBJBSM="11010201001000001"))
    assert issues == [
        "row 2 code 11010201001000001: the id starts with 110102 but the point "
        f"({city.grids[0].centre_lng}, {city.grids[0].centre_lat}) lies in district 110101"
    ]


def test_a_point_outside_every_grid_is_refused(city):
    issues = refused(record(city, X="116.5", Y="39.95"))
    assert issues == [
        "row 2 code 11010101001000001: "
        "the point (116.5, 39.95) lies outside every current unit grid"
    ]


def test_a_grid_code_that_disagrees_with_the_point_is_refused(city):
    issues = refused(record(city, grid=0, SZDYWGBSM=city.grids[1].code))
    assert issues == [
        f"row 2 code 11010101001000001: SZDYWGBSM {city.grids[1].code} disagrees with the "
        f"grid at the point ({city.grids[0].code})"
    ]


def test_status_dates_and_mandatory_names_are_checked(city):
    rec = record(city, GLBJZT="占用", CSRQ="2026-13-01", BGRQ="x", GLBJMC="", X="abc")
    issues = refused(rec)
    reasons = [i.split(": ", 1)[1] for i in issues]
    assert "GLBJMC is missing" in reasons
    assert any(r.startswith("GLBJZT: status '占用' is not one of") for r in reasons)
    assert "CSRQ: '2026-13-01' is not a date (YYYYMMDD or YYYY-MM-DD)" in reasons
    assert "BGRQ: 'x' is not a date (YYYYMMDD or YYYY-MM-DD)" in reasons
    assert f"X/Y ('abc', {rec['Y']!r}) is not a point" in reasons


def test_an_overlong_name_is_refused(city):
    issues = refused(record(city, GLBJMC="井" * 31))
    assert issues == ["row 2 code 11010101001000001: GLBJMC is longer than 30 characters"]


def test_nothing_is_written_when_one_record_of_many_is_bad(city):
    good = [record(city, serial=i, grid=i % 16) for i in range(1, 20)]
    issues = refused(*good, record(city, serial=99, GLBJZT="?"))
    assert len(issues) == 1
    assert issues[0].startswith("row 21 code 11010101001000099")


def test_skip_invalid_stores_the_good_records_and_reports_the_bad(city):
    result = import_components(
        rows(record(city, serial=1), record(city, serial=2, ZGBMDM="bad")), skip_invalid=True
    )
    assert (result.created, result.skipped, result.issue_count) == (1, 1, 1)
    assert result.issues[0].item == "row 3"
    assert Component.objects.count() == 1


def test_a_duplicate_id_in_the_input_is_refused(city):
    issues = refused(record(city), record(city, grid=1))
    assert issues == ["row 3 code 11010101001000001: duplicate component id in the input"]


def test_an_existing_id_is_refused_unless_updating(city):
    import_components(rows(record(city)))
    assert refused(record(city, GLBJZT="破损")) == [
        "row 2 code 11010101001000001: component id already exists (use --update to change it)"
    ]
    result = import_components(rows(record(city, GLBJZT="破损", BZ="井盖破损")), update=True)
    assert (result.created, result.updated) == (0, 1)
    component = Component.objects.get()
    assert component.status == "damaged"
    assert component.remark == "井盖破损"
    assert component.changed_on is not None


def test_extra_columns_are_kept_as_extension_attributes(city):
    import_components(rows(record(city, MATERIAL="铸铁")))
    assert Component.objects.get().extra == {"MATERIAL": "铸铁"}


def test_the_command_imports_a_csv_file(city, tmp_path):
    path = write_csv(tmp_path / "c.csv", record(city, serial=1), record(city, serial=2, grid=3))
    out = io.StringIO()
    call_command("import_components", str(path), stdout=out, stderr=io.StringIO())
    assert "2 created" in out.getvalue()
    assert Component.objects.count() == 2


def test_the_command_names_the_bad_rows_and_writes_nothing(city, tmp_path):
    path = write_csv(tmp_path / "c.csv", record(city, serial=1), record(city, serial=2, CSRQ=""))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_components", str(path), stdout=io.StringIO(), stderr=err)
    assert "row 3 code 11010101001000002: CSRQ is missing" in err.getvalue()
    assert Component.objects.count() == 0


def test_the_command_imports_geojson_points(city, tmp_path):
    rec = record(city)
    x, y = float(rec.pop("X")), float(rec.pop("Y"))
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [x, y]},
            "properties": rec,
        },
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": []},
            "properties": {},
        },
    ]
    path = tmp_path / "c.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    err = io.StringIO()
    call_command("import_components", str(path), "--skip-invalid", stdout=io.StringIO(), stderr=err)
    assert Component.objects.count() == 1
    assert "feature #1: geometry must be a GeoJSON Point" in err.getvalue()


def test_broken_geojson_is_refused(city, tmp_path):
    path = tmp_path / "c.geojson"
    path.write_text("{", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_components", str(path), stdout=io.StringIO(), stderr=err)
    assert "broken GeoJSON (not JSON)" in err.getvalue()
