"""The catalogue's public face for other apps: stage time limits.

``limit_for`` answers "how long may this stage take for this type and grade?" from the
``StageLimit`` rows, the most specific row winning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from urbangrid.catalog.models import CatalogType, Stage, StageLimit


@dataclass(frozen=True)
class LimitSpec:
    """A time limit: ``amount`` of ``unit`` (a ``LimitUnit`` value)."""

    amount: int
    unit: str


def _rank(row: StageLimit, grade: str) -> int:
    """0 = type + grade, 1 = type + any grade, 2 = default + grade, 3 = default + any."""
    return (0 if row.catalog_type_id is not None else 2) + (0 if row.grade == grade else 1)


def limit_rows(catalog_type: CatalogType | None, stage: str) -> list[StageLimit]:
    """Every row that may apply to ``catalog_type`` at ``stage`` (its own and defaults)."""
    scope = Q(catalog_type__isnull=True)
    if catalog_type is not None and catalog_type.pk is not None:
        scope |= Q(catalog_type=catalog_type)
    return list(StageLimit.objects.filter(scope, stage=stage))


def pick_limit(rows: list[StageLimit], grade: str) -> StageLimit | None:
    """The most specific of ``rows`` for ``grade``: type+grade, type+any, default+grade,
    default+any. Rows for another grade never apply."""
    usable = [row for row in rows if row.grade in {grade, ""}]
    if not usable:
        return None
    return min(usable, key=lambda row: _rank(row, grade))


def limits_by_stage(rows: Iterable[StageLimit], grade: str) -> dict[str, Any]:
    """The limit in force for every stage (``pick_limit`` among ``rows``, the default and
    the type's own rows), as copied onto a case: ``{stage: {"amount", "unit"} | None}``."""
    by_stage: dict[str, list[StageLimit]] = {stage: [] for stage in Stage}
    for row in rows:
        if row.stage in by_stage:
            by_stage[row.stage].append(row)
    limits: dict[str, Any] = {}
    for stage in Stage:
        chosen = pick_limit(by_stage[stage], grade)
        limits[stage] = {"amount": chosen.amount, "unit": chosen.unit} if chosen else None
    return limits


def limit_for(catalog_type: CatalogType | None, stage: str, grade: str = "") -> LimitSpec | None:
    """The time limit of ``stage`` (a ``Stage`` value) for ``catalog_type`` at ``grade``
    (a ``Grade`` value or ``""`` for any), or ``None`` when nothing is configured."""
    row = pick_limit(limit_rows(catalog_type, stage), grade)
    return LimitSpec(amount=row.amount, unit=row.unit) if row is not None else None


__all__ = ["LimitSpec", "limit_for", "limit_rows", "limits_by_stage", "pick_limit"]
