"""The one JSON API (django-ninja). OpenAPI at ``/api/openapi.json``, docs at ``/api/docs``.

Each resource has its own module with a ``router``; handlers parse input, call an
``access_*`` gate and one service or selector, and return schemas. No business rules here.
"""

from __future__ import annotations

from ninja import NinjaAPI

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
from urbangrid.api.errors import register_error_handlers

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
