"""Evaluation (考评) endpoints: the indicator catalogue, scores per object kind, one
object's figures, the cases behind a number, hotspots and background exports.

Auth as the cases API (bearer token or session); every endpoint needs
``VIEW_EVALUATION``. The period is read the same way everywhere (``PeriodQuery``):
``period`` (day, week, month, quarter, year, custom), ``on`` (a date or ``YYYY-MM``),
``start`` and ``end`` (a custom period). Object kinds include ``city``; ``district``
and ``area`` take any area code (a city's four digits, a district's six, …).

A result carries its ``rank`` and, from the previous period, ``previous_score``,
``change`` (= ``score_change``: score − previous score, not a change of rank),
``previous_rank`` and ``rank_change`` (previous rank − rank: positive = moved up; null
when unranked in either period, a "new" entry when ``rank`` is set). A date outside
1900-01-01 … 2999-12-31 is a 400 like any malformed one, as is an unknown kind or
counter; a key that cannot name an object of its kind is a 404. An export's file is
downloaded with the same token at ``api_download``; an export is seen by the user who
requested it, and by every user whose role may see every export (``VIEW_ALL_EXPORTS``).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from urbangrid.api.auth import api_auth, current_user
from urbangrid.api.errors import ErrorOut
from urbangrid.common import clock
from urbangrid.evaluation import hotspots
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.access import ExportNotFound, access_export
from urbangrid.evaluation.exports import export_params, file_name, request_export
from urbangrid.evaluation.models import Export, ExportFormat, ExportStatus
from urbangrid.evaluation.periods import Period, PeriodError, parse_period
from urbangrid.evaluation.selectors import (
    Result,
    cases_behind,
    evaluate,
    evaluate_one,
    evaluated_from,
    is_object_key,
    term_label,
)
from urbangrid.organisations.models import User
from urbangrid.organisations.permissions import Permission, has_permission
from urbangrid.organisations.selectors import home_district

router = Router(tags=["evaluation"], auth=api_auth)


def _user(request: HttpRequest) -> User:
    user = current_user(request)
    if not has_permission(user, Permission.VIEW_EVALUATION):
        raise HttpError(403, "your role may not view evaluation results")
    return user


AREA_CODE_LENGTHS = frozenset(ind.AREA_CODE_LENGTH.values())


def _district(user: User, district: str, *, name: str = "district") -> str:
    """The area evaluated from: ``district`` (any area code: a city's 4 digits, a
    district's 6, …; ``name`` is the parameter's), else the user's district, else the
    first district."""
    district = district.strip()
    if district:
        if not (district.isascii() and district.isdigit() and len(district) in AREA_CODE_LENGTHS):
            raise HttpError(400, f"{name} must be an area code (4, 6, 9, 12 or 15 digits)")
        return district
    home = home_district(user)
    return home.code if home else ""


class PeriodQuery(Schema):
    """The period of a result, as query parameters."""

    period: str = Field(default="month", description="day, week, month, quarter, year or custom")
    on: str = Field(default="", description="a day (YYYY-MM-DD) or month (YYYY-MM); default today")
    start: str = Field(default="", description="first day of a custom period")
    end: str = Field(default="", description="last day of a custom period")

    def resolve(self) -> Period:
        try:
            return parse_period(
                self.period, self.on, self.start, self.end, today=clock.today_local()
            )
        except PeriodError as exc:
            raise HttpError(400, str(exc)) from exc


class ScopedPeriodQuery(PeriodQuery):
    district: str = Field(
        default="", description="the area evaluated from: any area code (default: your district)"
    )


class MonthQuery(Schema):
    on: str = Field(default="", description="a day (YYYY-MM-DD) or month (YYYY-MM); default today")


def _month(on: str) -> Period:
    return PeriodQuery(period="month", on=on).resolve()


def _kind(kind: str) -> str:
    if kind not in ind.OBJECT_KINDS:
        raise HttpError(400, f"kind must be one of {', '.join(ind.OBJECT_KINDS)}")
    return kind


def _key(kind: str, key: str) -> str:
    """``key`` of an object of ``kind`` (checked by ``_kind`` first), or 404."""
    if not is_object_key(kind, key):
        raise HttpError(404, "no such object")
    return key


def _counter(kind: str, counter: str) -> str:
    if counter not in ind.KIND_COUNTERS[kind]:
        raise HttpError(400, "unknown counter for this kind")
    return counter


def _result(r: Result) -> dict[str, Any]:
    return {
        "kind": r.kind,
        "key": r.key,
        "name": r.name,
        "score": r.score,
        "grade": r.grade,
        "rank": r.rank,
        "previous_score": r.previous_score,
        "change": r.change,
        "score_change": r.change,
        "previous_rank": r.previous_rank,
        "rank_change": r.rank_change,
        "hotline_score": r.hotline_score,
        "counters": r.counters,
        "rates": r.rates,
        "terms": [
            {
                "source": t.source,
                "label": term_label(r.kind, t.source),
                "weight": t.weight,
                "value": t.value,
            }
            for t in r.terms
        ],
    }


def _period_out(p: Period) -> dict[str, Any]:
    return {"kind": p.kind, "start": p.start, "end": p.end, "label": p.label}


@router.get("/indicators", summary="The indicator catalogue")
def indicator_catalogue(request: HttpRequest) -> list[dict[str, Any]]:
    _user(request)
    return ind.catalogue()


@router.get("/scores/{kind}", summary="Scores, grades and ranks of every object of a kind")
def scores(request: HttpRequest, kind: str, q: Query[ScopedPeriodQuery]) -> dict[str, Any]:
    user = _user(request)
    p = q.resolve()
    results = evaluate(_kind(kind), p, _district(user, q.district))
    return {"period": _period_out(p), "results": [_result(r) for r in results]}


@router.get("/scores/{kind}/{key}", summary="One object's counters, rates and score")
def one_object(
    request: HttpRequest, kind: str, key: str, q: Query[ScopedPeriodQuery]
) -> dict[str, Any]:
    user = _user(request)
    key = _key(_kind(kind), key)
    p = q.resolve()
    result = evaluate_one(kind, key, p, _district(user, q.district))
    if result is None:
        raise HttpError(404, "no activity of this object in the period")
    return {"period": _period_out(p), **_result(result)}


@router.get("/scores/{kind}/{key}/cases/{counter}", summary="The cases behind a number")
def object_cases(
    request: HttpRequest, kind: str, key: str, counter: str, q: Query[ScopedPeriodQuery]
) -> dict[str, Any]:
    user = _user(request)
    counter = _counter(_kind(kind), counter)
    key = _key(kind, key)
    p = q.resolve()
    found = cases_behind(kind, key, counter, p, _district(user, q.district))
    for f in found:
        f["url"] = f"/api/v1/cases/{f['number']}"
    return {"period": _period_out(p), "total": sum(f["value"] for f in found), "cases": found}


class TopMattersQuery(PeriodQuery):
    area: str = Field(default="", description="an area code (default: your district)")
    limit: int = Field(default=10, ge=1, le=1000, description="at most this many matters")


@router.get("/hotspots/top-matters", summary="Top matter types by area and period")
def top_matters(request: HttpRequest, q: Query[TopMattersQuery]) -> dict[str, Any]:
    user = _user(request)
    p = q.resolve()
    return {
        "period": _period_out(p),
        "matters": hotspots.top_matters(p, _district(user, q.area, name="area"), limit=q.limit),
    }


@router.get("/hotspots/trend", summary="Monthly trend of one counter")
def trend(
    request: HttpRequest,
    kind: str,
    key: str,
    q: Query[MonthQuery],
    counter: Annotated[
        str, Field(description="a counter of the kind (default: its first, e.g. reports)")
    ] = "",
    months: int = 12,
    district: Annotated[
        str,
        Field(description="the area evaluated from: any area code (default: your district)"),
    ] = "",
) -> list[dict[str, Any]]:
    """Each month's value is the figure that month's evaluation (``scores/{kind}/{key}``
    with ``period=month`` and the same ``district``) shows, derived counters such as
    ``need_close`` or ``missed`` included. 404 for an object not evaluated from the
    area."""
    user = _user(request)
    kind = _kind(kind)
    counter = _counter(kind, counter or ind.KIND_COUNTERS[kind][0])
    key = _key(kind, key)
    p = _month(q.on)
    area = _district(user, district)
    if not evaluated_from(kind, key, area):
        raise HttpError(404, "this object is not evaluated from this area")
    return hotspots.trend(kind, key, counter, p.start, area, months=min(max(months, 1), 60))


@router.get("/hotspots/repeated", summary="Places with repeated complaints")
def repeated(
    request: HttpRequest,
    q: Query[MonthQuery],
    window_days: Annotated[int, Field(ge=0, le=3660, description="0 = configured window")] = 0,
    threshold: Annotated[int, Field(ge=0, le=100_000, description="0 = configured")] = 0,
    radius_m: Annotated[float, Field(ge=0, le=50_000, description="0 = by grid")] = 0,
    district: str = "",
) -> dict[str, Any]:
    user = _user(request)
    p = PeriodQuery(period="day", on=q.on).resolve()
    return hotspots.repeated_places(
        _district(user, district),
        p.end,
        window_days=window_days or None,
        threshold=threshold or None,
        radius_m=radius_m or None,
    )


@router.get("/hotspots/heatmap", summary="Heat map: reports per grid as weighted GeoJSON points")
def heatmap(request: HttpRequest, q: Query[ScopedPeriodQuery]) -> dict[str, Any]:
    user = _user(request)
    return hotspots.heatmap(q.resolve(), _district(user, q.district))


@router.get("/hotspots/one-topic", summary="每月一题: the month's most frequent problem")
def one_topic(
    request: HttpRequest, q: Query[MonthQuery], district: str = ""
) -> dict[str, Any] | None:
    user = _user(request)
    return hotspots.one_topic(_month(q.on).start, _district(user, district))


class ExportIn(ScopedPeriodQuery):
    format: str
    kind: str = ind.DEPARTMENT
    month: str = ""


def _export_out(e: Export) -> dict[str, Any]:
    return {
        "id": e.pk,
        "format": e.format,
        "status": e.status,
        "progress": e.progress,
        "error": e.error,
        # ``download`` is the staff page's link (a signed-in browser session);
        # ``api_download`` works with the API's bearer token.
        "download": reverse("evaluation:export_download", args=[e.pk]) if e.file else None,
        "api_download": reverse("api:export_download", args=[e.pk]) if e.file else None,
    }


@router.post("/exports", response={202: dict[str, Any]}, summary="Request a background export")
def create_export(request: HttpRequest, body: ExportIn) -> Status[dict[str, Any]]:
    user = _user(request)
    if body.format not in ExportFormat.values:
        raise HttpError(400, f"format must be one of {', '.join(ExportFormat.values)}")
    params = export_params(
        kind=_kind(body.kind),
        period=body.resolve(),
        month=_month(body.month).start if body.month else None,
        district_code=_district(user, body.district),
    )
    return Status(202, _export_out(request_export(user, body.format, params)))


def _visible_export(user: User, export_id: int) -> Export:
    try:
        return access_export(user, export_id)
    except ExportNotFound as exc:
        raise HttpError(404, "no such export") from exc


@router.get("/exports/{export_id}", summary="An export's status and download links")
def get_export(request: HttpRequest, export_id: int) -> dict[str, Any]:
    """``api_download`` (once done) downloads the file with the same bearer token;
    ``download`` is the staff page's link for a signed-in browser."""
    return _export_out(_visible_export(_user(request), export_id))


_EXPORT_TYPES = {
    "application/pdf": "monthly report (report_pdf)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "Excel (report_xlsx, indicators_xlsx)"
    ),
    "text/csv": "indicator list (indicators_csv), UTF-8 with BOM",
}


@router.get(
    "/exports/{export_id}/download",
    url_name="export_download",
    response={401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Download a finished export",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as an attachment.",
                "content": {
                    ctype: {"schema": {"type": "string", "format": "binary", "description": what}}
                    for ctype, what in _EXPORT_TYPES.items()
                },
            }
        }
    },
)
def download_export(request: HttpRequest, export_id: int) -> HttpResponseBase:
    """The file of a finished export, for the user who requested it or one whose role
    may see every export (the auditor). 404 while it is not ready."""
    export = _visible_export(_user(request), export_id)
    if export.status != ExportStatus.DONE or not export.file:
        raise HttpError(404, "the export is not ready")
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=file_name(export))
