"""Staff evaluation pages (考评): scores by object kind, drill-down to indicator values and
to the cases behind each number, hotspots, reports and exports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from urbangrid.common import clock
from urbangrid.evaluation import charts, exports, hotspots
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.access import (
    ExportNotFound,
    access_export,
    can_see_every_export,
    exports_visible_to,
)
from urbangrid.evaluation.models import ExportFormat, ExportStatus
from urbangrid.evaluation.periods import Period, PeriodError, parse_period
from urbangrid.evaluation.selectors import (
    cases_behind,
    evaluate,
    evaluate_one,
    is_object_key,
    percent_text,
    staff_name,
    term_rows,
)
from urbangrid.organisations.models import User
from urbangrid.organisations.permissions import Permission, has_permission
from urbangrid.organisations.selectors import home_district

View = Callable[..., HttpResponseBase]


def evaluation_view(view: View) -> View:
    """Signed in, with ``VIEW_EVALUATION``."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        assert isinstance(request.user, User)
        if not has_permission(request.user, Permission.VIEW_EVALUATION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


AREA_CODE_LENGTHS = frozenset(ind.AREA_CODE_LENGTH.values())


def area_code(value: str) -> str:
    """An area code from a query string (a city's 4 digits, a district's 6, a street's
    9, a community's 12 or a grid's 15), or 404."""
    value = value.strip()
    if value and not (value.isascii() and value.isdigit() and len(value) in AREA_CODE_LENGTHS):
        raise Http404("not an area code")
    return value


def district_for(request: HttpRequest) -> str:
    """The area evaluated from: ``?district=`` (any area code, e.g. a city's four
    digits), else the user's district (``home_district``: their area's, else their patrol
    grids'), else the first district."""
    code = area_code(request.GET.get("district", ""))
    if code:
        return code
    user = request.user
    home = home_district(user) if isinstance(user, User) else None
    return home.code if home else ""


def period_for(request: HttpRequest) -> Period:
    return _period(request.GET)


def _period(query: Mapping[str, str]) -> Period:
    """The period of a page's query (or form): a bad or out-of-range date is a 404."""
    try:
        return parse_period(
            query.get("period") or "month",
            query.get("on", ""),
            query.get("from", ""),
            query.get("to", ""),
            today=clock.today_local(),
        )
    except PeriodError as exc:
        raise Http404(str(exc)) from exc


def _kind(kind: str) -> str:
    if kind not in ind.OBJECT_KINDS:
        raise Http404("unknown kind")
    return kind


def _key(kind: str, key: str) -> str:
    """``key`` of an object of ``kind`` (checked by ``_kind`` first), or 404."""
    if not is_object_key(kind, key):
        raise Http404("no such object")
    return key


def _query(request: HttpRequest, **overrides: str) -> str:
    """The page's query string with ``overrides`` set (each key once)."""
    query = request.GET.copy()
    for key, value in overrides.items():
        query[key] = value
    return query.urlencode()


@evaluation_view
def index(request: HttpRequest) -> HttpResponse:
    kind = _kind(request.GET.get("kind", ind.DEPARTMENT))
    period, district = period_for(request), district_for(request)
    results = evaluate(kind, period, district)
    return render(
        request,
        "evaluation/index.html",
        {
            "kind": kind,
            "kinds": [(k, ind.KIND_LABELS[k], _query(request, kind=k)) for k in ind.OBJECT_KINDS],
            "period": period,
            "district": district,
            "results": results,
            "query": _query(request),
            "download_query": _query(request, kind=kind),
            "chart": charts.bar_chart(
                [r.name for r in results[:20]], [r.score for r in results[:20]], maximum=100
            ),
            "formats": ExportFormat.choices,
        },
    )


@evaluation_view
def detail(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    kind = _kind(kind)
    key = _key(kind, key)
    period, district = period_for(request), district_for(request)
    result = evaluate_one(kind, key, period, district)
    if result is None:
        raise Http404("no activity in this period")
    counters = [
        (c, ind.COUNTERS[c].label, result.counters.get(c, 0)) for c in ind.KIND_COUNTERS[kind]
    ]
    rates = [
        (r, ind.RATES[r].label, percent_text(result.rates.get(r))) for r in ind.KIND_RATES[kind]
    ]
    main_counter = ind.KIND_COUNTERS[kind][0]
    points = hotspots.trend(kind, key, main_counter, period.end, district, months=12)
    return render(
        request,
        "evaluation/detail.html",
        {
            "result": result,
            "kind": kind,
            "kind_label": ind.KIND_LABELS[kind],
            "period": period,
            "counters": counters,
            "rates": rates,
            "terms": term_rows(result),
            "query": _query(request),
            "trend_label": ind.COUNTERS[main_counter].label,
            "trend": charts.line_chart([p["month"] for p in points], [p["value"] for p in points]),
        },
    )


@evaluation_view
def cases(request: HttpRequest, kind: str, key: str, counter: str) -> HttpResponse:
    kind = _kind(kind)
    if counter not in ind.KIND_COUNTERS[kind]:
        raise Http404("unknown counter")
    key = _key(kind, key)
    period, district = period_for(request), district_for(request)
    found = cases_behind(kind, key, counter, period, district)
    for row in found:
        row["url"] = reverse("staff:case", args=[row["number"]])
    return render(
        request,
        "evaluation/cases.html",
        {
            "kind": kind,
            "key": key,
            "counter": ind.COUNTERS[counter].label,
            "period": period,
            "cases": found,
            "total": sum(f["value"] for f in found),
            "query": _query(request),
        },
    )


@evaluation_view
def hotspot_page(request: HttpRequest) -> HttpResponse:
    period, district = period_for(request), district_for(request)
    top = hotspots.top_matters(period, area_code(request.GET.get("area", "")) or district)
    topic = hotspots.one_topic(period.start, district)
    return render(
        request,
        "evaluation/hotspots.html",
        {
            "period": period,
            "district": district,
            "top": top,
            "topic": topic,
            "repeated": hotspots.repeated_places(district, period.end),
            "top_chart": charts.bar_chart([t["name"] for t in top], [t["reports"] for t in top]),
            "hours_chart": charts.line_chart([f"{h:02d}" for h in range(24)], topic["hours"])
            if topic
            else "",
            "query": _query(request),
        },
    )


@evaluation_view
def report_download(request: HttpRequest, fmt: str) -> HttpResponse:
    period, district = period_for(request), district_for(request)
    if fmt == "pdf":
        body, ctype = exports.report_pdf(period.start, district), "application/pdf"
    elif fmt == "xlsx":
        body = exports.report_xlsx(period.start, district)
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "html":
        return HttpResponse(exports.report_html(period.start, district))
    else:
        raise Http404
    response = HttpResponse(body, content_type=ctype)
    # A monthly report: the month it covers (the month the period starts in).
    response["Content-Disposition"] = (
        f'attachment; filename="report-{district}-{period.start:%Y-%m}.{fmt}"'
    )
    return response


@evaluation_view
def indicators_download(request: HttpRequest, fmt: str) -> HttpResponse:
    kind = _kind(request.GET.get("kind", ind.DEPARTMENT))
    period, district = period_for(request), district_for(request)
    if fmt == "csv":
        body, ctype = exports.indicators_csv(kind, period, district), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = exports.indicators_xlsx(kind, period, district)
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = (
        f'attachment; filename="indicators-{kind}-{period.label}.{fmt}"'
    )
    return response


EXPORTS_LISTED = 50


@evaluation_view
def export_list(request: HttpRequest) -> HttpResponse:
    """The newest exports the user may download: their own, or every one for a role
    that may see every export."""
    assert isinstance(request.user, User)
    everyone = can_see_every_export(request.user)
    listed = exports_visible_to(request.user).select_related("created_by")[:EXPORTS_LISTED]
    rows = [
        {
            "export": e,
            "label": exports.export_label(e),
            "requested_by": staff_name(e.created_by) if everyone else "",
        }
        for e in listed
    ]
    return render(
        request,
        "evaluation/exports.html",
        {"rows": rows, "show_requester": everyone, "formats": ExportFormat.choices},
    )


@require_POST
@evaluation_view
def export_request(request: HttpRequest) -> HttpResponse:
    fmt = request.POST.get("format", "")
    if fmt not in ExportFormat.values:
        raise Http404("unknown format")
    month = request.POST.get("month", "")
    params = exports.export_params(
        kind=_kind(request.POST.get("kind") or ind.DEPARTMENT),
        period=_period(request.POST),
        month=_period({"period": "month", "on": month}).start if month else None,
        district_code=area_code(request.POST.get("district", "")) or district_for(request),
    )
    assert isinstance(request.user, User)
    exports.request_export(request.user, fmt, params)
    return redirect("evaluation:exports")


@evaluation_view
def export_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    assert isinstance(request.user, User)
    try:
        export = access_export(request.user, pk)
    except ExportNotFound as exc:
        raise Http404("no such export") from exc
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404("not ready")
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=exports.file_name(export),
    )
