"""Reads for intake: similar open cases nearby (duplicates), an inspector's tasks, assets
near a point, the public map and the public view of one case."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from urbangrid.assets.models import Component
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.selectors import cases_visible_to
from urbangrid.cases.workflow import END_STATUSES, OPEN_STATUSES, CaseStatus
from urbangrid.common import clock
from urbangrid.organisations.models import InspectorGrid, User

EARTH_M = 6_371_008.8
_OPEN = sorted(OPEN_STATUSES)


def duplicate_radius_m() -> float:
    return float(getattr(settings, "URBANGRID_DUPLICATE_RADIUS_M", 50))


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(math.sqrt(a))


def _box(lng: float, lat: float, radius_m: float) -> dict[str, float]:
    dlat = math.degrees(radius_m / EARTH_M)
    dlng = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return {
        "lat__gte": lat - dlat,
        "lat__lte": lat + dlat,
        "lng__gte": lng - dlng,
        "lng__lte": lng + dlng,
    }


@dataclass(frozen=True)
class Nearby:
    case: Case
    distance_m: float


def similar_open_cases(
    matter_id: int,
    lng: float,
    lat: float,
    *,
    radius_m: float | None = None,
    exclude_pk: int | None = None,
    limit: int = 10,
    among: QuerySet[Case] | None = None,
) -> list[Nearby]:
    """Open cases of the same matter within ``radius_m`` (default: the configured duplicate
    radius, 50 m), nearest first; merged reports are not suggested."""
    radius = duplicate_radius_m() if radius_m is None else radius_m
    cases = (among if among is not None else Case.objects.all()).filter(
        matter_id=matter_id, status__in=_OPEN, merged_into__isnull=True, **_box(lng, lat, radius)
    )
    if exclude_pk is not None:
        cases = cases.exclude(pk=exclude_pk)
    found = [
        Nearby(case, d)
        for case in cases.only("pk", "number", "status", "lng", "lat", "support_count", "address")
        if (d := distance_m(lng, lat, case.lng, case.lat)) <= radius
    ]
    found.sort(key=lambda n: (n.distance_m, n.case.pk))
    return found[:limit]


def duplicates_of(case: Case, *, user: User) -> list[Nearby]:
    """Suggested duplicates of ``case`` that ``user`` can see."""
    return similar_open_cases(
        case.matter_id, case.lng, case.lat, exclude_pk=case.pk, among=cases_visible_to(user)
    )


TASK_STATUSES = (CaseStatus.VERIFYING, CaseStatus.CHECKING)


def inspector_tasks(user: User, lng: float | None, lat: float | None) -> list[Nearby]:
    """The verify (核实) and check (核查) tasks in ``user``'s grids, nearest first (by
    case number when no position is known)."""
    grids = InspectorGrid.objects.filter(inspector=user).values("grid_code")
    cases = (
        Case.objects.filter(status__in=TASK_STATUSES, grid_code__in=grids)
        .select_related("matter")
        .order_by("number")[:500]
    )
    tasks = [
        Nearby(c, distance_m(lng, lat, c.lng, c.lat) if lng is not None and lat is not None else 0)
        for c in cases
    ]
    tasks.sort(key=lambda n: n.distance_m)
    return tasks


def assets_near(
    lng: float, lat: float, *, radius_m: float = 30, type_code: str | None = None, limit: int = 20
) -> list[tuple[Component, float]]:
    """Components (部件) of the inventory within ``radius_m``, nearest first."""
    components = Component.objects.filter(**_box(lng, lat, radius_m)).select_related(
        "component_type"
    )
    if type_code:
        components = components.filter(component_type__code=type_code)
    found = [
        (c, d) for c in components[:2000] if (d := distance_m(lng, lat, c.lng, c.lat)) <= radius_m
    ]
    found.sort(key=lambda pair: pair[1])
    return found[:limit]


PUBLIC_HIDDEN = (CaseStatus.CANCELLED, CaseStatus.NOT_ACCEPTED)


def public_state(status: str) -> str:
    """``open`` or ``closed``: all the public map needs to know."""
    return "closed" if status in END_STATUSES else "open"


def public_map_cases(
    *, state: str | None = None, matter_code: str | None = None, days: int = 30
) -> list[dict[str, Any]]:
    """Recent cases for the public map: place, matter, state and day — nothing personal,
    no case number, no text."""
    since = clock.now() - dt.timedelta(days=days)
    cases = Case.objects.filter(created_at__gte=since, merged_into__isnull=True).exclude(
        status__in=PUBLIC_HIDDEN
    )
    if state == "open":
        cases = cases.exclude(status__in=END_STATUSES)
    elif state == "closed":
        cases = cases.filter(status=CaseStatus.CLOSED)
    if matter_code:
        cases = cases.filter(matter__code=matter_code)
    rows = cases.order_by("-created_at").values_list(
        "lng", "lat", "status", "created_at", "matter__code", "matter__name", "matter__plain_name"
    )[:2000]
    return [
        {
            "lng": round(lng, 5),
            "lat": round(lat, 5),
            "state": public_state(status),
            "day": clock.local(created).date().isoformat(),
            "matter_code": code,
            "matter": plain or name,
        }
        for lng, lat, status, created, code, name, plain in rows
    ]


def public_events(case: Case) -> list[CaseEvent]:
    """The steps of ``case`` written for the public, oldest first."""
    return list(case.events.filter(is_public=True).order_by("seq"))
