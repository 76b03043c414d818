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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

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
