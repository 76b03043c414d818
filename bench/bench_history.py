"""Benchmark database: a generated history of cases and their events on PostgreSQL.

    .venv/bin/python bench/bench_history.py [--quick] [--scale N] [--seed S] [--fresh]

Builds (or reuses, when it already holds the same ``--scale`` and ``--seed``) the
database ``BENCH_HISTORY_URL`` (default
``postgres://postgres@127.0.0.1:5432/urbangrid_bench_history`` for 10,000,000 cases and
``…/urbangrid_bench_history_<scale>`` for any other scale): the tiny test city
(district 110101), 20 departments, one user per centre role (operator, shift_leader,
dispatcher, leader, auditor, inspector, handler — the names ``bench_queues`` signs in
with) and ``--scale`` cases (default 10,000,000; ``--quick`` 100,000) over the year up to
30 June 2026 with their append-only events, dispatches and case-number counters, all
bulk-loaded with ``COPY``. Case ids grow with the creation instant, as the id sequence
numbers them.

Every case follows a path through the lifecycle table: each step (action, from status,
to status) is checked against ``cases.workflow.TRANSITIONS`` before anything is written,
so the history stays consistent with the workflow as it changes. Paths: inspector
reports (no verification), public reports verified on site (true or false), not
accepted, cancelled at filing, returned by a department and re-dispatched, reworked
after a failed check, with an extension, with overdue lights. Cases older than 30 days
run to their end; younger ones stop at a random step and stay open, with a running
stage, a due time and a light. Columns this generator does not know get their model
default, so new nullable or defaulted fields do not break it.

Event data follows the services' contract (``services._append_event`` and the action
effects): an event whose transition starts a stage clock carries ``"stage"`` and
``"due_at"`` (the ISO instant of the clock's deadline); a dispatch names its department as
``{"department": {"id", "name"}}``, a return and a rework the department they leave; a
filing copies the stage limits in force; a red light names its stage and due; an approved
extension gives ``until`` and ``previous_due_at``. Deadlines are the limits (``LIMITS``)
counted in plain minutes from the event: the work calendars are not modelled.

The same seed gives the same history. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/urbangrid_bench_history"
FULL_SCALE = 10_000_000
QUICK_SCALE = 100_000


def default_url(scale: int) -> str:
    """The full history has the plain name; any other scale its own database, so a quick
    run never replaces a 10,000,000-case history that took an hour or two to build."""
    return DEFAULT_URL if scale == FULL_SCALE else f"{DEFAULT_URL}_{scale}"


def _scale_from_argv(argv: list[str]) -> int:
    if "--scale" in argv[:-1]:
        return int(argv[argv.index("--scale") + 1])
    return QUICK_SCALE if "--quick" in argv else FULL_SCALE


HISTORY_URL = os.environ.get("BENCH_HISTORY_URL") or default_url(_scale_from_argv(sys.argv))
os.environ["DATABASE_URL"] = HISTORY_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("URBANGRID_ENV", "test")
os.environ.setdefault("LOG_LEVEL", "WARNING")
END = dt.datetime(2026, 6, 30, 16, 0, tzinfo=dt.UTC)
DAYS = 365
LNG0, LAT0, SPAN = 116.36, 39.87, 0.1  # bench_queues' viewport
META_TABLE = "bench_history_meta"
VERSION = 2  # 2: the services' event data (stage clocks, dispatch department); ids in time
# The stage limits of every case (as ``services._snapshot_limits`` copies them) and the
# minutes each one gives its clock here (no work calendar: plain minutes).
LIMITS: dict[str, dict[str, Any]] = {
    "accept": {"amount": 30, "unit": "working_minutes"},
    "verify": {"amount": 30, "unit": "working_minutes"},
    "file": {"amount": 30, "unit": "working_minutes"},
    "dispatch": {"amount": 30, "unit": "working_minutes"},
    "handle": {"amount": 4, "unit": "working_hours"},
    "check": {"amount": 120, "unit": "working_minutes"},
    "close": {"amount": 60, "unit": "working_minutes"},
}
LIMIT_MINUTES = {
    stage: limit["amount"] * (60 if limit["unit"].endswith("hours") else 1)
    for stage, limit in LIMITS.items()
}

# (action, role) steps; statuses are filled in and checked against the workflow table.
INTAKE_INSPECTOR = [("report", "inspector"), ("accept", "operator")]
INTAKE_PUBLIC = [
    ("report", "operator"),
    ("send_verify", "operator"),
    ("verify", "inspector"),
    ("accept", "operator"),
]
FILE = [("file", "shift_leader")]
DISPATCH = [("dispatch", "dispatcher"), ("receive", "handler")]
HANDLE_CHECK = [
    ("report_handled", "handler"),
    ("send_check", "operator"),
    ("check", "inspector"),
    ("close", "shift_leader"),
]
PATHS: list[tuple[str, float, list[tuple[str, str]]]] = [
    ("inspector", 0.46, INTAKE_INSPECTOR + FILE + DISPATCH + HANDLE_CHECK),
    ("public", 0.24, INTAKE_PUBLIC + FILE + DISPATCH + HANDLE_CHECK),
    (
        "public",
        0.04,
        [("report", "operator"), ("send_verify", "operator"), ("verify", "inspector")],
    ),
    ("hotline", 0.04, [("report", "operator"), ("not_accept", "operator")]),
    ("inspector", 0.03, [*INTAKE_INSPECTOR, ("cancel", "shift_leader")]),
    (
        "inspector",
        0.08,
        INTAKE_INSPECTOR
        + FILE
        + [("dispatch", "dispatcher"), ("return", "handler")]
        + DISPATCH
        + HANDLE_CHECK,
    ),
    (
        "inspector",
        0.06,
        INTAKE_INSPECTOR
        + FILE
        + DISPATCH
        + HANDLE_CHECK[:3]
        + [("rework", "shift_leader")]
        + HANDLE_CHECK,
    ),
    (
        "inspector",
        0.05,
        INTAKE_INSPECTOR
        + FILE
        + DISPATCH
        + [("request_extension", "handler"), ("approve_extension", "dispatcher")]
        + [("light_changed", "")]
        + HANDLE_CHECK,
    ),
]
VERIFY_FALSE_PATH = 2  # PATHS[2] ends in "not true": cancelled


def figure(label: str, value: str) -> None:
    print(f"{label:<44} {value}", flush=True)


def resolve_paths() -> list[tuple[str, float, list[tuple[str, str, str, str, str]]]]:
    """Each path as (action, role, from, to, the stage whose clock it starts or ""), every
    step checked against the table."""
    from urbangrid.cases.workflow import CREATING_ACTIONS, LIGHT_CHANGED, TRANSITIONS

    edges: dict[tuple[str, str], set[str]] = {}
    starts: dict[tuple[str, str, str], str] = {}  # (action, from, to) → the stage started
    for row in TRANSITIONS:
        sources = {""} if row.action in CREATING_ACTIONS else {str(s) for s in row.sources}
        for source in sources:
            target = str(row.target) if row.target is not None else source
            edges.setdefault((str(row.action), source), set()).add(target)
            starts[(str(row.action), source, target)] = str(row.starts or "")
    resolved = []
    for index, (channel, weight, steps) in enumerate(PATHS):
        status = ""
        out = []
        for action, role in steps:
            if action == LIGHT_CHANGED:
                out.append((action, role, status, status, ""))
                continue
            targets = edges.get((action, status))
            if not targets:
                raise SystemExit(f"path {index}: {action} is not allowed from {status!r}")
            if action == "verify":
                target = "cancelled" if index == VERIFY_FALSE_PATH else "verified"
            elif action == "check":
                target = "to_close"
            elif action == "report_handled":
                target = "to_check" if "to_check" in targets else sorted(targets)[0]
            else:
                target = sorted(targets)[0]
            if target not in targets:
                raise SystemExit(f"path {index}: {action} cannot lead to {target}")
            out.append((action, role, status, target, starts[(action, status, target)]))
            status = target
        resolved.append((channel, weight, out))
    return resolved


def _instant(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def admin_url(url: str) -> str:
    return urlsplit(url)._replace(path="/postgres").geturl()


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def existing_meta(url: str) -> dict[str, Any] | None:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(f"SELECT data FROM {META_TABLE}").fetchone()
    except psycopg.Error:
        return None
    return dict(row[0]) if row else None


def recreate(url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name(url)}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name(url)}"')


def copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class Table:
    """COPY rows into a model's table; columns not given get the model default."""

    def __init__(self, model: Any, given: list[str]) -> None:
        from django.db import models

        self.table = model._meta.db_table
        self.columns: list[str] = []
        self.defaults: list[Any] = []
        self.index: dict[str, int] = {}
        for field in model._meta.concrete_fields:
            column = field.column
            self.index[field.attname] = len(self.columns)
            self.columns.append(column)
            if field.attname in given:
                default: Any = None
            elif field.has_default():
                default = field.get_default()
            elif field.null:
                default = None
            elif isinstance(field, models.JSONField):
                default = {}
            elif isinstance(field, models.CharField | models.TextField):
                default = ""
            elif isinstance(field, models.BooleanField):
                default = False
            elif isinstance(field, models.IntegerField | models.FloatField):
                default = 0
            else:
                raise SystemExit(f"{self.table}.{column}: no default; teach bench_history")
            self.defaults.append(default)
        self.rows: list[str] = []

    def add(self, **values: Any) -> None:
        row = list(self.defaults)
        for name, value in values.items():
            row[self.index[name]] = value
        self.rows.append("\t".join(copy_value(v) for v in row))

    def flush(self, cursor: Any) -> None:
        if not self.rows:
            return
        columns = ", ".join(f'"{c}"' for c in self.columns)
        with cursor.copy(f'COPY "{self.table}" ({columns}) FROM STDIN') as copy:
            copy.write("\n".join(self.rows) + "\n")
        self.rows.clear()


def build(n: int, seed: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from urbangrid.cases.models import Case, CaseEvent, CaseNumberCounter, Dispatch
    from urbangrid.catalog.models import CatalogType
    from urbangrid.organisations.models import Role
    from urbangrid.testing import make_city, make_department, make_type, make_user

    paths = resolve_paths()
    call_command("migrate", verbosity=0)
    city = make_city()
    make_type("06010", "暴露垃圾")
    matters = list(CatalogType.objects.filter(is_active=True).order_by("pk")[:50])
    departments = [make_department(f"部门{i}", district=city.district) for i in range(20)]
    grids = list(city.grids)
    users = {
        "operator": make_user("operator", Role.OPERATOR),
        "shift_leader": make_user("shift_leader", Role.SHIFT_LEADER),
        "dispatcher": make_user("dispatcher", Role.DISPATCHER),
        "handler": make_user("handler", Role.HANDLER, department=departments[0]),
        "inspector": make_user("inspector", Role.INSPECTOR, grids=[g.code for g in grids[:4]]),
    }
    make_user("leader", Role.LEADER)
    make_user("auditor", Role.AUDITOR)
    role_of = {name: str(user.role) for name, user in users.items()}

    cases = Table(
        Case,
        [
            "id", "number", "status", "channel", "matter_id", "grade", "description",
            "address", "lng", "lat", "grid_code", "community_code", "street_code",
            "district_code", "department_id", "reported_by_id", "reporter_phone", "limits",
            "clocks", "stage", "stage_due_at", "expected_at", "light", "counters",
            "closing_type", "created_at", "updated_at", "closed_at", "last_event_seq",
            "version",
        ],
    )  # fmt: skip
    events = Table(
        CaseEvent,
        ["id", "case_id", "seq", "action", "from_status", "to_status", "actor_id",
         "actor_role", "at", "note", "is_public", "data"],
    )  # fmt: skip
    dispatches = Table(Dispatch, ["id", "case_id", "department_id", "at", "event_id"])
    weights = [w for _, w, _ in paths]
    rng = random.Random(seed)
    per_day: dict[dt.date, int] = {}
    event_id = dispatch_id = 0
    end_statuses = {"closed", "not_accepted", "cancelled"}
    counted = {"return": "misroutes", "rework": "reworks", "approve_extension": "extensions",
               "dispatch": "dispatches"}  # fmt: skip
    started = time.perf_counter()
    batch = 20_000
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor, for COPY
        for case_id in range(1, n + 1):
            channel, _, steps = paths[rng.choices(range(len(paths)), weights)[0]]
            # Case ids grow with the creation instant, as the id sequence makes them.
            created = END - dt.timedelta(seconds=(n - case_id + rng.random()) / n * DAYS * 86_400)
            age_days = (END - created).total_seconds() / 86_400
            if age_days < 30:
                steps = steps[: rng.randint(1, len(steps))]
            day = (created + dt.timedelta(hours=8)).date()
            per_day[day] = per_day.get(day, 0) + 1
            number = f"110101-{day:%Y%m%d}-{per_day[day]:04d}"
            grid = grids[case_id % len(grids)]
            department = departments[rng.randrange(len(departments))]
            at = created
            status = ""
            counters: dict[str, int] = {}
            current_department = None
            overdue = False
            due_of: dict[str, str] = {}  # stage → the due instant of its latest clock
            until = at
            for seq, (action, role, source, target, starts) in enumerate(steps, start=1):
                event_id += 1
                data: dict[str, Any] = {}
                if action == "report":
                    data = {"crs": "wgs84"}
                elif action == "dispatch":
                    current_department = department
                    data = {"department": {"id": department.pk, "name": department.name}}
                    dispatch_id += 1
                    dispatches.add(
                        id=dispatch_id,
                        case_id=case_id,
                        department_id=department.pk,
                        at=at,
                        event_id=event_id,
                    )
                elif action == "return":
                    data = {
                        "reason": "不属于本单位",
                        "department": {"id": department.pk, "name": department.name},
                    }
                    current_department = None
                    department = departments[(departments.index(department) + 1) % 20]
                elif action in ("verify", "check"):
                    data = {"result": target != "cancelled"}
                    if action == "check" and rng.random() < 0.1 and seq < len(steps) - 1:
                        data = {"result": False}
                elif action == "not_accept":
                    data = {"reason_code": "out_of_scope"}
                elif action == "cancel":
                    data = {"reason": "重复案件"}
                elif action == "rework":
                    data = {"reason": "未处置到位"}
                    if current_department is not None:
                        data["department"] = {
                            "id": current_department.pk,
                            "name": current_department.name,
                        }
                elif action == "request_extension":
                    until = max(at, _instant(due_of["handle"])) + dt.timedelta(days=1)
                    data = {"until": until.isoformat(), "reason": "需要车辆"}
                elif action == "approve_extension":
                    previous = due_of["handle"]
                    due_of["handle"] = until.isoformat()
                    data = {"previous_due_at": previous, "until": due_of["handle"]}
                elif action == "light_changed":
                    overdue = True
                    data = {"stage": "handle", "from": "yellow", "to": "red",
                            "due_at": due_of["handle"]}  # fmt: skip
                elif action == "close":
                    data = {"closing_type": "overdue" if overdue else "normal"}
                elif action == "file":
                    data = {"grade": "general", "filing_condition": "符合立案条件",
                            "limits": LIMITS}  # fmt: skip
                if starts:
                    due_at = (at + dt.timedelta(minutes=LIMIT_MINUTES[starts])).isoformat()
                    due_of[starts] = due_at
                    data["due_at"] = due_at
                    data["stage"] = starts
                if action in counted:
                    counters[counted[action]] = counters.get(counted[action], 0) + 1
                user = users.get(role)
                events.add(
                    id=event_id,
                    case_id=case_id,
                    seq=seq,
                    action=action,
                    from_status=source,
                    to_status=target,
                    actor_id=user.pk if user else None,
                    actor_role=role_of.get(role, ""),
                    at=at,
                    note="",
                    is_public=action in ("report", "close"),
                    data=data,
                )
                status = target
                at += dt.timedelta(minutes=rng.randint(5, 600))
            is_open = status not in end_statuses
            stage = {"reported": "accept", "verifying": "verify", "verified": "accept",
                     "to_file": "file", "to_dispatch": "dispatch", "dispatched": "handle",
                     "handling": "handle", "to_check": "check", "checking": "check",
                     "to_close": "close"}.get(status, "")  # fmt: skip
            due = at + dt.timedelta(hours=rng.randint(-48, 96)) if is_open else None
            light = ""
            if is_open:
                light = "red" if due and due < END else rng.choice(["green", "green", "yellow"])
            cases.add(
                id=case_id,
                number=number,
                status=status,
                channel=channel,
                matter_id=matters[case_id % len(matters)].pk,
                grade="general" if "file" in [s[0] for s in steps] else "",
                description=f"历史案件 {case_id}",
                address=f"测试路{case_id % 999}号",
                lng=LNG0 + rng.random() * SPAN,
                lat=LAT0 + rng.random() * SPAN,
                grid_code=grid.code,
                community_code=grid.code[:12],
                street_code=grid.code[:9],
                district_code="110101",
                department_id=current_department.pk if current_department else None,
                reported_by_id=users["inspector"].pk if channel == "inspector" else None,
                reporter_phone="" if channel == "inspector" else f"139{case_id:08d}",
                limits=LIMITS,
                clocks={},
                stage=stage,
                stage_due_at=due,
                expected_at=due,
                light=light,
                counters=counters,
                closing_type=("overdue" if overdue else "normal") if status == "closed" else "",
                created_at=created,
                updated_at=at,
                closed_at=at if status in end_statuses else None,
                last_event_seq=len(steps),
                version=len(steps),
            )
            if case_id % batch == 0 or case_id == n:
                cases.flush(cursor)
                events.flush(cursor)
                dispatches.flush(cursor)
                if case_id % (batch * 25) == 0:
                    rate = case_id / (time.perf_counter() - started)
                    print(f"  {case_id:,} cases ({rate:,.0f}/s)", flush=True)
        for day, last in per_day.items():
            CaseNumberCounter.objects.update_or_create(
                district_code="110101", on=day, defaults={"last": last}
            )
        for model in (Case, CaseEvent, Dispatch):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        cursor.execute(f"CREATE TABLE {META_TABLE} (data jsonb)")
        cursor.execute(
            f"INSERT INTO {META_TABLE} VALUES (%s)",
            [json.dumps({"scale": n, "seed": seed, "version": VERSION, "events": event_id})],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def ensure_history(n: int, seed: int, *, fresh: bool = False) -> dict[str, Any]:
    """Build or reuse the history database; its figures."""
    wanted = {"scale": n, "seed": seed, "version": VERSION}
    meta = None if fresh else existing_meta(HISTORY_URL)
    reused = meta is not None and all(meta.get(k) == v for k, v in wanted.items())
    began = time.perf_counter()
    if not reused:
        recreate(HISTORY_URL)
    import django

    django.setup()
    if not reused:
        build(n, seed)
    else:
        # A history built by an older checkout: bring its schema up to date (new columns
        # get their defaults; the generated rows stay as they are).
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    seconds = time.perf_counter() - began
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        cases = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM cases_caseevent")
        events = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM cases_case WHERE status NOT IN "
            "('closed', 'not_accepted', 'cancelled')"
        )
        open_cases = cursor.fetchone()[0]
    return {
        "url": HISTORY_URL,
        "reused": reused,
        "seconds": seconds,
        "cases": cases,
        "open": open_cases,
        "events": events,
        "bytes": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SCALE:,} cases")
    parser.add_argument("--scale", type=int, default=None, help=f"cases (default {FULL_SCALE:,})")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--fresh", action="store_true", help="rebuild even if it matches")
    args = parser.parse_args()
    n = args.scale or (QUICK_SCALE if args.quick else FULL_SCALE)
    if not HISTORY_URL.startswith("postgres"):
        sys.exit("bench_history needs PostgreSQL: set BENCH_HISTORY_URL=postgres://...")
    result = ensure_history(n, args.seed, fresh=args.fresh)
    verb = "reused" if result["reused"] else "built (COPY)"
    figure("history database", f"{db_name(HISTORY_URL)}, {verb} in {result['seconds']:.1f} s")
    figure("history cases", f"{result['cases']:,} ({result['open']:,} open)")
    figure("history events", f"{result['events']:,}")
    figure("history size", f"{result['bytes'] / 2**30:.2f} GiB")
    if not result["reused"] and result["seconds"]:
        figure("history load rate", f"{result['cases'] / result['seconds']:,.0f} cases/s")


if __name__ == "__main__":
    main()
