"""Benchmark: the full intake endpoint against a trivial insert endpoint, same run.

    .venv/bin/python bench/bench_intake.py [--seconds 10] [--connections 16] [--workers 4]

Drops and recreates its own PostgreSQL database (``DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/urbangrid_bench_intake``), migrates it, builds the
tiny test city with one matter, its limits and a responsibility rule, issues an
inspector's API token, starts gunicorn (sync workers, ``--workers``) on loopback with
``URBANGRID_BENCH_ENDPOINTS=1`` and loads it with ``wrk`` (``apt-get install wrk``):

1. ``POST /api/v1/intake/bench/insert`` — authenticate, insert one row, answer;
2. ``POST /api/v1/intake/reports`` — validate, locate the grid, suggest the department
   and the deadline, append the event, store the idempotency key (a fresh key per
   request), suggest duplicates — one transaction.

Both runs are bounded in time (``--seconds``) and each request in count by wrk's own
limits. It prints requests/s and latency percentiles for both and the ratio; the goals are
>= 1,000 reports/s, p99 <= 50 ms and >= 60 % of the trivial insert.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/urbangrid_bench_intake"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("URBANGRID_ENV", "test")
os.environ.setdefault("LOG_LEVEL", "WARNING")

WRK_SCRIPT = r"""
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
  local body = string.format(
    '{"matter_code":"06010","lng":%.7f,"lat":%.7f,"description":"bench","idempotency_key":"%s%d"}',
    lng, lat, prefix, counter)
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


def prepare() -> tuple[str, tuple[float, float, float, float]]:
    """Migrate and build the city; the inspector's token and the city's extent."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from urbangrid.catalog.models import StageLimit
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

    city = make_city()
    matter = make_type("06010", "暴露垃圾")
    for stage, amount, unit in (("accept", 30, "working_minutes"), ("handle", 4, "working_hours")):
        StageLimit.objects.get_or_create(
            catalog_type=matter, stage=stage, grade="", defaults={"amount": amount, "unit": unit}
        )
    department = make_department("区环卫中心", district=city.district)
    ResponsibilityRule.objects.create(
        catalog_type=matter,
        area_level="district",
        area_code=city.district.code,
        basis="locality",
        department=department,
    )
    inspector = make_user("inspector", Role.INSPECTOR, grids=[g.code for g in city.grids])
    token = issue_token(inspector, name="bench")
    from django.db import connection

    connection.close()
    return token, (ORIGIN_LNG + 1e-5, ORIGIN_LAT + 1e-5, STEP * 8 - 2e-5, STEP * 2 - 2e-5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
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
            "sync",
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
    url: str, token: str, extent: tuple[float, ...], seconds: int, connections: int, tag: str
) -> dict[str, float]:
    lng0, lat0, span_lng, span_lat = extent
    script = WRK_SCRIPT.replace("LNG0", repr(lng0)).replace("LAT0", repr(lat0))
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("bench_intake measures PostgreSQL: set DATABASE_URL=postgres://...")
    recreate_database(url)
    token, extent = prepare()
    port = free_port()
    server = start_server(port, args.workers)
    base = f"http://127.0.0.1:{port}/api/v1/intake"
    try:
        run_wrk(f"{base}/bench/insert", token, extent, args.warmup, args.connections, "w1")
        run_wrk(f"{base}/reports", token, extent, args.warmup, args.connections, "w2")
        trivial = run_wrk(
            f"{base}/bench/insert", token, extent, args.seconds, args.connections, "t"
        )
        intake = run_wrk(f"{base}/reports", token, extent, args.seconds, args.connections, "r")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    ratio = intake["rps"] / trivial["rps"] if trivial["rps"] else 0.0
    print(
        f"workers={args.workers} connections={args.connections} seconds={args.seconds} "
        f"cpus={os.cpu_count()}"
    )
    for name, result in (("trivial insert", trivial), ("intake report", intake)):
        print(
            f"{name:>15}: {result['rps']:8.0f} req/s  p50 {result['p50_ms']:.1f} ms  "
            f"p90 {result['p90_ms']:.1f} ms  p99 {result['p99_ms']:.1f} ms  "
            f"max {result['max_ms']:.1f} ms  errors {result['errors']:.0f}  "
            f"({result['requests']:.0f} requests)"
        )
    print(f"ratio intake/trivial: {ratio:.2f}")
    goals = {
        ">= 1000 reports/s": intake["rps"] >= 1000,
        "p99 <= 50 ms": intake["p99_ms"] <= 50,
        ">= 60 % of trivial": ratio >= 0.6,
        "no errors": intake["errors"] == 0 and trivial["errors"] == 0,
    }
    for goal, met in goals.items():
        print(f"  {'met' if met else 'NOT MET'}: {goal}")


if __name__ == "__main__":
    main()
