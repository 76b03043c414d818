"""The hotline desk pages: take a call, and the callback (回访) list."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from urbangrid.cases.models import RequestKind
from urbangrid.cases.workflow import SATISFACTION_CHOICES
from urbangrid.hotline.models import EmergencyLine
from urbangrid.intake.selectors import duplicate_radius_m
from urbangrid.organisations.models import User
from urbangrid.organisations.permissions import Permission, has_permission
from urbangrid.organisations.selectors import home_district_code


def _agent(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not has_permission(user, Permission.REPORT):
        raise PermissionDenied
    return user


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    return render(
        request,
        "hotline/desk.html",
        {
            "kinds": RequestKind.choices,
            "lines": EmergencyLine.choices,
            "radius": int(duplicate_radius_m()),
            "tiles": str(getattr(settings, "MAP_TILE_URL", "")),
            "district": home_district_code(agent),
        },
    )


CASE_VIEWERS = (
    Permission.VIEW_ALL_CASES,
    Permission.VIEW_DEPARTMENT_CASES,
    Permission.VIEW_GRID_CASES,
)
NUMBER = "__number__"


@login_required
def callbacks(request: HttpRequest) -> HttpResponse:
    """The callback list. Its rows are cases the agent sees (``callbacks_due``): a role
    that reads cases opens each on its staff page."""
    user = _agent(request)
    may_open = any(has_permission(user, p) for p in CASE_VIEWERS)
    return render(
        request,
        "hotline/callbacks.html",
        {
            "satisfaction": SATISFACTION_CHOICES,
            "case_url": reverse("staff:case", args=[NUMBER]) if may_open else "",
            "number_placeholder": NUMBER,
        },
    )
