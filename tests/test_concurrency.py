"""Many people acting on one case at once: exactly one wins, every other gets 409, and
the history holds exactly one event for the action.

Quick: 16 threads through ``apply_action`` in-process (real transactions). Slow: 100 HTTP
clients against a live gunicorn (``live.Live``), on the database ``DATABASE_URL`` names —
``./scripts/test --full`` runs both databases.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from urbangrid.cases.exceptions import CaseError
from urbangrid.cases.models import CaseEvent
from urbangrid.cases.services import apply_action
from urbangrid.cases.tests.conftest import build_world
from urbangrid.cases.tests.test_concurrency import real_database  # noqa: F401 - fixture

from .live import Live, post_json

QUICK_THREADS = 16
CLIENTS = 100
CONFLICTING = [
    ("accept", {}),
    ("not_accept", {"reason_code": "duplicate"}),
    ("send_verify", {}),
]
"""Three actions an operator may take on a fresh report; each moves it elsewhere."""


def race(n: int, work: Any) -> list[Any]:
    from django.db import connection

    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected and asserted on
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_conflicting_actions_on_one_case_give_one_success_and_409s(real_database):  # noqa: F811
    world = build_world()
    case = world.report(channel="inspector")

    def work(i: int) -> Any:
        action, data = CONFLICTING[i % 3]
        return apply_action(case.number, action, actor=world.operator, data=data)

    results = race(QUICK_THREADS, work)
    successes = [r for r in results if not isinstance(r, Exception)]
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(successes) == 1, results
    assert all(isinstance(r, CaseError) and r.status == 409 for r in failures), failures
    events = list(CaseEvent.objects.filter(case__number=case.number).order_by("seq"))
    assert [e.seq for e in events] == [1, 2]
    assert events[0].action == "report"
    assert events[1].action in {a for a, _ in CONFLICTING}
    assert events[1].to_status == successes[0].status


RACE_SETUP = """
import json
from urbangrid.cases.services import Report, create_report
from urbangrid.organisations.models import User
operator = User.objects.get(username="operator")
case = create_report(Report(channel="inspector", matter_code="06010", lng=116.4005,
                            lat=39.9005, description="race"), actor=operator)
print("RESULT=" + json.dumps(case.number))
"""

RACE_STATE = """
import json
from urbangrid.cases.models import Case, CaseEvent
case = Case.objects.get(number=NUMBER)
events = list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("seq", "action"))
print("RESULT=" + json.dumps({"status": case.status, "events": events,
                               "last": case.last_event_seq, "version": case.version}))
"""


@pytest.mark.slow
def test_a_hundred_http_clients_racing_on_one_case_give_one_success(tmp_path: Path):
    live = Live(tmp_path)
    try:
        world = live.setup()
        number = live.shell(RACE_SETUP)
        live.start_server(workers=3, threads=4)
        barrier = threading.Barrier(CLIENTS)
        statuses: list[Any] = [None] * CLIENTS

        def client(i: int) -> None:
            action, body = CONFLICTING[i % 3]
            barrier.wait()
            try:
                response = post_json(
                    live.base,
                    f"/api/v1/cases/{number}/actions/{action}",
                    body,
                    world["tokens"]["operator"],
                )
                statuses[i] = response.status_code
            except requests.RequestException as exc:
                statuses[i] = repr(exc)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        state = live.shell(RACE_STATE.replace("NUMBER", repr(number)))
    finally:
        live.close()
    counts = Counter(statuses)
    print(f"{CLIENTS} clients on {live.vendor}: {dict(counts)}")
    assert counts[200] == 1, counts
    assert counts[409] == CLIENTS - 1, counts
    assert state["events"][0][1] == "report"
    assert len(state["events"]) == 2
    assert state["events"][1][1] in {a for a, _ in CONFLICTING}
    assert state["last"] == 2
    assert state["version"] == 2
