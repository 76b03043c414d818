"""``manage.py load_demo`` on a tiny city (scale 0.05): what it writes and when it refuses."""

from __future__ import annotations

import io
import random

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.test import override_settings

from urbangrid.assets.models import Component
from urbangrid.catalog.models import CatalogType, Kind, Standard
from urbangrid.demo.generator import ACCOUNTS, DISTRICT_CODE, DemoCity
from urbangrid.demo.tests.conftest import TINY_SCALE, TINY_SEED
from urbangrid.geo.models import Community, District, Place, Street, UnitGrid
from urbangrid.organisations.models import (
    Department,
    InspectorGrid,
    ResponsibilityRule,
    Role,
    User,
)
from urbangrid.organisations.uscc import is_valid_uscc

pytestmark = pytest.mark.usefixtures("db_catalogue")


def load(*extra: str) -> str:
    out = io.StringIO()
    call_command(
        "load_demo", "--scale", str(TINY_SCALE), "--seed", str(TINY_SEED), *extra,
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    return out.getvalue()


@pytest.fixture
def loaded(db_catalogue: None, tiny_city: DemoCity) -> DemoCity:
    load()
    return tiny_city


def test_load_writes_the_generated_city(loaded: DemoCity) -> None:
    assert District.objects.get().code == DISTRICT_CODE
    assert Street.objects.count() == len(loaded.streets)
    assert Community.objects.count() == len(loaded.communities)
    assert UnitGrid.objects.current().count() == len(loaded.grids)
    assert Component.objects.count() == loaded.component_total
    assert Place.objects.count() == len(loaded.places)
    assert Department.objects.count() == len(loaded.departments)
    grid = UnitGrid.objects.order_by("code").first()
    assert grid is not None
    assert grid.area_m2 > 10_000
    assert grid.min_lng is not None
    assert grid.centre_lat is not None


def test_components_cover_every_type_with_matching_idents(loaded: DemoCity) -> None:
    component_types = CatalogType.objects.filter(
        standard=Standard.GBT_47678_5_2026, kind=Kind.COMPONENT
    )
    assert component_types.count() == 153
    assert Component.objects.values("component_type").distinct().count() == 153
    for component in Component.objects.select_related("component_type")[:500]:
        assert component.ident[:6] == DISTRICT_CODE
        assert component.ident[6:11] == component.component_type.code
        assert component.grid_code.startswith(component.community_code)


def test_departments_are_linked_to_district_streets_and_24_7_calendar(loaded: DemoCity) -> None:
    assert all(is_valid_uscc(d.uscc) for d in Department.objects.all())
    offices = Department.objects.filter(level="street")
    assert offices.count() == len(loaded.streets)
    assert all(d.street is not None and d.parent is not None for d in offices)
    power = Department.objects.get(short_name="供电公司")
    assert power.calendar is not None
    assert power.calendar.around_the_clock
    for dept in Department.objects.all():
        dept.full_clean()


def rules_for(matter: CatalogType, grid_code: str) -> list[ResponsibilityRule]:
    """Active rules whose area contains the grid and whose type, class or 'any' matches."""
    prefixes = [grid_code[:n] for n in (6, 9, 12, 15)]
    return list(
        ResponsibilityRule.objects.filter(is_active=True, area_code__in=prefixes).filter(
            Q(catalog_type=matter)
            | Q(catalog_type__isnull=True, class_code=matter.class_code)
            | Q(catalog_type__isnull=True, class_code="")
        )
    )


def test_every_matter_type_resolves_to_a_department_for_sampled_grids(loaded: DemoCity) -> None:
    matters = list(CatalogType.objects.filter(standard=Standard.GBT_47678_5_2026, kind=Kind.MATTER))
    assert len(matters) == 250
    grids = random.Random(1).sample([g.code for g in loaded.grids], 5)
    for grid_code in grids:
        for matter in matters:
            specific = [r for r in rules_for(matter, grid_code) if r.priority < 900]
            assert specific, (matter.code, grid_code)
            if matter.class_code >= "06":
                assert any(r.basis == "locality" and r.area_level == "street" for r in specific)
            else:
                assert any(r.basis == "owner" and r.catalog_type_id == matter.pk for r in specific)


def test_every_rule_is_valid(loaded: DemoCity) -> None:
    for rule in ResponsibilityRule.objects.all():
        rule.full_clean()


def test_one_account_per_role_authenticates_with_demo(loaded: DemoCity) -> None:
    for username, role, _zh, _dept in ACCOUNTS:
        user = authenticate(username=username, password="demo")
        assert user is not None, username
        assert isinstance(user, User)
        assert user.role == role
        assert user.area_code == DISTRICT_CODE
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    for username in ("handler", "department_head"):
        department = User.objects.get(username=username).department
        assert department is not None
        assert department.short_name == "区环卫中心"
    assert {r.value for r in Role} == {a[1] for a in ACCOUNTS}


def test_inspectors_cover_every_grid(loaded: DemoCity) -> None:
    own = InspectorGrid.objects.filter(inspector__username="inspector").count()
    assert own == min(40, len(loaded.grids))
    covered = set(InspectorGrid.objects.values_list("grid_code", flat=True))
    assert covered == {g.code for g in loaded.grids}


def test_if_empty_does_nothing_when_a_district_exists(loaded: DemoCity) -> None:
    before = Component.objects.count(), User.objects.count(), UnitGrid.objects.count()
    assert "demo data already present" in load("--if-empty")
    assert "demo data already present" in load("--if-empty")
    assert (Component.objects.count(), User.objects.count(), UnitGrid.objects.count()) == before


def test_loading_twice_is_refused_without_force(loaded: DemoCity) -> None:
    with pytest.raises(CommandError, match="--force"):
        load()


def test_force_replaces_the_demo_district(loaded: DemoCity) -> None:
    first_ids = set(UnitGrid.objects.values_list("id", flat=True))
    load("--force")
    assert UnitGrid.objects.count() == len(loaded.grids)
    assert not first_ids & set(UnitGrid.objects.values_list("id", flat=True))
    assert Component.objects.count() == loaded.component_total
    assert authenticate(username="admin", password="demo") is not None


@override_settings(IS_PRODUCTION=True)
def test_production_refuses_to_load_demo_data() -> None:
    with pytest.raises(CommandError, match="production"):
        load()
    with pytest.raises(CommandError, match="production"):
        load("--if-empty")
    assert not District.objects.exists()
