"""``POST requests``: a service request enters the closed loop like any other report
(channel ``open311``), with its source, answers, photos and suggested duplicates."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q, Value

from urbangrid.cases.exceptions import CaseError
from urbangrid.cases.models import AttachmentKind, Case, Channel
from urbangrid.cases.services import Report, add_attachment, create_report
from urbangrid.geo.models import Place
from urbangrid.open311 import media, services
from urbangrid.open311.exceptions import bad_request, not_found
from urbangrid.open311.models import ApiKey, Datatype, RequestRecord, ServiceAttribute
from urbangrid.open311.selectors import duplicates_near, parse_w3c
from urbangrid.organisations.models import Role, User

MAX_DESCRIPTION = 4000
MAX_MEDIA = 5
DUPLICATE_RADIUS_M = 50
INTAKE_USERNAME = "open311-intake"


@dataclass
class RequestInput:
    """The arguments of ``POST requests``, however they were encoded."""

    values: dict[str, str]
    attributes: dict[str, list[str]] = field(default_factory=dict)
    uploads: Sequence[UploadedFile[bytes]] = ()

    def get(self, name: str) -> str:
        return (self.values.get(name) or "").strip()


@dataclass(frozen=True)
class Created:
    case: Case
    record: RequestRecord


def intake_user() -> User:
    """The system account that stores Open311 photos (an operator without password)."""
    user, created = User.objects.get_or_create(
        username=INTAKE_USERNAME,
        defaults={"role": Role.OPERATOR, "first_name": "Open311", "is_active": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _location(data: RequestInput) -> tuple[float, float, str, str]:
    """``(lat, lng, address, address_id)`` from lat/long, address_id or address_string."""
    lat, lng = data.get("lat"), data.get("long")
    address = data.get("address_string")
    address_id = data.get("address_id")
    if lat or lng:
        if not (lat and lng):
            raise bad_request("lat and long must be given together")
        try:
            lat_f, lng_f = float(lat), float(lng)
        except ValueError as exc:
            raise bad_request("lat and long must be numbers (WGS84)") from exc
        if not (-90 <= lat_f <= 90 and -180 <= lng_f <= 180):
            raise bad_request("lat and long are out of range")
        return lat_f, lng_f, address, address_id
    if address_id:
        place = Place.objects.filter(pk=int(address_id)).first() if address_id.isdigit() else None
        if place is None:
            raise bad_request(f"address_id {address_id!r} is not in the address register")
        return place.lat, place.lng, address or place.address or place.name, address_id
    if address:
        place = match_place(address)
        if place is None:
            raise bad_request(
                f"address_string {address!r} matches no place of the gazetteer; "
                "send lat and long instead"
            )
        return place.lat, place.lng, address, str(place.pk)
    raise bad_request("a location is required: lat and long, address_string or address_id")


def match_place(text: str) -> Place | None:
    """The gazetteer place best matching ``text``: an exact name or address first, then
    places whose name or address contains the text, then places whose name the text
    contains ("测试路1号附近" → "测试路1号"); the longest, most specific name wins."""
    text = text.strip()
    if not text:
        return None
    exact = Place.objects.filter(Q(name=text) | Q(address=text)).order_by("pk").first()
    if exact is not None:
        return exact
    containing = Place.objects.filter(Q(name__icontains=text) | Q(address__icontains=text))
    found = list(containing.order_by("pk")[:50])
    if found:
        return min(found, key=lambda p: (len(p.name), p.pk))
    within = (
        Place.objects.alias(text=Value(text))
        .filter(text__contains=F("name"))
        .exclude(name="")
        .order_by("pk")[:50]
    )
    return max(within, key=lambda p: (len(p.name), -p.pk), default=None)


def _check_attribute(attribute: ServiceAttribute, answers: list[str]) -> None:
    code, kind = attribute.code, attribute.datatype
    keys = {str(v.get("key", "")) for v in attribute.values}
    if kind != Datatype.MULTIVALUELIST and len(answers) > 1:
        raise bad_request(f"attribute[{code}] takes one value")
    for answer in answers:
        if kind == Datatype.NUMBER:
            try:
                float(answer)
            except ValueError as exc:
                raise bad_request(f"attribute[{code}] must be a number") from exc
        elif kind == Datatype.DATETIME:
            parse_w3c(answer, f"attribute[{code}]")
        elif kind in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST) and answer not in keys:
            raise bad_request(
                f"attribute[{code}] must be one of {', '.join(sorted(keys))}, not {answer!r}"
            )


def _answers(service: Any, data: RequestInput) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for attribute in services.attributes_for(service):
        given = [a.strip() for a in data.attributes.get(attribute.code, []) if a.strip()]
        if not given:
            if attribute.required and attribute.variable and attribute.automated != "server_set":
                raise bad_request(
                    f"attribute[{attribute.code}] is required: {attribute.description}"
                )
            continue
        _check_attribute(attribute, given)
        multi = attribute.datatype == Datatype.MULTIVALUELIST
        answers[attribute.code] = given if multi else given[0]
    # Unknown attributes (e.g. mySociety's attribute[fixmystreet_id]) are kept, not refused.
    for code, given in data.attributes.items():
        if code not in answers and given:
            answers.setdefault(code, given if len(given) > 1 else given[0])
    return answers


def _reporter_name(first: str, last: str) -> str:
    if first and last and all("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return last + first
    return " ".join(p for p in (first, last) if p)


def create_request(data: RequestInput, key: ApiKey) -> Created:
    """Create a case from a service request; raises ``Open311Error`` (400/404)."""
    code = data.get("service_code")
    if not code:
        raise bad_request("service_code is required")
    service = services.services().filter(code=code).first()
    if service is None:
        raise not_found(f"service_code {code!r} is not a service of this jurisdiction")
    description = data.get("description")
    if len(description) > MAX_DESCRIPTION:
        raise bad_request(f"description is longer than {MAX_DESCRIPTION} characters")
    if len(data.uploads) > MAX_MEDIA:
        raise bad_request(f"at most {MAX_MEDIA} media files")
    answers = _answers(service, data)
    lat, lng, address, address_id = _location(data)
    component = answers.get("component_id", "")
    if not isinstance(component, str) or (component and len(component) not in (16, 17)):
        raise bad_request("attribute[component_id] must be a 16- or 17-digit component id")
    duplicates = duplicates_near(service.pk, lat, lng, DUPLICATE_RADIUS_M)
    notice = "已受理，等待核实与立案。Received: it will be verified and filed."
    if duplicates:
        notice += f" 附近已有同类案件 Possible duplicate of: {', '.join(duplicates[:5])}"
    note_parts = [f"Open311 ({key.source})"]
    if duplicates:
        note_parts.append(f"可能重复 possible duplicate of {', '.join(duplicates[:5])}")
    report = Report(
        channel=Channel.OPEN311,
        matter_code=service.code,
        lng=lng,
        lat=lat,
        address=address,
        description=description,
        component_ident=component,
        reporter_name=_reporter_name(data.get("first_name"), data.get("last_name")),
        reporter_phone=data.get("phone"),
        reporter_email=data.get("email"),
        note="; ".join(note_parts),
    )
    try:
        with transaction.atomic():
            case = create_report(report, actor=None)
            record = RequestRecord.objects.create(
                case=case,
                api_key=key,
                source=key.source,
                token=secrets.token_hex(16),
                address_id=address_id[:50],
                media_url=data.get("media_url")[:500],
                account_id=data.get("account_id")[:100],
                device_id=(data.get("device_id") or data.get("deviceid"))[:100],
                attributes=answers,
                service_notice=notice[:500],
                duplicates=duplicates[:20],
                created_at=case.created_at,
            )
            if data.uploads:
                uploader = intake_user()
                for upload in data.uploads:
                    add_attachment(
                        case.number,
                        actor=uploader,
                        upload=media.clean_upload(upload),
                        kind=AttachmentKind.REPORTER,
                    )
    except CaseError as exc:
        field_name = {"lng": "lat/long", "reporter_name": "first_name/last_name"}.get(
            exc.field or "", exc.field
        )
        prefix = f"{field_name}: " if field_name else ""
        raise bad_request(prefix + exc.message) from exc
    return Created(case=case, record=record)


def request_by_token(token: str) -> RequestRecord | None:
    return RequestRecord.objects.select_related("case").filter(token=token).first()
