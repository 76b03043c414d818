"""The single gate to a case: ``access_case``, and whether a user may take an action.

Not visible → 404 (do not reveal that the case exists); visible but not allowed → 403.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from urbangrid.cases.exceptions import CaseNotFound
from urbangrid.cases.models import Case
from urbangrid.cases.selectors import cases_visible_to
from urbangrid.cases.workflow import ACTIONS, Scope, Transition, find_transition
from urbangrid.organisations.models import InspectorGrid, Level, User
from urbangrid.organisations.permissions import has_permission


def access_case(user: User, number: str, *, for_update: bool = False) -> Case:
    """The case ``number`` if ``user`` may see it, else ``CaseNotFound``.

    ``for_update`` locks the row until the end of the transaction (the caller must be
    inside ``transaction.atomic()``).
    """
    # A case shared with the user's district (跨区协调) can be read, not acted on.
    cases: QuerySet[Case] = cases_visible_to(user, shared=not for_update)
    if for_update:
        # The matter and the department are read (in the same transaction) only by the
        # few actions and conditions that need them: the join costs every action more.
        cases = cases.select_for_update(of=("self",))
    else:
        cases = cases.select_related("matter", "department")
    # ``number`` is unique: a plain slice, without the ORDER BY that ``first()`` adds
    # (compiled on every call, for nothing).
    found = list(cases.filter(number=number)[:1])
    if not found:
        raise CaseNotFound(gettext_noop("case %(number)s not found"), params={"number": number})
    return found[0]


def is_in_scope(user: User, case: Case, scope: Scope) -> bool:
    """Whether ``user`` stands where ``scope`` requires, on a case they can see.

    A case outside the user's area is one the city shares with their district (跨区协调):
    they follow it, they do not act on it.
    """
    if user.area_code and not case.grid_code.startswith(user.area_code):
        return False
    if scope == Scope.DEPARTMENT:
        return user.department_id is not None and case.department_id == user.department_id
    if scope == Scope.GRID:
        return InspectorGrid.objects.filter(inspector=user, grid_code=case.grid_code).exists()
    if scope == Scope.LEVEL:
        level = user_level(user)
        return level is None or level == case.level
    return True


def user_level(user: User) -> str | None:
    """The level a centre user works at, from their area code: a street (9 digits or
    more), a district (6) or the city (a shorter city prefix such as ``1101``); ``None``
    for an empty code (a single-platform deployment: every level)."""
    code = user.area_code or ""
    if not code:
        return None
    if len(code) >= 9:
        return Level.STREET
    if len(code) >= 6:
        return Level.DISTRICT
    return Level.CITY


def reporting_level(user: User | None) -> str:
    """The level a new case starts at: a street sub-centre's own reports stay with the
    street; everything else starts with the district."""
    return Level.STREET if user is not None and user_level(user) == Level.STREET else Level.DISTRICT


def can_take(user: User, case: Case, row: Transition) -> bool:
    """Role and scope, not status: may ``user`` take ``row``'s action on ``case``?"""
    return has_permission(user, row.permission) and is_in_scope(user, case, row.scope)


def allowed_actions(user: User, case: Case) -> list[str]:
    """The actions ``user`` could take on ``case`` now (input aside), in table order."""
    allowed: list[str] = []
    scopes: dict[Scope, bool] = {}
    for action in ACTIONS:
        row = find_transition(case, action, None)
        if row is None or not has_permission(user, row.permission):
            continue
        if row.scope not in scopes:
            scopes[row.scope] = is_in_scope(user, case, row.scope)
        if scopes[row.scope]:
            allowed.append(action)
    return allowed
