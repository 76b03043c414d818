"""Which district a staff user's pages open on (``organisations.selectors.home_district``):
their area's, else their patrol grids', else the first district. The hotline desk, the
inspector app, the staff map and the evaluation pages all ask that one selector.
"""

from __future__ import annotations

from typing import Any

from urbangrid.geo.models import District
from urbangrid.organisations.models import Role
from urbangrid.organisations.selectors import home_district, home_district_code
from urbangrid.testing import make_user


def earlier_district() -> District:
    """A district whose code sorts before the test district's (the "first district")."""
    return District.objects.create(
        code="110100", name="前区", city_name="测试市", centre_lng=100.0, centre_lat=30.0
    )


def test_a_users_area_gives_the_district(world):
    assert home_district_code(world.operator) == "110101"  # a district
    street = make_user("street_operator", Role.OPERATOR, area_code="110101002")
    assert home_district_code(street) == "110101"


def test_an_inspector_without_an_area_opens_on_their_grids_district(world):
    assert world.inspector.area_code == ""
    assert home_district_code(world.inspector) == world.city.grids[0].code[:6]


def test_a_city_wide_user_opens_on_the_first_district(world):
    earlier_district()
    city = make_user("city_operator", Role.OPERATOR, area_code="1101")  # a city's code
    nowhere = make_user("anywhere", Role.OPERATOR)
    assert home_district_code(city) == home_district_code(nowhere) == ""
    first = home_district(city)
    assert first is not None
    assert first.code == "110100"
    found = home_district(world.operator)
    assert found is not None
    assert found.code == "110101"


def test_an_area_without_its_district_opens_on_the_first(world):
    elsewhere = make_user("elsewhere", Role.OPERATOR, area_code="120101")
    found = home_district(elsewhere)
    assert found is not None
    assert found.code == "110101"


def test_the_staff_map_opens_on_the_users_district_not_the_first(world, session):
    earlier_district()
    ours = world.city.district
    District.objects.filter(pk=ours.pk).update(centre_lng=116.5, centre_lat=39.5)
    html = session(world.dispatcher).get("/staff/map/").content.decode()
    assert 'data-centre="39.5,116.5"' in html
    city = make_user("city_dispatcher", Role.DISPATCHER, area_code="1101")
    html = session(city).get("/staff/map/").content.decode()
    assert 'data-centre="30.0,100.0"' in html  # city-wide: the first district


def test_the_desk_of_a_city_wide_user_leaves_the_district_to_the_first(world, session: Any):
    city = make_user("city_operator", Role.OPERATOR, area_code="1101")
    html = session(city).get("/hotline/").content.decode()
    assert 'data-district=""' in html  # not "1101", which is no district
