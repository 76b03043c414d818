"""Reliability: SIGKILL the app server in the middle of 10,000 report submissions whose
client retries with the same idempotency key; afterwards every report the server
acknowledged exists exactly once, and none is duplicated.

Self-contained: its own database (a SQLite file, or ``<name>_reliability`` on the
PostgreSQL of ``DATABASE_URL``), its own gunicorn, killed with SIGKILL and restarted.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
TOTAL = int(os.environ.get("UG_RELIABILITY_TOTAL", "10000"))
THREADS = 8
SEED = """
from urbangrid.catalog.models import StageLimit
from urbangrid.organisations.models import Role
from urbangrid.organisations.services import issue_token
from urbangrid.testing import make_city, make_type, make_user
city = make_city()
matter = make_type("06010", "暴露垃圾")
StageLimit.objects.get_or_create(catalog_type=matter, stage="accept", grade="",
                                 defaults={"amount": 30, "unit": "working_minutes"})
user = make_user("inspector", Role.INSPECTOR, grids=[g.code for g in city.grids])
print("TOKEN=" + issue_token(user, name="reliability"))
"""
COUNT = """
from collections import Counter
from urbangrid.cases.models import Case
from urbangrid.intake.models import IdempotencyKey
import json
descriptions = Counter(Case.objects.values_list("description", flat=True))
print("RESULT=" + json.dumps({
    "cases": Case.objects.count(),
    "keys": IdempotencyKey.objects.count(),
    "duplicated": [d for d, n in descriptions.items() if n > 1],
    "numbers": dict(Case.objects.values_list("description", "number")),
}))
"""


def _database_url(tmp_path: Path) -> str:
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgres"):
        return f"sqlite:///{tmp_path / 'reliability.sqlite3'}"
    import psycopg

    parts = urlsplit(configured)
    name = parts.path.lstrip("/") + "_reliability"
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl()


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def test_sigkill_mid_run_loses_or_duplicates_no_acknowledged_report(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(tmp_path),
        "URBANGRID_ENV": "test",
        "DEBUG": "0",
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    _manage(env, "migrate", "--noinput", "-v", "0")
    token = _manage(env, "shell", "-c", SEED).split("TOKEN=")[1].strip()
    port = _port()
    state: dict[str, Any] = {"server": _serve(env, port), "killed": False}
    acknowledged: dict[str, str] = {}
    lock = threading.Lock()
    sent = [0]

    def submit(key: str) -> None:
        body = json.dumps({"matter_code": "06010", "lng": 116.4005, "lat": 39.9005,
                           "description": key, "idempotency_key": key})  # fmt: skip
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
                conn.request("POST", "/api/v1/intake/reports", body, headers)
                response = conn.getresponse()
                data = response.read()
                conn.close()
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)  # the server is down: retry with the same key
                continue
            if response.status >= 500:
                time.sleep(0.2)
                continue
            assert response.status in (200, 201), data
            with lock:
                acknowledged[key] = json.loads(data)["number"]
                sent[0] += 1
            return

    def worker(index: int) -> None:
        for n in range(index, TOTAL, THREADS):
            submit(f"reliability-{n:06d}")

    def killer() -> None:
        while sent[0] < TOTAL // 3:
            time.sleep(0.05)
        os.killpg(state["server"].pid, signal.SIGKILL)
        state["server"].wait()
        state["killed"] = True
        time.sleep(0.5)
        state["server"] = _serve(env, port)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(THREADS)]
    chaos = threading.Thread(target=killer, daemon=True)
    try:  # whatever happens (an interrupt included), no server outlives the test
        for thread in [*threads, chaos]:
            thread.start()
        for thread in [*threads, chaos]:
            thread.join(timeout=1800)
        assert state["killed"]
        assert len(acknowledged) == TOTAL
        result = json.loads(_manage(env, "shell", "-c", COUNT).split("RESULT=")[1])
        assert result["duplicated"] == []
        assert result["cases"] == TOTAL
        assert result["keys"] == TOTAL
        assert all(result["numbers"][key] == number for key, number in acknowledged.items())
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(state["server"].pid, signal.SIGTERM)
        state["server"].wait(timeout=30)
