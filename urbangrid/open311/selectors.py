"""Reads for the Open311 GET resources: requests with every filter, one request, the
public timeline and the update feed. Nothing here returns personal data: no reporter
name, phone or e-mail, no staff user (the documents are built field by field)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery

from urbangrid.cases.models import Attachment, AttachmentKind, Case, CaseEvent
from urbangrid.cases.workflow import END_STATUSES, LIGHT_CHANGED, rows_for
from urbangrid.common import clock
from urbangrid.open311 import geo
from urbangrid.open311.exceptions import bad_request
from urbangrid.open311.render import w3c
from urbangrid.open311.statuses import core_status, extended_status

MAX_WINDOW = dt.timedelta(days=90)
DEFAULT_LIMIT = 1000
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_RADIUS_M = 50_000
PUBLIC_PHOTO_KINDS = (AttachmentKind.REPORTER, AttachmentKind.BEFORE, AttachmentKind.AFTER)

MediaUrl = Callable[[int], str]


def parse_w3c(value: str, field: str) -> dt.datetime:
    """A W3C datetime (``2026-01-01T00:00:00Z``, ``…+08:00``); a date or a value without
    offset is read as China Standard Time. 400 otherwise."""
    text = value.strip()
    try:
        moment = dt.datetime.fromisoformat(text.replace(" ", "+") if "T" in text else text)
    except ValueError as exc:
        raise bad_request(f"{field} must be a W3C datetime such as 2026-01-01T00:00:00Z") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.SHANGHAI)
    return moment


def window(
    start: dt.datetime | None, end: dt.datetime | None, *, default: dt.timedelta = MAX_WINDOW
) -> tuple[dt.datetime, dt.datetime]:
    """The date window of a query: at most 90 days; ``default`` back from now (or from the
    end) when a bound is missing."""
    if start is not None and end is not None:
        if end < start:
            raise bad_request("end_date is before start_date")
        if end - start > MAX_WINDOW:
            raise bad_request("start_date and end_date may not span more than 90 days")
        return start, end
    if start is not None:
        return start, min(start + default, max(clock.now(), start))
    end = end or clock.now()
    return end - default, end


def _list(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def _float(raw: str, field: str) -> float:
    try:
        value = float(raw)
    except ValueError as exc:
        raise bad_request(f"{field} must be a number") from exc
    if value != value or value in (float("inf"), float("-inf")):
        raise bad_request(f"{field} must be a number")
    return value


def _int(raw: str, field: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad_request(f"{field} must be an integer") from exc
    if not low <= value <= high:
        raise bad_request(f"{field} must be between {low} and {high}")
    return value


@dataclass(frozen=True)
class RequestQuery:
    """A parsed ``GET requests`` query (empty parameters count as absent)."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    bbox: tuple[float, float, float, float] | None = None
    near: tuple[float, float, float] | None = None  # lat, lng, radius (m)
    page: int = 1
    page_size: int | None = None
    extensions: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> RequestQuery:

        def get(name: str) -> str:
            return (params.get(name) or "").strip()

        statuses = tuple(s.lower() for s in _list(get("status")))
        if any(s not in ("open", "closed") for s in statuses):
            raise bad_request("status must be open, closed or both (comma separated)")
        bbox = None
        if get("bbox"):
            parts = _list(get("bbox"))
            if len(parts) != 4:
                raise bad_request("bbox must be min_long,min_lat,max_long,max_lat")
            a, b, c, d = (_float(p, "bbox") for p in parts)
            if a > c or b > d:
                raise bad_request("bbox must be min_long,min_lat,max_long,max_lat")
            bbox = (a, b, c, d)
        near = None
        if get("radius") or (get("lat") and get("long")):
            if not (get("lat") and get("long") and get("radius")):
                raise bad_request("a radius search needs lat, long and radius (metres)")
            radius = _float(get("radius"), "radius")
            if not 0 < radius <= MAX_RADIUS_M:
                raise bad_request(f"radius must be between 0 and {MAX_RADIUS_M} metres")
            near = (_float(get("lat"), "lat"), _float(get("long"), "long"), radius)
        paged = bool(get("page") or get("page_size"))
        return cls(
            ids=tuple(_list(get("service_request_id"))),
            service_codes=tuple(_list(get("service_code"))),
            statuses=statuses,
            start=parse_w3c(get("start_date"), "start_date") if get("start_date") else None,
            end=parse_w3c(get("end_date"), "end_date") if get("end_date") else None,
            bbox=bbox,
            near=near,
            page=_int(get("page"), "page", 1, 1_000_000) if get("page") else 1,
            page_size=(
                _int(get("page_size"), "page_size", 1, MAX_PAGE_SIZE)
                if get("page_size")
                else (DEFAULT_PAGE_SIZE if paged else None)
            ),
            extensions=get("extensions").lower() in ("true", "1", "yes"),
        )


def _public_events() -> QuerySet[CaseEvent]:
    """Events of the public timeline: public ones and every status change."""
    return (
        CaseEvent.objects.filter(Q(is_public=True) | ~Q(from_status=F("to_status")))
        .exclude(action=LIGHT_CHANGED)
        .order_by("seq")
    )


def _annotated(cases: QuerySet[Case], *, extensions: bool) -> QuerySet[Case]:
    latest_public = (
        CaseEvent.objects.filter(case=OuterRef("pk"), is_public=True)
        .exclude(note="")
        .exclude(action="report")  # the intake note is not a status note
    )
    photo = Attachment.objects.filter(case=OuterRef("pk"), kind__in=PUBLIC_PHOTO_KINDS)
    cases = cases.select_related("matter", "department", "open311_request").annotate(
        status_notes=Subquery(latest_public.order_by("-seq").values("note")[:1]),
        photo_id=Subquery(photo.order_by("pk").values("pk")[:1]),
    )
    if extensions:
        cases = cases.prefetch_related(
            Prefetch("events", queryset=_public_events(), to_attr="public_events")
        )
    return cases


def find_requests(query: RequestQuery) -> list[Case]:
    """The cases a ``GET requests`` query selects, newest first.

    ``service_request_id`` overrides every other filter. Otherwise the window is at most
    90 days (the last 90 by default) and the answer at most 1000 requests, or one page
    of ``page_size`` (default 50, at most 500) when ``page``/``page_size`` is given.
    """
    cases = Case.objects.all()
    if query.ids:
        found = _annotated(cases.filter(number__in=query.ids), extensions=query.extensions)
        by_number = {c.number: c for c in found}
        return [by_number[n] for n in dict.fromkeys(query.ids) if n in by_number]
    start, end = window(query.start, query.end)
    cases = cases.filter(created_at__gte=start, created_at__lte=end)
    if query.service_codes:
        cases = cases.filter(matter__code__in=query.service_codes)
    if query.statuses and set(query.statuses) != {"open", "closed"}:
        ended = Q(status__in=END_STATUSES)
        cases = cases.filter(ended if query.statuses[0] == "closed" else ~ended)
    box = query.bbox
    if query.near is not None:
        lat, lng, radius = query.near
        box = geo.box_around(lat, lng, radius)
    if box is not None:
        min_lng, min_lat, max_lng, max_lat = box
        cases = cases.filter(lng__gte=min_lng, lng__lte=max_lng, lat__gte=min_lat, lat__lte=max_lat)
    cases = _annotated(cases, extensions=query.extensions).order_by("-created_at", "-pk")
    if query.near is not None:
        lat, lng, radius = query.near
        within = [c for c in cases if geo.distance_m(lat, lng, c.lat, c.lng) <= radius]
        if query.page_size is None:
            return within[:DEFAULT_LIMIT]
        first = (query.page - 1) * query.page_size
        return within[first : first + query.page_size]
    if query.page_size is None:
        return list(cases[:DEFAULT_LIMIT])
    first = (query.page - 1) * query.page_size
    return list(cases[first : first + query.page_size])


def find_request(number: str, *, extensions: bool = False) -> Case | None:
    return _annotated(Case.objects.filter(number=number), extensions=extensions).first()


def _label(action: str) -> str:
    rows = rows_for(action)
    return rows[0].label if rows else action


def note_type(event: CaseEvent) -> str:
    if not event.from_status and event.seq == 1:
        return "submitted"
    if event.action == "reopen":
        return "opened"
    if event.to_status in END_STATUSES and event.from_status not in END_STATUSES:
        return "closed"
    return "activity"


def event_description(event: CaseEvent) -> str:
    """What the public may read of an event: its note if public, else the action's name."""
    if event.is_public and event.note:
        return event.note
    return _label(event.action)


def request_data(case: Case, media_url: MediaUrl, *, extensions: bool = False) -> dict[str, Any]:
    """One ``request`` of a GET answer, field by field: no personal data."""
    record = getattr(case, "open311_request", None)
    photo_id: int | None = getattr(case, "photo_id", None)
    media = media_url(photo_id) if photo_id else (record.media_url if record else "")
    ended = case.status in END_STATUSES
    data: dict[str, Any] = {
        "service_request_id": case.number,
        "status": core_status(case.status),
        "status_notes": getattr(case, "status_notes", None) or case.public_reply or None,
        "service_name": case.matter.name,
        "service_code": case.matter.code,
        "description": case.description or None,
        "agency_responsible": case.department.name if case.department else None,
        "service_notice": (record.service_notice or None) if record else None,
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(case.closed_at if ended and case.closed_at else case.updated_at),
        "expected_datetime": w3c(case.expected_at),
        "address": case.address or None,
        "address_id": (record.address_id or None) if record else None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lng,
        "media_url": media or None,
    }
    if extensions:
        events: list[CaseEvent] = getattr(case, "public_events", None) or list(
            _public_events().filter(case=case)
        )
        data["extended_attributes"] = {
            "grid_code": case.grid_code,
            "street_code": case.street_code,
            "street": (case.area_names or {}).get("street") or None,
            "community": (case.area_names or {}).get("community") or None,
            "channel": case.channel,
            "status_extended": extended_status(case.status),
            "duplicate_of": (record.duplicates[0] if record and record.duplicates else None),
        }
        data["notes"] = [
            {
                "datetime": w3c(e.at),
                "description": event_description(e),
                "type": note_type(e),
                "status": extended_status(e.to_status, e.action, e.data.get("reason_code", "")),
            }
            for e in events
        ]
    return data


def update_feed(start: dt.datetime, end: dt.datetime, *, limit: int = DEFAULT_LIMIT) -> list[Any]:
    """Events of the public timeline in the window, oldest first, with their photos."""
    photo = Attachment.objects.filter(event=OuterRef("pk"), kind__in=PUBLIC_PHOTO_KINDS)
    return list(
        _public_events()
        .filter(at__gte=start, at__lte=end)
        .select_related("case")
        .annotate(photo_id=Subquery(photo.order_by("pk").values("pk")[:1]))
        .order_by("at", "pk")[:limit]
    )


def update_data(event: CaseEvent, media_url: MediaUrl) -> dict[str, Any]:
    photo_id: int | None = getattr(event, "photo_id", None)
    return {
        "update_id": str(event.pk),
        "service_request_id": event.case.number,
        "status": extended_status(event.to_status, event.action, event.data.get("reason_code", "")),
        "updated_datetime": w3c(event.at),
        "description": event_description(event),
        "media_url": media_url(photo_id) if photo_id else None,
    }


def duplicates_near(matter_id: int, lat: float, lng: float, radius_m: float = 50) -> list[str]:
    """Numbers of open cases of the same matter within ``radius_m`` metres, nearest first."""
    min_lng, min_lat, max_lng, max_lat = geo.box_around(lat, lng, radius_m)
    rows = (
        Case.objects.filter(
            matter_id=matter_id,
            lng__gte=min_lng,
            lng__lte=max_lng,
            lat__gte=min_lat,
            lat__lte=max_lat,
        )
        .exclude(status__in=END_STATUSES)
        .values_list("number", "lat", "lng")
    )
    near = sorted(
        (geo.distance_m(lat, lng, la, ln), number)
        for number, la, ln in rows
        if geo.distance_m(lat, lng, la, ln) <= radius_m
    )
    return [number for _d, number in near]
