"""Login throttling: after too many failed sign-ins for one username from one address,
refuse further attempts for a while, whatever the password.

The count lives in the database (``LoginFailure``), so every gunicorn worker and every
server sees the same count. It covers every path that signs in with a password: the
staff login page, the Django admin, ``POST /api/v1/auth/token`` and ``/auth/session``;
all of them call ``django.contrib.auth.authenticate``, which asks
``backends.ThrottledModelBackend``.

Settings: ``LOGIN_THROTTLE_FAILURES`` (default 5) failures per username and address
within ``LOGIN_THROTTLE_WINDOW_SECONDS`` (default 900, 15 minutes).
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import ngettext

from urbangrid.common import clock
from urbangrid.organisations.models import LoginFailure


class LoginThrottled(ValidationError):  # noqa: N818 - it reads as what happened
    """Raised from ``authenticate``: too many failures. A ``ValidationError``, so login
    forms show its message and the API answers with a structured 4xx, not a 500."""

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            ngettext(
                "Too many failed sign-in attempts for this account from your address. "
                "Try again in %(minutes)d minute.",
                "Too many failed sign-in attempts for this account from your address. "
                "Try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
            code="login_throttled",
        )
        self.retry_after = retry_after


def max_failures() -> int:
    return int(getattr(settings, "LOGIN_THROTTLE_FAILURES", 5))


def window() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "LOGIN_THROTTLE_WINDOW_SECONDS", 900)))


def client_address(request: HttpRequest | None) -> str:
    """The peer address (``REMOTE_ADDR``; a reverse proxy must set it to the client)."""
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def normalise(username: object) -> str:
    return str(username or "").strip().lower()[:150]


def retry_after(username: object, address: str) -> int:
    """Seconds until ``username`` may try again from ``address`` (0: now)."""
    since = clock.now() - window()
    failures = list(
        LoginFailure.objects.filter(
            username=normalise(username), address=address, at__gte=since
        ).values_list("at", flat=True)
    )
    if len(failures) < max_failures():
        return 0
    # Allowed again once enough failures have left the window.
    failures.sort(reverse=True)
    oldest_counted = failures[max_failures() - 1]
    remaining = (oldest_counted + window() - clock.now()).total_seconds()
    return max(1, math.ceil(remaining))


def check(username: object, address: str) -> None:
    """Raise ``LoginThrottled`` when this username and address must wait."""
    wait = retry_after(username, address)
    if wait:
        raise LoginThrottled(wait)


def record_failure(username: object, address: str) -> None:
    """Count a failed sign-in; old rows of this pair are dropped on the way."""
    name = normalise(username)
    now = clock.now()
    LoginFailure.objects.filter(username=name, address=address, at__lt=now - window()).delete()
    LoginFailure.objects.create(username=name, address=address, at=now)


def record_success(username: object, address: str) -> None:
    """A correct password clears the pair's failures."""
    LoginFailure.objects.filter(username=normalise(username), address=address).delete()
