"""Structured API errors: every failure is ``{"code", "message", "field"}`` with a 4xx.

Handlers are registered on the one ``NinjaAPI`` in ``main.py``; an unexpected exception
still answers with JSON (500) but is logged, and tests assert none occur.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from urbangrid.cases.exceptions import CaseError
from urbangrid.organisations.throttle import LoginThrottled


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}
"""The structured errors an operation may answer, for its ``response=`` in the OpenAPI."""


class ApiError(Exception):
    """Raise from a handler or service to answer with a structured error."""

    status = 400

    def __init__(
        self, code: str, message: str, field: str | None = None, status: int | None = None
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class NotFound(ApiError):  # noqa: N818
    status = 404


class Conflict(ApiError):  # noqa: N818
    status = 409


class Forbidden(ApiError):  # noqa: N818
    status = 403


def _body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field, **extra}


def register_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return api.create_response(
            request, _body(exc.code, exc.message, exc.field), status=exc.status
        )

    @api.exception_handler(CaseError)
    def case_error(request: HttpRequest, exc: CaseError) -> HttpResponse:
        """The case services' errors (400/403/404/409), each with its code and field."""
        return api.create_response(
            request, _body(exc.code, exc.message, exc.field), status=exc.status
        )

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        loc = [
            str(part)
            for part in first.get("loc", [])
            if part not in {"body", "query", "path", "form", "payload"}
        ]
        field = ".".join(loc) or None
        message = str(first.get("msg", "invalid input"))
        return api.create_response(
            request, _body("invalid", message, field, errors=exc.errors), status=400
        )

    @api.exception_handler(LoginThrottled)
    def throttled(request: HttpRequest, exc: LoginThrottled) -> HttpResponse:
        response = api.create_response(
            request, _body("throttled", "; ".join(exc.messages)), status=429
        )
        response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.error_dict.items()))
            message = "; ".join(str(m) for e in errors for m in e.messages)
            return api.create_response(request, _body("invalid", message, field), status=400)
        return api.create_response(request, _body("invalid", "; ".join(exc.messages)), status=400)

    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        # The database refused a value (a NUL character, a number out of range): the
        # request's input is at fault, and its transaction rolled back whole.
        return api.create_response(
            request,
            _body("invalid", "the input holds a value the database cannot store (e.g. NUL)"),
            status=400,
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, _body("not_found", str(exc) or "not found"), status=404)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(
            request, _body("forbidden", str(exc) or "permission denied"), status=403
        )

    @api.exception_handler(AuthenticationError)
    def unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, _body("unauthorised", "authentication required"), status=401
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {
            400: "invalid",
            401: "unauthorised",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
        }.get(exc.status_code, "error")
        return api.create_response(request, _body(code, str(exc)), status=exc.status_code)
