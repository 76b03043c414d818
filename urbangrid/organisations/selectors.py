"""Reads of organisations for the API and pages."""

from __future__ import annotations

from django.db.models import QuerySet

from urbangrid.geo.models import District
from urbangrid.organisations.models import Department, InspectorGrid, User


def departments_for_api(level: str | None = None, *, active: bool = True) -> QuerySet[Department]:
    """Departments with their parent loaded, ordered by level and name."""
    qs = Department.objects.select_related("parent")
    if level:
        qs = qs.filter(level=level)
    if active:
        qs = qs.filter(is_active=True)
    return qs.order_by("level", "name")


def home_district_code(user: User) -> str:
    """The district a staff user's pages and maps open on: that of their area (a district
    or a street in it), else that of their first patrol grid (inspectors); empty for a
    city-wide user (a city's own code, or none), whose pages open on the first district
    (``home_district``; the maps' script does the same). The inspector app, the hotline
    desk and the staff map ask it."""
    if len(user.area_code or "") >= 6:
        return user.area_code[:6]
    grid = (
        InspectorGrid.objects.filter(inspector=user)
        .order_by("grid_code")
        .values_list("grid_code", flat=True)
        .first()
    )
    return grid[:6] if grid else ""


def home_district(user: User) -> District | None:
    """The district of ``home_district_code``, else the first district (by code);
    ``None`` only in a city without districts."""
    districts = District.objects.order_by("code")
    code = home_district_code(user)
    found = districts.filter(code=code).first() if code else None
    return found or districts.first()
