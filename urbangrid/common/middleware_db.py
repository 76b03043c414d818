"""Answer 503 (not 500) while the database is unreachable.

A lost connection (the server restarting, a failover, a network cut) raises
``OperationalError`` or ``InterfaceError`` in whatever view touches the database. This
middleware turns those into ``503 Service Unavailable`` with ``Retry-After``, as JSON for
the API and Open311 and as plain text elsewhere. Django marks the broken connection
unusable and closes it at the end of the request, so the next request reconnects: the
service recovers by itself as soon as the database is back.

Add it right after ``SecurityMiddleware`` so it also covers the session and
authentication middleware (which read the database).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DataError, InterfaceError, OperationalError, close_old_connections
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_noop

from urbangrid.common.errors import error_response

log = logging.getLogger("urbangrid.db")

RETRY_AFTER_SECONDS = 5
_JSON_PREFIXES = ("/api/", "/open311/")


def unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """503 with ``Retry-After``: the structured error for the API (whose exception
    handlers call this too), plain text elsewhere."""
    log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    close_old_connections()
    response: HttpResponse
    if request.path.startswith(_JSON_PREFIXES):
        response = error_response(
            request, 503, "unavailable", gettext_noop("the database is unavailable; retry shortly")
        )
    else:
        response = HttpResponse(
            "Service temporarily unavailable; retry shortly.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError) as exc:
            return unavailable(request, exc)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            return unavailable(request, exception)
        if isinstance(exception, DataError):
            # A value the database cannot store (NUL in text, a number out of range):
            # bad input, not a server fault; the request's transaction rolled back.
            return HttpResponse(
                "The request holds a value that cannot be stored (for example a NUL character).\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return None
