"""Benchmark: evaluation over a large case history on PostgreSQL.

    .venv/bin/python bench/bench_evaluation.py [--cases N] [--months M] [--fresh]
        [--workers W] [--no-recompute]

Builds (or reuses, when it already holds ``--cases`` cases) the database
``urbangrid_bench_eval`` with a generated history written by COPY: ``--cases`` cases
(default 1,000,000) spread over ``--months`` months (default 12) in 16 streets × 8
communities × 16 grids, each with a realistic event history (report, optional verify,
accept, file, dispatch, receive, handled, check, close; some returns, reworks,
extensions, overdue lights, callbacks). ``BENCH_EVAL_DATABASE_URL`` points it at another
database instead — for example the one ``bench_history.py`` builds (``run_all.py`` does
so): a database this script did not build is only read and its aggregates rebuilt, never
dropped or regenerated.

Then it prints:

* the full recompute of the aggregates (the whole history: ``recompute()``, on
  ``--workers`` connections), with the time spent counting events and writing the
  aggregates;
* a month's evaluation of every object (all ten object kinds, ranks and the previous
  month for the change) of the busiest district and month.

Goals (at 10,000,000 cases): month evaluation ≤ 1 s, a year's recompute ≤ 60 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/urbangrid_bench_eval"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_EVAL_DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("URBANGRID_ENV", "test")
os.environ.setdefault("LOG_LEVEL", "WARNING")

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def ensure_database(url: str, fresh: bool) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _filler(cursor: CursorWrapper, table: str, known: set[str]) -> dict[str, str]:
    """Values for NOT NULL columns this script does not know (added by later migrations)."""
    cursor.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name = %s",
        [table],
    )
    extra: dict[str, str] = {}
    for column, data_type, nullable in cursor.fetchall():
        if column in known or column == "id" or nullable == "YES":
            continue
        if data_type in ("jsonb", "json"):
            extra[column] = "{}"
        elif data_type in ("integer", "bigint", "smallint"):
            extra[column] = "0"
        elif data_type == "boolean":
            extra[column] = "f"
        else:
            extra[column] = ""
    return extra


def generate(n_cases: int, months: int) -> None:
    from django.db import connection

    from urbangrid.catalog.models import CatalogType
    from urbangrid.organisations.models import Department, Level, Role, User
    from urbangrid.organisations.uscc import make_uscc

    rng = random.Random(42)
    matters = list(
        CatalogType.objects.filter(code__startswith="06").values_list("pk", flat=True)[:40]
    )
    departments = [
        Department.objects.create(
            name=f"部门{i}", level=Level.DISTRICT, uscc=make_uscc("110101", 9000 + i)
        ).pk
        for i in range(40)
    ]

    def users(role: str, count: int) -> list[int]:
        return [
            User.objects.create(username=f"{role}{i}", role=role, area_code="110101").pk
            for i in range(count)
        ]

    inspectors, operators = users(Role.INSPECTOR, 200), users(Role.OPERATOR, 30)
    leaders, dispatchers = users(Role.SHIFT_LEADER, 10), users(Role.DISPATCHER, 10)
    handlers = users(Role.HANDLER, 40)
    grids = [
        f"110101{s:03d}{c:03d}{g:03d}"
        for s in range(1, 17)
        for c in range(1, 9)
        for g in range(1, 17)
    ]
    start = dt.datetime(2025, 1, 1, tzinfo=SHANGHAI)
    span = months * 30 * 86400
    case_cols = [
        "id",
        "number",
        "status",
        "channel",
        "matter_id",
        "component_ident",
        "grade",
        "filing_condition",
        "description",
        "address",
        "lng",
        "lat",
        "grid_code",
        "community_code",
        "street_code",
        "district_code",
        "area_names",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
        "public_reply",
        "limits",
        "clocks",
        "stage",
        "light",
        "pending_request",
        "pending",
        "counters",
        "closing_type",
        "created_at",
        "updated_at",
        "last_event_seq",
        "version",
    ]
    event_cols = [
        "id",
        "case_id",
        "seq",
        "action",
        "from_status",
        "to_status",
        "actor_id",
        "actor_role",
        "at",
        "note",
        "is_public",
        "data",
    ]
    with connection.cursor() as cursor:
        case_extra = _filler(cursor, "cases_case", set(case_cols))
        event_extra = _filler(cursor, "cases_caseevent", set(event_cols))
    limits = json.dumps({"handle": {"amount": 4, "unit": "working_hours"}})
    event_id = 0
    batch = 100_000
    for first in range(1, n_cases + 1, batch):
        cases = io.StringIO()
        events = io.StringIO()
        ids = range(first, min(first + batch, n_cases + 1))
        offsets = sorted(
            rng.randrange(span * (first - 1) // n_cases, span * ids[-1] // n_cases + 1) for _ in ids
        )
        for case_id, offset in zip(ids, offsets, strict=False):
            t = start + dt.timedelta(seconds=offset)
            t = t.replace(hour=rng.randrange(8, 18))
            grid = rng.choice(grids)
            public = rng.random() < 0.4
            matter = rng.choice(matters)
            inspector = rng.choice(inspectors)
            operator, leader = rng.choice(operators), rng.choice(leaders)
            dispatcher, dept = rng.choice(dispatchers), rng.choice(departments)
            handler = rng.choice(handlers)
            seq = 0
            rows: list[tuple[int, str, str, int | None, str, dt.datetime, dict[str, Any]]] = []

            def ev(
                action: str,
                minutes: int,
                actor: int | None,
                role: str,
                data: dict[str, Any] | None = None,
                from_status: str = "",
            ) -> None:
                nonlocal seq, t
                seq += 1
                t = t + dt.timedelta(minutes=minutes)
                rows.append((seq, action, from_status, actor, role, t, data or {}))  # noqa: B023

            def due(minutes: int) -> str:
                return (t + dt.timedelta(minutes=minutes)).astimezone(dt.UTC).isoformat()  # noqa: B023

            ev(
                "report",
                0,
                operator if public else inspector,
                "operator" if public else "inspector",
                {"stage": "accept", "due_at": due(30)},
            )
            if public:
                ev("send_verify", 3, operator, "operator", {"stage": "verify", "due_at": due(33)})
                ev(
                    "verify",
                    10,
                    inspector,
                    "inspector",
                    {"result": True, "stage": "accept", "due_at": due(40)},
                )
            ev("accept", 3, operator, "operator", {"stage": "file", "due_at": due(33)})
            if rng.random() < 0.03:
                ev("cancel", 5, leader, "shift_leader", {"reason": "x"}, "to_file")
            else:
                ev(
                    "file",
                    5,
                    leader,
                    "shift_leader",
                    {
                        "grade": "general",
                        "limits": json.loads(limits),
                        "stage": "dispatch",
                        "due_at": due(35),
                    },
                )
                ev(
                    "dispatch",
                    4,
                    dispatcher,
                    "dispatcher",
                    {"department": {"id": dept, "name": ""}, "stage": "handle", "due_at": due(244)},
                )
                if rng.random() < 0.05:
                    ev(
                        "return",
                        20,
                        handler,
                        "handler",
                        {
                            "department": {"id": dept, "name": ""},
                            "stage": "dispatch",
                            "due_at": due(50),
                        },
                    )
                    dept = rng.choice(departments)
                    ev(
                        "dispatch",
                        10,
                        dispatcher,
                        "dispatcher",
                        {
                            "department": {"id": dept, "name": ""},
                            "stage": "handle",
                            "due_at": due(250),
                        },
                    )
                ev("receive", rng.choice((5, 30, 90, 200)), handler, "handler")
                late = rng.random() < 0.1
                if late:
                    ev(
                        "light_changed",
                        300,
                        None,
                        "system",
                        {"stage": "handle", "from": "green", "to": "red"},
                    )
                if rng.random() < 0.02:
                    ev("approve_extension", 10, dispatcher, "dispatcher", {"until": due(2000)})
                ev(
                    "report_handled",
                    600 if late else 60,
                    handler,
                    "handler",
                    {"photos": [1], "stage": "check", "due_at": due(720 if late else 180)},
                )
                ev("send_check", 5, operator, "operator")
                ev(
                    "check",
                    20,
                    inspector,
                    "inspector",
                    {"result": True, "stage": "close", "due_at": due(80)},
                )
                if rng.random() < 0.03:
                    ev(
                        "rework",
                        10,
                        leader,
                        "shift_leader",
                        {"stage": "handle", "due_at": due(250)},
                    )
                    ev(
                        "report_handled",
                        60,
                        handler,
                        "handler",
                        {"stage": "check", "due_at": due(180)},
                    )
                    ev("send_check", 5, operator, "operator")
                    ev(
                        "check",
                        20,
                        inspector,
                        "inspector",
                        {"result": True, "stage": "close", "due_at": due(80)},
                    )
                ev(
                    "close",
                    10,
                    leader,
                    "shift_leader",
                    {"closing_type": "overdue" if late else "normal"},
                )
                if public and rng.random() < 0.5:
                    ev(
                        "callback",
                        1440,
                        operator,
                        "operator",
                        {
                            "reached": True,
                            "solved": rng.random() < 0.9,
                            "satisfaction": rng.choice(
                                (
                                    "very_satisfied",
                                    "satisfied",
                                    "basically_satisfied",
                                    "unsatisfied",
                                )
                            ),
                        },
                    )
            created = rows[0][5]
            number = f"110101-{created:%Y%m%d}-{case_id:08d}"
            values = [
                case_id,
                number,
                "closed",
                "public" if public else "inspector",
                matter,
                "",
                "general",
                "",
                "",
                "",
                116.4,
                39.9,
                grid,
                grid[:12],
                grid[:9],
                grid[:6],
                "{}",
                "",
                "",
                "",
                "",
                limits,
                "{}",
                "",
                "",
                "",
                "{}",
                "{}",
                "",
                created.isoformat(),
                t.isoformat(),
                seq,
                seq,
            ]
            values += list(case_extra.values())
            cases.write("\t".join(str(v) for v in values) + "\n")
            for s, action, from_status, actor, role, at, data in rows:
                event_id += 1
                line = [
                    event_id,
                    case_id,
                    s,
                    action,
                    from_status,
                    "",
                    "\\N" if actor is None else actor,
                    role,
                    at.isoformat(),
                    "",
                    "f",
                    json.dumps(data),
                ]
                line += list(event_extra.values())
                events.write("\t".join(str(v) for v in line) + "\n")
        with connection.cursor() as cursor:
            for table, columns, buffer in (
                ("cases_case", case_cols + list(case_extra), cases),
                ("cases_caseevent", event_cols + list(event_extra), events),
            ):
                buffer.seek(0)
                with cursor.connection.cursor().copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                ) as copy:
                    while chunk := buffer.read(1 << 20):
                        copy.write(chunk)
        connection.commit() if not connection.get_autocommit() else None
        print(f"  generated {min(first + batch - 1, n_cases):,} cases", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval('cases_case_id_seq', (SELECT max(id) FROM cases_case))")
        cursor.execute(
            "SELECT setval('cases_caseevent_id_seq', (SELECT max(id) FROM cases_caseevent))"
        )
        cursor.execute("ANALYZE")


META_TABLE = "bench_evaluation_meta"


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def built_here(cursor: CursorWrapper) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [META_TABLE])
    return bool(cursor.fetchone()[0])


def event_count(cursor: CursorWrapper) -> int:
    """From a builder's meta table when there is one (counting 10^8 rows takes a while)."""
    for table, key in ((META_TABLE, "events"), ("bench_history_meta", "events")):
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        if cursor.fetchone()[0]:
            cursor.execute(f"SELECT data ->> %s FROM {table}", [key])
            row = cursor.fetchone()
            if row and row[0]:
                return int(row[0])
    cursor.execute("SELECT count(*) FROM cases_caseevent")
    return int(cursor.fetchone()[0])


def busiest(kind: str) -> tuple[str, dt.date]:
    """The district and month with the most reports (from the monthly aggregates)."""
    from urbangrid.evaluation.models import MonthlyCount

    row = (
        MonthlyCount.objects.filter(object_kind=kind, counter="reports")
        .order_by("-value", "month", "object_key")
        .values_list("object_key", "month")
        .first()
    )
    if row is None:
        return "110101", dt.date(2025, 6, 1)
    return row[0], row[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--workers", type=int, default=None, help="recompute connections")
    parser.add_argument(
        "--no-recompute", action="store_true", help="evaluate the aggregates already there"
    )
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    own = url == DEFAULT_URL
    ensure_database(url, args.fresh and own)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from urbangrid.cases.models import Case
    from urbangrid.evaluation import indicators as ind
    from urbangrid.evaluation.aggregates import recompute
    from urbangrid.evaluation.periods import month_period
    from urbangrid.evaluation.selectors import evaluate

    call_command("migrate", verbosity=0)
    have = Case.objects.count()
    with connection.cursor() as cursor:
        ours = built_here(cursor)
    if have != args.cases:
        if have and not (own or ours):
            print(
                f"history: {have:,} cases in a database this script did not build: "
                f"used as it is (asked for {args.cases:,})"
            )
        else:
            if have:
                connection.close()
                ensure_database(url, True)
                call_command("migrate", verbosity=0)
            began = time.perf_counter()
            generate(args.cases, args.months)
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM cases_caseevent")
                events = cursor.fetchone()[0]
                cursor.execute(f"CREATE TABLE {META_TABLE} (data jsonb)")
                cursor.execute(
                    f"INSERT INTO {META_TABLE} VALUES (%s)",
                    [json.dumps({"cases": args.cases, "events": events})],
                )
            print(f"generate: {args.cases:,} cases in {time.perf_counter() - began:.1f} s")
    have = Case.objects.count()
    with connection.cursor() as cursor:
        events = event_count(cursor)
    print(f"history: {have:,} cases, {events:,} events")

    if not args.no_recompute:
        timings: dict[str, float] = {}
        before = load()
        began = time.perf_counter()
        replayed = recompute(workers=args.workers, timings=timings)
        recompute_s = time.perf_counter() - began
        print(
            f"recompute (the whole history): {replayed:,} cases in {recompute_s:.1f} s "
            f"({events / recompute_s:,.0f} events/s; counting {timings.get('count', 0):.1f} s, "
            f"writing {timings.get('write', 0):.1f} s; {before}, after {load()}); "
            "goal ≤ 60 s for a year of 10 M cases"
        )

    district, month = busiest(ind.DISTRICT)
    period = month_period(month)
    evaluate(ind.DEPARTMENT, period, district)  # warm caches
    before = load()
    began = time.perf_counter()
    objects = 0
    for kind in ind.OBJECT_KINDS:
        objects += len(evaluate(kind, period, district))
    month_s = time.perf_counter() - began
    print(
        f"month evaluation of every object ({objects:,} objects, {len(ind.OBJECT_KINDS)} "
        f"kinds, district {district}, {period.label}, with the previous month): "
        f"{month_s:.2f} s; goal ≤ 1 s ({before})"
    )


if __name__ == "__main__":
    main()
