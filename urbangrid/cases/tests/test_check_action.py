"""``check_action``: the workflow's checks, without the write — the row that applies, or
the very refusal ``apply_action`` would raise (same class, code, status, message, field).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from urbangrid.cases import services
from urbangrid.cases.access import access_case
from urbangrid.cases.exceptions import CaseError, InvalidInput, VersionConflict
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.services import (
    ConditionFailed,
    OutOfScope,
    RoleMayNot,
    StatusForbids,
    UnknownAction,
    apply_action,
    check_action,
)
from urbangrid.cases.workflow import NO_VERIFICATION_NEEDED, NOT_CALLED_BACK, CaseStatus


def refusal(call: Callable[[], object]) -> CaseError:
    with pytest.raises(CaseError) as caught:
        call()
    return caught.value


def verifying(world: Any) -> Case:
    case: Case = world.report()
    world.act(case, "send_verify", world.operator)
    return case


# (name, how to set up the case, actor, action, data, expected_version, refusal class)
REFUSALS: list[tuple[str, Callable[[Any], Case], str, str, dict[str, Any], int | None, type]] = [
    ("unknown action", lambda w: w.report(), "operator", "fly", {}, None, UnknownAction),
    ("role", lambda w: w.report(), "inspector", "accept", {}, None, RoleMayNot),
    ("version", lambda w: w.report(), "operator", "send_verify", {}, 99, VersionConflict),
    ("status", lambda w: w.report(), "operator", "send_check", {}, None, StatusForbids),
    ("scope", verifying, "other_inspector", "verify", {"result": True}, None, OutOfScope),
    ("input", lambda w: w.report(), "operator", "not_accept", {}, None, InvalidInput),
    ("condition", lambda w: w.report(), "operator", "accept", {}, None, ConditionFailed),
]


@pytest.mark.parametrize(
    ("setup", "actor", "action", "data", "version", "expected"),
    [row[1:] for row in REFUSALS],
    ids=[row[0] for row in REFUSALS],
)
def test_check_action_refuses_as_apply_action_does(
    world, setup, actor, action, data, version, expected
):
    case = setup(world)
    if actor == "other_inspector":  # they reported it, so they see it; not in their grids
        Case.objects.filter(pk=case.pk).update(reported_by=world.other_inspector)
    user = getattr(world, actor)
    checked = refusal(
        lambda: check_action(
            access_case(user, case.number), action, actor=user, data=data, expected_version=version
        )
    )
    applied = refusal(
        lambda: apply_action(case.number, action, actor=user, data=data, expected_version=version)
    )
    assert type(checked) is type(applied) is expected
    assert (checked.status, checked.code, checked.message, checked.field) == (
        applied.status,
        applied.code,
        applied.message,
        applied.field,
    )


def test_the_refusals_keep_their_codes(world):
    """One class per check, for callers that word a refusal their own way; the codes and
    HTTP statuses are those of the base classes, as before."""
    assert (RoleMayNot.status, RoleMayNot.code) == (403, "forbidden")
    assert (OutOfScope.status, OutOfScope.code) == (403, "forbidden")
    assert (StatusForbids.status, StatusForbids.code) == (409, "transition_not_allowed")
    assert (ConditionFailed.status, ConditionFailed.code) == (409, "condition_failed")


def test_an_allowed_action_answers_its_row_and_neither_locks_nor_writes(world):
    case = world.report()
    seen = access_case(world.operator, case.number)
    with CaptureQueriesContext(connection) as queries:
        allowed = check_action(seen, "send_verify", actor=world.operator)
    assert allowed.row.target == CaseStatus.VERIFYING
    assert allowed.data == {}
    for query in queries.captured_queries:
        sql = query["sql"].upper()
        assert sql.startswith("SELECT"), sql
        assert "FOR UPDATE" not in sql, sql
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.version) == (case.status, case.version)
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_without_input_it_asks_whether_the_action_could_be_taken(world):
    """``data`` None: input aside (the conditions on input answer yes); given, it is
    validated and chooses the row."""
    case = verifying(world)
    seen = access_case(world.inspector, case.number)
    assert check_action(seen, "verify", actor=world.inspector).row.target == CaseStatus.VERIFIED
    refused = check_action(seen, "verify", actor=world.inspector, data={"result": False})
    assert (refused.row.target, refused.data) == (CaseStatus.CANCELLED, {"result": False})
    with pytest.raises(InvalidInput) as missing:
        check_action(seen, "verify", actor=world.inspector, data={})
    assert missing.value.field == "result"


def test_a_failed_condition_names_the_conditions(world):
    case = world.report()
    with pytest.raises(ConditionFailed) as caught:
        check_action(access_case(world.operator, case.number), "accept", actor=world.operator)
    assert caught.value.conditions == (NO_VERIFICATION_NEEDED,)
    world.act(case, "not_accept", world.operator, reason_code="duplicate")
    world.act(case, "callback", world.operator, reached=False)
    with pytest.raises(ConditionFailed) as again:
        check_action(access_case(world.operator, case.number), "callback", actor=world.operator)
    assert again.value.conditions == (NOT_CALLED_BACK,)


def test_apply_action_checks_through_check_action_on_the_locked_row(world, monkeypatch):
    asked: list[tuple[str, str, Any]] = []
    original = services.check_action

    def spy(case: Case, action: str, **kwargs: Any) -> Any:
        # Asked inside apply_action's transaction, where the row was read for update.
        assert connection.in_atomic_block
        asked.append((case.number, action, kwargs["data"]))
        return original(case, action, **kwargs)

    monkeypatch.setattr(services, "check_action", spy)
    case = world.report()
    world.act(case, "send_verify", world.operator, note="去看看")
    assert asked == [(case.number, "send_verify", {"note": "去看看"})]
