"""The API's own answer where django-ninja answers in plain text: a method an endpoint
does not take (405) is a structured error, with its ``Allow`` header."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_noop

from urbangrid.common.errors import error_response


class MethodNotAllowedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code != 405
            or not request.path.startswith("/api/")
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        refusal = error_response(
            request,
            405,
            "method_not_allowed",
            gettext_noop("%(method)s is not allowed here"),
            params={"method": request.method},
        )
        if response.has_header("Allow"):
            refusal["Allow"] = response["Allow"]
        return refusal
