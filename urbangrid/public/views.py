"""Citizen pages: the published monthly rankings (排名公示) of departments and streets.

Only departments and areas are ranked here; no staff names and no personal data. Only
completed months are published: the running month and later ones answer 404, as does a
district that is not one of the city's. The month picker lists the completed months with
figures for the chosen district.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from urbangrid.common import clock
from urbangrid.evaluation import charts
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.periods import PeriodError, month_period, parse_period
from urbangrid.evaluation.selectors import evaluate, months_with_figures, percent_text
from urbangrid.geo.models import District

PUBLIC_RATES = {
    ind.DEPARTMENT: ("handle_on_time_rate", "close_rate", "rework_rate"),
    ind.STREET: ("close_rate", "closed_on_time_rate"),
}
PUBLIC_KINDS = (ind.DEPARTMENT, ind.STREET)
MAX_MONTHS_OFFERED = 120


def last_completed_month(today: dt.date) -> dt.date:
    """The first day of the last month that has ended."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def rankings(request: HttpRequest) -> HttpResponse:
    """Department and street rankings of one completed month (default: last month)."""
    districts = list(District.objects.order_by("code").values_list("code", "name"))
    district = request.GET.get("district") or (districts[0][0] if districts else "")
    if districts and district not in dict(districts):
        raise Http404("no such district")
    today = clock.today_local()
    last = last_completed_month(today)
    try:
        if request.GET.get("month"):
            period = parse_period("month", request.GET["month"], today=today)
        else:
            period = month_period(last)
    except PeriodError as exc:
        raise Http404(str(exc)) from exc
    if period.end >= today:
        raise Http404("only completed months are published")
    months = months_with_figures(district, PUBLIC_KINDS, until=last, limit=MAX_MONTHS_OFFERED)
    tables = []
    for kind in PUBLIC_KINDS:
        results = [r for r in evaluate(kind, period, district) if r.score is not None]
        rates = PUBLIC_RATES[kind]
        tables.append(
            {
                "kind": kind,
                "title": ind.KIND_LABELS[kind],
                "rate_labels": [ind.RATES[r].label for r in rates],
                "rows": [
                    {
                        "rank": r.rank,
                        "name": r.name,
                        "score": r.score,
                        "grade": r.grade,
                        "change": r.change_label,
                        "rank_change": r.rank_change_label,
                        "rates": [percent_text(r.rates.get(code)) for code in rates],
                    }
                    for r in results
                ],
                "chart": charts.bar_chart(
                    [r.name for r in results[:20]], [r.score for r in results[:20]], maximum=100
                ),
            }
        )
    return render(
        request,
        "public/rankings.html",
        {
            "period": period,
            "district": district,
            "districts": districts,
            "months": sorted({*months, period.start}, reverse=True),  # and the one shown
            "tables": tables,
        },
    )
