import datetime as dt

import numpy as np
import pytest

from urbangrid.geo import locate as locator
from urbangrid.geo.locate import Location, locate, locate_indices, locate_many
from urbangrid.geo.models import UnitGrid
from urbangrid.testing import bbox_fields, make_city, square

pytestmark = pytest.mark.django_db


def test_a_point_is_located_in_its_grid_with_the_areas_above_it():
    city = make_city()
    grid = city.grids[5]
    lat, lng = city.point_in(grid)
    found = locate(lng, lat)
    assert found == Location(
        grid_code=grid.code,
        grid_name=grid.name,
        community_code=grid.community.code,
        community_name=grid.community.name,
        street_code=grid.community.street.code,
        street_name=grid.community.street.name,
        district_code="110101",
        district_name="测试区",
    )


def test_a_point_outside_every_grid_is_not_located():
    make_city()
    assert locate(116.5, 39.95) is None
    assert locate(float("nan"), 39.9) is None


def test_locating_with_no_grids_at_all_finds_nothing():
    assert locate(116.4, 39.9) is None
    assert list(locate_many(np.array([116.4]), np.array([39.9]))) == [""]


def test_locate_many_returns_codes_and_empty_strings_outside():
    city = make_city()
    centres = [city.point_in(g) for g in city.grids]
    lngs = np.array([c[1] for c in centres] + [120.0, np.nan])
    lats = np.array([c[0] for c in centres] + [30.0, 39.9])
    codes = locate_many(lngs, lats)
    assert list(codes) == [g.code for g in city.grids] + ["", ""]


def test_a_point_on_a_shared_edge_gets_the_same_grid_one_by_one_and_in_bulk():
    make_city()
    lng, lat = 116.401, 39.9005  # the edge between the first two grids
    single = locate(lng, lat)
    assert single is not None
    assert locate_many(np.array([lng]), np.array([lat]))[0] == single.grid_code


def test_locate_indices_point_into_the_returned_locations():
    city = make_city()
    lat, lng = city.point_in(city.grids[3])
    where, locations = locate_indices(np.array([lng, 0.0]), np.array([lat, 0.0]))
    assert locations[where[0]].grid_code == city.grids[3].code
    assert where[1] == -1


def test_a_new_grid_version_is_seen_after_it_is_saved():
    city = make_city()
    old = city.grids[0]
    lat, lng = city.point_in(old)
    assert (found := locate(lng, lat)) is not None
    assert found.grid_code == old.code
    UnitGrid.objects.filter(pk=old.pk).update(valid_to=dt.date(2025, 1, 1))
    locator.invalidate()
    assert locate(lng, lat) is None
    geom = square(lng - 0.0001, lat - 0.0001, 0.0002)
    UnitGrid.objects.create(
        community=old.community, code=old.code, name="新版本", geometry=geom,
        valid_from=dt.date(2025, 1, 1), **bbox_fields(geom),
    )  # fmt: skip
    assert (found := locate(lng, lat)) is not None
    assert found.grid_name == "新版本"


def test_the_change_token_rebuilds_the_index_without_an_explicit_invalidate(monkeypatch):
    city = make_city()
    lat, lng = city.point_in(city.grids[0])
    assert locate(lng, lat) is not None
    monkeypatch.setattr(locator, "CHECK_INTERVAL_S", 0.0)
    UnitGrid.objects.filter(pk=city.grids[0].pk).update(valid_to=dt.date(2025, 1, 1))
    assert locate(lng, lat) is None
