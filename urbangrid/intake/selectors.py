"""Reads for intake: similar open cases nearby (duplicates), an inspector's tasks, assets
near a point, the public map and the public view of one case."""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import ExpressionWrapper, F, Field, FloatField, QuerySet

from urbangrid.assets.models import Component
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.selectors import cases_visible_to
from urbangrid.cases.workflow import END_STATUSES, OPEN_STATUSES, CaseStatus
from urbangrid.catalog.plain_names import public_label
from urbangrid.common import clock
from urbangrid.organisations.models import InspectorGrid, User

EARTH_M = 6_371_008.8
_SLACK = 5
"""Candidates fetched beyond ``limit``: the flat-earth order the database sorts by may
differ from the exact order only among near-ties."""
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
    found = _nearest(matter_id, lng, lat, radius_m, exclude_pk, limit, among)
    db = among.db if among is not None else connection.alias
    return [Nearby(Case.from_db(db, _NEAREST_FIELDS, row), d) for d, row in found]


def open_cases_near(
    matter_id: int, lng: float, lat: float, *, exclude_pk: int | None = None
) -> list[dict[str, Any]]:
    """``similar_open_cases`` as a receipt lists them: number, status and whole metres."""
    return [
        {"number": row[1], "status": row[2], "distance_m": round(d)}
        for d, row in _nearest(matter_id, lng, lat, None, exclude_pk, RECEIPT_DUPLICATES, None)
    ]


def _nearest(
    matter_id: int,
    lng: float,
    lat: float,
    radius_m: float | None,
    exclude_pk: int | None,
    limit: int,
    among: QuerySet[Case] | None,
) -> list[tuple[float, tuple[Any, ...]]]:
    """(distance, row of ``_NEAREST_FIELDS``), nearest first (then by id)."""
    radius = duplicate_radius_m() if radius_m is None else radius_m
    box = _box(lng, lat, radius)
    # The database orders the box by a flat-earth distance and sends only the nearest few
    # (a busy spot may hold hundreds of open cases); exact distances are computed here.
    squeeze = math.cos(math.radians(lat)) ** 2
    if among is None:
        count = limit + _SLACK
        rows = _nearest_rows(_nearest_params(matter_id, lng, lat, box, squeeze, exclude_pk, count))
    else:
        cases = among.filter(matter_id=matter_id, status__in=_OPEN, merged_into__isnull=True, **box)
        if exclude_pk is not None:
            cases = cases.exclude(pk=exclude_pk)
        flat = ExpressionWrapper(
            (F("lng") - lng) * (F("lng") - lng) * squeeze + (F("lat") - lat) * (F("lat") - lat),
            output_field=FloatField(),
        )
        rows = list(
            cases.alias(flat_distance=flat)
            .order_by("flat_distance", "pk")
            .values_list(*_NEAREST_FIELDS)[: limit + _SLACK]
        )
    return _closest(rows, lng, lat, radius, limit)


def _closest(
    rows: list[tuple[Any, ...]], lng: float, lat: float, radius: float, limit: int
) -> list[tuple[float, tuple[Any, ...]]]:
    """The candidate rows within ``radius`` metres, nearest first (then by id)."""
    near = [(d, row) for row in rows if (d := distance_m(lng, lat, row[4], row[5])) <= radius]
    near.sort(key=lambda found: (found[0], found[1][0]))
    return near[:limit]


RECEIPT_DUPLICATES = 10  # similar open cases a receipt lists


def open_cases_near_query(matter_id: int, lng: float, lat: float) -> tuple[str, list[Any]]:
    """``open_cases_near`` (no case to leave out) as one SQL expression and its parameters,
    PostgreSQL only: a JSON array of candidate rows, for sending along with another query
    (``common.writes.carrying``). ``open_cases_near_from`` reads its value."""
    assert connection.vendor == "postgresql"
    box = _box(lng, lat, duplicate_radius_m())
    squeeze = math.cos(math.radians(lat)) ** 2
    params = _nearest_params(matter_id, lng, lat, box, squeeze, None, RECEIPT_DUPLICATES + _SLACK)
    return _nearest_json_sql(connection.vendor), params


@functools.cache
def _nearest_json_sql(vendor: str) -> str:
    """``_nearest_sql`` as one JSON array of its rows (built once: every report sends it)."""
    columns = ", ".join(f"d.{connection.ops.quote_name(name)}" for name in _NEAREST_COLUMNS)
    return f"(SELECT json_agg(json_build_array({columns})) FROM ({_nearest_sql(vendor)}) d)"


def open_cases_near_from(value: Any, lng: float, lat: float) -> list[dict[str, Any]]:
    """The value of ``open_cases_near_query`` as ``open_cases_near`` returns it."""
    rows = [tuple(row) for row in value or []]
    found = _closest(rows, lng, lat, duplicate_radius_m(), RECEIPT_DUPLICATES)
    return [{"number": row[1], "status": row[2], "distance_m": round(d)} for d, row in found]


_NEAREST_FIELDS = ["id", "number", "status", "address", "lng", "lat", "support_count"]


def _column(name: str) -> str:
    field = Case._meta.get_field(name)
    assert isinstance(field, Field)
    assert field.column is not None
    return field.column


_NEAREST_COLUMNS = [_column(name) for name in _NEAREST_FIELDS]


@functools.cache
def _nearest_sql(vendor: str) -> str:
    """The query of ``similar_open_cases`` without a visibility filter, as the ORM would
    write it (built once: intake runs it for every report)."""
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(_column(name))

    fields = {name: column(name) for name in _NEAREST_FIELDS}
    matter, merged = column("matter"), column("merged_into")
    status, lng, lat, pk = fields["status"], fields["lng"], fields["lat"], fields["id"]
    assert all(value.replace("_", "").isalpha() for value in _OPEN)  # safe as literals
    statuses = ", ".join(f"'{value}'" for value in _OPEN)
    return (
        f"SELECT {', '.join(fields.values())} FROM {quote(Case._meta.db_table)} "
        f"WHERE {matter} = %s AND {status} IN ({statuses}) AND {merged} IS NULL "
        f"AND {lat} >= %s AND {lat} <= %s AND {lng} >= %s AND {lng} <= %s AND {pk} <> %s "
        f"ORDER BY ({lng} - %s) * ({lng} - %s) * %s + ({lat} - %s) * ({lat} - %s), {pk} "
        "LIMIT %s"
    )


def _nearest_rows(params: list[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``_nearest_sql`` for ``params`` (``_nearest_params``)."""
    with connection.cursor() as cursor:
        cursor.execute(_nearest_sql(connection.vendor), params)
        return list(cursor.fetchall())


def _nearest_params(
    matter_id: int,
    lng: float,
    lat: float,
    box: dict[str, float],
    squeeze: float,
    exclude_pk: int | None,
    count: int,
) -> list[Any]:
    """The parameters of ``_nearest_sql``."""
    params: list[Any] = [matter_id, box["lat__gte"], box["lat__lte"], box["lng__gte"]]
    params += [box["lng__lte"], exclude_pk if exclude_pk is not None else 0]
    params += [lng, lng, squeeze, lat, lat, count]
    return params


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
        "lng",
        "lat",
        "status",
        "created_at",
        "matter__code",
        "matter__name",
        "matter__plain_name",
        "matter__standard",
    )[:2000]
    return [
        {
            "lng": round(lng, 5),
            "lat": round(lat, 5),
            "state": public_state(status),
            "day": clock.local(created).date().isoformat(),
            "matter_code": code,
            "matter": public_label(code, name, plain, standard),
        }
        for lng, lat, status, created, code, name, plain, standard in rows
    ]


def public_events(case: Case) -> list[CaseEvent]:
    """The steps of ``case`` written for the public, oldest first."""
    return list(case.events.filter(is_public=True).order_by("seq"))
