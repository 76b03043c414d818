"""Benchmark: the work of one intake report and of one trivial insert, counted rather than
timed — the low-noise companion of ``bench_intake.py``.

    .venv/bin/python bench/bench_intake_cpu.py [--requests 200] [--timed 2000]
        [--prefill 5000] [--area district|spot]

On a shared virtual machine the throughput of ``bench_intake.py`` moves by a quarter from
one run to the next, more than most changes to the endpoint. This bench counts instead:

1. it builds the same city as ``bench_intake.py`` (``--area``) in its own PostgreSQL
   database (``DATABASE_URL``, default ``…/urbangrid_bench_intake_cpu``), files
   ``--prefill`` reports through the endpoint (so the duplicate search finds what a busy
   district holds) and keeps the result as a template;
2. for each endpoint, in a fresh copy of the template, it sends ``--requests`` requests
   in-process (Django's test client: the same middleware, no gunicorn) under valgrind's
   callgrind, instrumented only while they run, and prints the **instructions per
   request** of the Python process — repeatable to about 0.2 % whatever else the machine
   does;
3. again in a fresh copy, it sends ``--timed`` requests without valgrind and prints the
   CPU time per request of the Python process and of its PostgreSQL backend (timed, so
   noisy, but the database's share is not in the instruction count).

Needs valgrind (``apt-get install valgrind``). Compare two commits by running this file
from each checkout against the same ``--prefill``; the figures are the Python side of the
request as ``bench_intake.py`` serves it, without gunicorn's own parsing and threads.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/urbangrid_bench_intake_cpu"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("URBANGRID_ENV", "test")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["URBANGRID_BENCH_ENDPOINTS"] = "1"
os.environ["DEBUG"] = "0"

ENDPOINTS = {"report": "/api/v1/intake/reports", "trivial": "/api/v1/intake/bench/insert"}
WARMUP = 30


def _admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(urlsplit(url)._replace(path="/postgres").geturl(), autocommit=True)


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _copy(url: str, template: str, suffix: str) -> str:
    copy = f"{template}_{suffix}"
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
    return urlsplit(url)._replace(path=f"/{copy}").geturl()


def _drop(url: str) -> None:
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{_name(url)}" WITH (FORCE)')


# --- The process that sends the requests ----------------------------------------------------


class Sender:
    """Reports (or trivial inserts) through the test client, with reproducible bodies."""

    def __init__(self, which: str, seed: int) -> None:
        import django

        django.setup()
        from django.test import Client

        from urbangrid.organisations.models import User
        from urbangrid.organisations.services import issue_token

        meta = json.loads(Path(os.environ["BENCH_CPU_META"]).read_text())
        token = issue_token(User.objects.get(username="inspector"), name=f"cpu-{seed}")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        self.extent, self.matters = meta["extent"], meta["matters"]
        self.url = ENDPOINTS[which]
        self.random = random.Random(seed)
        self.tag = f"{seed}-{time.time_ns()}"
        self.count = 0

    def send(self, n: int) -> None:
        lng0, lat0, span_lng, span_lat = self.extent
        for _ in range(n):
            self.count += 1
            body = {
                "matter_code": self.random.choice(self.matters),
                "lng": round(lng0 + self.random.random() * span_lng, 7),
                "lat": round(lat0 + self.random.random() * span_lat, 7),
                "description": "bench",
                "idempotency_key": f"cpu-{self.tag}-{self.count}",
            }
            response = self.client.post(self.url, json.dumps(body), content_type="application/json")
            if response.status_code not in (200, 201):
                sys.exit(f"{self.url} answered {response.status_code}: {response.content!r}")


def backend_clock() -> Callable[[], float]:
    """A clock of the CPU seconds used by this process's PostgreSQL backend (same host)."""
    from django.db import connection

    connection.ensure_connection()
    assert connection.connection is not None
    backend = connection.connection.info.backend_pid
    hz = os.sysconf("SC_CLK_TCK")

    def seconds() -> float:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / hz

    return seconds


def child(which: str, n: int, flags: str | None) -> None:
    """Send ``WARMUP`` requests, then ``n``: between flag files when run under callgrind
    (the parent switches instrumentation on and off), else timed."""
    sender = Sender(which, seed=7)
    sender.send(WARMUP)
    if flags:
        Path(f"{flags}.ready").touch()
        while not Path(f"{flags}.go").exists():
            time.sleep(0.05)
        sender.send(n)
        Path(f"{flags}.done").touch()
        while not Path(f"{flags}.stop").exists():
            time.sleep(0.05)
        return
    pg = backend_clock()
    pg0, cpu0, wall0 = pg(), time.process_time(), time.perf_counter()
    sender.send(n)
    print(
        json.dumps(
            {
                "python_ms": (time.process_time() - cpu0) * 1000 / n,
                "postgres_ms": (pg() - pg0) * 1000 / n,
                "wall_ms": (time.perf_counter() - wall0) * 1000 / n,
            }
        )
    )


# --- The parent -------------------------------------------------------------------------


def _spawn(url: str, which: str, n: int, meta: str, flags: str | None) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, "--child", which, "--requests", str(n)]
    if flags:
        out = f"{flags}.callgrind"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            *command,
            "--flags",
            flags,
        ]
    env = {**os.environ, "DATABASE_URL": url, "BENCH_CPU_META": meta}
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    while not path.exists():
        if process.poll() is not None:
            sys.exit(f"the sender stopped: {process.stderr.read() if process.stderr else ''}")
        time.sleep(0.2)


def instructions(url: str, which: str, n: int, meta: str, workdir: str) -> float:
    """Instructions per request of the sending process, counted by callgrind."""
    flags = os.path.join(workdir, which)
    process = _spawn(url, which, n, meta, flags)
    _wait_for(Path(f"{flags}.ready"), process)
    subprocess.run(["callgrind_control", "-i", "on", str(process.pid)], capture_output=True)
    Path(f"{flags}.go").touch()
    _wait_for(Path(f"{flags}.done"), process)
    subprocess.run(["callgrind_control", "-i", "off", str(process.pid)], capture_output=True)
    Path(f"{flags}.stop").touch()
    process.communicate(timeout=120)
    total = 0
    for line in Path(f"{flags}.callgrind").read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            total = max(total, int(line.split()[1]))
    return total / n


def timed(url: str, which: str, n: int, meta: str) -> dict[str, float]:
    process = _spawn(url, which, n, meta, None)
    out, err = process.communicate(timeout=600)
    if process.returncode:
        sys.exit(f"the sender failed: {err}")
    return dict(json.loads(out.strip().splitlines()[-1]))


def build_template(url: str, area: str, prefill: int, meta_path: str) -> None:
    """The city and ``prefill`` reports, in ``url``'s database (kept as the template)."""
    from bench_intake import prepare, recreate_database

    recreate_database(url)
    _token, extent, matters = prepare(area)
    Path(meta_path).write_text(json.dumps({"extent": extent, "matters": matters}))
    if prefill:
        env = {**os.environ, "DATABASE_URL": url, "BENCH_CPU_META": meta_path}
        subprocess.run(
            [sys.executable, __file__, "--child", "report", "--requests", str(prefill)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200, help="requests under callgrind")
    parser.add_argument("--timed", type=int, default=2000, help="requests timed (no valgrind)")
    parser.add_argument("--prefill", type=int, default=5000, help="reports filed beforehand")
    parser.add_argument("--area", choices=("district", "spot"), default="district")
    parser.add_argument("--child", choices=sorted(ENDPOINTS), help=argparse.SUPPRESS)
    parser.add_argument("--flags", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.requests, args.flags)
        return
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("bench_intake_cpu measures PostgreSQL: set DATABASE_URL=postgres://...")
    with tempfile.TemporaryDirectory() as workdir:
        meta = os.path.join(workdir, "meta.json")
        began = time.perf_counter()
        build_template(url, args.area, args.prefill, meta)
        print(
            f"area={args.area} prefill={args.prefill:,} reports "
            f"(template built in {time.perf_counter() - began:.0f} s)"
        )
        counted: dict[str, float] = {}
        for which in ("trivial", "report"):
            copy = _copy(url, _name(url), f"{which}_cg")
            try:
                counted[which] = instructions(copy, which, args.requests, meta, workdir)
            finally:
                _drop(copy)
            copy = _copy(url, _name(url), f"{which}_t")
            try:
                times = timed(copy, which, args.timed, meta)
            finally:
                _drop(copy)
            print(
                f"{which:>8}: {counted[which] / 1000:,.0f} k instructions/request "
                f"(callgrind, {args.requests} requests); timed over {args.timed}: "
                f"Python {times['python_ms']:.3f} ms, PostgreSQL {times['postgres_ms']:.3f} ms, "
                f"wall {times['wall_ms']:.3f} ms per request"
            )
        print(f"instructions report/trivial: {counted['report'] / counted['trivial']:.2f}")


if __name__ == "__main__":
    main()
