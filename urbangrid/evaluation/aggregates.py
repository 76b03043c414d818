"""Keeping the aggregates (``DailyCount``, ``MonthlyCount``) equal to the sum of the
emissions of every case's history (``replay``: one SQL definition).

``refresh_aggregates()`` is incremental: for the cases with events past the watermark it
adds ``emissions(history) − emissions(history up to the watermark)``. ``recompute()``
rebuilds a range of days (or everything) from scratch; on PostgreSQL a full recompute
counts ranges of cases on several connections at once. Both read events up to one
watermark, so a recompute followed by refreshes equals refreshes alone.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
import queue
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Max, Min, UniqueConstraint

from urbangrid.cases.models import Case, CaseEvent
from urbangrid.common import clock
from urbangrid.common.clock import SHANGHAI
from urbangrid.evaluation import replay
from urbangrid.evaluation.models import DailyCount, MonthlyCount, Watermark
from urbangrid.evaluation.replay import Selection

WATERMARK = "events"
CHUNK = 2000  # cases per statement in a refresh or a partial recompute
RANGE = 1_000_000  # at most this many case ids per statement in a full recompute
JIT_RANGE = 100_000  # ranges this wide are compiled (PostgreSQL JIT): worth it on ~1 M events
DAILY = "evaluation_dailycount"
MONTHLY = "evaluation_monthlycount"
COLUMNS = "object_kind, object_key, counter, value"


def _unique_constraint(model: type[DailyCount] | type[MonthlyCount]) -> tuple[str, str, str]:
    """(table, name, columns) of the model's unique constraint."""
    (constraint,) = model._meta.constraints
    assert isinstance(constraint, UniqueConstraint)
    columns = ", ".join(constraint.fields)  # plain fields: their columns have their names
    return model._meta.db_table, str(constraint.name), columns


_UNIQUE = (_unique_constraint(DailyCount), _unique_constraint(MonthlyCount))


def _utc_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    begin = dt.datetime.combine(start, dt.time(), tzinfo=SHANGHAI)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    return begin, finish


def _month_of(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _chunks(items: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _latest_event_id(settle_seconds: float) -> int:
    events = CaseEvent.objects.all()
    if settle_seconds:
        events = events.filter(at__lte=clock.now() - dt.timedelta(seconds=settle_seconds))
    return int(events.aggregate(m=Max("id"))["m"] or 0)


class _Stage:
    """A scratch table of counted rows (temporary: one connection; unlogged: shared)."""

    def __init__(self, conn: BaseDatabaseWrapper = connection, *, shared: bool = False) -> None:
        self.conn = conn
        self.name = f"eval_stage_{uuid.uuid4().hex[:12]}"
        kind = "UNLOGGED TABLE" if shared else "TEMPORARY TABLE"
        with conn.cursor() as cursor:
            cursor.execute(f"CREATE {kind} {self.name} ({replay.STAGE_DDL})")

    def drop(self, conn: BaseDatabaseWrapper | None = None) -> None:
        with (conn or self.conn).cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")


def _mapped(stage_sql: str, *, where: str = "") -> str:
    """(day, kind, key, counter, value) of the counted rows of ``stage_sql``."""
    sql = replay.mapped_sql(replay.prepare(connection), stage_sql)
    return f"SELECT day, kind, key, counter, value FROM ({sql}) q {where}"


def _add_to_aggregates(stage_sql: str) -> None:
    """Add the mapped rows of ``stage_sql`` to the daily and monthly rows."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE eval_deltas (day date, kind varchar(16), "
                       "key varchar(40), counter varchar(32), value bigint)")  # fmt: skip
        try:
            cursor.execute(f"INSERT INTO eval_deltas {_mapped(stage_sql)}", {})
            for table, column, select in (
                (DAILY, "day", "SELECT day, kind, key, counter, value FROM eval_deltas"),
                (
                    MONTHLY,
                    "month",
                    f"SELECT {_month_of(vendor, 'day')} AS month, kind, key, counter, "
                    "sum(value) AS value FROM eval_deltas GROUP BY 1, 2, 3, 4",
                ),
            ):
                cursor.execute(
                    f"INSERT INTO {table} ({column}, {COLUMNS}) SELECT * FROM ({select}) m "
                    f"WHERE true ON CONFLICT (object_kind, {column}, object_key, counter) "
                    f"DO UPDATE SET value = {table}.value + excluded.value"
                )
        finally:
            cursor.execute("DROP TABLE eval_deltas")


def refresh_aggregates(*, settle_seconds: float = 0) -> int:
    """Fold the events past the watermark into the aggregates; the number of cases
    touched. ``settle_seconds`` leaves the newest events for the next run (events of
    transactions still open could otherwise be skipped)."""
    parallel_ok = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        mark, _created = Watermark.objects.select_for_update().get_or_create(name=WATERMARK)
        last = mark.last_event_id
        upto = max(_latest_event_id(settle_seconds), last)
        if upto == last:
            return 0
        if not last and not DailyCount.objects.exists() and not MonthlyCount.objects.exists():
            # Nothing counted yet (a first start on an imported history): count it all
            # as a recompute does, by ranges of cases.
            _recompute_all(upto, None if parallel_ok else 0, None)
            mark.last_event_id = upto
            mark.updated_at = clock.now()
            mark.save(update_fields=["last_event_id", "updated_at"])
            return int(CaseEvent.objects.filter(id__lte=upto).values("case_id").distinct().count())
        touched = sorted(
            set(
                CaseEvent.objects.filter(id__gt=last, id__lte=upto).values_list(
                    "case_id", flat=True
                )
            )
        )
        stage = _Stage()
        try:
            for chunk in _chunks(touched):
                selection = Selection(ids=tuple(chunk))
                replay.count_into(stage.name, selection, upto)
                if last:
                    replay.count_into(stage.name, selection, last, sign=-1)
            _add_to_aggregates(stage.name)
        finally:
            stage.drop()
        mark.last_event_id = upto
        mark.updated_at = clock.now()
        mark.save(update_fields=["last_event_id", "updated_at"])
    return len(touched)


def recompute(
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    workers: int | None = None,
    timings: dict[str, float] | None = None,
) -> int:
    """Rebuild the aggregates of the local days ``start``–``end`` (everything when both
    are ``None``) from the events; the number of cases replayed.

    A full recompute moves the watermark to the newest event; a partial one counts only
    events up to the current watermark, so later refreshes add the rest once. On
    PostgreSQL, outside a caller's transaction, a full recompute counts on ``workers``
    connections at once (default: one per CPU, at most 4). ``timings`` receives the
    seconds spent counting events (``count``) and writing the aggregates (``write``).
    """
    full = start is None and end is None
    parallel = full and connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        mark, _created = Watermark.objects.select_for_update().get_or_create(name=WATERMARK)
        upto = _latest_event_id(0) if full else mark.last_event_id
        if full:
            replayed = _recompute_all(upto, workers if parallel else 0, timings)
            mark.last_event_id = upto
            mark.updated_at = clock.now()
            mark.save(update_fields=["last_event_id", "updated_at"])
        else:
            replayed = _recompute_days(
                start or dt.date(1970, 1, 2), end or dt.date(9999, 12, 30), upto
            )
    return replayed


def _case_bounds() -> tuple[int, int]:
    bounds = Case.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    return int(bounds["lo"] or 0), int(bounds["hi"] or 0)


def _ranges(upto: int, workers: int = 0) -> list[Selection]:
    """Equal ranges of case ids, at most ``RANGE`` wide and at least two per worker (so
    the last ones to finish are short)."""
    lo, hi = _case_bounds()
    if not hi:
        return []
    span = hi + 1 - lo
    count = max(-(-span // RANGE), 2 * workers, 1)
    width = -(-span // count)
    return [Selection(lo=a, hi=min(a + width, hi + 1)) for a in range(lo, hi + 1, width)]


class _Known:
    """The cases that were suspended (found once; the red ones are marked by the counting
    statement of each range)."""

    def __init__(self, upto: int) -> None:
        self.suspended = replay.cases_having(replay.SUSPENDED, upto, connection)

    def count(self, stage: str, selection: Selection, upto: int, conn: Any) -> None:
        lo, hi = selection.lo or 0, selection.hi or 0

        def within(ids: list[int]) -> list[int]:
            return ids[bisect.bisect_left(ids, lo) : bisect.bisect_left(ids, hi)]

        replay.count_into(
            stage,
            selection,
            upto,
            conn=conn,
            suspended=within(self.suspended),
            jit=hi - lo >= JIT_RANGE,
        )


def _drop_forgotten_stages() -> None:
    """Stage tables left by a recompute that died (PostgreSQL; under the watermark lock,
    so no recompute is running)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename LIKE 'eval\\_stage\\_%%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')


def _recompute_all(upto: int, workers: int | None, timings: dict[str, float] | None) -> int:
    vendor = connection.vendor
    began = time.perf_counter()
    if vendor == "postgresql":
        _drop_forgotten_stages()
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    parallel = vendor == "postgresql" and workers > 0
    ranges = _ranges(upto, workers if parallel else 0)
    known = _Known(upto)
    if parallel:
        stages = _count_in_parallel(ranges, upto, workers, known)
    else:
        stage = _Stage()
        for selection in ranges:
            known.count(stage.name, selection, upto, connection)
        stages = [stage]
    counted = time.perf_counter()
    try:
        stage_sql = "(" + " UNION ALL ".join(f"SELECT * FROM {s.name}" for s in stages) + ")"
        with connection.cursor() as cursor:
            pg = vendor == "postgresql"
            if pg:
                cursor.execute("SET LOCAL work_mem = '512MB'")
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                cursor.execute("SET LOCAL enable_sort = off")  # hash the groups (as counting)
                cursor.execute("SET LOCAL jit = off")
                cursor.execute(f"TRUNCATE {DAILY}, {MONTHLY}")
                # Building the unique indexes once the rows are in costs about a third of
                # keeping them up to date row by row.
                for table, name, _columns in _UNIQUE:
                    cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            else:
                cursor.execute(f"DELETE FROM {DAILY}")
                cursor.execute(f"DELETE FROM {MONTHLY}")
            # In the order of the unique index, so that an object's rows of a period lie
            # together on the pages the evaluation reads.
            cursor.execute(
                f"INSERT INTO {DAILY} (day, {COLUMNS}) SELECT * FROM ({_mapped(stage_sql)}) m "
                "ORDER BY kind, day, key, counter",
                {},
            )
            cursor.execute(
                f"INSERT INTO {MONTHLY} (month, {COLUMNS}) "
                f"SELECT {_month_of(vendor, 'day')}, object_kind, object_key, counter, "
                f"sum(value) FROM {DAILY} GROUP BY 1, 2, 3, 4 HAVING sum(value) <> 0 "
                "ORDER BY 2, 1, 3, 4"
            )
            if pg:
                for table, name, columns in _UNIQUE:
                    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({columns})")
    finally:
        for stage in stages:
            stage.drop(connection)
    if timings is not None:
        timings["count"] = counted - began
        timings["write"] = time.perf_counter() - counted
    if not ranges:
        return 0
    # Every case has its report event: the cases of the ranges are the cases replayed.
    return Case.objects.filter(pk__gte=ranges[0].lo, pk__lt=ranges[-1].hi).count()


def _count_in_parallel(
    ranges: list[Selection], upto: int, workers: int, known: _Known
) -> list[_Stage]:
    """Count ``ranges`` on ``workers`` connections of their own (PostgreSQL), each into
    an unlogged stage table; the stage tables."""
    todo: queue.Queue[Selection] = queue.Queue()
    for selection in ranges:
        todo.put(selection)
    stages: list[_Stage] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        conn = connections[DEFAULT_DB_ALIAS]
        try:
            with conn.cursor() as cursor:
                cursor.execute("SET work_mem = '512MB'")
            stage = _Stage(conn, shared=True)
            with lock:
                stages.append(stage)
            while not errors:
                try:
                    selection = todo.get_nowait()
                except queue.Empty:
                    return
                known.count(stage.name, selection, upto, conn)
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=work) for _ in range(max(1, min(workers, len(ranges))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        for stage in stages:
            stage.drop(connection)
        raise errors[0]
    return stages


def _recompute_days(first: dt.date, last_day: dt.date, upto: int) -> int:
    begin, finish = _utc_bounds(first, last_day)
    in_range = CaseEvent.objects.filter(id__lte=upto, at__gte=begin, at__lt=finish)
    case_ids = sorted(set(in_range.values_list("case_id", flat=True)))
    DailyCount.objects.filter(day__gte=first, day__lte=last_day).delete()
    stage = _Stage()
    try:
        for chunk in _chunks(case_ids):
            replay.count_into(stage.name, Selection(ids=tuple(chunk)), upto)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {DAILY} (day, {COLUMNS}) "
                f"{_mapped(stage.name, where='WHERE day >= %(first)s AND day <= %(last)s')}",
                {"first": first, "last": last_day},
            )
    finally:
        stage.drop()
    months = set(
        MonthlyCount.objects.filter(
            month__gte=first.replace(day=1), month__lte=last_day
        ).values_list("month", flat=True)
    )
    months.update(
        d.replace(day=1)
        for d in DailyCount.objects.filter(day__gte=first, day__lte=last_day)
        .values_list("day", flat=True)
        .distinct()
    )
    with connection.cursor() as cursor:
        for month in sorted(months):
            following = (month + dt.timedelta(days=32)).replace(day=1)
            cursor.execute(f"DELETE FROM {MONTHLY} WHERE month = %s", [month])
            cursor.execute(
                f"INSERT INTO {MONTHLY} (month, {COLUMNS}) "
                f"SELECT %s, {COLUMNS.replace('value', 'sum(value)')} FROM {DAILY} "
                "WHERE day >= %s AND day < %s GROUP BY 2, 3, 4 HAVING sum(value) <> 0",
                [month, month, following],
            )
    return len(case_ids)


def aggregate_rows() -> dict[tuple[str, str, str, str], int]:
    """Every non-zero daily and monthly row, for comparing two ways of computing them."""
    result: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for day, kind, key, counter, value in DailyCount.objects.values_list(
        "day", "object_kind", "object_key", "counter", "value"
    ):
        if value:
            result[(f"d{day}", kind, key, counter)] = value
    for month, kind, key, counter, value in MonthlyCount.objects.values_list(
        "month", "object_kind", "object_key", "counter", "value"
    ):
        if value:
            result[(f"m{month}", kind, key, counter)] = value
    return dict(result)


def case_emissions(case_ids: list[int], upto: int) -> list[tuple[int, dt.date, str, str, str, int]]:
    """(case id, day, kind, key, counter, value) of each of ``case_ids``: the cases behind
    a number."""
    stage = _Stage()
    try:
        for chunk in _chunks(case_ids):
            replay.count_into(stage.name, Selection(ids=tuple(chunk)), upto, by_case=True)
        sql = replay.mapped_sql(replay.prepare(connection), stage.name, by_case=True)
        with connection.cursor() as cursor:
            cursor.execute(sql, {})
            rows: list[Any] = cursor.fetchall()
    finally:
        stage.drop()
    out = []
    for cid, day, kind, key, counter, value in rows:
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        out.append((int(cid), day, kind, key, counter, int(value)))
    return out
