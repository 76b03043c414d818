"""The transition table, walked edge by edge, pair by pair and role by role."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from urbangrid.cases.exceptions import ActionForbidden, CaseError, TransitionNotAllowed
from urbangrid.cases.models import Case, Channel
from urbangrid.cases.services import apply_action
from urbangrid.cases.workflow import (
    ACTIONS,
    END_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    Action,
    CaseStatus,
    Scope,
    Transition,
)
from urbangrid.organisations.models import Role
from urbangrid.organisations.permissions import permissions_of

# Input that satisfies every action (each action takes only its own fields).
VALID_INPUT: dict[str, dict[str, Any]] = {
    Action.VERIFY: {"result": True},
    Action.NOT_ACCEPT: {"reason_code": "duplicate"},
    Action.FILE: {"grade": "general", "filing_condition": "面积大于1平方米"},
    Action.CANCEL: {"reason": "重复"},
    Action.SEND_BACK: {"reason": "类别错误"},
    Action.RETURN: {"reason": "非本单位职责"},
    Action.REPORT_HANDLED: {"photos": "PHOTO"},
    Action.CHECK: {"result": True, "photos": "PHOTO"},
    Action.REWORK: {"reason": "未清理干净"},
    Action.REQUEST_EXTENSION: {"until": "2025-12-31T17:00:00+08:00", "reason": "需要采购"},
    Action.REFUSE_EXTENSION: {"reason": "理由不足"},
    Action.REQUEST_SUSPENSION: {"reason": "需立项"},
    Action.REFUSE_SUSPENSION: {"reason": "理由不足"},
    Action.ESCALATE: {"reason": "多次催办未果"},
    Action.REOPEN: {"reason": "群众再次反映"},
    Action.REVIEW_SELF_HANDLED: {"result": True},
    Action.MERGE: {"into": "OTHER_CASE"},
    Action.SPLIT: {"reason": "不是同一问题"},
    Action.CALLBACK: {"reached": True, "solved": True, "satisfaction": "satisfied"},
    Action.REFER_UP: {"reason": "需多部门协同"},
    Action.COORDINATE: {"districts": "110102", "reason": "位于两区交界"},
    Action.HAND_OVER: {"partner": "邻市平台", "reason": "位于邻市辖区"},
}


@pytest.fixture(autouse=True)
def _a_partner_platform(db: None) -> None:
    """The platform ``hand_over`` names (the exchange queues a message to it)."""
    from urbangrid.exchange.models import Partner

    Partner.objects.create(
        name="邻市平台", base_url="http://127.0.0.1:9/", key_id="peer", secret="s", role="peer"
    )


ROLE_USERS = {
    Role.INSPECTOR: "inspector",
    Role.OPERATOR: "operator",
    Role.SHIFT_LEADER: "shift_leader",
    Role.DISPATCHER: "dispatcher",
    Role.HANDLER: "handler",
    Role.DEPARTMENT_HEAD: "head",
    Role.LEADER: "leader",
    Role.AUDITOR: "auditor",
    Role.ADMIN: "admin",
}


def _pending_for(row: Transition) -> str:
    if row.when is not None and row.when.name == "extension requested":
        return "extension"
    if row.when is not None and row.when.name == "suspension requested":
        return "suspension"
    return ""


def case_in(world, status: str, *, pending: str = "", channel: str = "inspector") -> Case:
    """A case put straight into ``status`` (test set-up only), with department A, in the
    inspector's grid. Inspector channel: no verification needed."""
    case = world.report(world.operator, channel=channel)
    Case.objects.filter(pk=case.pk).update(
        status=status,
        department=world.dept_a,
        pending_request=pending,
        pending={"until": "2025-12-31T17:00:00+08:00"} if pending == "extension" else {},
    )
    world.give_history(case, world.dept_a)
    if status == CaseStatus.CANCELLED:  # as if merged, so that split applies
        Case.objects.filter(pk=case.pk).update(merged_into=world.report(world.operator))
    case.refresh_from_db()
    return case  # type: ignore[no-any-return]


def input_for(world, case: Case, action: str, actor) -> dict[str, Any]:
    data = dict(VALID_INPUT.get(action, {}))
    if data.get("photos") == "PHOTO":
        data["photos"] = [world.photo(case, actor).pk]
    if data.get("into") == "OTHER_CASE":
        data["into"] = world.report(world.operator, channel="inspector").number
    return data


def attempt(world, case: Case, action: str, actor) -> str:
    """ "ok" or the error code, rolled back either way."""
    with transaction.atomic():
        try:
            apply_action(
                case.number, action, actor=actor, data=input_for(world, case, action, actor)
            )
            outcome = "ok"
        except CaseError as exc:
            outcome = exc.code
        transaction.set_rollback(True)
    return outcome


# --- Pure properties of the table -----------------------------------------------------


def _graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {str(status): set() for status in CaseStatus}
    for row in TRANSITIONS:
        for source in row.sources:
            if row.target is not None:
                edges[source].add(row.target)
    return edges


def test_every_status_is_reachable_from_a_report():
    edges = _graph()
    seen: set[str] = {str(row.target) for row in TRANSITIONS if not row.sources}
    frontier = list(seen)
    while frontier:
        for target in edges[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(CaseStatus)


def test_every_open_status_can_reach_an_end():
    edges = _graph()
    for status in OPEN_STATUSES:
        seen: set[str] = {status}
        frontier: list[str] = [status]
        while frontier:
            for target in edges[frontier.pop()]:
                if target not in seen:
                    seen.add(target)
                    frontier.append(target)
        assert seen & END_STATUSES, status


def test_every_permission_of_the_table_is_held_by_some_role():
    held = set().union(*(permissions_of(role) for role in Role))
    assert {row.permission for row in TRANSITIONS} <= held


def test_statuses_are_stored_lowercase():
    assert all(status.value == status.value.lower() for status in CaseStatus)


# --- Every edge, taken by a role that may take it --------------------------------------

EDGES = [row for row in TRANSITIONS if row.sources]


def _actor_for(world, row: Transition):
    for role, attr in ROLE_USERS.items():
        if row.permission in permissions_of(role):
            return getattr(world, attr)
    raise AssertionError(row)


def _condition_setup(row: Transition) -> dict[str, Any]:
    return {"pending": _pending_for(row)}


@pytest.mark.parametrize(
    "row",
    [(row, source) for row in EDGES for source in sorted(row.sources)],
    ids=lambda p: f"{p[0].action}:{p[1]}:{p[0].when.name if p[0].when else ''}",
)
def test_every_edge_is_allowed_for_its_role(world, row):
    row, source = row
    actor = _actor_for(world, row)
    case = case_in(world, source, **_condition_setup(row))
    data = input_for(world, case, row.action, actor)
    if row.when is not None and row.when.name == "result is false":
        data["result"] = False
    if row.when is not None and row.when.name == "no check needed":
        type(world.matter).objects.filter(pk=world.matter.pk).update(needs_check=False)
    if row.action == Action.ACCEPT and source == CaseStatus.REPORTED:
        pass  # an inspector's report needs no verification
    after = apply_action(case.number, row.action, actor=actor, data=data)
    assert after.status == (row.target or source)
    event = after.events.order_by("-seq").first()
    assert event is not None
    assert (event.action, event.from_status, event.to_status) == (
        row.action,
        source,
        after.status,
    )


# --- Every unlisted (status, action) pair is refused ----------------------------------


@pytest.mark.parametrize("status", list(CaseStatus))
def test_every_unlisted_status_action_pair_is_refused(world, status):
    for action in ACTIONS:
        rows = [row for row in TRANSITIONS if row.action == action and status in row.sources]
        pending = _pending_for(rows[0]) if rows else ""
        case = case_in(world, status, pending=pending)
        actor = _actor_for(world, next(r for r in TRANSITIONS if r.action == action))
        outcome = attempt(world, case, action, actor)
        if rows:
            assert outcome == "ok", (status, action, outcome)
        else:
            assert outcome == TransitionNotAllowed.code, (status, action, outcome)


# --- Every role without the permission (or outside the scope) is refused ---------------


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_is_refused_to_roles_without_it(world, action):
    row = next(r for r in TRANSITIONS if r.action == action)
    source = sorted(row.sources)[0]
    for role, attr in ROLE_USERS.items():
        actor = getattr(world, attr)
        case = case_in(world, source, pending=_pending_for(row))
        outcome = attempt(world, case, action, actor)
        if row.permission in permissions_of(role):
            assert outcome == "ok", (action, role, outcome)
        else:
            # Refused: 403 if they can see the case, 404 if they cannot.
            assert outcome in {ActionForbidden.code, "not_found"}, (action, role, outcome)


def test_department_actions_are_refused_to_another_department(world):
    for row in TRANSITIONS:
        if row.scope != Scope.DEPARTMENT:
            continue
        case = case_in(world, sorted(row.sources)[0], pending=_pending_for(row))
        # Department B once had the case, so it sees it but may not act on it.
        world.give_history(case, world.dept_b)
        assert attempt(world, case, row.action, world.other_handler) == "forbidden", row.action


def test_inspector_actions_are_refused_outside_their_grids(world):
    for row in TRANSITIONS:
        if row.scope != Scope.GRID or not row.sources:
            continue
        case = case_in(world, sorted(row.sources)[0])
        # The other inspector reported it, so they see it, but it is not in their grid.
        Case.objects.filter(pk=case.pk).update(reported_by=world.other_inspector)
        assert attempt(world, case, row.action, world.other_inspector) == "forbidden"


def test_an_inspector_report_is_accepted_without_verification(world):
    case = world.report(world.inspector, channel=Channel.INSPECTOR)
    assert world.act(case, "accept", world.operator).status == CaseStatus.TO_FILE


def test_a_public_report_must_be_verified_before_acceptance(world):
    case = world.report(channel=Channel.PUBLIC)
    with pytest.raises(TransitionNotAllowed) as caught:
        world.act(case, "accept", world.operator)
    assert caught.value.code == "condition_failed"
    world.act(case, "send_verify", world.operator)
    world.act(case, "verify", world.inspector, result=True)
    assert world.act(case, "accept", world.operator).status == CaseStatus.TO_FILE


def test_a_public_report_of_a_type_without_verification_is_accepted_directly(world):
    type(world.matter).objects.filter(pk=world.matter.pk).update(needs_verification=False)
    case = world.report(channel=Channel.HOTLINE)
    assert world.act(case, "accept", world.operator).status == CaseStatus.TO_FILE


def test_a_false_verification_cancels_the_report(world):
    case = world.report()
    world.act(case, "send_verify", world.operator)
    assert world.act(case, "verify", world.inspector, result=False).status == "cancelled"
