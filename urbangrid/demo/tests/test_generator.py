"""The generator is pure: these tests need no database."""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from typing import Any

import pytest
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from urbangrid.demo.generator import (
    DISTRICT_CODE,
    DemoCity,
    TypeSpec,
    component_counts,
    generate_city,
    iter_components,
)
from urbangrid.demo.tests.conftest import TINY_SCALE, TINY_SEED
from urbangrid.organisations.uscc import is_valid_uscc


def city_digest(city: DemoCity) -> str:
    h = hashlib.sha256()
    for rows in (
        [city.district], city.streets, city.communities, city.grids, city.departments,
        city.rules, city.places, city.accounts, iter_components(city),
    ):  # fmt: skip
        for row in rows:
            h.update(repr(row).encode())
    return h.hexdigest()


def test_same_seed_gives_the_same_city_byte_for_byte(catalogue: tuple[TypeSpec, ...]) -> None:
    first = generate_city(catalogue, scale=TINY_SCALE, seed=TINY_SEED)
    second = generate_city(catalogue, scale=TINY_SCALE, seed=TINY_SEED)
    other = generate_city(catalogue, scale=TINY_SCALE, seed=TINY_SEED + 1)
    assert city_digest(first) == city_digest(second)
    assert city_digest(first) != city_digest(other)


def test_tiny_city_has_two_streets_and_several_communities(tiny_city: DemoCity) -> None:
    assert len(tiny_city.streets) == 2
    assert len(tiny_city.communities) >= 4
    assert len(tiny_city.grids) >= 80


def test_full_scale_is_a_dongcheng_sized_district(catalogue: tuple[TypeSpec, ...]) -> None:
    city = generate_city(catalogue, scale=1)
    area_km2 = sum(g.area_m2 for g in city.grids) / 1e6
    assert 1_550 <= len(city.grids) <= 1_700
    assert len(city.streets) >= 10
    assert 140 <= len(city.communities) <= 170
    assert 23 <= area_km2 <= 28
    assert city.component_total == 150_000
    assert len(city.departments) >= 20
    assert len(city.places) >= 2_000


def test_grid_codes_are_15_digits_under_their_community_street_and_district(
    tiny_city: DemoCity,
) -> None:
    communities = {c.code: c for c in tiny_city.communities}
    streets = {s.code for s in tiny_city.streets}
    codes = [g.code for g in tiny_city.grids]
    assert len(set(codes)) == len(codes)
    for grid in tiny_city.grids:
        assert len(grid.code) == 15
        assert grid.code.isdigit()
        assert grid.code[:12] == grid.community_code
        assert communities[grid.community_code].parent_code == grid.code[:9]
        assert grid.code[:9] in streets
        assert grid.code.startswith(DISTRICT_CODE)


def test_grids_are_numbered_west_to_east_then_north_to_south(tiny_city: DemoCity) -> None:
    for _code, grids in itertools.groupby(tiny_city.grids, key=lambda g: g.community_code):
        cells = [(g.row, g.col) for g in grids]
        assert cells == sorted(cells)


def test_grids_tile_their_community_without_gaps_or_overlaps(tiny_city: DemoCity) -> None:
    by_community: dict[str, list[Any]] = {}
    for grid in tiny_city.grids:
        polygon = shape(grid.geometry)
        assert polygon.is_valid
        assert polygon.geom_type == "Polygon"
        by_community.setdefault(grid.community_code, []).append(polygon)
    for community in tiny_city.communities:
        polygons = by_community[community.code]
        outline = shape(community.geometry)
        union = unary_union(polygons)
        assert outline.is_valid
        assert sum(p.area for p in polygons) == pytest.approx(union.area, rel=1e-9)
        assert union.symmetric_difference(outline).area < 1e-12
    district = shape(tiny_city.district.geometry)
    assert (
        unary_union([shape(c.geometry) for c in tiny_city.communities])
        .symmetric_difference(district)
        .area
        < 1e-12
    )


def test_every_grid_lies_in_exactly_one_community(tiny_city: DemoCity) -> None:
    communities = [(c.code, shape(c.geometry)) for c in tiny_city.communities]
    for grid in tiny_city.grids:
        polygon = shape(grid.geometry)
        holders = [code for code, outline in communities if outline.intersection(polygon).area > 0]
        assert holders == [grid.community_code]


def test_every_component_type_appears(tiny_city: DemoCity, catalogue: tuple[TypeSpec, ...]) -> None:
    types = {t.code for t in catalogue if t.kind == "component"}
    assert len(types) == 153
    seen = Counter(c.type_code for c in iter_components(tiny_city))
    assert set(seen) == types


def test_manhole_covers_lamps_and_trees_dominate(catalogue: tuple[TypeSpec, ...]) -> None:
    counts = component_counts([t for t in catalogue if t.kind == "component"], 150_000)
    top = [code for code, _ in Counter(counts).most_common(6)]
    assert "04002" in top  # street trees
    assert "01037" in top  # street lamps
    assert sum(n for code, n in counts.items() if "01001" <= code <= "01023") > 50_000
    assert min(counts.values()) >= 1
    assert sum(counts.values()) == 150_000


def test_component_idents_agree_with_district_and_type_and_points_lie_in_their_grid(
    tiny_city: DemoCity,
) -> None:
    grids = {g.code: shape(g.geometry) for g in tiny_city.grids}
    communities = {c.code: c for c in tiny_city.communities}
    usccs = {d.uscc for d in tiny_city.departments}
    idents = set()
    for c in iter_components(tiny_city):
        assert len(c.ident) == 17
        assert c.ident.isdigit()
        assert c.ident[:6] == DISTRICT_CODE
        assert c.ident[6:11] == c.type_code
        idents.add(c.ident)
        assert grids[c.grid_code].contains(Point(c.lng, c.lat))
        assert c.community_code == c.grid_code[:12]
        assert c.street_code == c.grid_code[:9]
        assert c.community_name == communities[c.community_code].name
        assert c.competent_code in usccs
    assert len(idents) == tiny_city.component_total


def test_departments_have_valid_codes_and_fitting_parents(tiny_city: DemoCity) -> None:
    by_key = {d.key: d for d in tiny_city.departments}
    assert len({d.uscc for d in tiny_city.departments}) == len(tiny_city.departments)
    allowed: dict[str, set[str | None]] = {
        "city": {"city", None},
        "district": {"city", None},
        "street": {"district"},
    }
    for dept in tiny_city.departments:
        assert is_valid_uscc(dept.uscc), dept
        parent = by_key[dept.parent_key].level if dept.parent_key else None
        assert parent in allowed[dept.level], dept
    street_offices = [d for d in tiny_city.departments if d.level == "street"]
    assert sorted(d.street_code for d in street_offices) == [s.code for s in tiny_city.streets]
    assert by_key["power"].around_the_clock
    assert by_key["gas"].around_the_clock


def test_places_lie_in_the_district_with_their_grid(tiny_city: DemoCity) -> None:
    grids = {g.code: shape(g.geometry) for g in tiny_city.grids}
    kinds = Counter(p.kind for p in tiny_city.places)
    assert kinds["address"]
    assert kinds["poi"]
    assert kinds["road"]
    for place in tiny_city.places:
        assert grids[place.grid_code].contains(Point(place.lng, place.lat)), place
