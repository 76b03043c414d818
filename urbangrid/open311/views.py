"""Open311 GeoReport v2 endpoints (XML and JSON), mounted at ``/open311/``.

Plain Django views rather than django-ninja: the spec fixes XML element names, a JSON
shape derived from them, form-encoded POSTs and its own error documents (ADR 0002).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from urbangrid.catalog.models import CatalogType
from urbangrid.open311 import render, services
from urbangrid.open311.models import ServiceAttribute

SPEC = "http://wiki.open311.org/GeoReport_v2"


def _bad_format(fmt: str) -> HttpResponse | None:
    if fmt not in render.FORMATS:
        return render.error(404, f"unknown format {fmt!r}: use .xml or .json")
    return None


def _jurisdiction_error(request: HttpRequest, fmt: str) -> HttpResponse | None:
    jurisdiction = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "").strip()
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
        "key_service": "API keys are issued by the platform administrator (Django admin → Open311 API keys)",
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
        "values": [{"key": str(v.get("key", "")), "name": str(v.get("name", ""))} for v in attribute.values],
    }


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if (bad := _bad_format(fmt) or _jurisdiction_error(request, fmt)) is not None:
        return bad
    service = services.services().filter(code=code).first()
    if service is None:
        return render.error(404, f"service_code {code!r} is not a service of this jurisdiction", fmt)
    attributes = [_attribute(a, i) for i, a in enumerate(services.attributes_for(service), start=1)]
    data = {"service_code": service.code, "attributes": attributes}
    return render.respond(data, fmt, root="service_definition")


def root(request: HttpRequest) -> HttpResponse:
    """The endpoint's base URL: points to discovery."""
    return render.error(404, "see /open311/discovery.xml or /open311/discovery.json", "xml")
