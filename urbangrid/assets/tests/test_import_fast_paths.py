"""The column-wise import: its CSV reader, the plain INSERTs, the SQLite index rebuild."""

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from urbangrid.assets import services
from urbangrid.assets.models import Component
from urbangrid.assets.services import (
    ComponentImportError,
    ComponentImportResult,
    import_components,
    import_components_file,
    read_csv_records,
)
from urbangrid.assets.tests.builders import OWNER, make_inventory_city, record, rows, write_csv
from urbangrid.assets.validation import COLUMNS

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_inventory_city()


def varied(city: Any) -> list[dict[str, Any]]:
    """Records using every attribute, both id generations and both date formats."""
    out = []
    for i in range(1, 41):
        grid = city.grids[i % 16]
        out.append(
            record(
                city,
                serial=i,
                grid=i % 16,
                GLBJMC=f"井盖{i}",
                YHDWDM=OWNER if i % 2 else "",
                YHDWMC="养护公司" if i % 2 else "",
                SZDYWGBSM=grid.code if i % 3 else "",
                GLBJZT=["完好", "破损", "丢失", "废弃", "移除"][i % 5],
                CSRQ="2025-03-04" if i % 4 else "20240229",
                BGRQ="" if i % 5 else "20260105",
                SJLY=["实测", "地形图"][i % 2],
                BZ=f"备注 {i}" if i % 7 == 0 else "",
                SZJDDM=grid.community.street.code if i % 2 else "",
                SZJDMC="自定街道名" if i % 6 == 0 else "",
                SZSQDM=grid.community.code if i % 2 == 0 else "",
                SZSQMC="",
            )
        )
    out.append(record(city, serial=999, GLBJBSM="1101010101000999", GLBJMC="上水井盖"))
    return out


def exported_rows() -> list[dict[str, str]]:
    out = io.StringIO()
    call_command("export_components", stdout=out, stderr=io.StringIO())
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_every_column_is_written_and_the_export_imports_back_to_the_same_rows(city, tmp_path):
    records = varied(city)
    result = import_components_file(write_csv(tmp_path / "in.csv", *records))
    assert result.created == len(records)
    first = exported_rows()
    assert len(first) == len(records)
    by_id = {r["GLBJBSM"]: r for r in first}
    for rec in records:
        got = by_id[rec["GLBJBSM"]]
        for key in ("GLBJMC", "ZGBMDM", "ZGBMMC", "QSDWDM", "QSDWMC", "SJLY", "BZ", "GLBJZT"):
            assert got[key] == rec.get(key, ""), key
        assert got["CSRQ"] == rec["CSRQ"].replace("-", "")
        assert got["BGRQ"] == rec.get("BGRQ", "")
        assert (float(got["X"]), float(got["Y"])) == (float(rec["X"]), float(rec["Y"]))
    # The stored grid, street and community come from the point; given names are kept.
    component = Component.objects.get(ident=records[5]["GLBJBSM"])
    grid = city.grids[6]  # records[5] is serial 6
    assert (component.grid_code, component.street_code, component.community_code) == (
        grid.code,
        grid.community.street.code,
        grid.community.code,
    )
    assert component.street_name == "自定街道名"
    assert component.community_name == grid.community.name
    assert component.component_type.code == "01001"
    assert Component.objects.get(ident="1101010101000999").component_type.code == "0101"
    changed = Component.objects.get(ident=records[4]["GLBJBSM"]).changed_on
    assert changed is not None
    assert changed.isoformat() == "2026-01-05"
    assert Component.objects.get(ident=records[1]["GLBJBSM"]).extra == {}

    Component.objects.all().delete()
    path = tmp_path / "again.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(first)
    assert import_components_file(path).created == len(records)
    assert exported_rows() == first


def test_the_csv_reader_gives_the_same_records_as_the_csv_module(city, tmp_path, monkeypatch):
    """Tiny blocks, LF and CRLF endings, empty lines, short and long rows, padding spaces,
    extension columns and (late in the file) quotes with a line break inside a field."""
    monkeypatch.setattr(services, "_CSV_BLOCK_CHARS", 300)
    monkeypatch.setattr(services, "CHUNK_SIZE", 7)
    header = [*COLUMNS, "MATERIAL"]
    good = [record(city, serial=i, grid=i % 16, MATERIAL=f"铸铁{i}") for i in range(1, 30)]
    lines = [",".join(header)]
    for i, rec in enumerate(good):
        values = [str(rec.get(c, "")) for c in header]
        if i == 3:
            values[1] = "  供水井盖 "
        if i == 5:
            values = values[:-3]  # no Y and no MATERIAL: a bad point
        if i == 6:
            values = [*values, "surplus"]
        lines.append(",".join(values))
        if i == 8:
            lines.append("")
    quoted = [str(good[0].get(c, "")) for c in header]
    quoted[0], quoted[13] = "11010101001000777", '"第一行\n第二行, 带逗号"'
    lines.append(",".join(quoted))
    for ending in ("\n", "\r\n"):
        path = tmp_path / f"mixed{len(ending)}.csv"
        path.write_bytes((ending.join(lines) + ending).encode("utf-8-sig"))
        expected = _outcome(import_components(read_csv_records(path), skip_invalid=True))
        assert expected[0] == (len(good), 1)  # every good row, the short one skipped
        assert _outcome(import_components_file(path, skip_invalid=True)) == expected


def _outcome(result: ComponentImportResult) -> tuple[Any, ...]:
    stored = list(
        Component.objects.order_by("ident").values_list(
            "ident", "name", "remark", "extra", "grid_code", "lng", "lat"
        )
    )
    Component.objects.all().delete()
    issues = [str(i) for i in result.issues]
    return (result.created, result.skipped), issues, stored


def test_an_update_import_writes_new_rows_and_overwrites_existing_ones(city):
    import_components(rows(record(city, serial=1)))
    result = import_components(
        rows(record(city, serial=1, GLBJZT="破损"), record(city, serial=2, grid=3)), update=True
    )
    assert (result.created, result.updated) == (1, 1)
    assert dict(Component.objects.values_list("ident", "status")) == {
        "11010101001000001": "damaged",
        "11010101001000002": "intact",
    }


def test_every_problem_of_a_bad_column_is_reported_in_row_order(city):
    records = [record(city, serial=i, grid=i % 16) for i in range(1, 11)]
    records[2]["GLBJBSM"] = " 11010101001000003"  # whitespace is stripped: still valid
    records[4]["CSRQ"] = "2026-02-30"
    records[6]["ZGBMDM"] = ""
    records[6]["GLBJZT"] = "?"
    records[8]["X"] = ""
    with pytest.raises(ComponentImportError) as info:
        import_components(rows(*records))
    assert [str(i).split(":", 1)[0] for i in info.value.issues] == [
        "row 6 code 11010101001000005",
        "row 8 code 11010101001000007",
        "row 8 code 11010101001000007",
        "row 10 code 11010101001000009",
    ]
    reasons = [i.reason for i in info.value.issues]
    assert reasons[1:3] == ["ZGBMDM is missing", reasons[2]]
    assert reasons[2].startswith("GLBJZT: status '?'")


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Component._meta.db_table)
    return {name for name, c in constraints.items() if c["index"] and not c["unique"]}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the index rebuild is SQLite only")
def test_a_large_first_import_rebuilds_the_indexes_and_keeps_them(city, monkeypatch):
    monkeypatch.setattr(services, "REBUILD_INDEXES_FROM", 1)
    before = _index_names()
    assert {"component_grid_idx", "component_point_idx"} <= before
    with pytest.raises(ComponentImportError):
        import_components(rows(record(city, serial=1), record(city, serial=2, CSRQ="")))
    assert _index_names() == before
    result = import_components(rows(*(record(city, serial=i, grid=i % 16) for i in range(1, 9))))
    assert result.created == 8
    assert _index_names() == before
    assert Component.objects.filter(grid_code=city.grids[3].code).count() == 1


def test_csv_paths_are_accepted(city, tmp_path):
    path = write_csv(tmp_path / "c.csv", record(city))
    assert import_components_file(Path(path)).created == 1


def test_a_duplicate_is_reported_before_the_problems_of_its_point(city):
    with pytest.raises(ComponentImportError) as info:
        import_components(rows(record(city), record(city, X="116.5", Y="39.95")))
    assert [i.reason for i in info.value.issues] == [
        "duplicate component id in the input",
        "the point (116.5, 39.95) lies outside every current unit grid",
    ]
