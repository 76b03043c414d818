"""Two people acting on one case at once: exactly one wins, the others get 409.

Real transactions and threads (``transaction=True``), on SQLite and PostgreSQL. SQLite's
in-memory test database (shared cache) answers "table is locked" at once instead of
waiting, unlike a real file database; so on SQLite these tests run on a file copy of the
test database, with WAL, ``BEGIN IMMEDIATE`` and the busy timeout as in production.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from urbangrid.cases.exceptions import CaseError
from urbangrid.cases.services import apply_action

from .conftest import build_world

THREADS = 4


@pytest.fixture
def real_database(
    transactional_db: Any, django_db_serialized_rollback: Any, tmp_path: Path
) -> Iterator[None]:
    """The test database as a server would use it (a file, on SQLite). Serialized
    rollback, like every transactional test here: a plain flush re-creates the content
    types, and the next serialized test would restore them twice."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():  # type: ignore[attr-defined]
        yield
        return
    connection.ensure_connection()
    memory = connection.connection
    path = tmp_path / "race.sqlite3"
    target = sqlite3.connect(path)
    memory.backup(target)
    target.close()
    settings = connection.settings_dict
    name = settings["NAME"]
    connection.connection = None  # ``memory`` keeps the in-memory database alive
    settings["NAME"] = str(path)
    try:
        yield
    finally:
        connection.close()
        settings["NAME"] = name
        connection.connection = memory


def race(work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``THREADS`` threads released together; results or exceptions."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_actions_on_one_case_give_exactly_one_success(real_database):
    world = build_world()
    case = world.report()
    results = race(lambda i: apply_action(case.number, "send_verify", actor=world.operator))
    successes = [r for r in results if not isinstance(r, Exception)]
    conflicts = [r for r in results if isinstance(r, CaseError) and r.status == 409]
    assert len(successes) == 1, results
    assert len(conflicts) == THREADS - 1, results
    assert case.events.filter(action="send_verify").count() == 1


def test_concurrent_reports_get_distinct_numbers(real_database):
    world = build_world()
    results = race(lambda i: world.report().number)
    assert all(isinstance(r, str) for r in results), results
    assert sorted(results) == [f"{results[0][:15]}-{n:04d}" for n in range(1, THREADS + 1)]
