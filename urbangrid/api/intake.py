"""Intake endpoints: idempotent reports (inspector app, desk), task answers with photos,
duplicates, assets nearby, in-app notifications, and the public map's data.

Every submission may carry an idempotency key (header ``Idempotency-Key`` or the body's
``idempotency_key``): a retry with the same key answers the first answer again (with the
header ``Idempotent-Replayed: true``) and never creates a second case.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any, Literal

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja import Form, Query, Router, Schema
from pydantic import ValidationError

from urbangrid.api.auth import api_auth, current_user
from urbangrid.api.cases import ReportIn
from urbangrid.api.errors import ERRORS, ApiError, ErrorOut, NotFound
from urbangrid.api.params import Lat, Lng, OptionalLat, OptionalLng, RadiusM
from urbangrid.cases.access import access_case
from urbangrid.cases.services import Report, find_matter
from urbangrid.intake import photos as photo_store
from urbangrid.intake import selectors
from urbangrid.intake.models import IdempotencyKey, StaffNotification
from urbangrid.intake.services import Answer, answer_task, submit_report

router = Router(tags=["intake"])


class IntakeReportIn(ReportIn):
    """A report from the inspector app or the hotline desk: the cases API's report, from
    fewer channels, with the key that makes a retry return the first answer."""

    channel: Literal["inspector", "hotline", "other"] = "inspector"
    idempotency_key: str | None = None


class Ref(Schema):
    code: str
    name: str


class DepartmentRef(Schema):
    id: int
    name: str


class DuplicateOut(Schema):
    number: str
    status: str
    distance_m: int


class ReceiptOut(Schema):
    number: str
    status: str
    channel: str
    matter_code: str
    grid: Ref
    suggested_department: DepartmentRef | None
    stage: str
    stage_due_at: str | None
    duplicates: list[DuplicateOut]
    tracking_url: str | None
    photos: list[int]


class TaskAnswerIn(Schema):
    action: Literal["verify", "check"]
    result: bool
    note: str = ""
    idempotency_key: str | None = None


def respond(answer: Answer) -> JsonResponse:
    response = JsonResponse(answer.body, status=answer.status)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _key(request: HttpRequest, body_key: str | None) -> str | None:
    return request.headers.get("Idempotency-Key") or body_key


def _report(body: IntakeReportIn) -> Report:
    values = body.dict(exclude={"self_handled", "idempotency_key"})
    return Report(**values)


@router.post(
    "/reports",
    auth=api_auth,
    response={201: ReceiptOut, 200: ReceiptOut, **ERRORS},
    summary="Report a problem (idempotent)",
    description="Validates, locates the grid, suggests the department and the deadline, "
    "appends the report event and stores the idempotency key — in one transaction. "
    "`self_handled: true` records an inspector's self-handled minor issue (自行处置).",
)
def create_report(request: HttpRequest, body: IntakeReportIn) -> JsonResponse:
    user = current_user(request)
    answer = submit_report(
        _report(body),
        actor=user,
        key=_key(request, body.idempotency_key),
        self_handled=body.self_handled,
    )
    return respond(answer)


@router.post(
    "/reports/with-photos",
    auth=api_auth,
    response={201: ReceiptOut, 200: ReceiptOut, **ERRORS},
    summary="Report a problem with photos (multipart, idempotent)",
    description="Form field `payload` holds the same JSON as `POST /reports`; files "
    "`photos` (JPEG, PNG or HEIC, checked by content; repeat the field for several).",
)
def create_report_with_photos(
    request: HttpRequest,
    payload: Form[str],
) -> JsonResponse:
    user = current_user(request)
    body = _parse(IntakeReportIn, payload)
    key = _key(request, body.idempotency_key)
    from urbangrid.intake.services import replay, scope_of

    earlier = replay(scope_of(user), key) if key else None
    if earlier is not None:
        return respond(earlier)
    checked = photo_store.read_uploads(request.FILES.getlist("photos"))
    answer = submit_report(
        _report(body), actor=user, key=key, photos=checked, self_handled=body.self_handled
    )
    return respond(answer)


def _parse[T: Schema](schema: type[T], raw: str) -> T:
    try:
        return schema.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise ApiError(
            "invalid",
            gettext_noop("payload is not valid: %(error)s"),
            field="payload",
            params={"error": exc},
        ) from exc


class TaskOut(Schema):
    number: str
    status: str
    task: str
    matter: str
    address: str
    description: str
    lng: float
    lat: float
    distance_m: int
    stage_due_at: str | None


@router.get("/tasks", auth=api_auth, response={200: list[TaskOut], **ERRORS}, summary="My tasks")
def my_tasks(
    request: HttpRequest, lng: OptionalLng = None, lat: OptionalLat = None
) -> list[dict[str, Any]]:
    """Verify (核实) and check (核查) tasks in my grids, nearest first."""
    user = current_user(request)
    return [
        {
            "number": n.case.number,
            "status": n.case.status,
            "task": "verify" if n.case.status == "verifying" else "check",
            "matter": n.case.matter.name,
            "address": n.case.address,
            "description": n.case.description,
            "lng": n.case.lng,
            "lat": n.case.lat,
            "distance_m": round(n.distance_m),
            "stage_due_at": n.case.stage_due_at.isoformat() if n.case.stage_due_at else None,
        }
        for n in selectors.inspector_tasks(user, lng, lat)
    ]


@router.post(
    "/tasks/{number}/answer",
    auth=api_auth,
    response={200: dict[str, Any], **ERRORS},
    summary="Answer a verify or check task with photos (multipart, idempotent)",
)
def answer(
    request: HttpRequest,
    number: str,
    payload: Form[str],
) -> JsonResponse:
    user = current_user(request)
    body = _parse(TaskAnswerIn, payload)
    checked = photo_store.read_uploads(request.FILES.getlist("photos"))
    result = answer_task(
        number,
        body.action,
        actor=user,
        key=_key(request, body.idempotency_key),
        result=body.result,
        note=body.note,
        photos=checked,
    )
    return respond(result)


class AssetOut(Schema):
    ident: str
    name: str
    type_code: str
    type_name: str
    lng: float
    lat: float
    distance_m: float


@router.get(
    "/assets/nearby",
    auth=api_auth,
    response={200: list[AssetOut], **ERRORS},
    summary="Assets near",
    description="Components within `radius_m` (default 30 m; at most 200 m are searched).",
)
def assets_nearby(
    request: HttpRequest,
    lng: Lng,
    lat: Lat,
    radius_m: RadiusM = None,
    type_code: str | None = None,
) -> list[dict[str, Any]]:
    """Components (部件) of the inventory within ``radius_m`` (default 30 m, at most 200)."""
    radius = min(max(30 if radius_m is None else radius_m, 1), 200)
    return [
        {
            "ident": c.ident,
            "name": c.name,
            "type_code": c.component_type.code,
            "type_name": c.component_type.name,
            "lng": c.lng,
            "lat": c.lat,
            "distance_m": round(d, 1),
        }
        for c, d in selectors.assets_near(lng, lat, radius_m=radius, type_code=type_code)
    ]


class SimilarOut(Schema):
    number: str
    status: str
    address: str
    distance_m: int
    support_count: int


def _similar(items: list[selectors.Nearby]) -> list[dict[str, Any]]:
    return [
        {
            "number": n.case.number,
            "status": n.case.status,
            "address": n.case.address,
            "distance_m": round(n.distance_m),
            "support_count": n.case.support_count,
        }
        for n in items
    ]


@router.get(
    "/duplicates",
    auth=api_auth,
    response={200: list[SimilarOut], **ERRORS},
    summary="Open cases of a matter near a point",
)
def similar(
    request: HttpRequest,
    matter_code: str,
    lng: Lng,
    lat: Lat,
    radius_m: RadiusM = None,
) -> list[dict[str, Any]]:
    user = current_user(request)
    matter = find_matter(matter_code)
    from urbangrid.cases.selectors import cases_visible_to

    found = selectors.similar_open_cases(
        matter.pk, lng, lat, radius_m=radius_m, among=cases_visible_to(user)
    )
    return _similar(found)


@router.get(
    "/cases/{number}/duplicates",
    auth=api_auth,
    response={200: list[SimilarOut], **ERRORS},
    summary="Suggested duplicates of a case",
)
def case_duplicates(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    user = current_user(request)
    case = access_case(user, number)
    return _similar(selectors.duplicates_of(case, user=user))


class PhotoMetaOut(Schema):
    id: int
    format: str
    exif: dict[str, Any]


@router.get(
    "/photos/{attachment_id}/meta",
    auth=api_auth,
    response={200: PhotoMetaOut, **ERRORS},
    summary="A photo's EXIF facts (staff only)",
)
def photo_meta(request: HttpRequest, attachment_id: int) -> dict[str, Any]:
    from urbangrid.cases.models import Attachment

    user = current_user(request)
    attachment = Attachment.objects.filter(pk=attachment_id).select_related("case").first()
    if attachment is None:
        raise NotFound("not_found", gettext_noop("no such photo"))
    access_case(user, attachment.case.number)
    copy = getattr(attachment, "copies", None)
    return {
        "id": attachment.pk,
        "format": copy.original_format if copy else attachment.content_type,
        "exif": copy.exif if copy else {},
    }


class NotificationOut(Schema):
    id: int
    topic: str
    case_number: str
    text: str
    created_at: Any
    read: bool


def _mine(request: HttpRequest) -> QuerySet[StaffNotification]:
    return StaffNotification.objects.filter(user=current_user(request))


@router.get("/notifications", auth=api_auth, response=list[NotificationOut], summary="Mine")
def notifications(request: HttpRequest, unread: bool = False) -> list[dict[str, Any]]:
    rows = _mine(request)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return [
        {
            "id": n.pk,
            "topic": n.topic,
            "case_number": n.case_number,
            "text": n.text,
            "created_at": n.created_at,
            "read": n.read_at is not None,
        }
        for n in rows[:100]
    ]


@router.post("/notifications/read", auth=api_auth, response={200: dict[str, int]})
def mark_read(request: HttpRequest) -> dict[str, int]:
    """Mark all my notifications read."""
    count = _mine(request).filter(read_at__isnull=True).update(read_at=timezone.now())
    return {"marked": count}


class PublicFilters(Schema):
    state: Literal["open", "closed", "all"] = "all"
    matter_code: str | None = None


@router.get("/public/cases", response=dict[str, Any], summary="Recent cases for the public map")
def public_cases(request: HttpRequest, filters: Query[PublicFilters]) -> dict[str, Any]:
    """GeoJSON of the last 30 days: place, matter, state and day; nothing personal."""
    rows = selectors.public_map_cases(
        state=None if filters.state == "all" else filters.state, matter_code=filters.matter_code
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r["lng"], r["lat"]]},
                "properties": {k: r[k] for k in ("state", "day", "matter_code", "matter")},
            }
            for r in rows
        ],
    }


@router.post("/bench/insert", auth=api_auth, response={201: dict[str, Any], 404: ErrorOut})
def bench_insert(request: HttpRequest) -> JsonResponse:
    """A trivial insert, for ``bench/bench_intake.py`` only (``URBANGRID_BENCH_ENDPOINTS``)."""
    if not bench_endpoints_enabled():
        raise NotFound("not_found", "not found")
    user = current_user(request)
    row = IdempotencyKey.objects.create(
        scope=f"bench:{user.pk}", key=uuid.uuid4().hex, created_at=timezone.now()
    )
    return JsonResponse({"id": row.pk}, status=201)


def bench_endpoints_enabled() -> bool:
    configured = getattr(settings, "URBANGRID_BENCH_ENDPOINTS", None)
    if configured is None:
        configured = os.environ.get("URBANGRID_BENCH_ENDPOINTS", "") == "1"
    return bool(configured)


class PublicPlaceOut(Schema):
    name: str
    address: str
    lng: float
    lat: float


@router.get("/public/places", response=list[PublicPlaceOut], summary="Address search (public)")
def public_places(request: HttpRequest, q: str = "") -> list[dict[str, Any]]:
    """Search the gazetteer by name or address (at most 20 places)."""
    from urbangrid.hotline.services import search_places

    return [
        {"name": p.name, "address": p.address, "lng": p.lng, "lat": p.lat}
        for p in search_places(q[:100])
    ]
