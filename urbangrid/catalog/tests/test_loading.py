"""Loading catalogue CSVs: every bad row reported by line, nothing written if any is bad."""

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from urbangrid.catalog.loading import (
    CatalogueFileError,
    load_rows,
    match_successor,
    parse_catalogue,
)
from urbangrid.catalog.models import CatalogType, Kind, Standard

HEADER = "kind,code,class_code,class_name,name\n"


def errors_of(text: str, **kwargs: Any) -> list[str]:
    with pytest.raises(CatalogueFileError) as exc:
        parse_catalogue(text, **kwargs)
    return [str(e) for e in exc.value.errors]


def test_bad_rows_are_reported_by_line_and_reason():
    text = (
        HEADER
        + "matter,11001,11,本市扩展类,井盖被盗\n"
        + "thing,11002,11,本市扩展类,坏行\n"
        + "matter,1100,11,本市扩展类,短代码\n"
        + "matter,12003,11,本市扩展类,大类不符\n"
        + "matter,11004,11,本市扩展类,\n"
        + "matter,11001,11,本市扩展类,重复\n"
    )
    assert errors_of(text) == [
        "line 3: kind must be component or matter, got 'thing'",
        "line 4: code '1100' must be 5 digits for GB/T 47678.5-2026",
        "line 5: code 12003 does not start with its class_code 11",
        "line 6: name is empty",
        "line 7: duplicate of line 2 (matter 11001)",
    ]


def test_missing_columns_are_reported_on_line_one():
    assert errors_of("kind,code,name\nmatter,11001,x\n") == [
        "line 1: missing columns: class_code, class_name"
    ]


def test_unknown_standard_is_refused():
    text = "standard,kind,code,class_code,class_name,name\nGB/T 1-2000,matter,11001,11,x,y\n"
    assert errors_of(text)[0] == "line 2: unknown standard 'GB/T 1-2000'"


def test_legacy_codes_must_have_four_digits():
    text = "standard,kind,code,class_code,class_name,name\nCJ/T 214-2007,matter,01001,01,x,y\n"
    assert "must be 4 digits" in errors_of(text)[0]


def test_match_successor_prefers_exact_then_same_meaning_then_normalised_names():
    current = {"供水井盖": [1], "化粪池": [2], "电力立杆": [3], "通信立杆": [4]}
    assert match_successor(Kind.COMPONENT, "供水井盖", current) == 1
    assert match_successor(Kind.COMPONENT, "上水井盖", current) == 1
    assert match_successor(Kind.COMPONENT, "(公厕)化粪池", current) == 2
    assert match_successor(Kind.COMPONENT, "立杆", current) is None


@pytest.mark.django_db
def test_reloading_the_bundled_catalogue_changes_nothing():
    before = CatalogType.objects.count()
    out = io.StringIO()
    call_command("load_catalogue", stdout=out)
    assert "0 created, 0 updated" in out.getvalue()
    assert CatalogType.objects.count() == before


@pytest.mark.django_db
def test_reloading_keeps_configuration_edited_in_admin():
    CatalogType.objects.filter(code="06010", kind=Kind.MATTER).update(
        needs_verification=False, is_active=False, filing_standard="面积大于 1 平方米"
    )
    rows = parse_catalogue(HEADER + "matter,06010,06,市容环境类,暴露垃圾(改)\n")
    result = load_rows(rows)
    assert result.updated == 1
    obj = CatalogType.objects.get(
        standard=Standard.GBT_47678_5_2026, kind=Kind.MATTER, code="06010"
    )
    assert obj.name == "暴露垃圾(改)"
    assert (obj.needs_verification, obj.is_active, obj.filing_standard) == (
        False,
        False,
        "面积大于 1 平方米",
    )


@pytest.mark.django_db
def test_load_catalogue_adds_a_citys_own_extension(tmp_path):
    path = tmp_path / "local.csv"
    path.write_text(
        HEADER + "component,11001,11,扩展部件,智能井盖\nmatter,11001,11,扩展部件,智能井盖异常\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("load_catalogue", "--file", str(path), stdout=out)
    assert "2 created" in out.getvalue()
    matter = CatalogType.objects.get(
        kind=Kind.MATTER, code="11001", standard=Standard.GBT_47678_5_2026
    )
    assert matter.component_type is not None
    assert matter.component_type.name == "智能井盖"


@pytest.mark.django_db
def test_load_catalogue_writes_nothing_when_any_row_is_bad(tmp_path):
    path = tmp_path / "local.csv"
    path.write_text(
        HEADER + "component,11001,11,扩展部件,好行\ncomponent,11002,12,扩展部件,坏行\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_catalogue", "--file", str(path), stderr=err)
    assert "line 3: code 11002 does not start with its class_code 12" in err.getvalue()
    assert not CatalogType.objects.filter(code="11001").exists()


@pytest.mark.django_db
def test_load_catalogue_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "local.csv"
    path.write_text(HEADER + "component,11001,11,扩展部件,好行\n", encoding="utf-8")
    out = io.StringIO()
    call_command("load_catalogue", "--file", str(path), "--dry-run", stdout=out)
    assert "1 rows are valid" in out.getvalue()
    assert not CatalogType.objects.filter(code="11001").exists()
