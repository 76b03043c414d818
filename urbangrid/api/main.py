"""The one JSON API (django-ninja). OpenAPI at ``/api/openapi.json``, docs at ``/api/docs``.

Each resource has its own module with a ``router``; handlers parse input, call an
``access_*`` gate and one service or selector, and return schemas. No business rules here.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja import NinjaAPI, Router

from urbangrid.api import (
    auth,
    calendar,
    cases,
    catalog,
    evaluation,
    geo,
    hotline,
    intake,
    map,
    organisations,
)
from urbangrid.api.errors import NotFound, register_error_handlers

api = NinjaAPI(
    title="urbangrid API",
    version="1",
    description="Digital urban management (数字化城市管理) and hotline platform.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
register_error_handlers(api)
api.add_router("/v1/auth", auth.router)
api.add_router("/v1/geo", geo.router)
api.add_router("/v1/catalog", catalog.router)
api.add_router("/v1/organisations", organisations.router)
api.add_router("/v1/calendar", calendar.router)
api.add_router("/v1/cases", cases.router)
api.add_router("/v1/evaluation", evaluation.router)
api.add_router("/v1/map", map.router)
api.add_router("/v1/intake", intake.router)
api.add_router("/v1/hotline", hotline.router)

# Last: any other path under /api/ is a structured 404, not Django's HTML page.
unknown = Router()


@unknown.api_operation(
    ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"],
    "/{path:rest}",
    include_in_schema=False,
)
def no_such_endpoint(request: HttpRequest, rest: str) -> None:
    raise NotFound(
        "not_found", gettext_noop("no such API endpoint: %(path)s"), params={"path": request.path}
    )


api.add_router("", unknown)
