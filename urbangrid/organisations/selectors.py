"""Reads of organisations for the API and pages."""

from __future__ import annotations

from django.db.models import QuerySet

from urbangrid.organisations.models import Department


def departments_for_api(level: str | None = None, *, active: bool = True) -> QuerySet[Department]:
    """Departments with their parent loaded, ordered by level and name."""
    qs = Department.objects.select_related("parent")
    if level:
        qs = qs.filter(level=level)
    if active:
        qs = qs.filter(is_active=True)
    return qs.order_by("level", "name")
