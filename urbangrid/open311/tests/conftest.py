"""A tiny city for the Open311 tests: the test district, matter 06010 暴露垃圾 (no
verification, check needed) answered for by 区环卫中心, centre staff, the demo key, a
gazetteer place, and helpers to post requests, walk a case through the loop, compare
golden documents and validate JSON Schemas of the spec."""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.test import Client
from PIL import Image

from urbangrid.cases.models import Case
from urbangrid.cases.services import apply_action
from urbangrid.catalog.models import CatalogType
from urbangrid.geo.models import Place
from urbangrid.open311.models import ApiKey
from urbangrid.open311.services import ensure_demo_key
from urbangrid.organisations.models import Department, ResponsibilityRule, Role, User
from urbangrid.testing import TinyCity, make_city, make_department, make_type, make_user

GOLDEN = Path(__file__).parent / "golden"
REPORTER = {
    "first_name": "三",
    "last_name": "张",
    "phone": "13812341234",
    "email": "zhang@example.com",
}


@dataclass
class World:
    city: TinyCity
    matter: CatalogType
    department: Department
    operator: User
    shift_leader: User
    dispatcher: User
    handler: User
    key: ApiKey
    place: Place

    def point(self, index: int = 0) -> tuple[float, float]:
        """(lat, lng) of grid ``index``'s centre."""
        return self.city.point_in(self.city.grids[index])

    def form(self, index: int = 0, **extra: Any) -> dict[str, Any]:
        lat, lng = self.point(index)
        values = {
            "api_key": "demo-key",
            "service_code": "06010",
            "lat": str(lat),
            "long": str(lng),
            "address_string": "测试路1号",
            "description": "路边暴露垃圾",
            **REPORTER,
        }
        values.update(extra)
        return {k: v for k, v in values.items() if v is not None}

    def post(self, client: Client, fmt: str = "json", **extra: Any) -> Any:
        return client.post(f"/open311/v2/requests.{fmt}", self.form(**extra))

    def create(self, client: Client, **extra: Any) -> str:
        response = self.post(client, **extra)
        assert response.status_code == 200, response.content
        number: str = response.json()[0]["service_request_id"]
        return number

    def act(self, number: str, action: str, actor: User, **data: Any) -> Case:
        return apply_action(number, action, actor=actor, data=data)

    def dispatch(self, number: str, department: Department | None = None) -> Case:
        self.act(number, "accept", self.operator)
        self.act(
            number, "file", self.shift_leader, grade="general", filing_condition="面积大于1平方米"
        )
        dept = department or self.department
        return self.act(number, "dispatch", self.dispatcher, department_id=dept.pk)


def build_world() -> World:
    city = make_city()
    matter = make_type("06010", "暴露垃圾")
    CatalogType.objects.filter(pk=matter.pk).update(
        needs_verification=False, needs_check=True, is_active=True
    )
    matter.refresh_from_db()
    department = make_department("区环卫中心", district=city.district)
    ResponsibilityRule.objects.create(
        catalog_type=matter,
        area_level="district",
        area_code=city.district.code,
        basis="locality",
        department=department,
    )
    lat, lng = city.point_in(city.grids[1])
    place = Place.objects.create(
        district=city.district, name="测试路1号", address="测试区第1街道测试路1号", lat=lat, lng=lng
    )
    return World(
        city=city,
        matter=matter,
        department=department,
        operator=make_user("operator", Role.OPERATOR, area_code="110101"),
        shift_leader=make_user("leader_on_shift", Role.SHIFT_LEADER, area_code="110101"),
        dispatcher=make_user("dispatcher", Role.DISPATCHER, area_code="110101"),
        handler=make_user("handler", Role.HANDLER, department=department),
        key=ensure_demo_key(),
        place=place,
    )


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def jpeg_with_exif(size: tuple[int, int] = (32, 24)) -> bytes:
    """A JPEG carrying EXIF: camera make and a GPS position."""
    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 24.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


# --- Golden documents ------------------------------------------------------------------

_NUMBER = re.compile(r"\b\d{6}-\d{8}-\d{4}\b")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
_HOST = re.compile(r"https?://[^/\"<\s]+")
_MEDIA = re.compile(r"/open311/media/\d+")
_TOKEN = re.compile(r"\b[0-9a-f]{32}\b")
_UPDATE_ID = re.compile(r'("update_id": "|<update_id>)\d+')


def normalise(text: str, *, ids: dict[str, str] | None = None) -> str:
    """Replace volatile values (case numbers, datetimes, hosts, photo ids, tokens)."""
    text = _NUMBER.sub("<NUMBER>", text)
    text = _DATETIME.sub("<DATETIME>", text)
    text = _HOST.sub("http://<HOST>", text)
    text = _MEDIA.sub("/open311/media/<ID>", text)
    text = _TOKEN.sub("<TOKEN>", text)
    text = _UPDATE_ID.sub(lambda m: m.group(1) + "<UPDATE_ID>", text)
    for raw, placeholder in (ids or {}).items():
        text = text.replace(f">{raw}<", f">{placeholder}<").replace(f'"{raw}"', f'"{placeholder}"')
    return text


def assert_golden(name: str, body: bytes | str, **kwargs: Any) -> None:
    """Compare with ``golden/<name>`` (JSON pretty-printed first); ``UPDATE_GOLDEN=1``
    rewrites the file."""
    text = body.decode() if isinstance(body, bytes) else body
    if name.endswith(".json"):
        text = json.dumps(json.loads(text), ensure_ascii=False, indent=2, sort_keys=False)
    text = normalise(text, **kwargs).strip() + "\n"
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"golden {name} differs"


# --- JSON Schemas of GeoReport v2 (after open311/schema-validation) ----------------------

_NULLABLE_STRING = {"type": ["string", "null"]}
REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": {"type": "string", "minLength": 1},
        "status": {"enum": ["open", "closed"]},
        "status_notes": _NULLABLE_STRING,
        "service_name": _NULLABLE_STRING,
        "service_code": {"type": "string"},
        "description": {"type": ["string", "null"], "maxLength": 4000},
        "agency_responsible": _NULLABLE_STRING,
        "service_notice": _NULLABLE_STRING,
        "requested_datetime": {"type": "string", "format": "date-time"},
        "updated_datetime": {"type": ["string", "null"], "format": "date-time"},
        "expected_datetime": {"type": ["string", "null"], "format": "date-time"},
        "address": _NULLABLE_STRING,
        "address_id": _NULLABLE_STRING,
        "zipcode": _NULLABLE_STRING,
        "lat": {"type": "number"},
        "long": {"type": "number"},
        "media_url": {"type": ["string", "null"], "format": "uri"},
        "extended_attributes": {"type": "object"},
        "notes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["datetime", "description", "type"],
                "properties": {
                    "datetime": {"type": "string", "format": "date-time"},
                    "description": {"type": "string"},
                    "type": {"enum": ["submitted", "opened", "closed", "activity"]},
                },
            },
        },
    },
}
REQUESTS_SCHEMA = {"type": "array", "items": REQUEST_SCHEMA}
POST_RESPONSE_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "oneOf": [
            {"required": ["service_request_id"], "not": {"required": ["token"]}},
            {"required": ["token"], "not": {"required": ["service_request_id"]}},
        ],
        "properties": {
            "service_request_id": {"type": "string"},
            "token": {"type": "string"},
            "service_notice": {"type": "string"},
            "account_id": {"type": "string"},
        },
    },
}
TOKEN_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "token"],
        "properties": {"service_request_id": {"type": "string"}, "token": {"type": "string"}},
    },
}
ERRORS_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
UPDATES_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["update_id", "service_request_id", "status", "updated_datetime"],
        "properties": {
            "update_id": {"type": "string"},
            "service_request_id": {"type": "string"},
            "status": {"type": "string", "pattern": "^[A-Z_]+$"},
            "updated_datetime": {"type": "string", "format": "date-time"},
            "description": {"type": ["string", "null"]},
            "media_url": {"type": ["string", "null"], "format": "uri"},
        },
    },
}


def validate(data: Any, schema: dict[str, Any]) -> None:
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())


def assert_no_personal_data(body: bytes | str) -> None:
    text = body.decode() if isinstance(body, bytes) else body
    for secret in ("张三", "13812341234", "zhang@example.com", "dispatcher", "handler", "operator"):
        assert secret not in text, f"{secret!r} leaked"
