"""Benchmark: workbench queue pages and the map endpoint on a big PostgreSQL database.

    .venv/bin/python bench/bench_queues.py [--cases N] [--repeat R] [--rebuild]

Builds (or reuses, if it already holds N cases) ``DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/urbangrid_bench_queues``): the tiny test city
stretched over the demo district's extent is not needed — cases are bulk-inserted with
random points inside a 0.1° × 0.1° box, random statuses (80 % open), lights and due
times, and one dispatch row per dispatched case; the open-case tallies (queue counts,
map cells) are then counted from them. A reused database is migrated, and its tallies
recounted if their total is not the number of open cases (``bench_history`` loads its
cases by COPY, around the service). Then times, in-process through the
Django test client (server time, no network): each role's workbench, each queue
partial, the navigation counts, the leader's overview, and ``/api/v1/map/cases`` for a
viewport holding every open case at zoom 12 and 14, and a street-level viewport at 17.
Prints p50/p95 and response sizes. Goals (for 1,000,000 cases): queue pages p95 ≤ 150 ms;
map viewport ≤ 200 ms and ≤ 1 MB with 100,000 open cases in view.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/urbangrid_bench_queues"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("URBANGRID_ENV", "test")
os.environ.setdefault("LOG_LEVEL", "WARNING")

LNG0, LAT0, SPAN = 116.36, 39.87, 0.1


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build(n: int) -> None:
    import datetime as dt

    from django.db import connection

    from urbangrid.cases.models import Case, CaseEvent, Dispatch
    from urbangrid.cases.workflow import CaseStatus
    from urbangrid.catalog.models import CatalogType
    from urbangrid.common import clock
    from urbangrid.organisations.models import Role
    from urbangrid.testing import make_city, make_department, make_type, make_user

    city = make_city()
    matter = make_type("06010", "暴露垃圾")
    others = list(CatalogType.objects.filter(is_active=True)[:50]) or [matter]
    departments = [make_department(f"部门{i}", district=city.district) for i in range(20)]
    grids = [g.code for g in city.grids]
    make_user("operator", Role.OPERATOR)
    make_user("shift_leader", Role.SHIFT_LEADER)
    make_user("dispatcher", Role.DISPATCHER)
    make_user("handler", Role.HANDLER, department=departments[0])
    make_user("leader", Role.LEADER)
    make_user("auditor", Role.AUDITOR)
    make_user("inspector", Role.INSPECTOR, grids=grids[:4])
    rnd = random.Random(1)
    now = clock.now()
    open_statuses = [
        CaseStatus.REPORTED,
        CaseStatus.TO_FILE,
        CaseStatus.TO_DISPATCH,
        CaseStatus.DISPATCHED,
        CaseStatus.HANDLING,
        CaseStatus.TO_CHECK,
        CaseStatus.TO_CLOSE,
        CaseStatus.VERIFYING,
        CaseStatus.CHECKING,
    ]
    with_department = {CaseStatus.DISPATCHED, CaseStatus.HANDLING, CaseStatus.TO_CHECK}
    batch = 5000
    started = time.perf_counter()
    for offset in range(0, n, batch):
        rows = []
        for i in range(offset, min(n, offset + batch)):
            status = rnd.choice(open_statuses) if rnd.random() < 0.8 else CaseStatus.CLOSED
            created = now - dt.timedelta(minutes=rnd.randint(0, 60 * 24 * 365))
            rows.append(
                Case(
                    number=f"110101-B-{i:07d}",
                    status=status,
                    channel="inspector",
                    matter=rnd.choice(others),
                    lng=LNG0 + rnd.random() * SPAN,
                    lat=LAT0 + rnd.random() * SPAN,
                    grid_code=rnd.choice(grids),
                    community_code=grids[0][:12],
                    street_code=rnd.choice(city.streets).code,
                    district_code="110101",
                    address=f"测试路{i}号",
                    description=f"bench case {i}",
                    department=rnd.choice(departments) if status in with_department else None,
                    stage="handle" if status != CaseStatus.CLOSED else "",
                    stage_due_at=created + dt.timedelta(hours=rnd.randint(1, 200)),
                    light=rnd.choice(["green", "green", "green", "yellow", "red"])
                    if status != CaseStatus.CLOSED
                    else "",
                    reporter_phone=f"139{i:08d}",
                    created_at=created,
                    updated_at=created,
                    closed_at=created if status == CaseStatus.CLOSED else None,
                    last_event_seq=1,
                )
            )
        Case.objects.bulk_create(rows)
        print(f"  built {min(n, offset + batch):,} cases", end="\r", flush=True)
    # One dispatch row per case that is with a department (what department scoping reads).
    dispatched = list(
        Case.objects.filter(department__isnull=False).values_list(
            "pk", "department_id", "created_at"
        )
    )
    for offset in range(0, len(dispatched), batch):
        chunk = dispatched[offset : offset + batch]
        events = CaseEvent.objects.bulk_create(
            [CaseEvent(case_id=pk, seq=1, action="dispatch", at=at) for pk, _, at in chunk]
        )
        Dispatch.objects.bulk_create(
            [
                Dispatch(case_id=pk, department_id=dep, at=at, event=event)
                for (pk, dep, at), event in zip(chunk, events, strict=True)
            ]
        )
    # Bulk-inserted cases bypass the service: count them into the open-case tallies.
    from urbangrid.cases import tally

    tally.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"\nbuilt {n:,} cases in {time.perf_counter() - started:.1f} s")


def ensure_tallies(open_count: int) -> None:
    """A reused database (``bench_history``'s, built by COPY) may hold cases its open-case
    tallies never saw: recount them when the totals differ."""
    from django.db.models import Sum

    from urbangrid.cases import tally
    from urbangrid.cases.models import OpenCaseChange, OpenCaseCount

    tally.compact()
    kept = (OpenCaseCount.objects.aggregate(n=Sum("n"))["n"] or 0) + (
        OpenCaseChange.objects.aggregate(n=Sum("n"))["n"] or 0
    )
    if kept != open_count:
        started = time.perf_counter()
        tally.rebuild()
        print(
            f"open-case tallies recounted ({kept:,} kept) in {time.perf_counter() - started:.1f} s"
        )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("bench_queues measures PostgreSQL: set DATABASE_URL=postgres://...")

    import psycopg

    reuse = False
    if not args.rebuild:
        try:
            with psycopg.connect(url) as conn:
                row = conn.execute("SELECT count(*) FROM cases_case").fetchone()
                reuse = row is not None and row[0] == args.cases
        except psycopg.Error:
            reuse = False
    if not reuse:
        recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from urbangrid.organisations.models import User

    if not reuse:
        call_command("migrate", verbosity=0)
        build(args.cases)
    else:
        print(f"reusing {args.cases:,} cases in {urlsplit(url).path.lstrip('/')}")
        call_command("migrate", verbosity=0)  # a database built by an older checkout

    from urbangrid.cases.models import Case
    from urbangrid.cases.workflow import END_STATUSES

    open_count = Case.objects.exclude(status__in=END_STATUSES).count()
    print(f"{open_count:,} open cases")
    ensure_tallies(open_count)
    box = f"{LNG0},{LAT0},{LNG0 + SPAN},{LAT0 + SPAN}"
    street = f"{LNG0 + 0.05},{LAT0 + 0.05},{LNG0 + 0.052},{LAT0 + 0.0515}"
    targets = [
        ("operator", "/staff/"),
        ("shift_leader", "/staff/"),
        ("dispatcher", "/staff/"),
        ("dispatcher", "/staff/queues/to_dispatch/"),
        ("dispatcher", "/staff/counts/"),
        ("handler", "/staff/"),
        ("inspector", "/staff/"),
        ("auditor", "/staff/"),
        ("leader", "/staff/"),
        ("leader", "/staff/overview/"),
        ("operator", "/staff/cases/?q=bench+case+1234"),
        ("operator", f"/staff/cases/?q={middle_number()}"),
        ("dispatcher", f"/api/v1/map/cases?bbox={box}&zoom=12"),
        ("dispatcher", f"/api/v1/map/cases?bbox={box}&zoom=14"),
        ("dispatcher", f"/api/v1/map/cases?bbox={street}&zoom=17"),
    ]
    clients: dict[str, Client] = {}
    print(f"{'user':<13} {'path':<58} {'p50 ms':>8} {'p95 ms':>8} {'bytes':>9}")
    for username, path in targets:
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client()
            client.force_login(User.objects.get(username=username))
        response = client.get(path)  # warm up
        assert response.status_code == 200, (path, response.status_code)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        size = len(response.content)
        print(
            f"{username:<13} {path[:58]:<58} {statistics.median(times):8.1f} "
            f"{percentile(times, 95):8.1f} {size:9,}"
        )


def middle_number() -> str:
    """The number of the case in the middle of the id range (a search by number)."""
    from django.db.models import Max, Min

    from urbangrid.cases.models import Case

    bounds = Case.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    middle = (bounds["lo"] + bounds["hi"]) // 2
    number = Case.objects.filter(pk__gte=middle).order_by("pk").values_list("number").first()
    assert number is not None
    return str(number[0])


if __name__ == "__main__":
    main()
