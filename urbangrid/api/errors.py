"""Structured API errors: every failure is ``{"code", "message", "field"}`` with a 4xx,
and ``display`` when the message is one the catalogues translate.

``message`` stays English whatever the request's language (clients and tests match on
it); ``display`` is the same message in the request's active language (``?lang=``, the
language cookie, else Simplified Chinese: ``common.middleware.LanguageMiddleware``), for
showing to people. Errors built from text the catalogues do not know (a library's
message, input echoed back) have no ``display``. One function builds every such body,
``common.errors.error_body``; the middleware that answer API requests before a view runs
(a NUL in the input, an unreachable database) use it too.

Handlers are registered on the one ``NinjaAPI`` in ``main.py``. Input Django refuses as
it reads it (too large, too many fields, a body that is not the operation's JSON) is a
4xx like any other; an unreachable database is the 503 of ``common.middleware_db``; an
unexpected exception answers 500 with the same structure, is logged and signalled like
Django's own 500s (so the test client still raises it), and tests assert none occur.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, RawPostDataException
from django.http.multipartparser import MultiPartParserError
from django.utils import translation
from django.utils.log import log_response
from django.utils.translation import gettext_noop
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from urbangrid.cases.exceptions import CaseError
from urbangrid.common.errors import (
    ENGLISH,
    LocalisedError,
    error_body,
    log_refusal,
    request_refusal,
)
from urbangrid.common.middleware_db import unavailable
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


def _localised(exc: ApiError | CaseError) -> dict[str, Any]:
    return error_body(exc.code, exc.msgid, params=exc.params, field=exc.field)


def register_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return api.create_response(request, _localised(exc), status=exc.status)

    @api.exception_handler(CaseError)
    def case_error(request: HttpRequest, exc: CaseError) -> HttpResponse:
        """The case services' errors (400/403/404/409), each with its code and field."""
        return api.create_response(request, _localised(exc), status=exc.status)

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
            request, error_body("invalid", message, field=field, errors=exc.errors), status=400
        )

    @api.exception_handler(LoginThrottled)
    def throttled(request: HttpRequest, exc: LoginThrottled) -> HttpResponse:
        # The refusal is worded (a plural) in the request's language when it is raised:
        # that is the display; the message is the same words in English.
        with translation.override(ENGLISH):
            message = "; ".join(LoginThrottled(exc.retry_after).messages)
        body = error_body("throttled", message, display="; ".join(exc.messages))
        response = api.create_response(request, body, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.error_dict.items()))
            message = "; ".join(str(m) for e in errors for m in e.messages)
            return api.create_response(
                request, error_body("invalid", message, field=field), status=400
            )
        return api.create_response(
            request, error_body("invalid", "; ".join(exc.messages)), status=400
        )

    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        # The database refused a value (a NUL character, a number out of range): the
        # request's input is at fault, and its transaction rolled back whole.
        return api.create_response(
            request,
            error_body(
                "invalid",
                gettext_noop("the input holds a value the database cannot store (e.g. NUL)"),
            ),
            status=400,
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(
            request, error_body("not_found", str(exc) or gettext_noop("not found")), status=404
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(
            request,
            error_body("forbidden", str(exc) or gettext_noop("permission denied")),
            status=403,
        )

    @api.exception_handler(AuthenticationError)
    def unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, error_body("unauthorised", gettext_noop("authentication required")), status=401
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
        return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)

    @api.exception_handler(RawPostDataException)
    def body_already_read(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
        # A form (multipart) body sent to an operation that reads JSON: the edge read
        # it as a form (``common.middleware_input``), so it cannot be read as JSON.
        return api.create_response(
            request,
            error_body(
                "invalid", gettext_noop("this operation reads a JSON body (application/json)")
            ),
            status=400,
        )

    @api.exception_handler(SuspiciousOperation)
    @api.exception_handler(BadRequest)
    @api.exception_handler(MultiPartParserError)
    def refused(request: HttpRequest, exc: Exception) -> HttpResponse:
        """A request Django refuses as it reads it: a body over the size limit, too many
        fields or files, a broken multipart body."""
        status, code, message = request_refusal(exc)
        response = api.create_response(request, error_body(code, message), status=status)
        log_refusal(request, response, exc)
        return response

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
        return unavailable(request, exc)  # the 503 of common.middleware_db

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        if settings.DEBUG:
            raise exc  # Django's page with the traceback
        # What Django does for an uncaught exception, with the API's body: the signal
        # (error reporting; the test client re-raises from it) and the log line.
        got_request_exception.send(sender=None, request=request)
        response = api.create_response(
            request,
            error_body("error", gettext_noop("an unexpected error occurred; it has been logged")),
            status=500,
        )
        log_response(
            "%s: %s",
            response.reason_phrase,
            request.path,
            response=response,
            request=request,
            exception=exc,
        )
        return response
