"""Two running instances of urbangrid exchange a case: this test process (city A) hands
a case over to a second server (city B: ``manage.py runserver`` in a subprocess with its
own SQLite database, migrated, with city A registered as a peer). Slow: it migrates a
fresh database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from urbangrid.cases.models import Case
from urbangrid.cases.tests.conftest import build_world
from urbangrid.exchange import delivery
from urbangrid.exchange.models import SendState
from urbangrid.exchange.services import hand_over_case

from .conftest import make_partner

BASE = Path(settings.BASE_DIR)
KEY_ID = "city-a-city-b"
SECRET = "a-long-shared-secret-0123456789abcdef"

SET_UP = f"""
from urbangrid.cases.tests.conftest import build_world
from urbangrid.exchange.models import Partner
build_world()
Partner.objects.create(name="甲市平台", base_url="http://127.0.0.1:9/", key_id={KEY_ID!r},
                       secret={SECRET!r}, role="peer")
"""

SHOW = """
import json
from urbangrid.cases.models import Case
case = Case.objects.get(number={number!r})
print(json.dumps({{"status": case.status, "events": [
    {{"action": e.action, "note": e.note}} for e in case.events.order_by("seq")]}}))
"""

Run = Callable[..., str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def city_b(tmp_path: Path) -> Iterator[tuple[str, Run]]:
    env = {
        **os.environ,
        "URBANGRID_ENV": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'city_b.sqlite3'}",
        "URBANGRID_VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.pop("UG_TEST_DB_SUFFIX", None)
    manage = [sys.executable, str(BASE / "manage.py")]

    def run(*args: str) -> str:
        done = subprocess.run(
            [*manage, *args], env=env, cwd=BASE, check=True, timeout=300, capture_output=True
        )
        return done.stdout.decode()

    run("migrate", "--noinput", "-v", "0")
    run("shell", "-c", SET_UP)
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=BASE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url, run
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_case_handed_from_one_city_to_another_is_in_both_timelines(
    city_b: tuple[str, Run],
) -> None:
    url, run = city_b
    world = build_world()
    peer = make_partner("乙市平台", key_id=KEY_ID, secret=SECRET, base_url=url)
    case = world.report(world.operator, channel="inspector")
    message = hand_over_case(case.number, actor=world.shift_leader, partner=peer, reason="交界处")
    assert delivery.send_due() == 1
    message.refresh_from_db()
    assert message.state == SendState.SENT, message.last_error
    their_number = message.response["result"]["case"]

    ours = Case.objects.get(pk=case.pk)
    assert [e.action for e in ours.events.order_by("seq")] == ["report", "hand_over"]
    shown = run("shell", "-c", SHOW.format(number=their_number)).strip().splitlines()[-1]
    theirs: dict[str, Any] = json.loads(shown)
    assert theirs["status"] == "reported"
    (first,) = theirs["events"]
    assert first["action"] == "report"
    assert "甲市平台" in first["note"]
    assert case.number in first["note"]
