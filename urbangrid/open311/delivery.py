"""Delivery of dispatched cases to department systems that speak Open311, and the
poller that brings their status updates back.

A dispatch (派遣) to a department with an ``open311_url`` queues a ``Delivery`` in the
same transaction (a receiver of ``CaseEvent`` saves, see ``apps.py``). The worker
(``send_due``) claims due deliveries with a conditional update — no transaction is held
open during the HTTP call — POSTs ``requests.json`` with the stdlib client, and records
the outcome: sent (with their id or token), or the error and the next attempt after an
exponential backoff. A delivery failing for more than ``OPEN311_STUCK_MINUTES`` becomes
``stuck``: a warning is logged and the district's dispatchers are notified through the
outbox, once; it is still retried until ``MAX_ATTEMPTS``, then ``failed``.

``poll_departments`` reads each department's ``servicerequestupdates`` feed and applies
the updates on our cases through ``updates.apply_update`` (idempotent by update id).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse

from urbangrid.cases.models import Attachment, Case, CaseEvent
from urbangrid.cases.workflow import Action
from urbangrid.common import clock
from urbangrid.open311 import client
from urbangrid.open311.exceptions import Open311Error
from urbangrid.open311.models import Delivery, DeliveryState, InboundUpdate, Poll
from urbangrid.open311.render import w3c
from urbangrid.open311.selectors import MAX_WINDOW, PUBLIC_PHOTO_KINDS, parse_w3c
from urbangrid.open311.updates import UpdateInput, apply_update, origin_of, record_ignored
from urbangrid.organisations.models import Department
from urbangrid.outbox.services import Outgoing, backoff, queue_messages

log = logging.getLogger("urbangrid.open311")

MAX_ATTEMPTS = 10
LEASE = dt.timedelta(minutes=5)
POLL_OVERLAP = dt.timedelta(minutes=10)
ACTIVE = (DeliveryState.PENDING, DeliveryState.STUCK)


def stuck_after() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "OPEN311_STUCK_MINUTES", 30)))


# --- Queueing ------------------------------------------------------------------------


def queue_for_dispatch(event: CaseEvent) -> Delivery | None:
    """Queue the delivery a dispatch event calls for, if its department has an Open311
    endpoint. Called inside the dispatch's transaction; queueing twice is a no-op."""
    if event.action != Action.DISPATCH:
        return None
    department_id = (event.data.get("department") or {}).get("id")
    if department_id is None:
        return None
    department = Department.objects.filter(pk=department_id).exclude(open311_url="").first()
    if department is None:
        return None
    delivery, _created = Delivery.objects.get_or_create(
        case_id=event.case_id,
        event_seq=event.seq,
        defaults={"department": department, "next_attempt_at": event.at, "created_at": event.at},
    )
    return delivery


def on_case_event_saved(sender: Any, instance: CaseEvent, created: bool, **kwargs: Any) -> None:
    """``post_save`` receiver: a dispatch queues a delivery; the worker is woken after
    commit."""
    if not created or instance.action != Action.DISPATCH:
        return
    if queue_for_dispatch(instance) is not None:
        transaction.on_commit(_wake_worker)


def _wake_worker() -> None:
    from urbangrid.open311.tasks import deliver_open311

    try:
        deliver_open311.enqueue()
    except Exception:  # the periodic run will pick it up
        log.exception("could not enqueue the Open311 delivery task")


# --- Sending -------------------------------------------------------------------------


def payload(delivery: Delivery) -> dict[str, str]:
    """The form fields of ``POST requests`` for the department system: no personal data
    of the reporter (the department answers to the city, which answers the reporter)."""
    case: Case = delivery.case
    department: Department = delivery.department
    code_map: dict[str, str] = department.open311_service_code_map or {}
    names = case.area_names or {}
    address = case.address or "".join(
        str(names.get(k, "")) for k in ("district", "street", "community")
    )
    form = {
        "api_key": department.open311_api_key,
        "service_code": str(code_map.get(case.matter.code, case.matter.code)),
        "lat": f"{case.lat:.7f}",
        "long": f"{case.lng:.7f}",
        "address_string": address,
        "description": f"{case.description}\n[城市管理案件 {case.number}]".strip(),
        "attribute[urbangrid_case]": case.number,
    }
    if department.open311_jurisdiction_id:
        form["jurisdiction_id"] = department.open311_jurisdiction_id
    base = settings.PUBLIC_BASE_URL
    photo = Attachment.objects.filter(case=case, kind__in=PUBLIC_PHOTO_KINDS).order_by("pk").first()
    if base and photo is not None:
        form["media_url"] = base.rstrip("/") + reverse("open311:media", args=[photo.pk])
    return form


def _claim(pk: int, now: dt.datetime) -> bool:
    claimed = Delivery.objects.filter(pk=pk, state__in=ACTIVE, next_attempt_at__lte=now).update(
        next_attempt_at=now + LEASE, attempts=F("attempts") + 1
    )
    return claimed == 1


def send_one(delivery: Delivery) -> None:
    """POST the case; raises ``RemoteError``. Sets the external id or token."""
    base = delivery.department.open311_url.rstrip("/")
    answer = client.fetch_json("POST", f"{base}/requests.json", form=payload(delivery))
    if not isinstance(answer, list) or not answer or not isinstance(answer[0], dict):
        raise client.RemoteError(f"unexpected answer: {str(answer)[:200]}")
    first = answer[0]
    delivery.external_id = str(first.get("service_request_id") or "")[:100]
    delivery.external_token = str(first.get("token") or "")[:100]
    if not (delivery.external_id or delivery.external_token):
        raise client.RemoteError("the answer has neither service_request_id nor token")


def send_due(*, limit: int = 100) -> int:
    """Send the due deliveries; returns how many were sent."""
    now = clock.now()
    ids = list(
        Delivery.objects.filter(state__in=ACTIVE, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in ids:
        if not _claim(pk, clock.now()):
            continue  # another worker has it
        delivery = Delivery.objects.select_related("case__matter", "department").get(pk=pk)
        if delivery.case.department_id != delivery.department_id:
            delivery.state = DeliveryState.CANCELLED
            delivery.last_error = "the case is no longer with this department"
            delivery.save(update_fields=["state", "last_error"])
            continue
        try:
            send_one(delivery)
        except client.RemoteError as exc:
            _failed(delivery, str(exc))
        else:
            delivery.state = DeliveryState.SENT
            delivery.sent_at = clock.now()
            delivery.last_error = ""
            delivery.save(
                update_fields=["state", "sent_at", "last_error", "external_id", "external_token"]
            )
            sent += 1
    alert_stuck()
    return sent


def _failed(delivery: Delivery, error: str) -> None:
    now = clock.now()
    delivery.last_error = error[:2000]
    delivery.first_failed_at = delivery.first_failed_at or now
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = DeliveryState.FAILED
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    log.info(
        "open311 delivery %s of case %s failed (attempt %s): %s",
        delivery.pk,
        delivery.case.number,
        delivery.attempts,
        error,
    )
    delivery.save(update_fields=["last_error", "first_failed_at", "state", "next_attempt_at"])
    if delivery.state == DeliveryState.FAILED:
        _alert(delivery, now)


def alert_stuck(*, now: dt.datetime | None = None) -> int:
    """Mark deliveries failing for longer than the threshold as stuck and alert once."""
    moment = now or clock.now()
    late = Delivery.objects.filter(
        state=DeliveryState.PENDING, first_failed_at__lte=moment - stuck_after()
    ).select_related("case", "department")
    count = 0
    for delivery in late:
        if Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(
            state=DeliveryState.STUCK
        ):
            delivery.state = DeliveryState.STUCK
            _alert(delivery, moment)
            count += 1
    return count


def _alert(delivery: Delivery, now: dt.datetime) -> None:
    if delivery.alerted_at is not None:
        return
    case = delivery.case
    log.warning(
        "open311 delivery %s of case %s to %s is %s since %s: %s",
        delivery.pk,
        case.number,
        delivery.department.name,
        delivery.state,
        delivery.first_failed_at,
        delivery.last_error,
    )
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(alerted_at=now)
        queue_messages(
            [
                Outgoing(
                    dedupe_key=f"open311:delivery:{delivery.pk}:alert",
                    topic="open311.delivery_stuck",
                    recipient=f"role:dispatcher:{case.district_code}",
                    payload={
                        "case": case.number,
                        "department": delivery.department.name,
                        "state": delivery.state,
                        "attempts": delivery.attempts,
                        "failing_since": w3c(delivery.first_failed_at),
                        "last_error": delivery.last_error[:500],
                    },
                )
            ],
            at=now,
        )
    delivery.alerted_at = now


# --- Polling -------------------------------------------------------------------------


def _resolve_tokens(department: Department) -> None:
    base = department.open311_url.rstrip("/")
    waiting = Delivery.objects.filter(
        department=department, state=DeliveryState.SENT, external_id=""
    ).exclude(external_token="")
    for delivery in waiting:
        query = {"jurisdiction_id": department.open311_jurisdiction_id}
        try:
            answer = client.fetch_json(
                "GET", f"{base}/tokens/{delivery.external_token}.json", query=query
            )
        except client.RemoteError:
            continue
        if isinstance(answer, list) and answer and answer[0].get("service_request_id"):
            delivery.external_id = str(answer[0]["service_request_id"])[:100]
            delivery.save(update_fields=["external_id"])


def poll_department(department: Department, *, now: dt.datetime | None = None) -> int:
    """Fetch ``department``'s update feed since the last poll and apply what concerns our
    deliveries; returns how many updates were applied."""
    moment = now or clock.now()
    _resolve_tokens(department)
    ours = dict(
        Delivery.objects.filter(department=department, state=DeliveryState.SENT)
        .exclude(external_id="")
        .values_list("external_id", "case__number")
    )
    poll, _ = Poll.objects.get_or_create(department=department)
    if not ours:
        return 0
    start = (poll.polled_until - POLL_OVERLAP) if poll.polled_until else None
    if start is None:
        first_sent = (
            Delivery.objects.filter(department=department, state=DeliveryState.SENT)
            .order_by("sent_at")
            .values_list("sent_at", flat=True)
            .first()
        )
        start = (first_sent or moment) - POLL_OVERLAP
    start = max(start, moment - MAX_WINDOW + dt.timedelta(minutes=1))
    query = {
        "api_key": department.open311_api_key,
        "start_date": w3c(start) or "",
        "end_date": w3c(moment + dt.timedelta(seconds=1)) or "",
    }
    if department.open311_jurisdiction_id:
        query["jurisdiction_id"] = department.open311_jurisdiction_id
    base = department.open311_url.rstrip("/")
    try:
        feed = client.fetch_json("GET", f"{base}/servicerequestupdates.json", query=query)
    except client.RemoteError as exc:
        Poll.objects.filter(pk=poll.pk).update(last_error=str(exc)[:2000], last_run_at=moment)
        log.warning("open311 poll of %s failed: %s", department.name, exc)
        return 0
    applied = 0
    seen = InboundUpdate.objects.filter(origin=origin_of(department))
    for item in feed if isinstance(feed, list) else []:
        if not isinstance(item, dict) or str(item.get("service_request_id")) not in ours:
            continue
        update = _update_from(item, ours[str(item["service_request_id"])])
        if update is None or seen.filter(update_id=update.update_id).exists():
            continue
        try:
            record = apply_update(department, update)
        except Open311Error as exc:
            record_ignored(department, update, exc.description)
            continue
        applied += int(record.result == "applied")
    Poll.objects.filter(pk=poll.pk).update(polled_until=moment, last_error="", last_run_at=moment)
    return applied


def _update_from(item: dict[str, Any], our_number: str) -> UpdateInput | None:
    try:
        at = parse_w3c(str(item.get("updated_datetime") or ""), "updated_datetime")
    except Open311Error:
        at = clock.now()
    update_id = str(item.get("update_id") or "")
    if not update_id:
        return None
    media = item.get("media_url") or []
    return UpdateInput(
        update_id=update_id,
        service_request_id=our_number,
        status=str(item.get("status") or ""),
        updated_at=at,
        description=str(item.get("description") or ""),
        media_urls=[media] if isinstance(media, str) else [str(m) for m in media],
    )


def poll_departments() -> int:
    """Poll every department with an endpoint and deliveries sent to it."""
    departments = Department.objects.exclude(open311_url="").filter(
        Q(open311_deliveries__state=DeliveryState.SENT)
    )
    return sum(poll_department(d) for d in departments.distinct())
