"""Render Open311 documents as XML or JSON, following the spec's "Spark convention".

A list resource is an XML root holding one element per item, and a top-level JSON array.
Nested lists use the plural name for the container and the singular for each child
(``attributes/attribute``, ``values/value``, ``endpoints/endpoint``, ``formats/format``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from django.http import HttpResponse

from urbangrid.common.clock import SHANGHAI

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
SINGULAR = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "errors": "error",
    "groups": "group",
    "photos": "photo",
    "media_urls": "media_url",
}


def w3c(moment: dt.datetime | None) -> str | None:
    """A W3C datetime with offset, in China Standard Time (``2026-11-25T09:30:00+08:00``)."""
    if moment is None:
        return None
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return w3c(value) or ""
    return escape(str(value))


def _element(name: str, value: Any) -> str:
    if isinstance(value, Mapping):
        inner = "".join(_element(k, v) for k, v in value.items())
        return f"<{name}>{inner}</{name}>"
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        child = SINGULAR.get(name, "item")
        inner = "".join(_element(child, v) for v in value)
        return f"<{name}>{inner}</{name}>"
    return f"<{name}>{_scalar(value)}</{name}>"


def to_xml(data: Any, root: str, item: str | None = None) -> str:
    """``data`` as an XML document; a list becomes ``<root><item>…</item>…</root>``."""
    if isinstance(data, list):
        body = "".join(_element(item or "item", entry) for entry in data)
        doc = f"<{root}>{body}</{root}>"
    else:
        doc = _element(root, data)
    return '<?xml version="1.0" encoding="utf-8"?>' + doc


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return w3c(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def respond(
    data: Any, fmt: str, *, root: str, item: str | None = None, status: int = 200
) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, default=_json_default)
    else:
        body = to_xml(data, root, item)
    return HttpResponse(body, content_type=FORMATS.get(fmt, FORMATS["xml"]), status=status)


def error(
    status: int, description: str, fmt: str = "xml", *, code: int | None = None
) -> HttpResponse:
    """An Open311 error document: ``<errors><error><code/><description/></error></errors>``."""
    data = [{"code": code or status, "description": description}]
    return respond(
        data, fmt if fmt in FORMATS else "xml", root="errors", item="error", status=status
    )
