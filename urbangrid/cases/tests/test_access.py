"""The gate: who sees which case (404 otherwise) and who may act (403 otherwise)."""

from __future__ import annotations

import pytest

from urbangrid.cases.access import access_case, allowed_actions
from urbangrid.cases.exceptions import ActionForbidden, CaseNotFound
from urbangrid.cases.selectors import cases_visible_to


def visible(world, user, case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


def test_centre_roles_see_cases_within_their_area_only(world):
    case = world.report()
    for user in (
        world.operator,
        world.shift_leader,
        world.dispatcher,
        world.leader,
        world.auditor,
        world.admin,
    ):
        assert visible(world, user, case)
    assert not visible(world, world.outsider, case)
    with pytest.raises(CaseNotFound):
        access_case(world.outsider, case.number)


def test_a_department_sees_only_cases_dispatched_to_it(world):
    case = world.report()
    assert not visible(world, world.handler, case)
    world.to_handling(case)
    assert visible(world, world.handler, case)
    assert visible(world, world.head, case)
    assert not visible(world, world.other_handler, case)


def test_a_department_still_sees_a_case_it_returned_but_may_no_longer_act(world):
    case = world.report()
    world.to_handling(case)
    world.act(case, "return", world.handler, reason="非本单位职责")
    world.act(case, "dispatch", world.dispatcher, department_id=world.dept_b.pk)
    assert visible(world, world.handler, case)
    with pytest.raises(ActionForbidden):
        world.act(case, "receive", world.handler)
    assert world.act(case, "receive", world.other_handler).status == "handling"


def test_an_inspector_sees_their_grids_and_their_own_reports(world):
    in_grid = world.report()
    elsewhere = world.report(grid_index=10)
    own_elsewhere = world.report(world.inspector, channel="inspector", grid_index=11)
    assert visible(world, world.inspector, in_grid)
    assert not visible(world, world.inspector, elsewhere)
    assert visible(world, world.inspector, own_elsewhere)


def test_an_inspector_outside_the_grid_gets_404_not_403(world):
    case = world.report()
    world.act(case, "send_verify", world.operator)
    with pytest.raises(CaseNotFound):
        world.act(case, "verify", world.other_inspector, result=True)


def test_a_user_without_a_role_sees_nothing(world):
    from urbangrid.testing import make_user

    nobody = make_user("nobody", "")
    world.report()
    assert not cases_visible_to(nobody).exists()


def test_allowed_actions_follow_status_role_scope_and_conditions(world):
    case = world.report()
    assert allowed_actions(world.operator, case) == ["send_verify", "not_accept", "urge"]
    assert allowed_actions(world.shift_leader, case) == ["urge", "escalate", "hand_over"]
    assert allowed_actions(world.auditor, case) == []
    world.to_handling(case)
    case.refresh_from_db()
    assert allowed_actions(world.handler, case) == [
        "return",
        "report_handled",
        "request_extension",
        "request_suspension",
    ]
    assert allowed_actions(world.other_handler, case) == []
