"""Background work on Django's tasks API (worker: ``manage.py db_worker``).

``run_scheduler`` enqueues the sweep and the delivery periodically; each task is safe to
run twice.
"""

from __future__ import annotations

from django.tasks import task

from urbangrid.cases import tally
from urbangrid.cases.services import sweep_lights
from urbangrid.outbox.services import deliver_pending


@task()
def sweep_deadlines() -> int:
    """Recompute the lights of open cases; record and notify the changes. The open-case
    tallies' journal is folded before and after (the sweep writes to it too)."""
    tally.compact()
    changed = sweep_lights()
    tally.compact()
    return changed


@task()
def compact_open_tallies() -> int:
    """Fold the open-case tallies' journal (asked for by readers when it grows)."""
    return tally.compact()


@task()
def deliver_outbox() -> int:
    """Send the outbox messages that are due, with retries and backoff."""
    return deliver_pending()
