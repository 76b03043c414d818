"""Hotline endpoints (12345/12319): calls, address search, knowledge base, similar open
cases, callbacks. Caller name and number are masked for roles without
``VIEW_PERSONAL_DATA``."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_noop
from ninja import Router, Schema

from urbangrid.api.auth import api_auth, current_user
from urbangrid.api.errors import ERRORS, NotFound
from urbangrid.api.intake import respond
from urbangrid.api.params import BodyLat, BodyLng, Lat, Lng, RadiusM
from urbangrid.cases.services import find_matter
from urbangrid.cases.workflow import SATISFACTION_CHOICES
from urbangrid.hotline import services
from urbangrid.hotline.models import Call
from urbangrid.intake.selectors import similar_open_cases
from urbangrid.organisations.models import User
from urbangrid.organisations.permissions import Permission, has_permission

router = Router(tags=["hotline"], auth=api_auth)


Satisfaction = Literal["very_satisfied", "satisfied", "basically_satisfied", "unsatisfied"]
assert set(SATISFACTION_CHOICES) == set(Satisfaction.__args__)  # type: ignore[attr-defined]


class CallIn(Schema):
    request_kind: Literal["consultation", "help", "complaint", "report", "suggestion"]
    text: str
    outcome: Literal["new_case", "support", "answered", "transferred"]
    caller_name: str = ""
    caller_phone: str = ""
    matter_code: str = ""
    lng: BodyLng | None = None
    lat: BodyLat | None = None
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    address: str = ""
    attach_to: str = ""
    knowledge_id: int | None = None
    answer: str = ""
    transferred_to: str = ""
    idempotency_key: str | None = None


@router.post(
    "/calls",
    response={201: dict[str, Any], 200: dict[str, Any], **ERRORS},
    summary="Take a call (idempotent)",
    description="`outcome`: `new_case` (a work order; needs matter and place), `support` "
    "(a repeat of an open case with no new facts: attached to `attach_to`, counted as "
    "support, the answer carries the case's progress), `answered` (a consultation closed "
    "on the spot, from `knowledge_id` or `answer`), `transferred` (an emergency, "
    "`transferred_to` 110/119/120/122).",
)
def take_call(request: HttpRequest, body: CallIn) -> JsonResponse:
    agent = current_user(request)
    data = services.CallInput(**body.dict(exclude={"idempotency_key"}))
    key = request.headers.get("Idempotency-Key") or body.idempotency_key
    return respond(services.take_call(data, agent=agent, key=key))


class CallOut(Schema):
    id: int
    caller_name: str
    caller_phone: str
    masked: bool
    request_kind: str
    text: str
    address: str
    outcome: str
    case_number: str | None
    answer: str
    transferred_to: str
    created_at: Any
    closed_at: Any


def call_out(call: Call, user: User) -> dict[str, Any]:
    personal = has_permission(user, Permission.VIEW_PERSONAL_DATA)
    return {
        "id": call.pk,
        "caller_name": call.caller_name if personal else services.mask_name(call.caller_name),
        "caller_phone": call.caller_phone if personal else services.mask_phone(call.caller_phone),
        "masked": not personal,
        "request_kind": call.request_kind,
        "text": call.text,
        "address": call.address,
        "outcome": call.outcome,
        "case_number": call.case.number if call.case else None,
        "answer": call.answer,
        "transferred_to": call.transferred_to,
        "created_at": call.created_at,
        "closed_at": call.closed_at,
    }


def _calls_for(user: User) -> Any:
    calls = Call.objects.select_related("case")
    if has_permission(user, Permission.VIEW_ALL_CASES):
        return calls
    return calls.filter(agent=user)


@router.get("/calls", response={200: list[CallOut], **ERRORS}, summary="Recent calls")
def list_calls(request: HttpRequest, limit: int = 50) -> list[dict[str, Any]]:
    user = current_user(request)
    return [call_out(c, user) for c in _calls_for(user)[: min(max(limit, 1), 200)]]


@router.get("/calls/{call_id}", response={200: CallOut, **ERRORS}, summary="One call")
def get_call(request: HttpRequest, call_id: int) -> dict[str, Any]:
    user = current_user(request)
    call = _calls_for(user).filter(pk=call_id).first()
    if call is None:
        raise NotFound("not_found", gettext_noop("call %(id)s not found"), params={"id": call_id})
    return call_out(call, user)


class PlaceOut(Schema):
    id: int
    name: str
    address: str
    kind: str
    lng: float
    lat: float


@router.get("/places", response=list[PlaceOut], summary="Address search (gazetteer)")
def places(request: HttpRequest, q: str = "") -> list[dict[str, Any]]:
    return [
        {
            "id": p.pk,
            "name": p.name,
            "address": p.address,
            "kind": p.kind,
            "lng": p.lng,
            "lat": p.lat,
        }
        for p in services.search_places(q)
    ]


class KnowledgeOut(Schema):
    id: int
    title: str
    answer: str
    keywords: str


@router.get("/knowledge", response=list[KnowledgeOut], summary="Knowledge base search")
def knowledge(request: HttpRequest, q: str = "") -> list[dict[str, Any]]:
    return [
        {"id": e.pk, "title": e.title, "answer": e.answer, "keywords": e.keywords}
        for e in services.search_knowledge(q)
    ]


@router.get("/similar", response={200: list[dict[str, Any]], **ERRORS}, summary="Similar cases")
def similar(
    request: HttpRequest, matter_code: str, lng: Lng, lat: Lat, radius_m: RadiusM = None
) -> list[dict[str, Any]]:
    """Open cases of the same matter within the radius (default 50 m), nearest first, with
    their progress: attach the call instead of opening a new order."""
    from urbangrid.cases.selectors import cases_visible_to

    user = current_user(request)
    matter = find_matter(matter_code)
    found = similar_open_cases(matter.pk, lng, lat, radius_m=radius_m, among=cases_visible_to(user))
    return [
        {
            "number": n.case.number,
            "address": n.case.address,
            "distance_m": round(n.distance_m),
            "progress": services.progress(n.case),
        }
        for n in found
    ]


class CallbackDueOut(Schema):
    number: str
    status: str
    status_label: str
    matter: str
    address: str
    reporter_name: str
    reporter_phone: str
    closed_at: Any
    attempts: int
    max_attempts: int
    last_attempt_at: Any
    next_attempt_at: Any


@router.get(
    "/callbacks",
    response={200: list[CallbackDueOut], **ERRORS},
    summary="To call back",
    description="Ended cases with a requester to call back and no callback result yet, "
    "the ones not tried yet first. `attempts`: calls that did not reach the requester so "
    "far (the callback ends as unreachable at `max_attempts`); `next_attempt_at`: the "
    "earliest time another such call may be recorded (`URBANGRID_CALLBACK_GAP_MINUTES` "
    "after the last one; `null`: now).",
)
def callbacks(request: HttpRequest) -> list[dict[str, Any]]:
    user = current_user(request)
    personal = has_permission(user, Permission.VIEW_PERSONAL_DATA)
    limit = services.callback_attempts()
    return [
        {
            "number": c.number,
            "status": c.status,
            "status_label": services.status_label(c.status),
            "matter": c.matter.name,
            "address": c.address,
            "reporter_name": c.reporter_name if personal else services.mask_name(c.reporter_name),
            "reporter_phone": (
                c.reporter_phone if personal else services.mask_phone(c.reporter_phone)
            ),
            "closed_at": c.closed_at,
            "attempts": getattr(c, "attempts", 0),
            "max_attempts": limit,
            "last_attempt_at": getattr(c, "last_attempt_at", None),
            "next_attempt_at": services.next_attempt_at(getattr(c, "last_attempt_at", None)),
        }
        for c in services.callbacks_due(user)[:200]
    ]


class CallbackIn(Schema):
    reached: bool
    solved: bool | None = None
    satisfaction: Satisfaction | None = None
    note: str = ""
    idempotency_key: str | None = None


@router.post(
    "/callbacks/{number}",
    response={200: dict[str, Any], **ERRORS},
    summary="Record a callback (回访)",
    description="One callback call. `reached: true` needs `satisfaction` (400 otherwise) "
    "and gives the callback's result. `reached: false` is an attempt: the case stays due "
    "for a retry (`done: false`) until the last allowed attempt "
    "(`URBANGRID_CALLBACK_ATTEMPTS`, default 3), which ends the callback as unreachable. "
    "An attempt less than `URBANGRID_CALLBACK_GAP_MINUTES` (default 120; 0: none) after "
    "the previous one is refused: 409 `callback_too_soon` (`next_attempt_at` says when; "
    "a call that reaches the requester is recorded at any time). "
    "The result appends a `callback` event with `reached`, `solved`, `satisfaction`, and "
    "reopens the case when the reopening policy (`URBANGRID_CALLBACK_REOPEN`) says so. "
    "409 once the case has its callback result.",
)
def record_callback(request: HttpRequest, number: str, body: CallbackIn) -> JsonResponse:
    agent = current_user(request)
    answer = services.record_callback(
        number,
        agent=agent,
        reached=body.reached,
        solved=body.solved,
        satisfaction=body.satisfaction,
        note=body.note,
        key=request.headers.get("Idempotency-Key") or body.idempotency_key,
    )
    return respond(answer)
