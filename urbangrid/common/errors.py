"""Error messages in two forms: English for programs, the reader's language for people.

A service error is raised with an English *msgid*, marked with ``gettext_noop`` so that
``makemessages`` puts it in the catalogues, and the values to fill in as ``params``::

    raise InvalidInput(
        gettext_noop("case %(number)s not found"), params={"number": number}, field="into"
    )

``message`` is always the English text (``msgid % params``): the API's ``message`` and the
logs keep it, whatever language the request asked for. ``translated()`` renders the same
message in the active language (Simplified Chinese by default, see
``common.middleware.LanguageMiddleware``), for pages and for the API's ``display``.

A parameter may itself be a lazy translation (a status label): it is rendered in English
in ``message`` and in the active language in ``translated()``.

Never build the msgid with an f-string: the catalogues could not know it. Use
``%(name)s`` placeholders (with ``!r`` values passed as ``repr(value)``).

``error_body`` builds the JSON API's structured error — the one place that does, for the
API's exception handlers and for the middleware that answer an API request before a view
runs (``error_response``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.log import log_response
from django.utils.translation import gettext, gettext_noop

from urbangrid.common.middleware import language_of

ENGLISH = "en"


def _format(text: str, params: Mapping[str, Any] | None) -> str:
    if not params:
        return text
    return text % {k: str(v) if isinstance(v, Promise) else v for k, v in params.items()}


def english(msgid: str, params: Mapping[str, Any] | None = None) -> str:
    """``msgid`` with ``params`` filled in, in English (lazy parameters included)."""
    if params and any(isinstance(v, Promise) for v in params.values()):
        with translation.override(ENGLISH):
            return _format(msgid, params)
    return _format(msgid, params)


def localise(msgid: str, params: Mapping[str, Any] | None = None) -> str:
    """``msgid`` translated into the active language, with ``params`` filled in; the
    English text when the message has no translation (or a broken one)."""
    if not msgid:
        return ""
    try:
        return _format(gettext(msgid), params)
    except (KeyError, ValueError, TypeError):  # a translation with wrong placeholders
        return english(msgid, params)


def is_translatable(msgid: str) -> bool:
    """Whether ``msgid`` is one of the catalogues' messages: every one of them has a
    translation into the default language (Simplified Chinese). An error built from text
    that is not (input echoed back, a library's message) has none."""
    if not msgid:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(msgid) != msgid


class LocalisedError(Exception):
    """An error whose message is an English msgid with ``params``.

    ``message``: the English text; ``msgid`` and ``params``: what it was built from;
    ``translated()``: the message in the active language; ``display``: the same, or
    ``None`` when the message is not in the catalogues (then only ``message`` exists).
    """

    def __init__(self, message: str, *, params: Mapping[str, Any] | None = None) -> None:
        self.msgid = str(message)
        self.params: dict[str, Any] = dict(params or {})
        self.message = english(self.msgid, self.params)
        super().__init__(self.message)

    def translated(self) -> str:
        return localise(self.msgid, self.params)

    @property
    def display(self) -> str | None:
        return self.translated() if is_translatable(self.msgid) else None


def error_body(
    code: str,
    message: str,
    *,
    params: Mapping[str, Any] | None = None,
    field: str | None = None,
    display: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The API's structured error: ``{"code", "message", "field"}``, then ``extra`` (such
    as the validator's ``errors``), then ``display`` when there is one.

    ``message`` is an English msgid (``gettext_noop``) filled in with ``params``, or text
    the catalogues do not know (a library's message, input echoed back). ``display`` is
    the message in the active language, present only when the catalogues translate
    ``message``; pass ``display`` for a message that is translated some other way (a
    plural already rendered in the request's language).
    """
    body: dict[str, Any] = {
        "code": code,
        "message": english(message, params),
        "field": field,
        **extra,
    }
    if display is None and is_translatable(message):
        display = localise(message, params)
    if display is not None:
        body["display"] = display
    return body


JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    *,
    params: Mapping[str, Any] | None = None,
    field: str | None = None,
) -> JsonResponse:
    """``error_body`` as a response, for middleware that answers an API request before
    ``LanguageMiddleware`` has chosen its language: ``display`` is in the request's own
    (``?lang=``, the language cookie, else the default)."""
    with translation.override(language_of(request)):
        body = error_body(code, message, params=params, field=field)
    return JsonResponse(body, status=status, content_type=JSON_CONTENT_TYPE)


def request_refusal(exc: Exception) -> tuple[int, str, str]:
    """(status, code, message) for a request Django refuses while reading it: a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413), too many fields or files (400), anything else
    it finds malformed (400)."""
    if isinstance(exc, RequestDataTooBig):
        return 413, "too_large", gettext_noop("the request body is too large")
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return 400, "invalid", gettext_noop("the request has too many fields or files")
    return 400, "invalid", gettext_noop("the request is malformed")


def log_refusal(request: HttpRequest, response: HttpResponse, exc: Exception) -> None:
    """Log a refused request as Django does: a ``SuspiciousOperation`` on its
    ``django.security.*`` logger (an error: it may be an attack), others on
    ``django.request``."""
    if isinstance(exc, SuspiciousOperation):
        log_response(
            str(exc),
            request=request,
            response=response,
            exception=exc,
            level="error",
            logger=logging.getLogger(f"django.security.{type(exc).__name__}"),
        )
    else:
        log_response(
            "Bad request (%s): %s",
            type(exc).__name__,
            request.path,
            request=request,
            response=response,
            exception=exc,
        )
