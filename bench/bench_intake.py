"""Benchmark: the full intake endpoint against a trivial insert endpoint, same run.

    .venv/bin/python bench/bench_intake.py [--seconds 10] [--connections 16] [--rounds 3]
        [--workers N] [--worker-class gthread|sync] [--threads 4]

Drops and recreates its own PostgreSQL database (``DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/urbangrid_bench_intake``), migrates it, builds the
tiny test city with one matter, its limits and a responsibility rule, issues an
inspector's API token, starts gunicorn on loopback as ``scripts/run`` does (threaded
workers: one process per CPU, ``--threads`` each; ``--worker-class sync`` for the old
setting) with ``URBANGRID_BENCH_ENDPOINTS=1`` and loads it with ``wrk`` (``apt-get
install wrk``):

1. ``POST /api/v1/intake/bench/insert`` — authenticate, insert one row, answer;
2. ``POST /api/v1/intake/reports`` — validate, locate the grid, suggest the department
   and the deadline, append the event, store the idempotency key (a fresh key per
   request), suggest duplicates — one transaction.

Both endpoints get the same server and middleware. Both runs are bounded in time
(``--seconds``) and each request in count by wrk's own limits. ``--rounds N`` alternates
the two runs N times and reports the medians (on a shared machine the load changes from
second to second). For each run it prints requests/s, latency percentiles and the CPU
time per request of gunicorn, of the bench database's PostgreSQL backends, of wrk and of
every other process, with the machine's busy share and load average (a run with the
machine less than 85 % busy is marked: it waited on something other than CPU, such as a
stalled virtual machine, and its rate says little about the code); then the ratio. The
goals are >= 1,000 reports/s, p99 <= 50 ms and >= 60 % of the trivial insert.

``--area`` says where the reports land:

* ``district`` (the default): a district of 16 streets x 8 communities x 16 grids (2,048
  unit grids of 0.001 degrees, 0.064 x 0.032 degrees, about 19 km2), reports spread
  evenly over it, each of one of eight common matters (GB/T 47678.5 codes) — after a
  whole run, some tens of thousands of open cases, a few within the 50 m duplicate radius
  of each new report, as in a busy city;
* ``spot``: the tests' tiny city (16 grids, 0.008 x 0.002 degrees, about 0.15 km2) and
  one matter, so the duplicate search finds ever more open cases nearby as a run goes on
  (hundreds per report after a few thousand): the worst case, a far denser spot than a
  city has, where the duplicate search costs more than the rest of the report.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/urbangrid_bench_intake"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("URBANGRID_ENV", "test")
os.environ.setdefault("LOG_LEVEL", "WARNING")

WRK_SCRIPT = r"""
local matters = MATTERS
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() + tid * 7919)
  prefix = "bench-" .. args[1] .. "-" .. os.time() .. "-" .. tid .. "-"
end
request = function()
  counter = counter + 1
  local lng = LNG0 + math.random() * SPAN_LNG
  local lat = LAT0 + math.random() * SPAN_LAT
  local matter = matters[math.random(#matters)]
  local body = string.format(
    '{"matter_code":"%s","lng":%.7f,"lat":%.7f,"description":"bench","idempotency_key":"%s%d"}',
    matter, lng, lat, prefix, counter)
  return wrk.format("POST", nil, HEADERS, body)
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'JSON{"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"non2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, errors.status, errors.connect, errors.read,
    errors.write, errors.timeout))
end
"""


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


Extent = tuple[float, float, float, float]  # lng0, lat0, span_lng, span_lat


def prepare(area: str = "district") -> tuple[str, Extent, list[str]]:
    """Migrate and build the city; the inspector's token, the city's extent and the
    matter codes reported."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from urbangrid.catalog.models import CatalogType, Kind, Stage, StageLimit, Standard
    from urbangrid.organisations.models import ResponsibilityRule, Role
    from urbangrid.organisations.services import issue_token
    from urbangrid.testing import (
        ORIGIN_LAT,
        ORIGIN_LNG,
        STEP,
        make_city,
        make_department,
        make_type,
        make_user,
    )

    if area == "spot":
        city = make_city()
        district, grids = city.district, [g.code for g in city.grids]
        matters = [make_type("06010", "暴露垃圾")]
        extent = (ORIGIN_LNG + 1e-5, ORIGIN_LAT + 1e-5, STEP * 8 - 2e-5, STEP * 2 - 2e-5)
    else:
        district, grids, extent = make_district()
        matters = list(
            CatalogType.objects.filter(
                kind=Kind.MATTER, standard=Standard.GBT_47678_5_2026, is_active=True
            ).order_by("code")[:8]
        )
    for stage, amount, unit in (
        (Stage.ACCEPT, 30, "working_minutes"),
        (Stage.HANDLE, 4, "working_hours"),
    ):
        StageLimit.objects.get_or_create(
            catalog_type=None, stage=stage, grade="", defaults={"amount": amount, "unit": unit}
        )
    department = make_department("区城市管理委员会", district=district)
    ResponsibilityRule.objects.bulk_create(
        ResponsibilityRule(
            catalog_type=matter,
            area_level="district",
            area_code=district.code,
            basis="locality",
            department=department,
        )
        for matter in matters
    )
    inspector = make_user("inspector", Role.INSPECTOR, grids=grids)
    token = issue_token(inspector, name="bench")
    from django.db import connection

    connection.close()
    return token, extent, [m.code for m in matters]


def make_district() -> tuple[Any, list[str], Extent]:
    """District 110102: 4 x 4 streets of 4 x 2 communities of 4 x 4 grids (0.001 degrees
    each), 2,048 grids in a 0.064 x 0.032 degree rectangle."""
    import datetime as dt

    from urbangrid.geo.models import Community, District, Street, UnitGrid
    from urbangrid.testing import ORIGIN_LAT, ORIGIN_LNG, STEP, bbox_fields, square

    def rect(lng: float, lat: float, width: float, height: float) -> dict[str, Any]:
        ring = [[lng, lat], [lng + width, lat], [lng + width, lat + height],
                [lng, lat + height], [lng, lat]]  # fmt: skip
        return {"type": "Polygon", "coordinates": [ring]}

    code = "110102"
    geometry = rect(ORIGIN_LNG, ORIGIN_LAT, STEP * 64, STEP * 32)
    district = District.objects.create(
        code=code, name="基准区", city_name="测试市", geometry=geometry, **bbox_fields(geometry)
    )
    grids: list[UnitGrid] = []
    for s in range(16):
        street = Street.objects.create(
            district=district, code=f"{code}{s + 1:03d}", name=f"第{s + 1}街道"
        )
        for c in range(8):
            community = Community.objects.create(
                street=street, code=f"{street.code}{c + 1:03d}", name=f"{street.name}第{c + 1}社区"
            )
            col0 = (s % 4) * 16 + (c % 4) * 4
            row0 = (s // 4) * 8 + (c // 4) * 4
            for g in range(16):
                cell = square(
                    ORIGIN_LNG + (col0 + g % 4) * STEP, ORIGIN_LAT + (row0 + g // 4) * STEP
                )
                grids.append(
                    UnitGrid(
                        community=community,
                        code=f"{community.code}{g + 1:03d}",
                        name=f"{community.name}{g + 1}号网格",
                        geometry=cell,
                        area_m2=8_500.0,
                        valid_from=dt.date(2024, 1, 1),
                        **bbox_fields(cell),
                    )
                )
    UnitGrid.objects.bulk_create(grids)
    extent = (ORIGIN_LNG + 1e-5, ORIGIN_LAT + 1e-5, STEP * 64 - 2e-5, STEP * 32 - 2e-5)
    return district, [g.code for g in grids], extent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    port: int, workers: int, worker_class: str, threads: int
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "URBANGRID_BENCH_ENDPOINTS": "1", "DEBUG": "0"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not start")


def run_wrk(
    url: str,
    token: str,
    extent: Extent,
    matters: list[str],
    seconds: int,
    connections: int,
    tag: str,
) -> dict[str, float]:
    lng0, lat0, span_lng, span_lat = extent
    script = WRK_SCRIPT.replace("LNG0", repr(lng0)).replace("LAT0", repr(lat0))
    script = script.replace("MATTERS", "{" + ", ".join(f'"{m}"' for m in matters) + "}")
    script = script.replace("SPAN_LNG", repr(span_lng)).replace("SPAN_LAT", repr(span_lat))
    headers = f'{{["Content-Type"]="application/json", ["Authorization"]="Bearer {token}"}}'
    script = script.replace("HEADERS", headers)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            handle.name,
            url,
            "--",
            tag,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    os.unlink(handle.name)
    found = re.search(r"JSON(\{.*\})", output)
    if found is None:
        sys.exit(f"wrk said:\n{output}")
    raw = json.loads(found.group(1))
    seconds_run = raw["duration_us"] / 1e6
    return {
        "rps": raw["requests"] / seconds_run,
        "requests": raw["requests"],
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": raw["non2xx"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
    }


def _ticks(pid: int) -> int:
    """User + system CPU clock ticks of a process (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def _backends(url: str) -> list[int]:
    """PostgreSQL server processes serving the bench database (same host only)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    return [int(row[0]) for row in rows]


def _machine() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class CpuMeter:
    """CPU time spent by gunicorn (master and workers), the bench database's PostgreSQL
    backends, wrk and the whole machine during one load run."""

    def __init__(self, server_pid: int, url: str) -> None:
        self.server_pid = server_pid
        self.url = url

    def snapshot(self) -> dict[str, float]:
        import resource

        hz = os.sysconf("SC_CLK_TCK")
        busy, total = _machine()
        server = [self.server_pid, *_children(self.server_pid)]
        return {
            "gunicorn": sum(_ticks(pid) for pid in server) / hz,
            "postgres": sum(_ticks(pid) for pid in _backends(self.url)) / hz,
            "wrk": resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime,
            "busy": busy / hz,
            "total": total / hz,
        }

    def measure(self, run: Callable[[], dict[str, float]]) -> dict[str, float]:
        before = self.snapshot()
        result = run()
        after = self.snapshot()
        used = {key: after[key] - before[key] for key in before}
        requests = max(result["requests"], 1)
        for key in ("gunicorn", "postgres", "wrk"):
            result[f"cpu_{key}_ms"] = used[key] * 1000 / requests
        result["machine_busy"] = used["busy"] / used["total"] if used["total"] else 0.0
        result["cpu_other_ms"] = (
            (used["busy"] - used["gunicorn"] - used["postgres"] - used["wrk"]) * 1000 / requests
        )
        result["load"] = os.getloadavg()[0]
        return result


def _line(name: str, result: dict[str, float]) -> str:
    return (
        f"{name:>15}: {result['rps']:8.0f} req/s  p50 {result['p50_ms']:.1f} ms  "
        f"p90 {result['p90_ms']:.1f} ms  p99 {result['p99_ms']:.1f} ms  "
        f"max {result['max_ms']:.1f} ms  errors {result['errors']:.0f}  "
        f"({result['requests']:.0f} requests)"
    )


SATURATED = 0.85  # below this busy share the run waited on something other than CPU


def _cpu_line(result: dict[str, float]) -> str:
    stalled = (
        " — NOT CPU-bound: the run waited (disk, a stalled virtual machine); "
        "its rate says little about the code"
        if result["machine_busy"] < SATURATED
        else ""
    )
    return (
        f"{'':>15}  CPU ms/request: gunicorn {result['cpu_gunicorn_ms']:.2f}, "
        f"postgres {result['cpu_postgres_ms']:.2f}, wrk {result['cpu_wrk_ms']:.2f}, "
        f"other processes {result['cpu_other_ms']:.2f}; machine busy "
        f"{result['machine_busy']:.0%}, load {result['load']:.2f}{stalled}"
    )


def _median(results: list[dict[str, float]], key: str) -> float:
    values = sorted(r[key] for r in results)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate the two runs this many times and report the medians "
        "(a shared machine's load changes from second to second)",
    )
    parser.add_argument(
        "--area",
        choices=("district", "spot"),
        default="district",
        help="district: 2,048 grids, eight matters (a city); spot: 16 grids, one matter "
        "(the worst case for the duplicate search)",
    )
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("bench_intake measures PostgreSQL: set DATABASE_URL=postgres://...")
    recreate_database(url)
    token, extent, matters = prepare(args.area)
    port = free_port()
    server = start_server(port, args.workers, args.worker_class, args.threads)
    meter = CpuMeter(server.pid, url)
    base = f"http://127.0.0.1:{port}/api/v1/intake"
    trivials: list[dict[str, float]] = []
    intakes: list[dict[str, float]] = []
    try:
        load = functools.partial(run_wrk, token=token, extent=extent, matters=matters)
        load(f"{base}/bench/insert", seconds=args.warmup, connections=args.connections, tag="w1")
        load(f"{base}/reports", seconds=args.warmup, connections=args.connections, tag="w2")
        for round_ in range(args.rounds):
            trivial_run = functools.partial(
                load,
                f"{base}/bench/insert",
                seconds=args.seconds,
                connections=args.connections,
                tag=f"t{round_}",
            )
            trivials.append(meter.measure(trivial_run))
            intake_run = functools.partial(
                load,
                f"{base}/reports",
                seconds=args.seconds,
                connections=args.connections,
                tag=f"r{round_}",
            )
            intakes.append(meter.measure(intake_run))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(
        f"area={args.area} matters={len(matters)} "
        f"workers={args.workers} class={args.worker_class} threads={args.threads} "
        f"connections={args.connections} seconds={args.seconds} rounds={args.rounds} "
        f"cpus={os.cpu_count()}"
    )
    for i, (trivial, intake) in enumerate(zip(trivials, intakes, strict=True)):
        if args.rounds > 1:
            print(f"round {i + 1}:")
        for name, result in (("trivial insert", trivial), ("intake report", intake)):
            print(_line(name, result))
            print(_cpu_line(result))
        print(f"ratio intake/trivial: {intake['rps'] / max(trivial['rps'], 1e-9):.2f}")
    keys = ("rps", "requests", "p50_ms", "p90_ms", "p99_ms", "max_ms", "errors")
    trivial = {key: _median(trivials, key) for key in keys}
    intake = {key: _median(intakes, key) for key in keys}
    ratios = [i["rps"] / max(t["rps"], 1e-9) for t, i in zip(trivials, intakes, strict=True)]
    ratio = sorted(ratios)[len(ratios) // 2]
    if args.rounds > 1:
        print(f"medians of {args.rounds} rounds:")
        for name, result in (("trivial insert", trivial), ("intake report", intake)):
            print(_line(name, result))
        print(f"ratio intake/trivial (median of rounds): {ratio:.2f}")
    errors = sum(r["errors"] for r in trivials + intakes)
    goals = {
        ">= 1000 reports/s": intake["rps"] >= 1000,
        "p99 <= 50 ms": intake["p99_ms"] <= 50,
        ">= 60 % of trivial": ratio >= 0.6,
        "no errors": errors == 0,
    }
    for goal, met in goals.items():
        print(f"  {'met' if met else 'NOT MET'}: {goal}")


if __name__ == "__main__":
    main()
