"""Levels (市 → 区 → 街道): who sees and acts on which case, street sub-centres, referral
up (提级, 协调件) street → district → city and back for check and close, and boundary
coordination (跨区协调) by the city — all through ``apply_action``.

The test city: district 110101 (streets 110101001 with grids 0–7 and 110101002 with grids
8–15) and district 110102 beside it (its grids moved 0.01° east).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from urbangrid.cases.access import access_case, allowed_actions, user_level
from urbangrid.cases.exceptions import (
    ActionForbidden,
    CaseNotFound,
    InvalidInput,
    TransitionNotAllowed,
)
from urbangrid.cases.models import Case
from urbangrid.cases.selectors import cases_visible_to
from urbangrid.cases.services import Report, create_report
from urbangrid.geo import locate
from urbangrid.geo.models import UnitGrid
from urbangrid.organisations.models import Department, Level, Role, User
from urbangrid.testing import make_city, make_department, make_user, square

from .conftest import World

SHIFT = 0.01


@dataclass
class Levels:
    world: World
    street: str  # 110101001
    other_street: str  # 110101002
    city_dispatcher: User
    city_operator: User
    city_handler: User
    city_department: Department
    street_operator: User
    street_leader: User
    street_dispatcher: User
    street_handler: User
    street_office: Department
    other_district_operator: User
    other_district_dispatcher: User
    other_district_point: tuple[float, float]

    def report(self, actor: User, grid_index: int = 0, **extra: Any) -> Case:
        return self.world.report(actor, channel="inspector", grid_index=grid_index, **extra)

    def act(self, case: Case, action: str, actor: User, **data: Any) -> Case:
        return self.world.act(case, action, actor, **data)

    def to_dispatch(self, case: Case, *, operator: User, leader: User) -> Case:
        self.act(case, "accept", operator)
        return self.act(case, "file", leader, grade="general", filing_condition="面积大于1平方米")


def _second_district() -> tuple[float, float]:
    """District 110102 beside the test district; the centre of its first grid."""
    make_city("110102", "第二区")
    for grid in UnitGrid.objects.filter(code__startswith="110102"):
        assert grid.min_lng is not None
        assert grid.min_lat is not None
        geom = square(grid.min_lng + SHIFT, grid.min_lat)
        grid.geometry = geom
        grid.min_lng += SHIFT
        grid.max_lng = (grid.max_lng or 0) + SHIFT
        grid.centre_lng = (grid.centre_lng or 0) + SHIFT
        grid.save()
    locate.invalidate()
    first = UnitGrid.objects.filter(code__startswith="110102").order_by("code").first()
    assert first is not None
    return first.centre_lng or 0, first.centre_lat or 0


@pytest.fixture
def levels(world: World) -> Levels:
    street, other_street = (s.code for s in world.city.streets)
    city_department = make_department("市城管委", level=Level.CITY)
    street_office = make_department(
        "第1街道办事处", level=Level.STREET, district=world.city.district,
        street=world.city.streets[0],
    )  # fmt: skip
    point = _second_district()
    return Levels(
        world=world,
        street=street,
        other_street=other_street,
        city_dispatcher=make_user("city_dispatcher", Role.DISPATCHER, area_code="1101"),
        city_operator=make_user("city_operator", Role.OPERATOR, area_code="1101"),
        city_handler=make_user("city_handler", Role.HANDLER, department=city_department),
        city_department=city_department,
        street_operator=make_user("street_operator", Role.OPERATOR, area_code=street),
        street_leader=make_user("street_leader", Role.SHIFT_LEADER, area_code=street),
        street_dispatcher=make_user("street_dispatcher", Role.DISPATCHER, area_code=street),
        street_handler=make_user("street_handler", Role.HANDLER, department=street_office),
        street_office=street_office,
        other_district_operator=world.outsider,  # an operator of 110102
        other_district_dispatcher=make_user("dispatcher2", Role.DISPATCHER, area_code="110102"),
        other_district_point=point,
    )


def _other_district_case(lv: Levels) -> Case:
    lng, lat = lv.other_district_point
    return create_report(
        Report(channel="inspector", matter_code=lv.world.matter.code, lng=lng, lat=lat),
        actor=lv.other_district_operator,
    )


# --- Who sees what --------------------------------------------------------------------


def test_levels_of_users_follow_their_area_codes(levels: Levels) -> None:
    assert user_level(levels.city_dispatcher) == Level.CITY
    assert user_level(levels.world.dispatcher) == Level.DISTRICT
    assert user_level(levels.street_dispatcher) == Level.STREET
    assert user_level(levels.world.leader) is None  # no area code: every level


def test_city_users_see_every_district_of_their_city(levels: Levels) -> None:
    ours = levels.report(levels.world.operator)
    theirs = _other_district_case(levels)
    assert theirs.district_code == "110102"
    for user in (levels.city_dispatcher, levels.city_operator, levels.world.leader):
        assert set(cases_visible_to(user)) == {ours, theirs}


def test_district_users_see_only_their_district(levels: Levels) -> None:
    ours = levels.report(levels.world.operator)
    theirs = _other_district_case(levels)
    assert list(cases_visible_to(levels.world.dispatcher)) == [ours]
    assert list(cases_visible_to(levels.other_district_dispatcher)) == [theirs]
    with pytest.raises(CaseNotFound):
        access_case(levels.world.dispatcher, theirs.number)


def test_street_users_see_only_their_street(levels: Levels) -> None:
    mine = levels.report(levels.world.operator, grid_index=0)
    next_street = levels.report(levels.world.operator, grid_index=8)
    other_district = _other_district_case(levels)
    assert mine.street_code == levels.street
    assert next_street.street_code == levels.other_street
    assert list(cases_visible_to(levels.street_dispatcher)) == [mine]
    for hidden in (next_street, other_district):
        with pytest.raises(CaseNotFound):
            access_case(levels.street_operator, hidden.number)


def test_a_street_user_cannot_report_outside_their_street(levels: Levels) -> None:
    with pytest.raises(ActionForbidden):
        levels.report(levels.street_operator, grid_index=8)


# --- Who acts at which level ------------------------------------------------------------


def test_a_street_sub_centre_files_and_dispatches_to_its_street_units(levels: Levels) -> None:
    case = levels.report(levels.street_operator)
    assert (case.level, case.origin_level) == (Level.STREET, Level.STREET)
    levels.to_dispatch(case, operator=levels.street_operator, leader=levels.street_leader)
    with pytest.raises(InvalidInput, match="street-level units"):
        levels.act(case, "dispatch", levels.street_dispatcher, department_id=levels.world.dept_a.pk)
    case = levels.act(
        case, "dispatch", levels.street_dispatcher, department_id=levels.street_office.pk
    )
    assert case.status == "dispatched"
    assert levels.act(case, "receive", levels.street_handler).status == "handling"


def test_only_the_level_holding_a_case_dispatches_it(levels: Levels) -> None:
    w = levels.world
    district_case = levels.report(w.operator)
    district_case = levels.to_dispatch(district_case, operator=w.operator, leader=w.shift_leader)
    assert district_case.level == Level.DISTRICT
    for outsider_level in (levels.city_dispatcher, levels.street_dispatcher):
        with pytest.raises((ActionForbidden, CaseNotFound)):
            levels.act(district_case, "dispatch", outsider_level)
    assert "dispatch" not in allowed_actions(levels.city_dispatcher, district_case)
    assert "dispatch" in allowed_actions(w.dispatcher, district_case)

    street_case = levels.report(levels.street_operator)
    levels.to_dispatch(street_case, operator=levels.street_operator, leader=levels.street_leader)
    with pytest.raises(ActionForbidden):
        levels.act(street_case, "dispatch", w.dispatcher)


# --- Referral up (提级) and back ----------------------------------------------------------


def test_a_case_goes_up_street_district_city_and_back_for_check_and_close(
    levels: Levels,
) -> None:
    w = levels.world
    case = levels.report(levels.street_operator)
    levels.to_dispatch(case, operator=levels.street_operator, leader=levels.street_leader)

    case = levels.act(case, "refer_up", levels.street_dispatcher, reason="需区级多部门协同")
    assert (case.status, case.level, case.origin_level) == ("to_dispatch", "district", "street")
    assert case.counters["referrals"] == 1
    assert case.stage == "dispatch"  # a fresh dispatch clock at the district
    with pytest.raises(ActionForbidden):
        levels.act(
            case, "dispatch", levels.street_dispatcher, department_id=levels.street_office.pk
        )

    case = levels.act(case, "refer_up", w.dispatcher, reason="需市级协调")
    assert (case.level, case.counters["referrals"]) == ("city", 2)
    with pytest.raises(ActionForbidden):
        levels.act(case, "refer_up", w.dispatcher, reason="again")
    with pytest.raises(TransitionNotAllowed):
        levels.act(case, "refer_up", levels.city_dispatcher, reason="no level above")

    with pytest.raises(InvalidInput, match="city-level"):
        levels.act(case, "dispatch", levels.city_dispatcher, department_id=w.dept_a.pk)
    case = levels.act(
        case, "dispatch", levels.city_dispatcher, department_id=levels.city_department.pk
    )
    levels.act(case, "receive", levels.city_handler)
    photo = w.photo(case, levels.city_handler)  # type: ignore[attr-defined]
    case = levels.act(case, "report_handled", levels.city_handler, photos=[photo.pk])
    assert (case.status, case.level) == ("to_check", "street")  # back where it was filed

    with pytest.raises(ActionForbidden):
        levels.act(case, "send_check", w.operator)  # the district does not check it
    levels.act(case, "send_check", levels.street_operator)
    photo = w.photo(case, w.inspector)  # type: ignore[attr-defined]
    levels.act(case, "check", w.inspector, result=True, photos=[photo.pk])
    case = levels.act(case, "close", levels.street_leader)
    assert case.status == "closed"

    events = list(case.events.order_by("seq"))
    assert [e.action for e in events] == [
        "report", "accept", "file", "refer_up", "refer_up", "dispatch", "receive",
        "report_handled", "send_check", "check", "close",
    ]  # fmt: skip
    ups = [e for e in events if e.action == "refer_up"]
    assert [(e.data["from_level"], e.data["to_level"]) for e in ups] == [
        ("street", "district"),
        ("district", "city"),
    ]
    assert ups[0].data["reason"] == "需区级多部门协同"
    handled = next(e for e in events if e.action == "report_handled")
    assert handled.data["returned_to"] == "street"


def test_the_city_sees_a_referred_case_the_district_still_follows_it(levels: Levels) -> None:
    w = levels.world
    case = levels.report(w.operator)
    levels.to_dispatch(case, operator=w.operator, leader=w.shift_leader)
    levels.act(case, "refer_up", w.dispatcher, reason="需市级协调")
    assert access_case(levels.city_dispatcher, case.number).level == "city"
    assert access_case(w.dispatcher, case.number).level == "city"  # still visible below
    assert "dispatch" in allowed_actions(levels.city_dispatcher, access_case(w.leader, case.number))


# --- Boundary coordination (跨区协调) ----------------------------------------------------


def test_a_boundary_case_is_coordinated_by_the_city_without_duplication(levels: Levels) -> None:
    w = levels.world
    case = levels.report(w.operator)
    levels.to_dispatch(case, operator=w.operator, leader=w.shift_leader)
    before = Case.objects.count()
    with pytest.raises(InvalidInput):
        levels.act(case, "coordinate", w.dispatcher, districts="110101", reason="本区")
    case = levels.act(case, "coordinate", w.dispatcher, districts="110102", reason="两区交界")
    assert (case.level, case.status, case.counters["coordinations"]) == ("city", "to_dispatch", 1)
    assert Case.objects.count() == before
    event = case.events.order_by("-seq").first()
    assert event is not None
    assert event.data["districts"] == ["110101", "110102"]
    case = levels.act(
        case, "dispatch", levels.city_dispatcher, department_id=levels.city_department.pk
    )
    assert case.status == "dispatched"


def test_the_other_district_sees_a_coordinated_boundary_case_read_only(levels: Levels) -> None:
    w = levels.world
    other = levels.other_district_dispatcher
    case = levels.report(w.operator)
    levels.to_dispatch(case, operator=w.operator, leader=w.shift_leader)
    with pytest.raises(CaseNotFound):
        access_case(other, case.number)
    case = levels.act(case, "coordinate", w.dispatcher, districts="110102", reason="两区交界")
    seen = access_case(other, case.number)
    assert seen.pk == case.pk
    assert cases_visible_to(other).filter(pk=case.pk).count() == 1
    assert allowed_actions(other, seen) == []  # the city holds it
    # Its own cases stay visible beside the shared one; a third district sees nothing.
    own = _other_district_case(levels)
    assert set(cases_visible_to(other).values_list("pk", flat=True)) >= {case.pk, own.pk}
    third = make_user("dispatcher3", Role.DISPATCHER, area_code="110103")
    assert not cases_visible_to(third).filter(pk=case.pk).exists()
    # Handled by the city, checked and closed by the district it lies in: still shared.
    case = levels.act(
        case, "dispatch", levels.city_dispatcher, department_id=levels.city_department.pk
    )
    assert access_case(other, case.number).status == "dispatched"
    assert list(case.shares.values_list("district_code", flat=True)) == ["110102"]


def test_only_a_district_coordinates(levels: Levels) -> None:
    case = levels.report(levels.street_operator)
    levels.to_dispatch(case, operator=levels.street_operator, leader=levels.street_leader)
    with pytest.raises(TransitionNotAllowed):
        levels.act(case, "coordinate", levels.street_dispatcher, districts="110102", reason="x")
