"""Hotspot analysis (热点分析): top matter types by area and period, trends, places with
repeated complaints, a heat map and the monthly "one topic" (每月一题) report."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

from urbangrid.cases.models import Case, Channel
from urbangrid.catalog.models import CatalogType, Kind
from urbangrid.catalog.selectors import default_standard_for
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.aggregates import _utc_bounds
from urbangrid.evaluation.periods import Period, month_period
from urbangrid.evaluation.selectors import config_for, counters_for, sum_counters
from urbangrid.geo.models import Street, UnitGrid


def matter_names(codes: list[str]) -> dict[str, str]:
    """The name of each matter code: the matter type (事项) of the standard the code
    belongs to (five digits: GB/T 47678.5-2026, four: CJ/T 214-2007), never the
    component type (部件) sharing the code, e.g. 01037 路灯异常, not 路灯. A code known
    only otherwise (a case reported on a component type) falls back to that name."""
    names: dict[str, str] = {}
    rows = CatalogType.objects.filter(code__in=codes).values_list(
        "code", "name", "kind", "standard"
    )
    for code, name, _kind, _standard in sorted(
        rows, key=lambda r: (r[2] != Kind.MATTER, r[3] != default_standard_for(r[0]))
    ):
        names.setdefault(code, name)
    return names


def top_matters(period: Period, area_prefix: str, *, limit: int = 10) -> list[dict[str, Any]]:
    """Matter types by number of reports in the area (any code prefix) and period."""
    totals: dict[str, int] = defaultdict(int)
    for key, counters in sum_counters(ind.GRID_MATTER, period, prefix=area_prefix).items():
        totals[key.split("|", 1)[1]] += counters.get("reports", 0)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    names = matter_names([code for code, _n in ranked])
    return [{"matter": code, "name": names.get(code, code), "reports": n} for code, n in ranked]


def trend(
    kind: str,
    key: str,
    counter: str,
    end_month: dt.date,
    district_code: str,
    *,
    months: int = 12,
) -> list[dict[str, Any]]:
    """Monthly values of one counter of one object, oldest first: each month's value is
    the figure that month's evaluation from the area ``district_code`` shows for the
    object (``counters_for``, the code path of ``evaluate``), stored or derived, such as
    应结案数 ``need_close``, an inspector's ``missed`` and ``grid_filed``, ``responded``
    and ``satisfied`` under the area's scoring configuration; 0 in a month without any."""
    if counter not in ind.KIND_COUNTERS.get(kind, ()):
        raise ValueError(f"{counter!r} is not a counter of {kind!r}")
    config = config_for(district_code)
    points = []
    month = end_month.replace(day=1)
    for _i in range(months):
        period = month_period(month)
        counters = counters_for(kind, period, district_code, config, key=key)
        points.append({"month": f"{month:%Y-%m}", "value": counters.get(key, {}).get(counter, 0)})
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(points))


def repeated_places(
    district_code: str,
    end: dt.date,
    *,
    window_days: int | None = None,
    threshold: int | None = None,
    radius_m: float | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Places with ≥ ``threshold`` public complaints within the window ending ``end``:
    by unit grid (from the aggregates) and by radius clusters of the reported points."""
    config = config_for(district_code)
    window = window_days or int(config["repeat_window_days"])
    least = threshold or int(config["repeat_threshold"])
    radius = radius_m or float(config["repeat_radius_m"])
    period = Period("custom", end - dt.timedelta(days=window - 1), end)
    grids = sum_counters(ind.GRID, period, prefix=district_code)
    by_grid: list[dict[str, Any]] = sorted(
        (
            {"grid": code, "complaints": c.get("public_reports", 0)}
            for code, c in grids.items()
            if c.get("public_reports", 0) >= least
        ),
        key=lambda g: (-g["complaints"], g["grid"]),
    )
    names = dict(
        UnitGrid.objects.filter(code__in=[g["grid"] for g in by_grid]).values_list("code", "name")
    )
    for g in by_grid:
        g["name"] = names.get(g["grid"], g["grid"])
    begin, finish = _utc_bounds(period.start, period.end)
    points = list(
        Case.objects.filter(
            created_at__gte=begin, created_at__lt=finish, district_code__startswith=district_code
        )
        .exclude(channel=Channel.INSPECTOR)
        .values_list("number", "lng", "lat")[:20000]
    )
    clusters: list[dict[str, Any]] = []
    for number, lng, lat in points:
        for cluster in clusters:
            if _metres(lng, lat, cluster["lng"], cluster["lat"]) <= radius:
                cluster["cases"].append(number)
                break
        else:
            clusters.append({"lng": lng, "lat": lat, "cases": [number]})
    by_radius = [
        {"lng": c["lng"], "lat": c["lat"], "complaints": len(c["cases"]), "cases": c["cases"]}
        for c in clusters
        if len(c["cases"]) >= least
    ]
    by_radius.sort(key=lambda c: -c["complaints"])
    return {"by_grid": by_grid, "by_radius": by_radius}


def _metres(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    x = math.radians(lng2 - lng1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_000 * math.hypot(x, y)


def heatmap(period: Period, district_code: str) -> dict[str, Any]:
    """GeoJSON points (grid centres) weighted by reports in the period."""
    sums = sum_counters(ind.GRID, period, prefix=district_code)
    grids = UnitGrid.objects.filter(code__in=list(sums)).values_list(
        "code", "name", "centre_lng", "centre_lat"
    )
    features = []
    for code, name, lng, lat in grids:
        weight = sums.get(code, {}).get("reports", 0)
        if weight and lng is not None and lat is not None:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lng, lat]},
                    "properties": {"grid": code, "name": name, "weight": weight},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def one_topic(month: dt.date, district_code: str) -> dict[str, Any] | None:
    """每月一题: the most frequent matter of the month, where (grids, streets) and when
    (hour of day, weekday) it happens, and its change from the previous month."""
    period = month_period(month)
    top = top_matters(period, district_code, limit=1)
    if not top:
        return None
    matter = top[0]["matter"]
    grids: list[tuple[str, int]] = []
    streets: dict[str, int] = defaultdict(int)
    for key, counters in sum_counters(ind.GRID_MATTER, period, prefix=district_code).items():
        grid, code = key.split("|", 1)
        if code == matter:
            grids.append((grid, counters.get("reports", 0)))
            streets[grid[:9]] += counters.get("reports", 0)
    grids.sort(key=lambda g: (-g[1], g[0]))
    grid_names = dict(
        UnitGrid.objects.filter(code__in=[g for g, _n in grids[:5]]).values_list("code", "name")
    )
    street_names = dict(Street.objects.filter(code__in=list(streets)).values_list("code", "name"))
    when = sum_counters(ind.MATTER, period, key=matter).get(matter, {})
    hours = [when.get(f"h{h:02d}", 0) for h in range(24)]
    weekdays = [when.get(f"wd{d}", 0) for d in range(7)]
    before = (
        sum_counters(ind.MATTER, period.previous(), key=matter).get(matter, {}).get("reports", 0)
    )
    return {
        "month": period.label,
        "matter": matter,
        "name": top[0]["name"],
        "reports": top[0]["reports"],
        "previous_reports": before,
        "grids": [{"grid": g, "name": grid_names.get(g, g), "reports": n} for g, n in grids[:5]],
        "streets": sorted(
            (
                {"street": s, "name": street_names.get(s, s), "reports": n}
                for s, n in streets.items()
            ),
            key=lambda s: -s["reports"],
        ),
        "hours": hours,
        "peak_hour": max(range(24), key=lambda h: hours[h]),
        "weekdays": weekdays,
        "peak_weekday": max(range(7), key=lambda d: weekdays[d]),
    }
