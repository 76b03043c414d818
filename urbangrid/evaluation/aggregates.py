"""Keeping the aggregates (``DailyCount``, ``MonthlyCount``) equal to the sum of the
replays of every case's history.

``refresh_aggregates()`` is incremental: for each case with events past the watermark it
adds ``replay(history) − replay(history up to the watermark)``. ``recompute()`` rebuilds a
range of days (or everything) from scratch. Both read events up to one watermark, so a
recompute followed by refreshes equals refreshes alone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Sum

from urbangrid.calendars import worktime
from urbangrid.calendars.services import spec_for_calendar
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.common import clock
from urbangrid.common.clock import SHANGHAI
from urbangrid.evaluation.models import DailyCount, MonthlyCount, Watermark
from urbangrid.evaluation.replay import CaseFacts, Event, Key, replay
from urbangrid.organisations.models import Department

WATERMARK = "events"
CHUNK = 2000


def make_shifter() -> Any:
    """A due shifter on the real calendars: the working time of a stage's limit, moved
    by its pauses exactly as ``cases.deadlines`` moves a running clock."""

    @lru_cache(maxsize=256)
    def calendar_of(department_id: int | None) -> int | None:
        if department_id is None:
            return None
        return (
            Department.objects.filter(pk=department_id).values_list("calendar_id", flat=True)
        ).first()

    def shift(
        unit: str,
        department: int | None,
        base: dt.datetime,
        due: dt.datetime,
        pauses: list[tuple[dt.datetime, dt.datetime]],
    ) -> dt.datetime:
        if unit.startswith("calendar"):
            spec = worktime.AROUND_THE_CLOCK_SPEC
        else:
            spec = spec_for_calendar(calendar_of(department))
        minutes = worktime.working_seconds_between(spec, base, due) // 60
        moved = worktime.remaining_due(spec, base, minutes, "working_minutes", pauses)
        return moved or due

    return shift


def _facts(case_ids: Iterable[int]) -> dict[int, CaseFacts]:
    rows = Case.objects.filter(pk__in=list(case_ids)).values_list(
        "pk",
        "channel",
        "grid_code",
        "community_code",
        "street_code",
        "district_code",
        "matter__code",
    )
    return {row[0]: CaseFacts(*row) for row in rows}


_EVENT_FIELDS = ("id", "case_id", "action", "at", "actor_id", "actor_role", "data", "from_status")


def _events_by_case(
    case_ids: list[int] | None, upto: int, *, id_range: tuple[int, int] | None = None
) -> Iterator[tuple[int, list[Event]]]:
    events = CaseEvent.objects.filter(id__lte=upto)
    if case_ids is not None:
        events = events.filter(case_id__in=case_ids)
    if id_range is not None:
        events = events.filter(case_id__gte=id_range[0], case_id__lt=id_range[1])
    current: int | None = None
    batch: list[Event] = []
    for row in (
        events.order_by("case_id", "seq").values_list(*_EVENT_FIELDS).iterator(chunk_size=10000)
    ):
        event_id, case_id, action, at, actor_id, role, data, from_status = row
        if case_id != current:
            if current is not None:
                yield current, batch
            current, batch = case_id, []
        batch.append(Event(event_id, action, at, actor_id, role or "", data or {}, from_status))
    if current is not None:
        yield current, batch


def _chunks(items: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def apply_deltas(deltas: Tally[Key]) -> None:
    """Add ``deltas`` to the daily and monthly rows (insert or add)."""
    if not deltas:
        return
    monthly: Tally[Key] = Tally()
    for (day, kind, key, counter), n in deltas.items():
        monthly[(_month(day), kind, key, counter)] += n
    for table, column, rows in (
        ("evaluation_dailycount", "day", deltas),
        ("evaluation_monthlycount", "month", monthly),
    ):
        params = [(d, k, o, c, n) for (d, k, o, c), n in rows.items() if n]
        sql = (
            f"INSERT INTO {table} ({column}, object_kind, object_key, counter, value) "
            "VALUES (%s, %s, %s, %s, %s) "
            f"ON CONFLICT (object_kind, {column}, object_key, counter) "
            f"DO UPDATE SET value = {table}.value + excluded.value"
        )
        with connection.cursor() as cursor:
            for start in range(0, len(params), 5000):
                cursor.executemany(sql, params[start : start + 5000])


def _latest_event_id(settle_seconds: float) -> int:
    events = CaseEvent.objects.all()
    if settle_seconds:
        events = events.filter(at__lte=clock.now() - dt.timedelta(seconds=settle_seconds))
    return int(events.aggregate(m=Max("id"))["m"] or 0)


def refresh_aggregates(*, settle_seconds: float = 0) -> int:
    """Fold the events past the watermark into the aggregates; the number of cases
    touched. ``settle_seconds`` leaves the newest events for the next run (events of
    transactions still open could otherwise be skipped)."""
    with transaction.atomic():
        mark, _created = Watermark.objects.select_for_update().get_or_create(name=WATERMARK)
        last = mark.last_event_id
        upto = max(_latest_event_id(settle_seconds), last)
        if upto == last:
            return 0
        touched = sorted(
            set(
                CaseEvent.objects.filter(id__gt=last, id__lte=upto).values_list(
                    "case_id", flat=True
                )
            )
        )
        shift = make_shifter()
        for chunk in _chunks(touched):
            facts = _facts(chunk)
            deltas: Tally[Key] = Tally()
            for case_id, events in _events_by_case(chunk, upto):
                case = facts[case_id]
                full = replay(case, events, shift=shift)
                before = replay(case, [e for e in events if e.id <= last], shift=shift)
                full.subtract(before)
                deltas.update({k: v for k, v in full.items() if v})
            apply_deltas(deltas)
        mark.last_event_id = upto
        mark.updated_at = clock.now()
        mark.save(update_fields=["last_event_id", "updated_at"])
    return len(touched)


def _utc_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    begin = dt.datetime.combine(start, dt.time(), tzinfo=SHANGHAI)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    return begin, finish


def recompute(start: dt.date | None = None, end: dt.date | None = None) -> int:
    """Rebuild the aggregates of the local days ``start``–``end`` (everything when both
    are ``None``) from the events; the number of cases replayed.

    A full recompute moves the watermark to the newest event; a partial one replays
    only events up to the current watermark, so later refreshes add the rest once.
    """
    with transaction.atomic():
        mark, _created = Watermark.objects.select_for_update().get_or_create(name=WATERMARK)
        full = start is None and end is None
        upto = _latest_event_id(0) if full else mark.last_event_id
        daily = DailyCount.objects.all()
        if not full:
            first = start or dt.date(1970, 1, 1)
            last_day = end or dt.date(9999, 12, 30)
            daily = daily.filter(day__gte=first, day__lte=last_day)
            begin, finish = _utc_bounds(first, last_day)
            in_range = CaseEvent.objects.filter(id__lte=upto, at__gte=begin, at__lt=finish)
            case_ids: list[int] | None = sorted(set(in_range.values_list("case_id", flat=True)))
        else:
            MonthlyCount.objects.all().delete()
            case_ids = None
        daily.delete()
        shift = make_shifter()
        replayed = 0
        staged = connection.vendor == "postgresql"
        if staged:
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE TEMP TABLE eval_stage (day date, object_kind text, object_key text, "
                    "counter text, value integer) ON COMMIT DROP"
                )
        touched_months: set[dt.date] = set()
        if case_ids is None:
            bounds = Case.objects.aggregate(lo=models_min(), hi=Max("id"))
            lo, hi = int(bounds["lo"] or 0), int(bounds["hi"] or 0)
            ranges = [(a, a + 20000) for a in range(lo, hi + 1, 20000)] if hi else []
            groups: Iterable[tuple[list[int] | None, tuple[int, int] | None]] = (
                (None, r) for r in ranges
            )
        else:
            groups = ((chunk, None) for chunk in _chunks(case_ids))
        for chunk, id_range in groups:
            emissions: Tally[Key] = Tally()
            if chunk is not None:
                facts = _facts(chunk)
            else:
                assert id_range is not None
                facts = _facts_range(*id_range)
            for case_id, events in _events_by_case(chunk, upto, id_range=id_range):
                emissions.update(replay(facts[case_id], events, shift=shift))
                replayed += 1
            rows = [
                (d, k, o, c, n)
                for (d, k, o, c), n in emissions.items()
                if n and (full or ((start is None or d >= start) and (end is None or d <= end)))
            ]
            if staged:
                _copy_stage(rows)
            else:
                _insert_daily(rows)
            touched_months.update(_month(r[0]) for r in rows)
        if staged:
            _flush_stage()
        if not full:
            first = start or dt.date(1970, 1, 1)
            last_day = end or dt.date(9999, 12, 30)
            existing = MonthlyCount.objects.filter(month__gte=_month(first), month__lte=last_day)
            touched_months.update(existing.values_list("month", flat=True))
        _rebuild_months(touched_months)
        if full:
            mark.last_event_id = upto
            mark.updated_at = clock.now()
            mark.save(update_fields=["last_event_id", "updated_at"])
    return replayed


def models_min() -> Any:
    from django.db.models import Min

    return Min("id")


def _facts_range(lo: int, hi: int) -> dict[int, CaseFacts]:
    rows = Case.objects.filter(pk__gte=lo, pk__lt=hi).values_list(
        "pk",
        "channel",
        "grid_code",
        "community_code",
        "street_code",
        "district_code",
        "matter__code",
    )
    return {row[0]: CaseFacts(*row) for row in rows}


def _copy_stage(rows: list[tuple[dt.date, str, str, str, int]]) -> None:
    """PostgreSQL: COPY a chunk's rows into the staging table (summed at the end)."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            "COPY eval_stage (day, object_kind, object_key, counter, value) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)


def _flush_stage() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO evaluation_dailycount (day, object_kind, object_key, counter, value) "
            "SELECT day, object_kind, object_key, counter, sum(value) FROM eval_stage "
            "GROUP BY 1, 2, 3, 4 HAVING sum(value) <> 0 "
            "ON CONFLICT (object_kind, day, object_key, counter) "
            "DO UPDATE SET value = evaluation_dailycount.value + excluded.value"
        )
        cursor.execute("DROP TABLE eval_stage")


def _insert_daily(rows: list[tuple[dt.date, str, str, str, int]]) -> None:
    """Rows with distinct keys per call are merged with what an earlier chunk wrote."""
    if not rows:
        return
    params = rows
    sql = (
        "INSERT INTO evaluation_dailycount (day, object_kind, object_key, counter, value) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (object_kind, day, object_key, counter) "
        "DO UPDATE SET value = evaluation_dailycount.value + excluded.value"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(params), 5000):
            cursor.executemany(sql, params[start : start + 5000])


def _rebuild_months(months: set[dt.date]) -> None:
    if connection.vendor == "postgresql" and months:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM evaluation_monthlycount WHERE month = ANY(%s)", [sorted(months)]
            )
            cursor.execute(
                "INSERT INTO evaluation_monthlycount "
                "(month, object_kind, object_key, counter, value) "
                "SELECT date_trunc('month', day)::date, object_kind, object_key, counter, "
                "sum(value) "
                "FROM evaluation_dailycount WHERE date_trunc('month', day)::date = ANY(%s) "
                "GROUP BY 1, 2, 3, 4 HAVING sum(value) <> 0",
                [sorted(months)],
            )
        return
    for month in sorted(months):
        following = (month + dt.timedelta(days=32)).replace(day=1)
        MonthlyCount.objects.filter(month=month).delete()
        sums = (
            DailyCount.objects.filter(day__gte=month, day__lt=following)
            .values("object_kind", "object_key", "counter")
            .annotate(total=Sum("value"))
        )
        MonthlyCount.objects.bulk_create(
            (
                MonthlyCount(
                    month=month,
                    object_kind=row["object_kind"],
                    object_key=row["object_key"],
                    counter=row["counter"],
                    value=row["total"],
                )
                for row in sums
                if row["total"]
            ),
            batch_size=5000,
        )


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
