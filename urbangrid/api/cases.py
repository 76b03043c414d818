"""Cases: report, read (with timeline, deadlines and lights), list, act, add photos.

Handlers parse input, go through ``access_case`` / ``cases_visible_to``, call one service
or selector and render. Reporter personal data is masked for roles without
``VIEW_PERSONAL_DATA``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, create_model

from urbangrid.api.auth import api_auth, current_user
from urbangrid.api.errors import ERRORS
from urbangrid.api.params import BodyLat, BodyLng
from urbangrid.cases import selectors, services
from urbangrid.cases.access import access_case, allowed_actions
from urbangrid.cases.models import Attachment, AttachmentKind, Case, CaseEvent
from urbangrid.cases.workflow import (
    ACTIONS,
    TRANSITIONS,
    Action,
    Kind,
    action_inputs,
    find_transition,
)
from urbangrid.organisations.models import User
from urbangrid.organisations.permissions import Permission, has_permission
from urbangrid.organisations.services import suggest_department

router = Router(tags=["cases"], auth=api_auth)


# --- Schemas --------------------------------------------------------------------------


class ReportIn(Schema):
    channel: Literal["inspector", "hotline", "public", "open311", "other"]
    matter_code: str
    lng: BodyLng
    lat: BodyLat
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    address: str = ""
    description: str = ""
    component_ident: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    note: str = ""
    self_handled: bool = False


_INPUT_TYPES: dict[Kind, Any] = {
    Kind.TEXT: str,
    Kind.BOOL: bool,
    Kind.INT: int,
    Kind.DATETIME: dt.datetime,
    Kind.IDS: list[int],
}


def _action_schema() -> type[Schema]:
    """The body of every action, built from the inputs of the workflow table, so a new
    row's inputs reach the API without a second list to keep in step."""
    fields: dict[str, Any] = {
        "expected_version": (
            int | None,
            Field(None, description="the case version you saw; 409 if it changed since"),
        )
    }
    for row in TRANSITIONS:
        for spec in row.inputs:
            description = spec.help or None
            if spec.choices:
                description = f"{spec.help} (one of: {', '.join(spec.choices)})".strip()
            fields.setdefault(
                spec.name, (_INPUT_TYPES[spec.kind] | None, Field(None, description=description))
            )
    model = create_model("ActionIn", __base__=Schema, **fields)
    model.__doc__ = (
        "Every field any action takes; which ones an action needs is in the operation's "
        "description (and docs/workflow.md)."
    )
    return model


ActionIn = _action_schema()


class Ref(Schema):
    id: int
    name: str


class MatterOut(Schema):
    code: str
    name: str
    standard: str


class ReporterOut(Schema):
    name: str
    phone: str
    email: str
    masked: bool


class StageOut(Schema):
    stage: str
    started_at: dt.datetime | None
    due_at: dt.datetime | None
    ended_at: dt.datetime | None
    paused: bool
    light: str
    limit: dict[str, Any] | None
    extended_to: dt.datetime | None


class PhotoOut(Schema):
    id: int
    kind: str
    content_type: str
    width: int
    height: int
    url: str


class EventOut(Schema):
    seq: int
    action: str
    from_status: str
    to_status: str
    actor: Ref | None
    actor_role: str
    at: dt.datetime
    note: str
    is_public: bool
    data: dict[str, Any]
    photos: list[PhotoOut]


class SuggestionOut(Schema):
    department: Ref
    basis: str
    reason: str


class CaseSummaryOut(Schema):
    number: str
    status: str
    channel: str
    matter: MatterOut
    grid_code: str
    address: str
    department: Ref | None
    stage: str
    stage_due_at: dt.datetime | None
    expected_at: dt.datetime | None
    light: str
    created_at: dt.datetime
    version: int


class CaseOut(CaseSummaryOut):
    status_label: str
    component_ident: str
    grade: str
    filing_condition: str
    description: str
    lng: float
    lat: float
    community_code: str
    street_code: str
    district_code: str
    area_names: dict[str, str]
    reporter: ReporterOut
    public_reply: str
    limits: dict[str, Any]
    stages: list[StageOut]
    pending_request: str
    pending: dict[str, Any]
    check_passed: bool | None
    counters: dict[str, int]
    closing_type: str
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    allowed_actions: list[str]
    suggestion: SuggestionOut | None
    timeline: list[EventOut]


class CasePageOut(Schema):
    items: list[CaseSummaryOut]
    next_cursor: str | None


class CaseListQuery(Schema):
    status: list[str] | None = None
    department: int | None = None
    area: str | None = None
    matter: str | None = None
    light: Literal["green", "yellow", "red"] | None = None
    due_before: dt.datetime | None = None
    q: str | None = Field(
        None,
        description="Text in the number, description or address; a case number or its "
        "start (`110101-20260302-…`) searches numbers by prefix only.",
    )
    cursor: str | None = None
    limit: int = 50


# --- Rendering ------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """张三 → 张*; 欧阳娜娜 → 欧***."""
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else ("*" if name else "")


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; short numbers keep their last two digits."""
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:] if phone else ""


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if email else ""


def _ref(obj: Any) -> dict[str, Any] | None:
    if obj is None:
        return None
    name = getattr(obj, "name", None) or obj.get_full_name() or obj.username
    return {"id": obj.pk, "name": name}


def _summary(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "status": case.status,
        "channel": case.channel,
        "matter": {
            "code": case.matter.code,
            "name": case.matter.name,
            "standard": case.matter.standard,
        },
        "grid_code": case.grid_code,
        "address": case.address,
        "department": _ref(case.department),
        "stage": case.stage,
        "stage_due_at": case.stage_due_at,
        "expected_at": case.expected_at,
        "light": case.light,
        "created_at": case.created_at,
        "version": case.version,
    }


def _photo(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "kind": attachment.kind,
        "content_type": attachment.content_type,
        "width": attachment.width,
        "height": attachment.height,
        "url": attachment.file.url,
    }


def _event(event: CaseEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": _ref(event.actor),
        "actor_role": event.actor_role,
        "at": event.at,
        "note": event.note,
        "is_public": event.is_public,
        "data": event.data,
        "photos": [_photo(a) for a in event.attachments.all()],
    }


def _stages(case: Case) -> list[dict[str, Any]]:
    stages = []
    for stage, clock in sorted(case.clocks.items(), key=lambda item: item[1]["started_at"]):
        paused = bool(clock["pauses"]) and clock["pauses"][-1][1] is None
        stages.append(
            {
                "stage": stage,
                "started_at": clock["started_at"],
                "due_at": clock["due_at"],
                "ended_at": clock["ended_at"],
                "paused": paused,
                "light": clock["light"],
                "limit": clock["limit"],
                "extended_to": clock["extended_to"],
            }
        )
    return stages


def _suggestion(user: User, case: Case) -> dict[str, Any] | None:
    row = find_transition(case, Action.DISPATCH, None)
    if row is None or not has_permission(user, row.permission):
        return None
    found = suggest_department(
        case.matter, grid_code=case.grid_code, component_ident=case.component_ident or None
    )
    if found is None:
        return None
    return {"department": _ref(found.department), "basis": found.basis, "reason": found.reason}


def render_case(user: User, case: Case) -> dict[str, Any]:
    private = not has_permission(user, Permission.VIEW_PERSONAL_DATA)
    reporter = {
        "name": mask_name(case.reporter_name) if private else case.reporter_name,
        "phone": mask_phone(case.reporter_phone) if private else case.reporter_phone,
        "email": mask_email(case.reporter_email) if private else case.reporter_email,
        "masked": private,
    }
    return {
        **_summary(case),
        "status_label": str(case.get_status_display()),
        "component_ident": case.component_ident,
        "grade": case.grade,
        "filing_condition": case.filing_condition,
        "description": case.description,
        "lng": case.lng,
        "lat": case.lat,
        "community_code": case.community_code,
        "street_code": case.street_code,
        "district_code": case.district_code,
        "area_names": case.area_names,
        "reporter": reporter,
        "public_reply": case.public_reply,
        "limits": case.limits,
        "stages": _stages(case),
        "pending_request": case.pending_request,
        "pending": case.pending,
        "check_passed": case.check_passed,
        "counters": case.counters,
        "closing_type": case.closing_type,
        "updated_at": case.updated_at,
        "closed_at": case.closed_at,
        "allowed_actions": allowed_actions(user, case),
        "suggestion": _suggestion(user, case),
        "timeline": [_event(e) for e in selectors.timeline(case)],
    }


def _action_help() -> str:
    lines = [
        "Take an action on a case. The body carries the action's fields; "
        "`expected_version` (optional) makes the call fail with 409 if the case changed. "
        "Answers the case as it is now, with `allowed_actions` for the caller.",
        "",
        "| action | fields (`?` optional) |",
        "|---|---|",
    ]
    for action in ACTIONS:
        fields = ", ".join(
            f"`{spec.name}`{'' if spec.required else '?'}" for spec in action_inputs(action)
        )
        lines.append(f"| `{action}` | {fields} |")
    return "\n".join(lines)


# --- Endpoints ------------------------------------------------------------------------


@router.post("", response={201: CaseOut, **ERRORS}, summary="Report a problem (上报)")
def create_case(request: HttpRequest, body: ReportIn) -> Status[dict[str, Any]]:
    """Create a case from a report. The point is located in the unit grids (WGS84, or
    ``crs=gcj02`` for Chinese web maps); ``self_handled=true`` records an inspector's
    self-handled minor issue (自行处置) for review."""
    user = current_user(request)
    report = services.Report(**body.dict(exclude={"self_handled"}))
    if body.self_handled:
        case = services.self_handle_case(report, actor=user)
    else:
        case = services.create_report(report, actor=user)
    return Status(201, render_case(user, access_case(user, case.number)))


@router.get("", response={200: CasePageOut, **ERRORS}, summary="List cases")
def list_cases(request: HttpRequest, filters: Query[CaseListQuery]) -> dict[str, Any]:
    """The cases you may see, newest first, filtered; follow ``next_cursor`` for more."""
    user = current_user(request)
    page = selectors.case_page(
        user,
        selectors.CaseFilters(
            status=filters.status,
            department_id=filters.department,
            area_code=filters.area,
            matter_code=filters.matter,
            light=filters.light,
            due_before=filters.due_before,
            text=filters.q,
        ),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [_summary(c) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/{number}", response={200: CaseOut, **ERRORS}, summary="Get a case")
def get_case(request: HttpRequest, number: str) -> dict[str, Any]:
    """The case with its timeline, per-stage deadlines and lights, and your actions."""
    user = current_user(request)
    return render_case(user, access_case(user, number))


@router.post(
    "/{number}/actions/{action}",
    response={200: CaseOut, **ERRORS},
    summary="Take an action on a case",
    description=_action_help(),
)
def take_action(
    request: HttpRequest,
    number: str,
    action: str,
    body: ActionIn,  # type: ignore[valid-type]  # built from the workflow table
) -> dict[str, Any]:
    user = current_user(request)
    data = body.model_dump(exclude_none=True)  # type: ignore[attr-defined]
    version = data.pop("expected_version", None)
    case = services.apply_action(number, action, actor=user, data=data, expected_version=version)
    return render_case(user, access_case(user, case.number))


@router.post(
    "/{number}/attachments",
    response={201: PhotoOut, **ERRORS},
    summary="Upload a photo of a case",
)
def upload_photo(
    request: HttpRequest,
    number: str,
    file: File[UploadedFile],
    kind: Form[str] = AttachmentKind.DEPARTMENT,
) -> Status[dict[str, Any]]:
    """Upload a JPEG, PNG or WebP photo; cite its ``id`` in an action's ``photos``."""
    user = current_user(request)
    attachment = services.add_attachment(number, actor=user, upload=file, kind=kind)
    return Status(201, _photo(attachment))
