"""Structured API errors: every failure is ``{"code", "message", "field"}`` with a 4xx,
and ``display`` when the message is one the catalogues translate.

``message`` stays English whatever the request's language (clients and tests match on
it); ``display`` is the same message in the request's active language (``?lang=``, the
language cookie, else Simplified Chinese: ``common.middleware.LanguageMiddleware``), for
showing to people. Errors built from text the catalogues do not know (a library's
message, input echoed back) have no ``display``.

Handlers are registered on the one ``NinjaAPI`` in ``main.py``; an unexpected exception
still answers with JSON (500) but is logged, and tests assert none occur.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_noop
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from urbangrid.cases.exceptions import CaseError
from urbangrid.common.errors import LocalisedError, is_translatable, localise
from urbangrid.organisations.throttle import LoginThrottled


class ErrorOut(Schema):
    """A structured error. Match on ``code`` (and ``field``); show ``display`` to people
    when it is present, else ``message``."""

    code: str = Field(description="Stable machine-readable error code.")
    message: str = Field(description="What went wrong, in English (never translated).")
    field: str | None = Field(None, description="The input field at fault, if any.")
    display: str | None = Field(
        None,
        description="The message in the request's language (`?lang=zh-hans|zh-hant|en`, "
        "the language cookie, else Simplified Chinese), for showing to people. Present "
        "only when the message has a translation; otherwise show `message`.",
    )


ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}
"""The structured errors an operation may answer, for its ``response=`` in the OpenAPI."""


class ApiError(LocalisedError):
    """Raise from a handler or service to answer with a structured error. ``message`` is
    an English msgid (``gettext_noop``) with ``params`` (``common.errors``)."""

    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        field: str | None = None,
        status: int | None = None,
        *,
        params: Mapping[str, Any] | None = None,
    ):
        super().__init__(message, params=params)
        self.code = code
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
    """The error body; ``display`` (the message in the active language) is added when
    ``message`` is a msgid of the catalogues."""
    body = {"code": code, "message": message, "field": field, **extra}
    if "display" not in extra and is_translatable(message):
        body["display"] = localise(message)
    return body


def _error_body(exc: LocalisedError, code: str, field: str | None) -> dict[str, Any]:
    body = {"code": code, "message": exc.message, "field": field}
    display = exc.display
    if display is not None:
        body["display"] = display
    return body


def register_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return api.create_response(
            request, _error_body(exc, exc.code, exc.field), status=exc.status
        )

    @api.exception_handler(CaseError)
    def case_error(request: HttpRequest, exc: CaseError) -> HttpResponse:
        """The case services' errors (400/403/404/409), each with its code and field."""
        return api.create_response(
            request, _error_body(exc, exc.code, exc.field), status=exc.status
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
            _body(
                "invalid",
                gettext_noop("the input holds a value the database cannot store (e.g. NUL)"),
            ),
            status=400,
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(
            request, _body("not_found", str(exc) or gettext_noop("not found")), status=404
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(
            request, _body("forbidden", str(exc) or gettext_noop("permission denied")), status=403
        )

    @api.exception_handler(AuthenticationError)
    def unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, _body("unauthorised", gettext_noop("authentication required")), status=401
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
