"""Real processes for the slow tests: gunicorn and ``manage.py db_worker`` on a database
of their own (a SQLite file, or a fresh PostgreSQL database on the server that
``DATABASE_URL`` names), so killing them never touches the test database."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

WORLD_SCRIPT = """
import contextlib
import json
from urbangrid.cases.tests.conftest import build_world
from urbangrid.open311.services import ensure_demo_key
from urbangrid.organisations.services import issue_token
world = build_world()
ensure_demo_key()
people = ("inspector", "operator", "shift_leader", "dispatcher", "handler", "admin")
print("WORLD=" + json.dumps({
    "tokens": {p: issue_token(getattr(world, p)) for p in people},
    "matter": world.matter.code,
    "points": [list(world.point(i)) for i in range(4)],
    "dept_a": world.dept_a.pk,
}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else None


class Live:
    """A database, its world, and the processes serving it."""

    def __init__(self, workdir: Path, *, vendor: str | None = None) -> None:
        self.workdir = workdir
        base = postgres_url()
        self.vendor = vendor or ("postgres" if base else "sqlite")
        if self.vendor == "postgres":
            base = base or "postgres://postgres@127.0.0.1:5432/urbangrid"
            self.db_name = f"urbangrid_live_{uuid.uuid4().hex[:10]}"
            self.admin_url = urlsplit(base)._replace(path="/postgres").geturl()
            self.url = urlsplit(base)._replace(path=f"/{self.db_name}").geturl()
            self._admin(f'CREATE DATABASE "{self.db_name}"')
        else:
            self.url = f"sqlite:///{workdir / 'live.sqlite3'}"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.world: dict[str, Any] = {}
        self.logs: list[Path] = []

    # --- set-up ---------------------------------------------------------------------

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "URBANGRID_ENV": "test",
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "tests.live_settings",
            "MEDIA_ROOT": str(self.workdir / "media"),
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT),
            **extra,
        }

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)[:80]} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def shell(self, code: str, timeout: float = 300) -> Any:
        """Run ``code`` in ``manage.py shell``; it prints ``RESULT=<json>``; the value."""
        out = self.manage("shell", "-c", code, timeout=timeout)
        for line in out.splitlines():
            if line.startswith("RESULT="):
                return json.loads(line[len("RESULT=") :])
        raise RuntimeError(f"no RESULT in: {out[-2000:]}")

    def setup(self) -> dict[str, Any]:
        self.manage("migrate", "--noinput", "-v", "0")
        out = self.manage("shell", "-c", WORLD_SCRIPT)
        line = next(x for x in out.splitlines() if x.startswith("WORLD="))
        self.world = json.loads(line[len("WORLD=") :])
        return self.world

    # --- processes ------------------------------------------------------------------

    def _log(self, name: str) -> Any:
        path = self.workdir / f"{name}-{len(self.logs)}.log"
        self.logs.append(path)
        return path.open("wb")

    def start_server(self, workers: int = 2, threads: int = 1) -> None:
        self.server = subprocess.Popen(
            [
                GUNICORN,
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--timeout",
                "60",
                "--graceful-timeout",
                "2",
            ],
            cwd=ROOT,
            env=self.env(LOG_LEVEL="WARNING"),
            stdout=self._log("gunicorn"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server on {self.base} did not come up")

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGKILL) -> None:
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)  # the master and its workers: the whole group
        proc.wait(timeout=30)

    def kill_server(self) -> None:
        self._kill(self.server)
        self.server = None

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [
                PYTHON,
                "manage.py",
                "db_worker",
                "--queue-name",
                "default",
                "--interval",
                "0.2",
                "--no-startup-delay",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=self._log("worker"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill_worker(self) -> None:
        self._kill(self.worker)
        self.worker = None

    def close(self) -> None:
        self._kill(self.server, signal.SIGTERM)
        self._kill(self.worker, signal.SIGTERM)
        if self.vendor == "postgres":
            try:
                self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            except Exception as exc:  # the database server may be down after a fault test
                print(f"could not drop {self.db_name}: {exc}")

    def log_text(self, prefix: str) -> str:
        return "\n".join(
            p.read_text("utf-8", "replace") for p in self.logs if p.name.startswith(prefix)
        )


def post_json(base: str, path: str, body: Any, token: str, **headers: str) -> requests.Response:
    return requests.post(
        base + path,
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", **headers},
        timeout=10,
    )
