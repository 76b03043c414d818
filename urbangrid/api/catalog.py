"""Catalogue endpoints: component (部件) and matter (事项) types with their configuration.

By default the lists hold exactly the GB/T 47678.5-2026 catalogue (153 components, 250
matters); ``standard=all`` or ``standard=CJ/T 214-2007`` give the others.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema

from urbangrid.api.errors import ApiError, NotFound
from urbangrid.catalog.models import CatalogType, Kind, Standard
from urbangrid.catalog.selectors import ALL_STANDARDS, effective_limits, type_by_code, types_for_api

router = Router(tags=["catalog"])

_STANDARD_CHOICES = {*Standard.values, ALL_STANDARDS}


class TypeFilters(Schema):
    class_code: str | None = None
    q: str | None = None
    standard: str = Standard.GBT_47678_5_2026.value
    include_inactive: bool = False


class TypeOut(Schema):
    code: str
    name: str
    class_code: str
    class_name: str
    standard: str
    kind: str
    plain_name: str
    keywords: str
    needs_verification: bool
    needs_check: bool
    is_active: bool
    component_code: str | None = None
    successor_code: str | None = None


class LimitOut(Schema):
    stage: str
    grade: str
    amount: int
    unit: str
    source: str
    note: str


class MatterDetailOut(TypeOut):
    filing_standard: str
    closing_standard: str
    component_name: str | None = None
    limits: list[LimitOut]


def _row(obj: CatalogType) -> dict[str, object]:
    return {
        "code": obj.code,
        "name": obj.name,
        "class_code": obj.class_code,
        "class_name": obj.class_name,
        "standard": obj.standard,
        "kind": obj.kind,
        "plain_name": obj.plain_name,
        "keywords": obj.keywords,
        "needs_verification": obj.needs_verification,
        "needs_check": obj.needs_check,
        "is_active": obj.is_active,
        "component_code": obj.component_type.code if obj.component_type else None,
        "successor_code": obj.successor.code if obj.successor else None,
    }


def _list(kind: str, filters: TypeFilters) -> list[dict[str, object]]:
    if filters.standard not in _STANDARD_CHOICES:
        raise ApiError(
            "invalid",
            f"unknown standard {filters.standard!r}; use one of: "
            + ", ".join(sorted(_STANDARD_CHOICES)),
            field="standard",
        )
    rows = types_for_api(
        kind,
        class_code=filters.class_code or None,
        q=filters.q or None,
        standard=filters.standard,
        active=not filters.include_inactive,
    )
    return [_row(obj) for obj in rows]


@router.get("/components", response=list[TypeOut], summary="Component types (部件)")
def list_components(request: HttpRequest, filters: Query[TypeFilters]) -> list[dict[str, object]]:
    return _list(Kind.COMPONENT, filters)


@router.get("/matters", response=list[TypeOut], summary="Matter types (事项)")
def list_matters(request: HttpRequest, filters: Query[TypeFilters]) -> list[dict[str, object]]:
    return _list(Kind.MATTER, filters)


@router.get("/matters/{code}", response=MatterDetailOut, summary="One matter type with its limits")
def matter_detail(
    request: HttpRequest, code: str, standard: str | None = None
) -> dict[str, object]:
    if standard is not None and standard not in Standard.values:
        raise ApiError("invalid", f"unknown standard {standard!r}", field="standard")
    obj = type_by_code(Kind.MATTER, code, standard)
    if obj is None:
        raise NotFound("not_found", f"no matter type with code {code}", field="code")
    return {
        **_row(obj),
        "filing_standard": obj.filing_standard,
        "closing_standard": obj.closing_standard,
        "component_name": obj.component_type.name if obj.component_type else None,
        "limits": [vars(limit) for limit in effective_limits(obj)],
    }
