"""After ``migrate`` the catalogue is in the database: exactly the CSV's codes."""

import csv
from pathlib import Path

import pytest

from urbangrid.catalog.loading import GBT_2026_CSV, LEGACY_CSV
from urbangrid.catalog.models import CatalogType, Kind, Standard

pytestmark = pytest.mark.django_db
GBT = Standard.GBT_47678_5_2026
CJT = Standard.CJT_214_2007


def csv_codes(path: Path, kind: str) -> set[tuple[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return {(row["code"], row["name"]) for row in csv.DictReader(fh) if row["kind"] == kind}


def db_codes(standard: str, kind: str) -> set[tuple[str, str]]:
    return set(CatalogType.objects.filter(standard=standard, kind=kind).values_list("code", "name"))


def test_catalogue_has_exactly_the_153_components_of_the_csv():
    expected = csv_codes(GBT_2026_CSV, "component")
    assert len(expected) == 153
    assert db_codes(GBT, Kind.COMPONENT) == expected


def test_catalogue_has_exactly_the_250_matters_of_the_csv():
    expected = csv_codes(GBT_2026_CSV, "matter")
    assert len(expected) == 250
    assert db_codes(GBT, Kind.MATTER) == expected


def test_legacy_rows_are_tagged_cjt_214_and_match_their_csv():
    assert db_codes(CJT, Kind.COMPONENT) == csv_codes(LEGACY_CSV, "component")
    assert db_codes(CJT, Kind.MATTER) == csv_codes(LEGACY_CSV, "matter")
    assert all(len(code) == 4 for code, _ in db_codes(CJT, Kind.COMPONENT))


def test_legacy_alternative_names_are_kept_as_keywords_and_note():
    cover = CatalogType.objects.get(standard=CJT, kind=Kind.COMPONENT, code="0114")
    assert cover.name == "无主井盖"
    assert "不明井盖" in cover.keywords
    assert "不明井盖" in cover.note


def test_every_anomaly_matter_points_at_its_component_type():
    anomalies = CatalogType.objects.filter(
        standard=GBT, kind=Kind.MATTER, class_code__in=["01", "02", "03", "04", "05"]
    ).select_related("component_type")
    assert anomalies.count() == 153
    for matter in anomalies:
        assert matter.component_type is not None, matter.code
        assert matter.component_type.code == matter.code
        assert matter.name == f"{matter.component_type.name}异常"
    behaviour = CatalogType.objects.filter(standard=GBT, kind=Kind.MATTER, class_code__gte="06")
    assert not behaviour.filter(component_type__isnull=False).exists()


@pytest.mark.parametrize(
    ("kind", "legacy", "successor"),
    [
        (Kind.COMPONENT, "0102", "01002"),  # 污水井盖, exact name
        (Kind.COMPONENT, "0101", "01001"),  # 上水井盖 → 供水井盖, same meaning
        (Kind.COMPONENT, "0114", "01023"),  # 无主井盖 → 不明井盖
        (Kind.COMPONENT, "0302", "03003"),  # (公厕)化粪池 → 化粪池
        (Kind.COMPONENT, "0501", "03008"),  # 宣传栏 moved class
        (Kind.MATTER, "0102", "06010"),  # 暴露垃圾
        (Kind.MATTER, "0204", "07002"),  # 街头散发(小)广告 → 街头散发广告
    ],
)
def test_legacy_types_link_to_their_successor(kind, legacy, successor):
    obj = CatalogType.objects.select_related("successor").get(standard=CJT, kind=kind, code=legacy)
    assert obj.successor is not None
    assert (obj.successor.standard, obj.successor.kind, obj.successor.code) == (
        GBT,
        kind,
        successor,
    )


@pytest.mark.parametrize(
    ("kind", "legacy"),
    [
        (Kind.COMPONENT, "0117"),  # 立杆: 电力/通信/公交立杆 — ambiguous
        (Kind.COMPONENT, "0125"),  # 自动售货亭(机): 售货亭 or 自动售货机
        (Kind.MATTER, "0401"),  # 路面塌陷: nothing in 2026
        (Kind.MATTER, "0508"),  # 商业噪音: not the same as 噪声扰民
    ],
)
def test_legacy_types_without_a_sure_successor_stay_unlinked(kind, legacy):
    obj = CatalogType.objects.get(standard=CJT, kind=kind, code=legacy)
    assert obj.successor_id is None


def test_component_anomaly_and_component_types_concern_components():
    assert CatalogType.objects.get(standard=GBT, kind=Kind.MATTER, code="01001").concerns_component
    assert CatalogType.objects.get(
        standard=GBT, kind=Kind.COMPONENT, code="04002"
    ).concerns_component
    assert not CatalogType.objects.get(
        standard=GBT, kind=Kind.MATTER, code="06010"
    ).concerns_component
    assert not CatalogType.objects.get(
        standard=CJT, kind=Kind.MATTER, code="0102"
    ).concerns_component
