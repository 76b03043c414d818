"""Refuse input that no database column can hold: a NUL character.

PostgreSQL text cannot contain NUL (``\\x00``); a query or insert carrying one fails with
``DataError``, and inside a transaction every later statement fails too. The edge is the
right place to say no: a request whose query string, form fields or JSON body holds a NUL
is answered 400 before any view runs (files in multipart uploads are binary and are not
inspected here).

Reading the input here is also where Django first refuses a request it cannot take (a
body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, more fields than
``DATA_UPLOAD_MAX_NUMBER_FIELDS``): the API and Open311 answer those in their own error
format too, other pages with Django's 400 page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from xml.sax.saxutils import escape

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_noop

from urbangrid.common.errors import error_response, log_refusal, request_refusal

MESSAGE = gettext_noop("the input contains a NUL character, which cannot be stored")


def _has_nul(request: HttpRequest) -> bool:
    if any(
        "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
    ):
        return True
    content_type = request.content_type or ""
    if request.method in {"POST", "PUT", "PATCH"}:
        if content_type == "application/json":
            body = request.body
            return b"\\u0000" in body or b"\x00" in body
        if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            try:
                fields = list(request.POST.lists())
            except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
                raise
            except Exception:  # a malformed body: the view answers it in its own way
                return False
            return any("\x00" in key or any("\x00" in v for v in values) for key, values in fields)
    return False


def _refuse(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """The refusal in the error format of the interface asked."""
    if request.path.startswith("/open311/"):  # the spec's error document
        if request.path.endswith(".json"):
            body = json.dumps([{"code": status, "description": message}])
            return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><errors><error><code>{status}</code>'
            f"<description>{escape(message)}</description></error></errors>"
        )
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    if request.path.startswith("/api/"):
        return error_response(request, status, code, message)
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            has_nul = _has_nul(request)
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as exc:
            if not request.path.startswith(("/api/", "/open311/")):
                raise  # Django's own 400 page
            response = _refuse(request, *request_refusal(exc))
            log_refusal(request, response, exc)
            return response
        if has_nul:
            return _refuse(request, 400, "invalid", MESSAGE)
        return self.get_response(request)
