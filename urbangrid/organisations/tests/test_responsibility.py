"""Responsibility rules: owner first for components, locality first for events, then type,
area and priority."""

import datetime as dt
from typing import Any

import pytest

from urbangrid.assets.models import Component
from urbangrid.catalog.models import CatalogType, Kind, Standard
from urbangrid.organisations.models import (
    AreaLevel,
    Basis,
    Department,
    Level,
    ResponsibilityRule,
)
from urbangrid.organisations.services import (
    Candidate,
    explain_responsibility,
    suggest_department,
)
from urbangrid.testing import make_city, make_department, make_type

pytestmark = pytest.mark.django_db
GRID = "110101001001001"  # street 110101001, community 110101001001
OTHER_STREET_GRID = "110101002001001"
LEVEL_BY_LENGTH = {
    6: AreaLevel.DISTRICT,
    9: AreaLevel.STREET,
    12: AreaLevel.COMMUNITY,
    15: AreaLevel.GRID,
}


def make_rule(
    department: Department,
    area_code: str,
    basis: str,
    *,
    catalog_type: CatalogType | None = None,
    class_code: str = "",
    priority: int = 100,
    **extra: Any,
) -> ResponsibilityRule:
    return ResponsibilityRule.objects.create(
        department=department,
        area_code=area_code,
        area_level=LEVEL_BY_LENGTH[len(area_code)],
        basis=basis,
        catalog_type=catalog_type,
        class_code=class_code,
        priority=priority,
        **extra,
    )


def make_component(
    component_type: CatalogType, ident: str = "11010101001000001", **extra: Any
) -> Component:
    values = {
        "name": component_type.name,
        "competent_code": "",
        "competent_name": "",
        "grid_code": GRID,
        "initial_on": dt.date(2025, 1, 1),
        "lng": 116.4005,
        "lat": 39.9005,
        **extra,
    }
    return Component.objects.create(ident=ident, component_type=component_type, **values)


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def departments(city):
    district = make_department("区城管委", level=Level.DISTRICT, district=city.district)
    return {
        "water": make_department("区自来水公司", level=Level.DISTRICT, district=city.district),
        "sanitation": make_department("区环卫中心", level=Level.DISTRICT, district=city.district),
        "street1": make_department(
            "第1街道办事处", level=Level.STREET, parent=district, street=city.streets[0]
        ),
        "street2": make_department(
            "第2街道办事处", level=Level.STREET, parent=district, street=city.streets[1]
        ),
        "district": district,
    }


def names(candidates: list[Candidate]) -> list[str]:
    return [c.department.name for c in candidates]


def test_component_anomaly_goes_to_the_owner_first(departments):
    cover = make_type("01001", "供水井盖", kind=Kind.COMPONENT)
    anomaly = make_type("01001", "供水井盖异常")
    make_rule(departments["street1"], "110101001", Basis.LOCALITY)
    owner_rule = make_rule(departments["water"], "110101", Basis.OWNER, catalog_type=cover)

    suggestion = suggest_department(anomaly, grid_code=GRID)

    assert suggestion is not None
    assert suggestion.department == departments["water"]
    assert suggestion.rule == owner_rule
    assert suggestion.basis == Basis.OWNER
    assert suggestion.reason.startswith("部件先属主：属主 区自来水公司（规则#")
    assert GRID in suggestion.reason
    assert names(explain_responsibility(anomaly, grid_code=GRID)) == [
        "区自来水公司",
        "第1街道办事处",
    ]


def test_behaviour_matter_goes_to_the_locality_first(departments):
    garbage = make_type("06010", "暴露垃圾")
    make_rule(departments["sanitation"], "110101", Basis.OWNER, catalog_type=garbage)
    locality = make_rule(departments["street1"], "110101001", Basis.LOCALITY)

    candidates = explain_responsibility(garbage, grid_code=GRID)

    assert names(candidates) == ["第1街道办事处", "区环卫中心"]
    assert candidates[0].rule == locality
    assert candidates[0].reason.startswith("事件先属地：属地 第1街道办事处")
    assert "任意类型" in candidates[0].reason


def test_the_more_specific_area_wins(departments):
    garbage = make_type("06010", "暴露垃圾")
    make_rule(departments["sanitation"], "110101", Basis.LOCALITY, class_code="06")
    make_rule(departments["street1"], "110101001", Basis.LOCALITY, class_code="06")
    make_rule(departments["district"], GRID, Basis.LOCALITY, class_code="06")
    make_rule(departments["water"], "110101001001", Basis.LOCALITY, class_code="06")

    assert names(explain_responsibility(garbage, grid_code=GRID)) == [
        "区城管委",  # grid
        "区自来水公司",  # community
        "第1街道办事处",  # street
        "区环卫中心",  # district
    ]


def test_rules_for_other_areas_do_not_match(departments):
    garbage = make_type("06010", "暴露垃圾")
    make_rule(departments["street1"], "110101001", Basis.LOCALITY)
    make_rule(departments["street2"], "110101002", Basis.LOCALITY)
    assert names(explain_responsibility(garbage, grid_code=OTHER_STREET_GRID)) == ["第2街道办事处"]


def test_lower_priority_wins_within_the_same_area(departments):
    garbage = make_type("06010", "暴露垃圾")
    make_rule(departments["sanitation"], "110101001", Basis.LOCALITY, priority=50)
    make_rule(departments["street1"], "110101001", Basis.LOCALITY, priority=10)
    assert names(explain_responsibility(garbage, grid_code=GRID)) == ["第1街道办事处", "区环卫中心"]


def test_exact_type_beats_class_beats_any_type(departments):
    garbage = make_type("06010", "暴露垃圾")
    make_rule(departments["street1"], GRID, Basis.LOCALITY)
    make_rule(departments["district"], "110101", Basis.LOCALITY, class_code="06")
    make_rule(departments["sanitation"], "110101", Basis.LOCALITY, catalog_type=garbage)
    candidates = explain_responsibility(garbage, grid_code=GRID)
    assert names(candidates) == ["区环卫中心", "区城管委", "第1街道办事处"]
    assert [c.matched_by for c in candidates] == ["type", "class", "any"]


def test_class_rules_do_not_match_other_classes(departments):
    make_rule(departments["sanitation"], "110101", Basis.LOCALITY, class_code="06")
    assert suggest_department(make_type("09009", "机动车乱停放"), grid_code=GRID) is None


def test_inactive_rules_and_departments_are_skipped(departments):
    garbage = make_type("06010", "暴露垃圾")
    make_rule(departments["street1"], "110101001", Basis.LOCALITY, is_active=False)
    make_rule(departments["sanitation"], "110101001", Basis.LOCALITY)
    departments["sanitation"].is_active = False
    departments["sanitation"].save()
    assert suggest_department(garbage, grid_code=GRID) is None


def test_the_components_own_maintainer_wins_first(departments):
    cover = make_type("01001", "供水井盖", kind=Kind.COMPONENT)
    anomaly = make_type("01001", "供水井盖异常")
    maintainer = make_department("供水管网养护公司", level=Level.DISTRICT)
    make_rule(departments["water"], "110101", Basis.OWNER, catalog_type=cover)
    make_rule(departments["street1"], "110101001", Basis.LOCALITY)
    component = make_component(
        cover,
        maintainer_code=maintainer.uscc,
        maintainer_name=maintainer.name,
        owner_code=departments["water"].uscc,
    )

    candidates = explain_responsibility(anomaly, grid_code=GRID, component_ident=component.ident)

    assert names(candidates) == [
        "供水管网养护公司",
        "区自来水公司",
        "区自来水公司",
        "第1街道办事处",
    ]
    first = candidates[0]
    assert first.rule is None
    assert first.basis == Basis.OWNER
    assert first.reason == (
        f"部件先属主：养护单位 供水管网养护公司"
        f"（部件 {component.ident}，统一社会信用代码 {maintainer.uscc}）"
    )
    assert candidates[1].reason.startswith("部件先属主：权属单位 区自来水公司")


def test_a_component_on_a_behaviour_matter_counts_after_the_locality(departments):
    garbage = make_type("06010", "暴露垃圾")
    bin_type = make_type("03005", "垃圾箱", kind=Kind.COMPONENT)
    make_rule(departments["street1"], "110101001", Basis.LOCALITY)
    component = make_component(bin_type, maintainer_code=departments["sanitation"].uscc)
    candidates = explain_responsibility(garbage, grid_code=GRID, component_ident=component.ident)
    assert names(candidates) == ["第1街道办事处", "区环卫中心"]


def test_legacy_types_use_the_rules_of_their_successor(departments):
    garbage = make_type("06010", "暴露垃圾")
    legacy = make_type("0102", "暴露垃圾", standard=Standard.CJT_214_2007)
    assert legacy.successor == garbage
    make_rule(departments["sanitation"], "110101", Basis.LOCALITY, catalog_type=garbage)
    make_rule(departments["street1"], "110101", Basis.LOCALITY, class_code="01")
    candidates = explain_responsibility(legacy, grid_code=GRID)
    assert names(candidates) == ["区环卫中心"]


def test_no_rule_means_no_suggestion(city):
    assert suggest_department(make_type("06010"), grid_code=GRID) is None
    assert explain_responsibility(make_type("06010"), grid_code=GRID) == []
