"""What the case services raise. Each carries a stable ``code``, a message for people,
the input ``field`` at fault (if any) and the HTTP status an interface should answer.

The message is an English msgid with ``params`` (``common.errors.LocalisedError``):
``message`` is the English text, ``translated()`` the text in the active language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from urbangrid.common.errors import LocalisedError


class CaseError(LocalisedError):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
    ):
        super().__init__(message, params=params)
        self.field = field
        if code is not None:
            self.code = code


class InvalidInput(CaseError):  # noqa: N818
    """400: the input is missing or wrong (``field`` names it)."""


class CaseNotFound(CaseError):  # noqa: N818
    """404: no such case, or not one the user may see."""

    status = 404
    code = "not_found"


class ActionForbidden(CaseError):  # noqa: N818
    """403: the user sees the case but may not take this action on it."""

    status = 403
    code = "forbidden"


class TransitionNotAllowed(CaseError):  # noqa: N818
    """409: the case's status (or a pending request) does not allow the action now —
    typically because someone else acted first."""

    status = 409
    code = "transition_not_allowed"


class VersionConflict(CaseError):  # noqa: N818
    """409: the case changed since the version the caller saw."""

    status = 409
    code = "version_conflict"
