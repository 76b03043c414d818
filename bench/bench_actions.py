"""Benchmark: case actions per second through ``apply_action`` (goal: >= 500/s on PostgreSQL).

    .venv/bin/python bench/bench_actions.py [--cases N] [--workers W]

Drops and recreates its own database (``DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/urbangrid_bench``), migrates it, builds the tiny
test city, then walks ``--cases`` inspector reports through the whole loop: accept, file,
dispatch (with the responsibility suggestion), receive, report handled (with a photo),
send to check, check (with a photo), close — eight actions per case, each one a locked,
evented, deadline-recomputing transaction with its outbox rows. Reports are timed apart.
``--workers`` runs that many processes side by side, as gunicorn's sync workers would
(default: one per CPU).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/urbangrid_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("URBANGRID_ENV", "test")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("bench_actions measures PostgreSQL: set DATABASE_URL=postgres://...")
    recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from urbangrid.cases.models import Attachment, Case
    from urbangrid.cases.services import Report, apply_action, create_report
    from urbangrid.catalog.models import StageLimit
    from urbangrid.common import clock
    from urbangrid.organisations.models import ResponsibilityRule, Role, User
    from urbangrid.testing import make_city, make_department, make_type, make_user

    city = make_city()
    matter = make_type("06010", "暴露垃圾")
    StageLimit.objects.get_or_create(
        catalog_type=matter,
        stage="handle",
        grade="general",
        defaults={"amount": 4, "unit": "working_hours"},
    )
    department = make_department("区环卫中心", district=city.district)
    ResponsibilityRule.objects.create(
        catalog_type=matter,
        area_level="district",
        area_code=city.district.code,
        basis="locality",
        department=department,
    )
    grids = [g.code for g in city.grids]
    inspector = make_user("inspector", Role.INSPECTOR, grids=grids)
    operator = make_user("operator", Role.OPERATOR, area_code="110101")
    shift_leader = make_user("shift_leader", Role.SHIFT_LEADER, area_code="110101")
    dispatcher = make_user("dispatcher", Role.DISPATCHER, area_code="110101")
    handler = make_user("handler", Role.HANDLER, department=department)

    started = time.perf_counter()
    numbers = []
    for i in range(args.cases):
        grid = city.grids[i % len(city.grids)]
        assert grid.centre_lng is not None
        assert grid.centre_lat is not None
        report = Report(
            channel="inspector",
            matter_code="06010",
            lng=grid.centre_lng,
            lat=grid.centre_lat,
            description=f"bench {i}",
        )
        numbers.append(create_report(report, actor=inspector).number)
    report_seconds = time.perf_counter() - started

    def photo(number: str, user: User) -> int:
        return Attachment.objects.create(
            case=Case.objects.get(number=number),
            kind="after",
            file="bench.png",
            content_type="image/png",
            size=1,
            width=1,
            height=1,
            uploaded_by=user,
            uploaded_at=clock.now(),
        ).pk

    photos = {n: (photo(n, handler), photo(n, inspector)) for n in numbers}
    connection.close()

    steps: list[tuple[str, User, Callable[[str], dict[str, Any]]]] = [
        ("accept", operator, lambda n: {}),
        ("file", shift_leader, lambda n: {"grade": "general", "filing_condition": "bench"}),
        ("dispatch", dispatcher, lambda n: {}),
        ("receive", handler, lambda n: {}),
        ("report_handled", handler, lambda n: {"photos": [photos[n][0]]}),
        ("send_check", operator, lambda n: {}),
        ("check", inspector, lambda n: {"result": True, "photos": [photos[n][1]]}),
        ("close", shift_leader, lambda n: {}),
    ]

    def walk(chunk: list[str]) -> None:
        try:
            for number in chunk:
                for action, actor, data in steps:
                    apply_action(number, action, actor=actor, data=data(number))
        finally:
            connection.close()

    chunks = [numbers[i :: args.workers] for i in range(args.workers)]
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    workers = [context.Process(target=walk, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    actions = len(numbers) * len(steps)
    closed = Case.objects.filter(status="closed").count()
    assert closed == len(numbers), f"only {closed} of {len(numbers)} cases closed"
    print(
        f"reports: {len(numbers)} in {report_seconds:.2f} s = "
        f"{len(numbers) / report_seconds:,.0f} reports/s"
    )
    print(
        f"actions: {actions} in {seconds:.2f} s with {args.workers} worker(s) = "
        f"{actions / seconds:,.0f} actions/s (goal >= 500/s)"
    )


if __name__ == "__main__":
    main()
