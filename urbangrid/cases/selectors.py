"""Reading cases: who sees which (``cases_visible_to``), filtered lists with cursors."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from urbangrid.cases.exceptions import InvalidInput
from urbangrid.cases.models import Case, CaseEvent, CaseShare, Dispatch
from urbangrid.organisations.models import InspectorGrid, User
from urbangrid.organisations.permissions import Permission, has_permission

MAX_PAGE = 200


def cases_visible_to(user: User, *, shared: bool = True) -> QuerySet[Case]:
    """Every case ``user`` may see; the one scoping rule, used by the access gate too.

    Centre roles see the cases within their ``area_code`` (all, if it is empty); a
    department's staff see the cases currently or ever dispatched to their department;
    an inspector sees the cases in their grids and the ones they reported. A district
    centre also sees the boundary cases the city coordinates for it (``CaseShare``),
    unless ``shared`` is false (the gate for actions: those cases are read only).
    """
    cases = Case.objects.all()
    if not user.is_authenticated or not user.is_active:
        return cases.none()
    if has_permission(user, Permission.VIEW_ALL_CASES):
        if not user.area_code:
            return cases
        within = Q(grid_code__startswith=user.area_code)
        if shared:
            # Boundary cases the city coordinates for this district too (跨区协调): few,
            # so their ids go in as a list and the area prefix keeps its index.
            ids = shared_case_ids(user.area_code)
            if ids:
                within |= Q(pk__in=ids)
        return cases.filter(within)
    if has_permission(user, Permission.VIEW_DEPARTMENT_CASES):
        if user.department_id is None:
            return cases.none()
        return cases.filter(
            Exists(Dispatch.objects.filter(case=OuterRef("pk"), department_id=user.department_id))
        )
    if has_permission(user, Permission.VIEW_GRID_CASES):
        grids = InspectorGrid.objects.filter(inspector=user).values("grid_code")
        return cases.filter(Q(grid_code__in=grids) | Q(reported_by=user))
    return cases.none()


@dataclass(frozen=True)
class CaseFilters:
    status: list[str] | None = None
    department_id: int | None = None
    area_code: str | None = None
    matter_code: str | None = None
    light: str | None = None
    due_before: dt.datetime | None = None
    text: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[Case]
    next_cursor: str | None


def encode_cursor(case: Case) -> str:
    raw = f"{case.created_at.isoformat()}|{case.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        return dt.datetime.fromisoformat(moment), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("not a cursor from this list", field="cursor") from exc


NUMBER_PREFIX = re.compile(r"\d{6}-[\d-]*")
"""Text that is a case number (``district-YYYYMMDD-NNNN``) or its start: searched as a
number prefix, not in descriptions and addresses (a scan of every case)."""


def filter_cases(cases: QuerySet[Case], filters: CaseFilters) -> QuerySet[Case]:
    if filters.status:
        cases = cases.filter(status__in=filters.status)
    if filters.department_id is not None:
        cases = cases.filter(department_id=filters.department_id)
    if filters.area_code:
        cases = cases.filter(grid_code__startswith=filters.area_code)
    if filters.matter_code:
        cases = cases.filter(matter__code=filters.matter_code)
    if filters.light:
        cases = cases.filter(light=filters.light)
    if filters.due_before is not None:
        cases = cases.filter(stage_due_at__lt=filters.due_before)
    if filters.text:
        text = filters.text.strip()
        if NUMBER_PREFIX.fullmatch(text):
            # A case number or its start (district code, day, sequence): the number's
            # index answers it, however many cases there are.
            cases = cases.filter(number__startswith=text)
        else:
            cases = cases.filter(
                Q(number__icontains=text)
                | Q(description__icontains=text)
                | Q(address__icontains=text)
            )
    return cases


def case_page(
    user: User, filters: CaseFilters, *, cursor: str | None = None, limit: int = 50
) -> Page:
    """One page of the cases ``user`` sees, newest first; pass ``next_cursor`` back for
    the next page. Two queries at most, whatever the page size."""
    limit = max(1, min(limit, MAX_PAGE))
    cases = filter_cases(cases_visible_to(user), filters).select_related("matter", "department")
    if cursor:
        created_at, pk = decode_cursor(cursor)
        cases = cases.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
    items = list(cases.order_by("-created_at", "-pk")[: limit + 1])
    next_cursor = encode_cursor(items[limit - 1]) if len(items) > limit else None
    return Page(items=items[:limit], next_cursor=next_cursor)


def timeline(case: Case) -> list[CaseEvent]:
    """The case's events in order, with actors and photos, in two queries."""
    return list(case.events.select_related("actor").prefetch_related("attachments").order_by("seq"))


# --- What the open-case tallies can answer (``tally.py``) ------------------------------------


def shared_case_ids(area_code: str) -> list[int]:
    """Cases outside district ``area_code`` that the city shares with it (跨区协调)."""
    if len(area_code) != 6:
        return []
    return list(
        CaseShare.objects.filter(district_code=area_code)
        .exclude(case__grid_code__startswith=area_code)
        .values_list("case_id", flat=True)
    )


@dataclass(frozen=True)
class TallyScope:
    """The part of ``cases_visible_to(user)`` the open-case tallies answer: the cases whose
    grid code starts with ``area`` ("": all); for a department's staff, whose queues only
    hold the cases their department has now, the cases held by ``department``; for an
    inspector, whose queues hold the cases on site in their grids, those of ``grids``.
    ``extra``: the few visible cases outside ``area`` (shared boundary cases), to count
    from the cases themselves."""

    area: str | None = None
    department: int | None = None
    grids: tuple[str, ...] | None = None
    extra: tuple[int, ...] = ()


def tally_scope(user: User) -> TallyScope | None:
    """``user``'s ``TallyScope``, or ``None`` when the tallies cannot answer for them (an
    area finer than a street): count from the cases then."""
    if not user.is_authenticated or not user.is_active:
        return None
    if has_permission(user, Permission.VIEW_ALL_CASES):
        area = user.area_code or ""
        if len(area) > 9:
            return None
        return TallyScope(area=area, extra=tuple(shared_case_ids(area)))
    if has_permission(user, Permission.VIEW_DEPARTMENT_CASES):
        if user.department_id is None:
            return None
        return TallyScope(department=user.department_id)
    if has_permission(user, Permission.VIEW_GRID_CASES):
        grids = InspectorGrid.objects.filter(inspector=user).values_list("grid_code", flat=True)
        return TallyScope(grids=tuple(grids))
    return None
