"""Writes the workbench makes, all through ``cases.services``.

``act_with_photos`` stores the photos of a form (``add_attachment``) and applies the
action (``apply_action``) in one transaction: if the action is refused, neither the
event nor the photos remain (the stored files are removed too). ``bulk_dispatch``
dispatches several cases one by one, each in its own transaction, and reports per case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from urbangrid.cases.exceptions import CaseError
from urbangrid.cases.models import Case
from urbangrid.cases.services import add_attachment, apply_action
from urbangrid.cases.workflow import Action
from urbangrid.organisations.models import User


def act_with_photos(
    number: str,
    action: str,
    *,
    actor: User,
    data: Mapping[str, Any],
    uploads: Iterable[UploadedFile[bytes]] = (),
    photo_kind: str = "department",
    expected_version: int | None = None,
) -> Case:
    """Upload ``uploads`` as photos of the case, cite them in ``data["photos"]`` and take
    ``action``; all or nothing. Raises the service's ``CaseError``s."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            ids = []
            for upload in uploads:
                photo = add_attachment(number, actor=actor, upload=upload, kind=photo_kind)
                stored.append(str(photo.file.name))
                ids.append(photo.pk)
            payload = dict(data)
            if ids:
                payload["photos"] = sorted({*payload.get("photos", []), *ids})
            return apply_action(
                number, action, actor=actor, data=payload, expected_version=expected_version
            )
    except CaseError:
        for name in stored:
            default_storage.delete(name)
        raise


@dataclass(frozen=True)
class DispatchResult:
    number: str
    ok: bool
    department: str = ""
    message: str = ""


def bulk_dispatch(
    choices: Mapping[str, int | None], *, actor: User, note: str = ""
) -> list[DispatchResult]:
    """Dispatch each case number to its chosen department (``None``: the suggestion),
    one ``apply_action`` at a time; a refusal stops only its own case."""
    results = []
    for number, department_id in choices.items():
        data: dict[str, Any] = {"note": note} if note else {}
        if department_id is not None:
            data["department_id"] = department_id
        try:
            case = apply_action(number, Action.DISPATCH, actor=actor, data=data)
        except CaseError as error:
            results.append(DispatchResult(number, False, message=error.translated()))
        else:
            name = case.department.name if case.department else ""
            results.append(DispatchResult(number, True, department=name))
    return results
