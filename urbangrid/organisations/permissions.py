"""The permission catalogue: every permission name, and which roles hold it.

Scoping (which cases, which grids) is not here: it is written once in the ``access_*``
gates and ``*_visible_to`` selectors of each app. This file answers only "may this role
ever do X?".
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from urbangrid.organisations.models import Role


class Permission(StrEnum):
    # Reading
    VIEW_ALL_CASES = "case.view_all"
    VIEW_DEPARTMENT_CASES = "case.view_department"
    VIEW_GRID_CASES = "case.view_grid"
    VIEW_PERSONAL_DATA = "case.view_personal_data"
    VIEW_INTERNAL_NOTES = "case.view_internal_notes"
    # Intake and the supervision centre
    REPORT = "case.report"
    SEND_VERIFY = "case.send_verify"
    VERIFY = "case.verify"
    ACCEPT = "case.accept"
    FILE = "case.file"
    CANCEL = "case.cancel"
    SEND_CHECK = "case.send_check"
    CHECK = "case.check"
    CLOSE = "case.close"
    REWORK = "case.rework"
    REOPEN = "case.reopen"
    SELF_HANDLE = "case.self_handle"
    REVIEW_SELF_HANDLED = "case.review_self_handled"
    # The command centre
    DISPATCH = "case.dispatch"
    SEND_BACK = "case.send_back"
    DECIDE_EXTENSION = "case.decide_extension"
    DECIDE_SUSPENSION = "case.decide_suspension"
    URGE = "case.urge"
    ESCALATE = "case.escalate"
    # Departments
    RECEIVE = "case.receive"
    RETURN = "case.return"
    REPORT_HANDLED = "case.report_handled"
    REQUEST_EXTENSION = "case.request_extension"
    REQUEST_SUSPENSION = "case.request_suspension"
    # Configuration
    CONFIGURE = "system.configure"
    VIEW_EVALUATION = "evaluation.view"
    # Every user's evaluation exports, not only one's own (``evaluation.access``)
    VIEW_ALL_EXPORTS = "evaluation.view_all_exports"


P = Permission
_SUPERVISION_READ = {P.VIEW_ALL_CASES, P.VIEW_INTERNAL_NOTES, P.VIEW_EVALUATION}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.INSPECTOR: frozenset({P.VIEW_GRID_CASES, P.REPORT, P.VERIFY, P.CHECK, P.SELF_HANDLE}),
    Role.OPERATOR: frozenset(
        _SUPERVISION_READ
        | {P.VIEW_PERSONAL_DATA, P.REPORT, P.SEND_VERIFY, P.ACCEPT, P.CANCEL, P.SEND_CHECK, P.URGE}
    ),
    Role.SHIFT_LEADER: frozenset(
        _SUPERVISION_READ
        | {
            P.VIEW_PERSONAL_DATA,
            P.FILE,
            P.CANCEL,
            P.CLOSE,
            P.REWORK,
            P.REOPEN,
            P.REVIEW_SELF_HANDLED,
            P.DECIDE_SUSPENSION,
            P.URGE,
            P.ESCALATE,
        }
    ),
    Role.DISPATCHER: frozenset(
        _SUPERVISION_READ
        | {P.DISPATCH, P.SEND_BACK, P.DECIDE_EXTENSION, P.DECIDE_SUSPENSION, P.URGE, P.ESCALATE}
    ),
    Role.HANDLER: frozenset(
        {
            P.VIEW_DEPARTMENT_CASES,
            P.RECEIVE,
            P.RETURN,
            P.REPORT_HANDLED,
            P.REQUEST_EXTENSION,
            P.REQUEST_SUSPENSION,
        }
    ),
    Role.DEPARTMENT_HEAD: frozenset(
        {
            P.VIEW_DEPARTMENT_CASES,
            P.VIEW_INTERNAL_NOTES,
            P.RECEIVE,
            P.RETURN,
            P.REPORT_HANDLED,
            P.REQUEST_EXTENSION,
            P.REQUEST_SUSPENSION,
            P.VIEW_EVALUATION,
        }
    ),
    Role.LEADER: frozenset(_SUPERVISION_READ | {P.URGE, P.ESCALATE}),
    Role.AUDITOR: frozenset(_SUPERVISION_READ | {P.VIEW_PERSONAL_DATA, P.VIEW_ALL_EXPORTS}),
    Role.ADMIN: frozenset(_SUPERVISION_READ | {P.CONFIGURE}),
}


class HasRole(Protocol):
    role: str
    is_active: bool


def has_permission(user: HasRole, permission: Permission) -> bool:
    """Whether ``user``'s role holds ``permission`` (no object scoping here)."""
    if not getattr(user, "is_active", False):
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def permissions_of(role: str) -> frozenset[Permission]:
    return ROLE_PERMISSIONS.get(role, frozenset())
