"""``load_demo --districts N``: a city of several districts with street sub-centres and
city centre accounts, whose users see what their level and area allow."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from urbangrid.demo.districts import CITY_PREFIX, SIBLINGS
from urbangrid.demo.generator import DISTRICT_CODE, DemoCity
from urbangrid.demo.tests.conftest import TINY_SCALE, TINY_SEED
from urbangrid.geo.locate import locate
from urbangrid.geo.models import District, Street, UnitGrid
from urbangrid.organisations.models import Department, ResponsibilityRule, User
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
def city(db_catalogue: None, tiny_city: DemoCity) -> DemoCity:
    load("--districts", "3")
    return tiny_city


def test_a_city_of_three_districts_is_loaded(city: DemoCity) -> None:
    codes = set(District.objects.values_list("code", flat=True))
    assert codes == {DISTRICT_CODE, SIBLINGS[0][0], SIBLINGS[1][0]}
    assert UnitGrid.objects.count() == 3 * len(city.grids)
    for code in codes:
        assert UnitGrid.objects.filter(code__startswith=code).count() == len(city.grids)
        assert Street.objects.filter(district__code=code).count() == len(city.streets)


def test_districts_do_not_overlap(city: DemoCity) -> None:
    for code, _name in SIBLINGS[:2]:
        grid = UnitGrid.objects.filter(code__startswith=code).order_by("code").first()
        assert grid is not None
        assert grid.centre_lng is not None
        assert grid.centre_lat is not None
        place = locate(grid.centre_lng, grid.centre_lat)
        assert place is not None
        assert place.grid_code == grid.code


def test_each_district_has_its_departments_under_the_shared_city_ones(city: DemoCity) -> None:
    city_level = Department.objects.filter(level="city")
    assert city_level.count() == sum(1 for d in city.departments if d.level == "city")
    west = SIBLINGS[0][0]
    sanitation = Department.objects.get(district__code=west, name__contains="环境卫生")
    assert sanitation.parent is not None
    assert sanitation.parent.level == "city"
    assert all(is_valid_uscc(u) for u in Department.objects.values_list("uscc", flat=True))
    street_offices = Department.objects.filter(level="street", district__code=west)
    assert street_offices.count() == len(city.streets)
    assert ResponsibilityRule.objects.filter(area_code__startswith=west).exists()


def test_every_level_has_its_accounts(city: DemoCity) -> None:
    west = SIBLINGS[0][0]
    assert User.objects.get(username="city_dispatcher").area_code == CITY_PREFIX
    assert User.objects.get(username="d2_dispatcher").area_code == west
    street = User.objects.get(username="d2_street_dispatcher")
    assert len(street.area_code) == 9
    assert street.area_code.startswith(west)
    assert street.department is not None
    assert street.department.level == "street"
    assert authenticate(username="city_dispatcher", password="demo") is not None
    assert authenticate(username="d3_street_dispatcher", password="demo") is not None


def test_force_replaces_a_city_with_a_single_district(city: DemoCity) -> None:
    load("--force")
    assert list(District.objects.values_list("code", flat=True)) == [DISTRICT_CODE]
    assert not User.objects.filter(username__startswith="city_").exists()
    load("--force", "--districts", "2")
    assert District.objects.count() == 2


def test_too_many_districts_are_refused(db_catalogue: None) -> None:
    with pytest.raises(CommandError, match="1 to 8"):
        load("--districts", "9")
