"""Open-case tallies: how many open cases wait under each queue key and in each map cell,
kept exact in the same transaction as every case change, without a hot row.

Three tables (``models.py``):

- ``OpenCaseChange`` — the journal. ``record`` appends a row −1 for the key a case
  leaves and +1 for the key it enters, in the transaction that changes the case
  (``services.py``: creation, ``apply_action``, the deadline sweep). Inserts only: two
  reports of the same street never wait for each other.
- ``OpenCaseCount`` — open cases per (street, status, light, department, returned,
  request asked): what the queue counts and the overview add up (a few thousand rows).
- ``OpenCaseCell`` — open cases per map cell of ``LEVELS`` zooms, street and light, with
  the sums of their positions: what the map answers low zooms from.

``compact`` folds the journal into the two tallies (the deadline-sweep task runs it, and
readers ask for it when the journal grows). A reader adds the tally and the journal in one
statement, so a count is exact at the moment it is read — whether or not the journal was
folded. ``rebuild`` recomputes both tallies from the cases (``manage.py
rebuild_open_tallies``); ``check`` compares them with a count from scratch.

A case's light changes with time only through the deadline sweep, which records it like
any other change, so the tallies always equal what the ``Case`` rows say.
"""

from __future__ import annotations

import functools
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Cast, Coalesce, Floor, Substr

from urbangrid.cases.models import Case, OpenCaseCell, OpenCaseChange, OpenCaseCount
from urbangrid.cases.workflow import END_STATUSES, OPEN_STATUSES
from urbangrid.common import writes

AREA_DIGITS = 9
"""Counts are kept per street: the first nine digits of the grid code …"""
ON_SITE = ("verifying", "checking")
"""… and per unit grid for the cases waiting for an inspector on site (their queues go
by the inspector's grids). Map cells are kept per street whatever the status."""

LEVELS = (11, 13, 15)
"""Map zooms whose cells are kept: a cell of zoom ``z`` is ``90 / 2**z`` degrees (64 screen
pixels). A view at zoom ``z`` reads the first level at or above ``z``, so one cell on
screen is at most 2 × 2 kept cells."""
FINE = LEVELS[-1]

COMPACT_AFTER = 5_000
"""Journal rows a reader may add up before it asks for a compaction."""
_COMPACT_LOCK = 0x7567_7461  # "ugta": one compaction (or rebuild) at a time (PostgreSQL)
_COMPACT_ASKED = "cases:tally:compact-asked"

KEY_FIELDS = ("area", "status", "light", "department", "returned", "pending")
OPEN = sorted(s.value for s in OPEN_STATUSES)


def cell_size(level: int) -> float:
    """Degrees covered by a cell of zoom ``level`` (64 pixels of a 256-pixel tile)."""
    return 90.0 / float(2**level)


def cell_of(lng: float, lat: float, level: int = FINE) -> tuple[int, int]:
    size = cell_size(level)
    return math.floor(lng / size), math.floor(lat / size)


def micro(degrees: float) -> int:
    """Degrees → whole micro-degrees (the same rounding as ``rebuild``'s SQL)."""
    return math.floor(degrees * 1_000_000 + 0.5)


# --- Writing -------------------------------------------------------------------------------


def _key(case: Case, before: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """``case``'s tally key (``before`` overrides its fields by name, as
    ``services._saved_state`` holds them); ``None`` when the case is not open."""
    state = before or {}
    status = state.get("status", case.status)
    if status in END_STATUSES:
        return None
    counters = state.get("counters", case.counters)
    if isinstance(counters, str):
        counters = json.loads(counters)
    x, y = cell_of(case.lng, case.lat)
    return {
        "area": case.grid_code if status in ON_SITE else case.grid_code[:AREA_DIGITS],
        "status": status,
        "light": state.get("light", case.light) or "",
        "department": state.get("department", case.department_id) or 0,
        "returned": "misroutes" in (counters or {}),
        "pending": bool(state.get("pending_request", case.pending_request)),
        "x": x,
        "y": y,
        "lng_e6": micro(case.lng),
        "lat_e6": micro(case.lat),
    }


def record(case: Case, before: Mapping[str, Any] | None = None) -> None:
    """Journal ``case``'s move between tally keys; call it after saving the case, inside
    the same transaction. ``before``: the fields as they were (``None``: a new case)."""
    new = _key(case)
    old = _key(case, before) if before is not None else None
    if old == new:
        return
    rows = [(key, n) for key, n in ((old, -1), (new, 1)) if key is not None]
    params: list[Any] = []
    for key, n in rows:
        params += [*(key[name] for name in _JOURNAL_FIELDS[:-1]), n]
    # Plain SQL: this runs in every report's and action's transaction (the ORM's
    # bulk_create costs several times more than the insert itself); a new case's row
    # goes with its other rows (``common.writes``).
    writes.insert_sql(_journal_insert(len(rows)), params)


_JOURNAL_FIELDS = (*KEY_FIELDS, "x", "y", "lng_e6", "lat_e6", "n")


@functools.cache
def _journal_insert(rows: int) -> str:
    table = connection.ops.quote_name(OpenCaseChange._meta.db_table)
    values = ", ".join(["(" + ", ".join(["%s"] * len(_JOURNAL_FIELDS)) + ")"] * rows)
    return f"INSERT INTO {table} ({', '.join(_JOURNAL_FIELDS)}) VALUES {values}"


# --- Compaction and rebuild ------------------------------------------------------------------


def _tables() -> dict[str, str]:
    return {
        "change": OpenCaseChange._meta.db_table,
        "count": OpenCaseCount._meta.db_table,
        "cell": OpenCaseCell._meta.db_table,
    }


_LEVELS_SQL = ", ".join(f"({level})" for level in LEVELS)

_PG_COMPACT = """
WITH moved AS (
    DELETE FROM {change}
    RETURNING area, status, light, department, returned, pending, x, y, lng_e6, lat_e6, n
), levels(level) AS (VALUES {levels}),
counted AS (
    INSERT INTO {count} AS t (area, status, light, department, returned, pending, n)
    SELECT area, status, light, department, returned, pending, SUM(n) FROM moved
    GROUP BY area, status, light, department, returned, pending
    HAVING SUM(n) <> 0
    ON CONFLICT (area, status, light, department, returned, pending)
    DO UPDATE SET n = t.n + EXCLUDED.n
    RETURNING 1
), celled AS (
    INSERT INTO {cell} AS t (level, area, x, y, light, n, lng_sum, lat_sum)
    SELECT levels.level, SUBSTR(area, 1, {digits}), x >> ({fine} - levels.level),
           y >> ({fine} - levels.level), light, SUM(n), SUM(n * lng_e6), SUM(n * lat_e6)
    FROM moved CROSS JOIN levels
    GROUP BY 1, 2, 3, 4, 5
    HAVING SUM(n) <> 0 OR SUM(n * lng_e6) <> 0 OR SUM(n * lat_e6) <> 0
    ON CONFLICT (level, area, x, y, light)
    DO UPDATE SET n = t.n + EXCLUDED.n, lng_sum = t.lng_sum + EXCLUDED.lng_sum,
                  lat_sum = t.lat_sum + EXCLUDED.lat_sum
    RETURNING 1
)
SELECT (SELECT COUNT(*) FROM moved), (SELECT COUNT(*) FROM counted), (SELECT COUNT(*) FROM celled)
"""

_SQLITE_COUNT = """
INSERT INTO {count} (area, status, light, department, returned, pending, n)
SELECT area, status, light, department, returned, pending, SUM(n) FROM {change}
WHERE id <= %s
GROUP BY area, status, light, department, returned, pending
HAVING SUM(n) <> 0
ON CONFLICT (area, status, light, department, returned, pending)
DO UPDATE SET n = n + excluded.n
"""

_SQLITE_CELL = """
WITH levels(level) AS (VALUES {levels})
INSERT INTO {cell} (level, area, x, y, light, n, lng_sum, lat_sum)
SELECT levels.level, SUBSTR(area, 1, {digits}), x >> ({fine} - levels.level),
       y >> ({fine} - levels.level), light, SUM(n), SUM(n * lng_e6), SUM(n * lat_e6)
FROM {change} CROSS JOIN levels
WHERE id <= %s
GROUP BY 1, 2, 3, 4, 5
HAVING SUM(n) <> 0 OR SUM(n * lng_e6) <> 0 OR SUM(n * lat_e6) <> 0
ON CONFLICT (level, area, x, y, light)
DO UPDATE SET n = n + excluded.n, lng_sum = lng_sum + excluded.lng_sum,
              lat_sum = lat_sum + excluded.lat_sum
"""


def compact() -> int:
    """Fold the journal into the tallies; the number of journal rows folded (0 if another
    compaction is running). Safe while cases change: on PostgreSQL one statement deletes
    exactly the rows it adds up (rows of transactions still open stay for next time);
    SQLite has a single writer."""
    names = {**_tables(), "levels": _LEVELS_SQL, "fine": FINE, "digits": AREA_DIGITS}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_COMPACT_LOCK])
            row = cursor.fetchone()
            if not row or not row[0]:
                return 0
            cursor.execute(_PG_COMPACT.format(**names))
            row = cursor.fetchone()
            moved = int(row[0]) if row else 0
        else:
            last = OpenCaseChange.objects.order_by("-id").values_list("id", flat=True).first()
            if last is None:
                return 0
            cursor.execute(_SQLITE_COUNT.format(**names), [last])
            cursor.execute(_SQLITE_CELL.format(**names), [last])
            moved = OpenCaseChange.objects.filter(id__lte=last).delete()[0]
        if moved:
            OpenCaseCount.objects.filter(n=0).delete()
            OpenCaseCell.objects.filter(n=0).delete()
    return moved


def ask_compaction() -> None:
    """Have the worker compact soon (at most one request per ten seconds)."""
    if not cache.add(_COMPACT_ASKED, True, 10):
        return
    from urbangrid.cases.tasks import compact_open_tallies

    try:
        compact_open_tallies.enqueue()
    except Exception:  # a missed request is made good by the next sweep
        cache.delete(_COMPACT_ASKED)


def counts_from_cases(cases: QuerySet[Case] | None = None) -> dict[tuple[Any, ...], int]:
    """Open cases (of ``cases``, default all) per count key, counted from the cases."""
    rows = (
        (cases if cases is not None else Case.objects.all())
        .filter(status__in=OPEN)
        .annotate(
            t_area=SqlCase(
                When(status__in=ON_SITE, then=F("grid_code")),
                default=Substr("grid_code", 1, AREA_DIGITS),
            ),
            t_department=Coalesce("department_id", Value(0)),
            t_returned=ExpressionWrapper(
                Q(counters__has_key="misroutes"), output_field=BooleanField()
            ),
            t_pending=ExpressionWrapper(~Q(pending_request=""), output_field=BooleanField()),
        )
        .values("t_area", "status", "light", "t_department", "t_returned", "t_pending")
        .annotate(total=Count("pk"))
        .order_by()
        .values_list(
            "t_area", "status", "light", "t_department", "t_returned", "t_pending", "total"
        )
    )
    return {
        (area, status, light or "", int(dept), bool(ret), bool(pend)): int(total)
        for area, status, light, dept, ret, pend, total in rows
    }


def rows_of(cases: QuerySet[Case]) -> list[CountRow]:
    """The open ones of ``cases`` by count key, counted from the cases (for a few)."""
    return [_row(key, n) for key, n in counts_from_cases(cases).items()]


def cells_from_cases() -> dict[tuple[Any, ...], tuple[int, int, int]]:
    """(level, area, x, y, light) → (cases, Σ micro-lng, Σ micro-lat), from the cases."""
    size = cell_size(FINE)
    rows = (
        Case.objects.filter(status__in=OPEN)
        .annotate(
            t_area=Substr("grid_code", 1, AREA_DIGITS),
            t_x=Cast(Floor(F("lng") / Value(size)), IntegerField()),
            t_y=Cast(Floor(F("lat") / Value(size)), IntegerField()),
        )
        .values("t_area", "t_x", "t_y", "light")
        .annotate(
            total=Count("pk"),
            lng_sum=Sum(Cast(Floor(F("lng") * Value(1_000_000.0) + Value(0.5)), BigIntegerField())),
            lat_sum=Sum(Cast(Floor(F("lat") * Value(1_000_000.0) + Value(0.5)), BigIntegerField())),
        )
        .order_by()
        .values_list("t_area", "t_x", "t_y", "light", "total", "lng_sum", "lat_sum")
    )
    cells: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for area, x, y, light, total, lng_sum, lat_sum in rows:
        for level in LEVELS:
            shift = FINE - level
            acc = cells[(level, area, int(x) >> shift, int(y) >> shift, light or "")]
            acc[0] += int(total)
            acc[1] += int(lng_sum)
            acc[2] += int(lat_sum)
    return {key: (n, sx, sy) for key, (n, sx, sy) in cells.items()}


def _one_snapshot_now() -> None:
    """Read the rest of the transaction just begun from one snapshot (PostgreSQL; SQLite
    has a single writer). Inside a caller's transaction, the caller's isolation holds."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def rebuild() -> tuple[int, int]:
    """Recompute both tallies from the cases and empty the journal, in one snapshot
    (cases changing meanwhile keep their journal rows); (count rows, cell rows)."""
    postgres = connection.vendor == "postgresql"
    if postgres and not connection.in_atomic_block:
        # Compactions wait, and the snapshot is taken after the last one committed.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_COMPACT_LOCK])
        try:
            return _rebuild(snapshot=True)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_COMPACT_LOCK])
    if postgres:  # inside the caller's transaction (a migration, a test)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_COMPACT_LOCK])
    return _rebuild(snapshot=not connection.in_atomic_block)


def _rebuild(*, snapshot: bool) -> tuple[int, int]:
    with transaction.atomic():
        if snapshot:
            _one_snapshot_now()
        counts = counts_from_cases()
        cells = cells_from_cases()
        OpenCaseChange.objects.all().delete()
        OpenCaseCount.objects.all().delete()
        OpenCaseCell.objects.all().delete()
        OpenCaseCount.objects.bulk_create(
            [
                OpenCaseCount(
                    area=area,
                    status=status,
                    light=light,
                    department=dept,
                    returned=ret,
                    pending=pend,
                    n=n,
                )
                for (area, status, light, dept, ret, pend), n in counts.items()
            ],
            batch_size=2000,
        )
        OpenCaseCell.objects.bulk_create(
            [
                OpenCaseCell(
                    level=level, area=area, x=x, y=y, light=light, n=n, lng_sum=sx, lat_sum=sy
                )
                for (level, area, x, y, light), (n, sx, sy) in cells.items()
            ],
            batch_size=2000,
        )
    return len(counts), len(cells)


@dataclass
class Difference:
    key: tuple[Any, ...]
    kept: Any
    counted: Any


def check() -> list[Difference]:
    """Where the tallies (with the journal) differ from a count from scratch; empty when
    they agree."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer:
            _one_snapshot_now()
        kept_counts = {
            key: n for key, n in _count_rows(open_counts_query(None, None, None)).items() if n
        }
        counted = counts_from_cases()
        kept_cells = _kept_cells()
        counted_cells = cells_from_cases()
    differences = [
        Difference(key, kept_counts.get(key), counted.get(key))
        for key in sorted(set(kept_counts) | set(counted), key=repr)
        if kept_counts.get(key) != counted.get(key)
    ]
    differences += [
        Difference(key, kept_cells.get(key), counted_cells.get(key))
        for key in sorted(set(kept_cells) | set(counted_cells), key=repr)
        if kept_cells.get(key) != counted_cells.get(key)
    ]
    return differences


def _kept_cells() -> dict[tuple[Any, ...], tuple[int, int, int]]:
    cells: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for level, area, x, y, light, n, sx, sy in OpenCaseCell.objects.values_list(
        "level", "area", "x", "y", "light", "n", "lng_sum", "lat_sum"
    ):
        acc = cells[(level, area, x, y, light)]
        acc[0] += n
        acc[1] += sx
        acc[2] += sy
    for area, x, y, light, n, lng, lat in OpenCaseChange.objects.values_list(
        "area", "x", "y", "light", "n", "lng_e6", "lat_e6"
    ):
        for level in LEVELS:
            shift = FINE - level
            acc = cells[(level, area[:AREA_DIGITS], x >> shift, y >> shift, light)]
            acc[0] += n
            acc[1] += n * lng
            acc[2] += n * lat
    return {key: (n, sx, sy) for key, (n, sx, sy) in cells.items() if n or sx or sy}


# --- Reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    area: str
    status: str
    light: str
    department: int
    returned: bool
    pending: bool
    n: int


def _scope(
    area: str | None,
    department: int | None,
    statuses: Iterable[str] | None,
    grids: Iterable[str] | None = None,
) -> Q:
    where = Q()
    if area:
        where &= Q(area__startswith=area)
    if grids is not None:
        where &= Q(area__in=list(grids), status__in=ON_SITE)
    if department is not None:
        where &= Q(department=department)
    if statuses is not None:
        where &= Q(status__in=list(statuses))
    return where


def open_counts_query(
    area: str | None,
    department: int | None,
    statuses: Iterable[str] | None,
    grids: Iterable[str] | None = None,
) -> QuerySet[Any]:
    """Tally rows and journal sums of a scope, as one statement (one snapshot)."""
    where = _scope(area, department, statuses, grids)
    kept = (
        OpenCaseCount.objects.filter(where)
        .annotate(journal=Value(0, output_field=IntegerField()))
        .values_list(*KEY_FIELDS, "n", "journal")
    )
    journal = (
        OpenCaseChange.objects.filter(where)
        .values(*KEY_FIELDS)
        .annotate(total=Sum("n"), journal=Count("pk"))
        .order_by()
        .values_list(*KEY_FIELDS, "total", "journal")
    )
    return kept.union(journal, all=True)


def _row(key: tuple[Any, ...], n: int) -> CountRow:
    area, status, light, department, returned, pending = key
    return CountRow(area, status, light, department, returned, pending, n)


def _count_rows(rows: Iterable[tuple[Any, ...]]) -> dict[tuple[Any, ...], int]:
    totals: dict[tuple[Any, ...], int] = defaultdict(int)
    for area, status, light, dept, ret, pend, n, _journal in rows:
        totals[(area, status, light, int(dept), bool(ret), bool(pend))] += int(n or 0)
    return totals


def open_counts(
    *,
    area: str | None = None,
    department: int | None = None,
    statuses: Iterable[str] | None = None,
    grids: Iterable[str] | None = None,
) -> list[CountRow]:
    """Open cases by key within ``area`` (a grid-code prefix of at most nine digits;
    ``None`` or empty: everywhere), of ``department`` and of ``statuses``, exact now.
    ``grids``: only the cases on site (``ON_SITE``) in those unit grids."""
    if area and len(area) > AREA_DIGITS:
        raise ValueError(f"counts are kept per street: {area!r} is finer")
    rows = list(open_counts_query(area, department, statuses, grids))
    if sum(row[-1] for row in rows) > COMPACT_AFTER:
        ask_compaction()
    return [_row(key, n) for key, n in _count_rows(rows).items() if n]


@dataclass(frozen=True)
class CellRow:
    x: int
    y: int
    n: int
    red: int
    yellow: int
    lng_sum: int  # micro-degrees
    lat_sum: int

    @property
    def lng(self) -> float:
        return self.lng_sum / self.n / 1_000_000

    @property
    def lat(self) -> float:
        return self.lat_sum / self.n / 1_000_000


def cells(
    *,
    zoom: int,
    x_range: tuple[int, int],
    y_range: tuple[int, int],
    area: str | None = None,
    light: str = "",
) -> list[CellRow]:
    """Open cases per map cell of ``zoom`` (cell indexes ``x_range`` × ``y_range``,
    inclusive) within ``area``, of ``light`` if given: from the first kept level at or
    above ``zoom`` and the journal, in one statement."""
    if zoom > FINE:
        raise ValueError(f"cells are kept up to zoom {FINE}")
    if area and len(area) > AREA_DIGITS:
        raise ValueError(f"cells are kept per street: {area!r} is finer")
    level = next(lv for lv in LEVELS if lv >= zoom)
    where = Q()
    if area:
        where &= Q(area__startswith=area)
    if light:
        where &= Q(light=light)

    def window(shift: int) -> Q:
        (x0, x1), (y0, y1) = x_range, y_range
        return Q(
            x__gte=x0 << shift,
            x__lte=((x1 + 1) << shift) - 1,
            y__gte=y0 << shift,
            y__lte=((y1 + 1) << shift) - 1,
        )

    red, yellow = Q(light="red"), Q(light="yellow")
    shift = level - zoom
    kept = (
        OpenCaseCell.objects.filter(where, window(shift), level=level)
        .annotate(cx=F("x").bitrightshift(shift), cy=F("y").bitrightshift(shift))
        .values("cx", "cy")
        .annotate(
            total=Sum("n"),
            t_red=Sum("n", filter=red),
            t_yellow=Sum("n", filter=yellow),
            sx=Sum("lng_sum"),
            sy=Sum("lat_sum"),
            journal=Value(0, output_field=IntegerField()),
        )
        .order_by()
        .values_list("cx", "cy", "total", "t_red", "t_yellow", "sx", "sy", "journal")
    )
    fine = FINE - zoom
    journal = (
        OpenCaseChange.objects.filter(where, window(fine))
        .annotate(cx=F("x").bitrightshift(fine), cy=F("y").bitrightshift(fine))
        .values("cx", "cy")
        .annotate(
            total=Sum("n"),
            t_red=Sum("n", filter=red),
            t_yellow=Sum("n", filter=yellow),
            sx=Sum(F("n") * F("lng_e6")),
            sy=Sum(F("n") * F("lat_e6")),
            journal=Count("pk"),
        )
        .order_by()
        .values_list("cx", "cy", "total", "t_red", "t_yellow", "sx", "sy", "journal")
    )
    merged: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    journal_rows = 0
    for cx, cy, *values, read in kept.union(journal, all=True):
        acc = merged[(int(cx), int(cy))]
        for i, value in enumerate(values):
            acc[i] += int(value or 0)
        journal_rows += int(read or 0)
    if journal_rows > COMPACT_AFTER:
        ask_compaction()
    return [CellRow(x, y, *acc) for (x, y), acc in sorted(merged.items()) if acc[0] > 0]
