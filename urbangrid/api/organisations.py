"""Organisations endpoints: departments and the responsibility (责任) explanation."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from urbangrid.api.errors import ApiError, NotFound
from urbangrid.catalog.models import Kind
from urbangrid.catalog.selectors import type_by_code
from urbangrid.organisations.models import Department, Level
from urbangrid.organisations.selectors import departments_for_api
from urbangrid.organisations.services import Candidate, resolve_responsibility

router = Router(tags=["organisations"])

_AREA_LENGTHS = {6, 9, 12, 15}


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    level: str
    parent: str | None = None


class CandidateOut(Schema):
    department: DepartmentOut
    rule_id: int | None = None
    basis: str
    matched_by: str
    area_code: str
    priority: int | None = None
    reason: str


class SuggestionOut(Schema):
    department: DepartmentOut
    rule_id: int | None = None
    basis: str
    reason: str


class ResponsibilityOut(Schema):
    suggestion: SuggestionOut | None
    candidates: list[CandidateOut]
    notes: list[str]


def _department(obj: Department) -> dict[str, object]:
    return {
        "id": obj.pk,
        "code": obj.uscc,
        "name": obj.name,
        "short_name": obj.short_name,
        "level": obj.level,
        "parent": obj.parent.uscc if obj.parent_id is not None and obj.parent else None,
    }


def _candidate(c: Candidate) -> dict[str, object]:
    return {
        "department": _department(c.department),
        "rule_id": c.rule.pk if c.rule else None,
        "basis": c.basis,
        "matched_by": c.matched_by,
        "area_code": c.area_code,
        "priority": c.priority,
        "reason": c.reason,
    }


@router.get("/departments", response=list[DepartmentOut], summary="Departments (部门)")
def list_departments(
    request: HttpRequest, level: str | None = None, include_inactive: bool = False
) -> list[dict[str, object]]:
    if level and level not in Level.values:
        raise ApiError("invalid", f"unknown level {level!r}", field="level")
    return [_department(d) for d in departments_for_api(level, active=not include_inactive)]


@router.get(
    "/responsibility",
    response=ResponsibilityOut,
    summary="Which department answers for a type in a grid, and why",
)
def responsibility(
    request: HttpRequest,
    type: str,
    grid: str,
    component: str | None = None,
    kind: str = Kind.MATTER.value,
) -> dict[str, object]:
    if kind not in Kind.values:
        raise ApiError("invalid", f"kind must be component or matter, got {kind!r}", field="kind")
    if not grid.isdigit() or len(grid) not in _AREA_LENGTHS:
        raise ApiError(
            "invalid",
            f"grid {grid!r} must be a 15-digit grid code (or 6/9/12 digits)",
            field="grid",
        )
    catalog_type = type_by_code(kind, type)
    if catalog_type is None:
        raise NotFound("not_found", f"no {kind} type with code {type}", field="type")
    resolution = resolve_responsibility(
        catalog_type, grid_code=grid, component_ident=component or None
    )
    suggestion = resolution.suggestion
    return {
        "suggestion": None
        if suggestion is None
        else {
            "department": _department(suggestion.department),
            "rule_id": suggestion.rule.pk if suggestion.rule else None,
            "basis": suggestion.basis,
            "reason": suggestion.reason,
        },
        "candidates": [_candidate(c) for c in resolution.candidates],
        "notes": resolution.notes,
    }
