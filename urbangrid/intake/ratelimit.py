"""A per-client rate limit counted in the database (every gunicorn worker sees the same
counts): fixed windows of ``window_s`` seconds."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from urbangrid.common import clock
from urbangrid.intake.models import RateCounter


def client_key(request: HttpRequest, bucket: str) -> str:
    """A hash of the client address (never stored in clear)."""
    address = str(request.META.get("REMOTE_ADDR", ""))
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()[:32]
    return f"{bucket}:{digest}"


def hit(key: str, *, limit: int, window_s: int) -> bool:
    """Count one request of ``key``; whether it is still within ``limit`` per window."""
    window = int(clock.now().timestamp()) // window_s
    with transaction.atomic():
        updated = RateCounter.objects.filter(key=key, window=window).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window=window, count=1)
            except IntegrityError:
                RateCounter.objects.filter(key=key, window=window).update(count=F("count") + 1)
        count = RateCounter.objects.filter(key=key, window=window).values_list("count", flat=True)
        return (count.first() or 0) <= limit


def public_report_allowed(request: HttpRequest) -> bool:
    """The public form's limit: ``URBANGRID_PUBLIC_REPORT_LIMIT`` reports per
    ``URBANGRID_PUBLIC_REPORT_WINDOW_S`` seconds per client (default 10 per hour)."""
    limit = int(getattr(settings, "URBANGRID_PUBLIC_REPORT_LIMIT", 10))
    window = int(getattr(settings, "URBANGRID_PUBLIC_REPORT_WINDOW_S", 3600))
    return hit(client_key(request, "report"), limit=limit, window_s=window)
