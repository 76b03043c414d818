"""Citizen pages: the published monthly rankings (排名公示) of departments and streets.

Only departments and areas are ranked here; no staff names and no personal data.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from urbangrid.common import clock
from urbangrid.evaluation import charts
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.periods import PeriodError, month_period, parse_period
from urbangrid.evaluation.selectors import evaluate
from urbangrid.geo.models import District

PUBLIC_RATES = {
    ind.DEPARTMENT: ("handle_on_time_rate", "close_rate", "rework_rate"),
    ind.STREET: ("close_rate", "closed_on_time_rate"),
}


def rankings(request: HttpRequest) -> HttpResponse:
    """Department and street rankings of one month (default: last month)."""
    districts = list(District.objects.order_by("code").values_list("code", "name"))
    district = request.GET.get("district") or (districts[0][0] if districts else "")
    today = clock.today_local()
    try:
        if request.GET.get("month"):
            period = parse_period("month", request.GET["month"], today=today)
        else:
            period = month_period(today.replace(day=1) - dt.timedelta(days=1))
    except PeriodError as exc:
        raise Http404(str(exc)) from exc
    tables = []
    for kind in (ind.DEPARTMENT, ind.STREET):
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
                        "change": r.change,
                        "rates": [r.rates.get(code) for code in rates],
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
            "tables": tables,
        },
    )
