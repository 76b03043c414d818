"""Reads of the catalogue for the API and pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from urbangrid.catalog.models import CatalogType, Grade, Stage, StageLimit, Standard
from urbangrid.catalog.services import pick_limit

ALL_STANDARDS = "all"


def default_standard_for(code: str) -> str:
    """The standard a bare code belongs to: four digits are CJ/T 214-2007, else 2026."""
    return Standard.CJT_214_2007 if len(code) == 4 else Standard.GBT_47678_5_2026


def types_for_api(
    kind: str,
    class_code: str | None = None,
    q: str | None = None,
    standard: str | None = None,
    active: bool = True,
) -> QuerySet[CatalogType]:
    """Catalogue types of ``kind``, ordered by standard and code.

    ``standard`` ``None`` means GB/T 47678.5-2026 (the current standard); ``"all"`` means
    every standard. ``active=True`` keeps only active types; ``False`` includes inactive
    ones too. ``q`` searches code, name, plain-language name and keywords.
    """
    qs = CatalogType.objects.filter(kind=kind).select_related("component_type", "successor")
    if standard != ALL_STANDARDS:
        qs = qs.filter(standard=standard or Standard.GBT_47678_5_2026)
    if class_code:
        qs = qs.filter(class_code=class_code)
    if q:
        for word in q.split():
            qs = qs.filter(
                Q(code__startswith=word)
                | Q(name__icontains=word)
                | Q(plain_name__icontains=word)
                | Q(keywords__icontains=word)
            )
    if active:
        qs = qs.filter(is_active=True)
    return qs.order_by("standard", "code")


def type_by_code(kind: str, code: str, standard: str | None = None) -> CatalogType | None:
    """One type by its code; the standard defaults from the code's length."""
    return (
        CatalogType.objects.select_related("component_type", "successor")
        .filter(kind=kind, code=code, standard=standard or default_standard_for(code))
        .first()
    )


@dataclass(frozen=True)
class EffectiveLimit:
    stage: str
    grade: str
    amount: int
    unit: str
    source: str  # "type" (configured for this type) or "default"
    note: str


def effective_limits(catalog_type: CatalogType) -> list[EffectiveLimit]:
    """The limit in force for each stage (and each grade where grades differ), in stage
    order, resolved as ``services.limit_for`` does — in one query."""
    rows = list(
        StageLimit.objects.filter(Q(catalog_type__isnull=True) | Q(catalog_type=catalog_type))
    )
    result: list[EffectiveLimit] = []
    for stage in Stage.values:
        stage_rows = [row for row in rows if row.stage == stage]
        graded = {row.grade for row in stage_rows if row.grade}
        grades = [""] + [g for g in Grade.values if g in graded]
        for grade in grades:
            row = pick_limit(stage_rows, grade)
            if row is None:
                continue
            result.append(
                EffectiveLimit(
                    stage=stage,
                    grade=grade,
                    amount=row.amount,
                    unit=row.unit,
                    source="type" if row.catalog_type_id is not None else "default",
                    note=row.note,
                )
            )
    return result
