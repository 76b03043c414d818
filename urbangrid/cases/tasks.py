"""Background work on Django's tasks API (worker: ``manage.py db_worker``).

``run_scheduler`` enqueues both tasks periodically; each is safe to run twice.
"""

from __future__ import annotations

from django.tasks import task

from urbangrid.cases.services import sweep_lights
from urbangrid.outbox.services import deliver_pending


@task()
def sweep_deadlines() -> int:
    """Recompute the lights of open cases; record and notify the changes."""
    return sweep_lights()


@task()
def deliver_outbox() -> int:
    """Send the outbox messages that are due, with retries and backoff."""
    return deliver_pending()
