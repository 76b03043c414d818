"""Open311 GeoReport v2 endpoints (XML and JSON), mounted at ``/open311/``.

Plain Django views rather than django-ninja: the spec fixes XML element names, a JSON
shape derived from them, form-encoded POSTs and its own error documents (ADR 0002).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from urbangrid.cases.models import Attachment
from urbangrid.catalog.models import CatalogType
from urbangrid.common import clock
from urbangrid.open311 import intake, media, render, selectors, services, updates
from urbangrid.open311.exceptions import Open311Error, bad_request, forbidden, not_found
from urbangrid.open311.models import ApiKey, ServiceAttribute

SPEC = "http://wiki.open311.org/GeoReport_v2"


def _bad_format(fmt: str) -> HttpResponse | None:
    if fmt not in render.FORMATS:
        return render.error(404, f"unknown format {fmt!r}: use .xml or .json")
    return None


def _jurisdiction_error(
    request: HttpRequest, fmt: str, given: str | None = None
) -> HttpResponse | None:
    jurisdiction = (
        given
        if given is not None
        else (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "")
    ).strip()
    if not services.jurisdiction_known(jurisdiction):
        return render.error(404, f"jurisdiction_id {jurisdiction!r} is not served here", fmt)
    return None


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    if (bad := _bad_format(fmt)) is not None:
        return bad
    base = request.build_absolute_uri(reverse("open311:root"))
    changed = services.changeset()
    data = {
        "changeset": changed,
        "contact": "urbangrid supervision centre (监督中心) — see /admin/ of this platform",
        "key_service": (
            "API keys are issued by the platform administrator (Django admin → Open311 API keys)"
        ),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base.rstrip("/"),
                "changeset": changed,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render.respond(data, fmt, root="discovery")


def _service(entry: CatalogType) -> dict[str, Any]:
    return {
        "service_code": entry.code,
        "service_name": entry.name,
        "description": entry.filing_standard or entry.plain_name or entry.name,
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(k for k in [entry.plain_name, entry.keywords] if k),
        "group": entry.class_name,
    }


@require_GET
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if (bad := _bad_format(fmt) or _jurisdiction_error(request, fmt)) is not None:
        return bad
    data = [_service(entry) for entry in services.services()]
    return render.respond(data, fmt, root="services", item="service")


def _attribute(attribute: ServiceAttribute, order: int) -> dict[str, Any]:
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description,
        "order": order,
        "description": attribute.description,
        "values": [
            {"key": str(v.get("key", "")), "name": str(v.get("name", ""))} for v in attribute.values
        ],
    }


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if (bad := _bad_format(fmt) or _jurisdiction_error(request, fmt)) is not None:
        return bad
    service = services.services().filter(code=code).first()
    if service is None:
        return render.error(
            404, f"service_code {code!r} is not a service of this jurisdiction", fmt
        )
    attributes = [_attribute(a, i) for i, a in enumerate(services.attributes_for(service), start=1)]
    data = {"service_code": service.code, "attributes": attributes}
    return render.respond(data, fmt, root="service_definition")


def root(request: HttpRequest) -> HttpResponse:
    """The endpoint's base URL: points to discovery."""
    return render.error(404, "see /open311/discovery.xml or /open311/discovery.json", "xml")


# --- Service requests ------------------------------------------------------------------

View = Callable[..., HttpResponse]
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def _open311(view: View) -> View:
    """Check the format and the jurisdiction, and render ``Open311Error`` as the spec's
    error document."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        if (bad := _bad_format(fmt)) is not None:
            return bad
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return render.error(exc.status, exc.description, fmt)

    return wrapper


def _media_url(request: HttpRequest) -> selectors.MediaUrl:
    def url(pk: int) -> str:
        return request.build_absolute_uri(reverse("open311:media", args=[pk]))

    return url


def _posted(request: HttpRequest) -> intake.RequestInput:
    """The POST arguments: form-encoded (the spec), multipart with ``media`` files (the
    6aika/Helsinki extension) or a JSON object (6aika)."""
    values: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    content_type = request.content_type or ""
    if content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise bad_request("the body is not valid JSON") from exc
        if not isinstance(body, dict):
            raise bad_request("the JSON body must be an object")
        for key, value in body.items():
            if key == "attribute" and isinstance(value, dict):
                for code, answer in value.items():
                    answers = answer if isinstance(answer, list) else [answer]
                    attributes[str(code)] = [str(a) for a in answers if a is not None]
            elif (match := _ATTRIBUTE.match(key)) is not None:
                answers = value if isinstance(value, list) else [value]
                attributes.setdefault(match.group(1), []).extend(str(a) for a in answers)
            elif value is not None and not isinstance(value, dict | list):
                values[key] = str(value)
            elif isinstance(value, list) and value:
                values[key] = str(value[0])
        return intake.RequestInput(values=values, attributes=attributes)
    for key in request.POST:
        if (match := _ATTRIBUTE.match(key)) is not None:
            attributes.setdefault(match.group(1), []).extend(request.POST.getlist(key))
        else:
            values[key] = request.POST.get(key, "")
    uploads: list[UploadedFile[bytes]] = [
        *request.FILES.getlist("media"),
        *request.FILES.getlist("media[]"),
    ]
    return intake.RequestInput(values=values, attributes=attributes, uploads=uploads)


def _require_key(raw: str) -> ApiKey:
    key = services.check_api_key(raw)
    if key is None:
        raise forbidden("api_key is missing, unknown or revoked")
    return key


def _respond_requests(data: list[dict[str, Any]], fmt: str, status: int = 200) -> HttpResponse:
    return render.respond(data, fmt, root="service_requests", item="request", status=status)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@_open311
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    """``GET requests`` (every filter and the extensions) and ``POST requests``."""
    if request.method == "POST":
        return _create(request, fmt)
    if (bad := _jurisdiction_error(request, fmt)) is not None:
        return bad
    query = selectors.RequestQuery.from_params(request.GET)
    url = _media_url(request)
    found = selectors.find_requests(query)
    data = [selectors.request_data(c, url, extensions=query.extensions) for c in found]
    return _respond_requests(data, fmt)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    posted = _posted(request)
    if (bad := _jurisdiction_error(request, fmt, posted.get("jurisdiction_id"))) is not None:
        return bad
    key = _require_key(posted.get("api_key"))
    created = intake.create_request(posted, key)
    item: dict[str, Any] = {}
    if posted.get("batch").lower() in ("true", "1"):
        item["token"] = created.record.token
    else:
        item["service_request_id"] = created.case.number
    item["service_notice"] = created.record.service_notice
    if created.record.account_id:
        item["account_id"] = created.record.account_id
    return _respond_requests([item], fmt)


@require_GET
@_open311
def request_detail(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    """``GET requests/{id}``: a list of one request (``extensions=true`` allowed)."""
    if (bad := _jurisdiction_error(request, fmt)) is not None:
        return bad
    extensions = (request.GET.get("extensions") or "").lower() in ("true", "1", "yes")
    case = selectors.find_request(number, extensions=extensions)
    if case is None:
        raise not_found(f"service_request_id {number!r} not found")
    return _respond_requests(
        [selectors.request_data(case, _media_url(request), extensions=extensions)], fmt
    )


@require_GET
@_open311
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """``GET tokens/{token}``: the request id a token stands for."""
    if (bad := _jurisdiction_error(request, fmt)) is not None:
        return bad
    record = intake.request_by_token(token)
    if record is None:
        raise not_found(f"token {token!r} not found")
    return _respond_requests(
        [{"service_request_id": record.case.number, "token": record.token}], fmt
    )


# --- mySociety's service request updates -----------------------------------------------

UPDATE_FEED_DEFAULT = dt.timedelta(hours=24)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@_open311
def service_request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET: the public update feed in a date window (default: the last 24 hours, at most
    90 days). POST: a department system's update on a case dispatched to it."""
    if request.method == "POST":
        return _post_update(request, fmt)
    if (bad := _jurisdiction_error(request, fmt)) is not None:
        return bad
    start_raw = (request.GET.get("start_date") or "").strip()
    end_raw = (request.GET.get("end_date") or "").strip()
    start, end = selectors.window(
        selectors.parse_w3c(start_raw, "start_date") if start_raw else None,
        selectors.parse_w3c(end_raw, "end_date") if end_raw else None,
        default=UPDATE_FEED_DEFAULT,
    )
    url = _media_url(request)
    data = [selectors.update_data(e, url) for e in selectors.update_feed(start, end)]
    return render.respond(data, fmt, root="service_request_updates", item="request_update")


def _post_update(request: HttpRequest, fmt: str) -> HttpResponse:
    posted = _posted(request)
    if (bad := _jurisdiction_error(request, fmt, posted.get("jurisdiction_id"))) is not None:
        return bad
    key = _require_key(posted.get("api_key"))
    if key.department is None:
        raise forbidden("this api_key is not a department system's: it may not post updates")
    missing = [
        name
        for name in ("service_request_id", "update_id", "status", "updated_datetime")
        if not posted.get(name)
    ]
    if missing:
        raise bad_request(f"{', '.join(missing)} required")
    media_urls = [posted.get("media_url")] if posted.get("media_url") else []
    if request.content_type != "application/json":
        media_urls = [*request.POST.getlist("media_url"), *request.POST.getlist("media_url[]")]
    update = updates.UpdateInput(
        update_id=posted.get("update_id")[:100],
        service_request_id=posted.get("service_request_id"),
        status=posted.get("status"),
        updated_at=selectors.parse_w3c(posted.get("updated_datetime"), "updated_datetime"),
        description=posted.get("description"),
        uploads=posted.uploads,
        media_urls=[u for u in media_urls if u],
    )
    record = updates.apply_update(key.department, update)
    item: dict[str, Any] = {"update_id": str(record.pk)}
    if posted.get("account_id"):
        item["account_id"] = posted.get("account_id")
    return render.respond([item], fmt, root="service_request_updates", item="request_update")


# --- Public photos -------------------------------------------------------------------


@require_GET
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A case photo for the public, without EXIF (position, device, owner)."""
    attachment = Attachment.objects.filter(pk=pk, kind__in=selectors.PUBLIC_PHOTO_KINDS).first()
    if attachment is None:
        return render.error(404, f"no public photo {pk}")
    try:
        body, content_type = media.public_copy(attachment)
    except (FileNotFoundError, OSError):
        return render.error(404, f"photo {pk} is not available")
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["Last-Modified"] = clock.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response
