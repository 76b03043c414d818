"""Production settings fail loudly when incomplete and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import database_from_url

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "URBANGRID_ENV"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", URBANGRID_ENV="production", ALLOWED_HOSTS="city.example")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_checks():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        URBANGRID_ENV="production",
        SECRET_KEY="x" * 20 + "q9-Zt!kP2#vL7@mW4$rN8^bH1&cJ6*fD3(sG5)",
        ALLOWED_HOSTS="city.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_database_url_parses_sqlite_with_wal_and_postgres(tmp_path):
    sqlite = database_from_url(f"sqlite:///{tmp_path}/a.sqlite3", ROOT)
    assert sqlite["NAME"] == f"{tmp_path}/a.sqlite3"
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
    assert sqlite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert sqlite["CONN_MAX_AGE"] is None
    pg = database_from_url("postgres://ug:s%40cret@db.local:6543/city", ROOT)
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "ug",
        "s@cret",
        "db.local",
        "6543",
        "city",
    )


def test_unknown_database_scheme_is_a_clear_error():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="mysql"):
        database_from_url("mysql://x/y", ROOT)
