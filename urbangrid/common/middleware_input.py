"""Refuse input that no database column can hold: a NUL character.

PostgreSQL text cannot contain NUL (``\\x00``); a query or insert carrying one fails with
``DataError``, and inside a transaction every later statement fails too. The edge is the
right place to say no: a request whose query string, form fields or JSON body holds a NUL
is answered 400 before any view runs (files in multipart uploads are binary and are not
inspected here).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from urbangrid.common.middleware import language_of

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
            except Exception:  # a malformed body: the view answers it in its own way
                return False
            return any("\x00" in key or any("\x00" in v for v in values) for key, values in fields)
    return False


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            if request.path.startswith("/open311/"):  # the spec's error document
                if request.path.endswith(".json"):
                    body = json.dumps([{"code": 400, "description": MESSAGE}])
                    return HttpResponse(
                        body, status=400, content_type="application/json; charset=utf-8"
                    )
                body = (
                    '<?xml version="1.0" encoding="utf-8"?><errors><error><code>400</code>'
                    f"<description>{MESSAGE}</description></error></errors>"
                )
                return HttpResponse(body, status=400, content_type="text/xml; charset=utf-8")
            if request.path.startswith("/api/"):
                # Before LanguageMiddleware: the request's language is chosen here.
                with translation.override(language_of(request)):
                    display = gettext(MESSAGE)
                return JsonResponse(
                    {"code": "invalid", "message": MESSAGE, "field": None, "display": display},
                    status=400,
                )
            return HttpResponse(
                MESSAGE + "\n", status=400, content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
