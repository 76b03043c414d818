"""Language choice: Simplified Chinese unless the user picked another language.

Django's ``LocaleMiddleware`` follows the browser's ``Accept-Language``, so an English
browser would get an English UI. A city platform here defaults to Simplified Chinese and
switches only on an explicit choice: the language cookie set by ``/i18n/setlang/`` or a
``?lang=`` query parameter (which also sets the cookie).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.utils import translation

_SUPPORTED = {code for code, _name in settings.LANGUAGES}


def _normalise(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower().replace("_", "-")
    aliases = {"zh-cn": "zh-hans", "zh-sg": "zh-hans", "zh-tw": "zh-hant", "zh-hk": "zh-hant"}
    value = aliases.get(value, value)
    return value if value in _SUPPORTED else None


def _from_query(request: HttpRequest) -> str | None:
    try:
        return _normalise(request.GET.get("lang"))
    except TooManyFieldsSent:  # a query string refused at the edge (middleware_input)
        return None


def language_of(request: HttpRequest) -> str:
    """The language a request asks for: ``?lang=``, else the language cookie, else the
    default (Simplified Chinese). For code that answers before ``LanguageMiddleware``."""
    return (
        _from_query(request)
        or _normalise(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        or settings.LANGUAGE_CODE
    )


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from_query = _from_query(request)
        language = language_of(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        if from_query:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                from_query,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        translation.deactivate()
        return response
