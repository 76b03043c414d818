"""Two running instances of urbangrid exchange a case: this test process (city A) hands
a case over to a second server (city B: ``manage.py runserver`` in a subprocess with its
own SQLite database, migrated, with city A registered as a peer). Slow: it migrates a
fresh database."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from urbangrid.cases.models import Case
from urbangrid.cases.tests.conftest import build_world
from urbangrid.exchange import delivery
from urbangrid.exchange.models import SendState
from urbangrid.exchange.services import hand_over_case
from urbangrid.testing import second_instance

from .conftest import make_partner

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
    with second_instance(tmp_path, SET_UP, name="city_b") as (url, run):
        yield url, run


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
