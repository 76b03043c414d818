"""Background work (Django tasks API, worker ``manage.py db_worker``): send due
deliveries and poll department systems. Both are safe to run twice at once."""

from __future__ import annotations

from django.tasks import task

from urbangrid.open311 import delivery


@task()
def deliver_open311() -> int:
    """Send the due deliveries to department systems (retries, backoff, stuck alerts)."""
    return delivery.send_due()


@task()
def poll_open311() -> int:
    """Fetch the department systems' update feeds and apply them as case events."""
    return delivery.poll_departments()
