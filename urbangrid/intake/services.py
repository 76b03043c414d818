"""Intake from every channel, idempotent: ``submit_report`` and ``answer_task``.

A submission carries a key chosen by the client (the inspector app makes one per report,
the public form one per page). The key row is written in the same transaction as the
case, so a key exists exactly when its case does: a retry after a crash either finds the
answer or creates the case — never twice. Task answers and reports with photos claim the
key first (a concurrent retry waits on the unique index, then gets the stored answer
without storing photos again); a report without photos writes its key last, with the
answer, one statement fewer: a retry does the work, fails on the unique index, rolls
back and answers the stored answer.
"""

from __future__ import annotations

import contextlib
import math
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.utils.translation import gettext_noop

from urbangrid.cases import numbering
from urbangrid.cases import services as case_services
from urbangrid.cases.exceptions import InvalidInput
from urbangrid.cases.models import AttachmentKind, Case, CaseEvent, Channel
from urbangrid.cases.services import Report
from urbangrid.cases.workflow import Action
from urbangrid.catalog.cache import active_type
from urbangrid.common import clock, writes
from urbangrid.geo.gcj02 import gcj02_to_wgs84
from urbangrid.geo.locate import locate
from urbangrid.intake import photos as photo_store
from urbangrid.intake import selectors
from urbangrid.intake.models import IdempotencyKey, TrackingLink
from urbangrid.intake.photos import Photo
from urbangrid.organisations.models import User
from urbangrid.organisations.services import suggest_department
from urbangrid.outbox.services import Outgoing, queue_messages

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


@dataclass(frozen=True)
class Answer:
    """What a submission answers: HTTP status and body; ``replayed`` for a retry."""

    status: int
    body: dict[str, Any]
    replayed: bool = False
    case_id: int | None = None


def check_key(key: str | None) -> str | None:
    if key is None or key == "":
        return None
    if not KEY_PATTERN.match(key):
        raise InvalidInput(
            gettext_noop("the idempotency key must be 8–64 letters, digits or _.:-"),
            field="idempotency_key",
        )
    return key


def scope_of(user: User | None, source: str = "") -> str:
    """Keys are unique per user (staff) or per source (``public``)."""
    return f"user:{user.pk}" if user is not None else (source or "public")


def replay(scope: str, key: str | None) -> Answer | None:
    """The stored answer of an earlier submission with this key, if any."""
    if key is None:
        return None
    row = IdempotencyKey.objects.filter(scope=scope, key=key).only("status_code", "response")
    found = row.first()
    if found is None or not found.status_code:
        return None
    return Answer(found.status_code, found.response, replayed=True)


def idempotent(
    scope: str,
    key: str | None,
    work: Callable[[], Answer],
    *,
    claim_first: bool = True,
    looked: bool = False,
) -> Answer:
    """Run ``work`` once per (scope, key): in one transaction with the key row.

    ``claim_first`` (the default): look for an earlier answer (unless the caller just
    did: ``looked``), then insert the key row before the work, so that a concurrent
    retry waits on its unique index and does no work. Otherwise — for work whose every
    effect is in the database — the work runs at once and the key row is inserted last,
    with the answer; a retry (or a concurrent request with the same key) fails on the
    unique index there, its work rolls back and it answers the stored answer. Either way
    a key exists exactly when its case does, and one key never makes two cases.
    """
    if claim_first and not looked:
        earlier = replay(scope, key)
        if earlier is not None:
            return earlier
    try:
        # The work's new rows and the key row are written together (``common.writes``:
        # one statement on PostgreSQL when the key goes in last).
        with writes.together():
            row = None
            if key is not None and claim_first:
                row = IdempotencyKey.objects.create(scope=scope, key=key, created_at=clock.now())
            answer = work()
            if row is not None:
                writes.flush()
                IdempotencyKey.objects.filter(pk=row.pk).update(
                    status_code=answer.status, response=answer.body, case_id=answer.case_id
                )
            elif key is not None:
                writes.insert(
                    IdempotencyKey(
                        scope=scope,
                        key=key,
                        status_code=answer.status,
                        response=answer.body,
                        case_id=answer.case_id,
                        created_at=clock.now(),
                    )
                )
    except IntegrityError:
        earlier = replay(scope, key)
        if earlier is None:
            raise
        return earlier
    return answer


def new_token() -> str:
    return secrets.token_urlsafe(24)


def tracking_path(token: str) -> str:
    return f"/track/{token}/"


def public_base_url() -> str:
    return str(settings.PUBLIC_BASE_URL or "http://127.0.0.1:8000").rstrip("/")


def submit_report(
    report: Report,
    *,
    actor: User | None,
    key: str | None,
    photos: list[Photo] | None = None,
    self_handled: bool = False,
    scope: str | None = None,
    suggest_duplicates: bool = True,
) -> Answer:
    """Create a case from ``report`` exactly once per ``key``; the receipt.

    The receipt names the case, its grid, the department the responsibility rules suggest,
    the running stage's deadline, similar open cases nearby (for staff) and — when the
    reporter left contact details or reported publicly — the private tracking link. A
    reporter with contact details is sent the receipt by SMS / e-mail (outbox).
    """
    key = check_key(key)
    photos = photos or []
    report = replace(report, reporter_email=report.reporter_email.strip())
    if report.reporter_email and "@" not in report.reporter_email:
        raise InvalidInput(gettext_noop("not an e-mail address"), field="reporter_email")
    scope = scope or scope_of(actor)
    # Photos are files written during the work: claim the key first, so that a retry
    # never writes them twice. Without photos the key row goes in last (one statement
    # fewer; a retry's work rolls back).
    claim_first = bool(photos)
    if claim_first:
        earlier = replay(scope, key)
        if earlier is not None:
            return earlier
    # Reads that need no lock are done before the transaction (on SQLite it holds the
    # case number counter's row lock until it commits).
    advice = _advice(report, with_duplicates=suggest_duplicates)

    def work() -> Answer:
        with _duplicates_along(advice) as carried:
            if self_handled:
                assert actor is not None
                case = case_services.self_handle_case(report, actor=actor)
            else:
                case = case_services.create_report(report, actor=actor)
        if carried is not None and advice is not None:
            lng, lat = advice["point"]
            advice["duplicates"] = (
                selectors.open_cases_near_from(carried.value, lng, lat)
                if carried.sent
                else _duplicates(advice["matter_id"], lng, lat, case.pk)
            )
        body = receipt(case, with_duplicates=suggest_duplicates, advice=advice)
        public = case.channel == Channel.PUBLIC
        has_contact = bool(case.reporter_phone or case.reporter_email)
        if public or has_contact:
            token = new_token()
            writes.insert(TrackingLink(case=case, token=token, created_at=case.created_at))
            body["tracking_url"] = tracking_path(token)
        if photos:
            writes.flush()  # the case's rows, before the photos' rows refer to its event
            event = CaseEvent.objects.get(case=case, seq=1)
            kind = AttachmentKind.INSPECTOR if actor is not None else AttachmentKind.REPORTER
            stored = photo_store.store_photos(case, photos, kind=kind, actor=actor, event=event)
            body["photos"] = [a.pk for a in stored]
        if has_contact:
            queue_messages(
                [
                    Outgoing(
                        dedupe_key=f"case:{case.pk}:receipt",
                        topic="intake.receipt",
                        recipient=f"reporter:{case.number}",
                        payload={"case": case.number, "action": "receipt"},
                    )
                ],
                at=case.created_at,
            )
        return Answer(201, body, case_id=case.pk)

    return idempotent(scope, key, work, claim_first=claim_first, looked=True)


def _advice(report: Report, *, with_duplicates: bool) -> dict[str, Any] | None:
    """The suggested department and the similar open cases, read before the report is
    stored (``None`` when the report will be refused anyway).

    On PostgreSQL the similar cases are not read here but with the query that takes the
    case's id and number (``_duplicates_along``): ``duplicates`` is ``None`` until then.
    Elsewhere they are read now, before the transaction (on SQLite it holds the case
    number counter's row lock until it commits)."""
    lng, lat = report.lng, report.lat
    if report.crs == "gcj02":
        lng, lat = gcj02_to_wgs84(lng, lat)
    place = locate(lng, lat) if math.isfinite(lng) and math.isfinite(lat) else None
    if place is None:
        return None
    matter = active_type(report.matter_code)
    if matter is None:
        return None
    suggestion = suggest_department(
        matter, grid_code=place.grid_code, component_ident=report.component_ident.strip() or None
    )
    along = with_duplicates and numbering.uses_sequences()
    return {
        "grid_code": place.grid_code,
        "matter_id": matter.pk,
        "point": (lng, lat),
        "suggested_department": (
            {"id": suggestion.department.pk, "name": suggestion.department.name}
            if suggestion
            else None
        ),
        "duplicates": (
            None if along else _duplicates(matter.pk, lng, lat, None) if with_duplicates else []
        ),
    }


@contextlib.contextmanager
def _duplicates_along(advice: dict[str, Any] | None) -> Iterator[writes.Carried | None]:
    """While the case is created, the read of its similar open cases rides along with
    the query that takes its id and number (one round trip fewer per report); ``None``
    when ``advice`` has them already."""
    if advice is None or advice["duplicates"] is not None:
        yield None
        return
    lng, lat = advice["point"]
    expression, params = selectors.open_cases_near_query(advice["matter_id"], lng, lat)
    with writes.carrying(expression, params) as carried:
        yield carried


def _duplicates(matter_id: int, lng: float, lat: float, exclude: int | None) -> list[Any]:
    return selectors.open_cases_near(matter_id, lng, lat, exclude_pk=exclude)


def receipt(
    case: Case, *, with_duplicates: bool = True, advice: dict[str, Any] | None = None
) -> dict[str, Any]:
    if advice is not None and (advice["grid_code"], advice["matter_id"]) != (
        case.grid_code,
        case.matter_id,
    ):
        advice = None
    if advice is None:
        suggestion = suggest_department(
            case.matter, grid_code=case.grid_code, component_ident=case.component_ident or None
        )
        advice = {
            "suggested_department": (
                {"id": suggestion.department.pk, "name": suggestion.department.name}
                if suggestion
                else None
            ),
            "duplicates": (
                _duplicates(case.matter_id, case.lng, case.lat, case.pk) if with_duplicates else []
            ),
        }
    body: dict[str, Any] = {
        "number": case.number,
        "status": case.status,
        "channel": case.channel,
        "matter_code": case.matter.code,
        "grid": {"code": case.grid_code, "name": case.area_names.get("grid", "")},
        "suggested_department": advice["suggested_department"],
        "stage": case.stage,
        "stage_due_at": case.stage_due_at.isoformat() if case.stage_due_at else None,
        "duplicates": advice["duplicates"],
        "tracking_url": None,
        "photos": [],
    }
    return body


ANSWERABLE: dict[str, str] = {
    Action.VERIFY: AttachmentKind.INSPECTOR,
    Action.CHECK: AttachmentKind.INSPECTOR,
}


def answer_task(
    case_number: str,
    action: str,
    *,
    actor: User,
    key: str | None,
    result: bool,
    note: str = "",
    photos: list[Photo] | None = None,
) -> Answer:
    """An inspector's answer to a verify (核实) or check (核查) task, with photos, once per
    key."""
    key = check_key(key)
    if action not in ANSWERABLE:
        raise InvalidInput(gettext_noop("action must be verify or check"), field="action")
    photos = photos or []

    def work() -> Answer:
        from urbangrid.cases.access import access_case

        case = access_case(actor, case_number)
        stored = photo_store.store_photos(
            case, photos, kind=ANSWERABLE[action], actor=actor, event=None
        )
        data: dict[str, Any] = {"result": result, "note": note}
        if stored or action == Action.CHECK:
            data["photos"] = [a.pk for a in stored]
        after = case_services.apply_action(case_number, action, actor=actor, data=data)
        body = {"number": after.number, "status": after.status, "photos": data.get("photos", [])}
        return Answer(200, body, case_id=after.pk)

    return idempotent(scope_of(actor), key, work)


def case_for_token(token: str) -> Case | None:
    link = TrackingLink.objects.select_related("case", "case__matter").filter(token=token).first()
    return link.case if link is not None else None
