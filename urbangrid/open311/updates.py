"""Status updates from department systems, mapped onto the workflow's allowed actions.

A department system acts on a case dispatched to it through a system account of that
department (role ``handler``): ``IN_PROGRESS`` → 签收 (receive), ``FIXED`` → 处置反馈
(report handled, with a photo), ``NOT_COUNCILS_RESPONSIBILITY`` → 退单 (return). The
workflow decides; whatever it refuses is refused with its reason. Each update is
recorded once per (origin, update_id): sending it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, transaction

from urbangrid.cases.exceptions import CaseError, CaseNotFound
from urbangrid.cases.models import AttachmentKind, Case
from urbangrid.cases.services import add_attachment, apply_action
from urbangrid.cases.workflow import Action
from urbangrid.common import clock
from urbangrid.open311 import client, media
from urbangrid.open311.exceptions import Open311Error, bad_request, not_found
from urbangrid.open311.models import InboundUpdate
from urbangrid.open311.statuses import actions_for
from urbangrid.organisations.models import Department, Role, User

MAX_PHOTOS = 5


@dataclass
class UpdateInput:
    update_id: str
    service_request_id: str
    status: str
    updated_at: dt.datetime
    description: str = ""
    uploads: Sequence[UploadedFile[bytes]] = ()
    media_urls: Sequence[str] = field(default_factory=list)


def department_agent(department: Department) -> User:
    """The system account through which ``department``'s own system acts."""
    user, created = User.objects.get_or_create(
        username=f"open311-dept-{department.pk}",
        defaults={
            "role": Role.HANDLER,
            "department": department,
            "first_name": "Open311",
            "is_active": True,
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def origin_of(department: Department) -> str:
    return f"department:{department.pk}"


def _photos(department: Department, update: UpdateInput) -> list[UploadedFile[bytes]]:
    photos = [media.clean_upload(u) for u in update.uploads]
    base = department.open311_url
    for url in update.media_urls:
        if len(photos) >= MAX_PHOTOS:
            break
        if not url or not base or not client.same_host(url, base):
            continue
        try:
            body = client.fetch("GET", url)
        except client.RemoteError:
            continue
        stripped = media.strip_metadata(body)
        if stripped is not None:
            data, content_type, ext = stripped
            photos.append(SimpleUploadedFile(f"update.{ext}", data, content_type=content_type))
    return photos


def apply_update(department: Department, update: UpdateInput) -> InboundUpdate:
    """Apply ``update`` to one of our cases dispatched to ``department``; the record.

    Raises ``Open311Error``: 404 for an unknown case, 400 when the workflow does not allow
    what the status asks (with the reason).
    """
    origin = origin_of(department)
    done = InboundUpdate.objects.filter(origin=origin, update_id=update.update_id).first()
    if done is not None:
        return done
    status = update.status.strip().upper()
    case = Case.objects.filter(number=update.service_request_id).first()
    if case is None:
        raise not_found(f"service_request_id {update.service_request_id!r} not found")
    if case.department_id != department.pk:
        raise bad_request(f"case {case.number} is not with {department.name}")
    plan = actions_for(status, case.status)
    if isinstance(plan, str):
        raise bad_request(plan)
    agent = department_agent(department)
    description = update.description.strip()
    photos = _photos(department, update) if Action.REPORT_HANDLED in plan else []
    if Action.REPORT_HANDLED in plan and not photos:
        raise bad_request(
            f"{status} needs a photo of the result (处置后照片): send media files or a "
            "media_url on your own server"
        )
    if Action.RETURN in plan and not description:
        description = "不属于本部门职责 Not our responsibility"
    try:
        with transaction.atomic():
            record = InboundUpdate.objects.create(
                origin=origin,
                update_id=update.update_id,
                case=case,
                status=status,
                description=description,
                updated_at=update.updated_at,
                actions=[str(a) for a in plan],
                result="applied" if plan else "nothing to do",
                received_at=clock.now(),
            )
            for action in plan:
                data: dict[str, object] = {"note": description}
                if action == Action.RETURN:
                    data["reason"] = description
                if action == Action.REPORT_HANDLED:
                    ids = [
                        add_attachment(
                            case.number, actor=agent, upload=p, kind=AttachmentKind.AFTER
                        ).pk
                        for p in photos
                    ]
                    data["photos"] = ids
                if action == Action.RECEIVE:
                    data = {"note": description} if len(plan) == 1 else {}
                apply_action(case.number, action, actor=agent, data=data)
    except IntegrityError:
        existing = InboundUpdate.objects.filter(origin=origin, update_id=update.update_id).first()
        if existing is None:
            raise
        return existing
    except CaseNotFound as exc:
        raise not_found(exc.message) from exc
    except CaseError as exc:
        raise bad_request(exc.message) from exc
    return record


def record_ignored(department: Department, update: UpdateInput, reason: str) -> None:
    """Remember a polled update we could not apply, so the poller does not retry it."""
    case = Case.objects.filter(number=update.service_request_id).first()
    if case is None:
        return
    InboundUpdate.objects.get_or_create(
        origin=origin_of(department),
        update_id=update.update_id,
        defaults={
            "case": case,
            "status": update.status.upper()[:40],
            "description": update.description,
            "updated_at": update.updated_at,
            "result": ("ignored: " + reason)[:300],
            "received_at": clock.now(),
        },
    )


__all__ = ["Open311Error", "UpdateInput", "apply_update", "department_agent", "record_ignored"]
