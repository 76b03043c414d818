"""Background work: send the due exchange messages (safe to run twice at once)."""

from __future__ import annotations

from django.tasks import task

from urbangrid.exchange import delivery


@task()
def deliver_exchange() -> int:
    """Send the due messages to partner platforms (retries with backoff)."""
    return delivery.send_due()
