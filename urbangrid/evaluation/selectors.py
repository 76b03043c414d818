"""Reading evaluation results: counters summed over a period from the aggregates, rates,
composite scores, grades, ranks and change, and the cases behind a number.

A period sums whole months from ``MonthlyCount`` and the remaining days from
``DailyCount``, so a month over a long history reads one row per object and counter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext, pgettext

from urbangrid.cases.models import Case, CaseEvent, Dispatch
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.aggregates import _utc_bounds, case_emissions
from urbangrid.evaluation.models import DailyCount, MonthlyCount, ScoringConfig, Watermark
from urbangrid.evaluation.periods import Period
from urbangrid.geo.models import Community, District, Street, UnitGrid
from urbangrid.organisations.models import Department, InspectorGrid, User

Sums = dict[str, dict[str, int]]


def config_for(district_code: str) -> dict[str, Any]:
    row = ScoringConfig.objects.filter(district_code=district_code).first()
    return ind.merge_config(row.config if row else None)


def _months_and_days(period: Period) -> tuple[list[dt.date], list[tuple[dt.date, dt.date]]]:
    """Whole months inside the period, and the leftover day ranges."""
    months: list[dt.date] = []
    ranges: list[tuple[dt.date, dt.date]] = []
    day = period.start
    while day <= period.end:
        month_end = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(
            days=1
        )
        if day.day == 1 and month_end <= period.end:
            months.append(day)
            day = month_end + dt.timedelta(days=1)
            continue
        last = min(month_end, period.end)
        ranges.append((day, last))
        day = last + dt.timedelta(days=1)
    return months, ranges


def sum_counters(
    kind: str,
    period: Period,
    *,
    prefix: str = "",
    key: str = "",
    keys: Iterable[str] | None = None,
    counters: Iterable[str] | None = None,
) -> Sums:
    """{object key: {counter: total}} of ``kind`` over ``period`` (only the object
    ``key``, the objects ``keys`` or the ``counters``, when given). Rows are summed here:
    a month holds one row per object and counter."""
    months, ranges = _months_and_days(period)
    result: Sums = defaultdict(lambda: defaultdict(int))
    parts: list[Any] = []
    if months:
        monthly = MonthlyCount.objects.filter(object_kind=kind, month__in=months)
        parts.append(monthly)
    if ranges:
        cond = Q()
        for first, last in ranges:
            cond |= Q(day__gte=first, day__lte=last)
        parts.append(DailyCount.objects.filter(cond, object_kind=kind))
    for qs in parts:
        if prefix:
            qs = qs.filter(object_key__startswith=prefix)
        if key:
            qs = qs.filter(object_key=key)
        if keys is not None:
            qs = qs.filter(object_key__in=list(keys))
        if counters is not None:
            qs = qs.filter(counter__in=list(counters))
        for object_key, counter, value in qs.values_list("object_key", "counter", "value"):
            result[object_key][counter] += value
    return {k: dict(v) for k, v in result.items()}


@dataclass
class Result:
    kind: str
    key: str
    name: str
    counters: dict[str, int]
    rates: dict[str, float | None]
    score: float | None
    grade: str
    terms: list[ind.ScoreTerm] = field(default_factory=list)
    hotline_score: float | None = None
    rank: int | None = None
    previous_score: float | None = None
    previous_rank: int | None = None

    @property
    def change(self) -> float | None:
        """The change of the score from the previous period (not of the rank)."""
        if self.score is None or self.previous_score is None:
            return None
        return round(self.score - self.previous_score, 2)

    @property
    def rank_change(self) -> int | None:
        """Places gained since the previous period: previous rank − rank (positive = up);
        ``None`` without a rank in either period."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def rank_change_label(self) -> str:
        """``↑9``, ``↓2``, ``–`` (same place) or "new" (no score before); empty without
        a rank now or then."""
        if self.rank is None:
            return ""
        change = self.rank_change
        if change is None:  # new, or scored before without peers to rank among
            return pgettext("rank change", "new") if self.previous_score is None else ""
        if change > 0:
            return f"↑{change}"
        if change < 0:
            return f"↓{-change}"
        return "–"

    @property
    def change_label(self) -> str:
        """The score change with its sign (``+67.62``, ``-3.10``, ``0.00``); empty when
        there is no score in either period."""
        return signed_text(self.change)


def signed_text(value: float | None) -> str:
    """A score difference with its sign and two decimals; empty for ``None``."""
    if value is None:
        return ""
    if value > 0:
        return f"+{value:.2f}"
    if value < 0:
        return f"-{-value:.2f}"
    return "0.00"


def percent_text(value: float | None) -> str:
    """A rate as a percentage with one decimal (``89.5%``); empty for ``None``."""
    return "" if value is None else f"{100 * value:.1f}%"


def term_label(kind: str, source: str) -> str:
    """The human label of a score term's source (``rate:close_rate`` → the rate's
    label; ``inverse:rework_rate`` → "1 − …"; ``band:…:to_handle`` → the count score of
    the counter), in the active language."""
    how, _sep, rest = source.partition(":")
    if how == "band":
        counter = rest.partition(":")[2]
        label = str(ind.COUNTERS[counter].label) if counter in ind.COUNTERS else counter
        if kind in ind.AREA_KINDS:
            return gettext("count score of %(counter)s, per grid") % {"counter": label}
        return gettext("count score of %(counter)s") % {"counter": label}
    label = str(ind.RATES[rest].label) if rest in ind.RATES else rest
    if how == "inverse":
        return gettext("1 − %(rate)s") % {"rate": label}
    return label


def term_rows(result: Result) -> list[dict[str, Any]]:
    """The score breakdown of ``result`` for people: label, weight, the input the term
    scored (a rate as a percentage; a count, per grid for areas) and the 0–100 value
    rounded to two decimals."""
    rows = []
    for term in result.terms:
        if term.source.startswith("band:"):
            shown = "" if term.input is None else f"{term.input:.2f}".rstrip("0").rstrip(".")
        else:
            shown = percent_text(term.input)
        rows.append(
            {
                "source": term.source,
                "label": term_label(result.kind, term.source),
                "weight": f"{term.weight:g}",
                "input": shown,
                "value": None if term.value is None else f"{term.value:.2f}",
            }
        )
    return rows


def staff_name(user: User) -> str:
    """A name that tells staff apart: "full name (username)", else the username. Full
    names alone repeat (every demo inspector is called 监督员)."""
    full = user.get_full_name().strip()
    if not full or full == user.username:
        return user.username
    return f"{full} ({user.username})"


def _city_names(keys: Iterable[str]) -> dict[str, str]:
    """A city's name: the ``city_name`` of its first district that has one."""
    names: dict[str, str] = {}
    wanted = set(keys)
    length = ind.AREA_CODE_LENGTH[ind.CITY]
    for code, city_name in District.objects.order_by("code").values_list("code", "city_name"):
        if code[:length] in wanted and city_name:
            names.setdefault(code[:length], city_name)
    return names


def _names(kind: str, keys: Iterable[str]) -> dict[str, str]:
    keys = list(keys)
    if kind == ind.CITY:
        return _city_names(keys)
    if kind in ind.STAFF_KINDS:
        ids = [int(k) for k in keys if k.isdigit()]
        return {str(u.pk): staff_name(u) for u in User.objects.filter(pk__in=ids)}
    if kind == ind.DEPARTMENT:
        ids = [int(k) for k in keys if k.isdigit()]
        return {
            str(pk): name
            for pk, name in Department.objects.filter(pk__in=ids).values_list("pk", "name")
        }
    model: type[UnitGrid | Community | Street | District] = {  # type: ignore[assignment]
        ind.GRID: UnitGrid,
        ind.COMMUNITY: Community,
        ind.STREET: Street,
        ind.DISTRICT: District,
    }[kind]
    return dict(model._default_manager.filter(code__in=keys).values_list("code", "name"))


def _grid_counts(kind: str, keys: Iterable[str]) -> dict[str, int]:
    if kind == ind.GRID:
        return dict.fromkeys(keys, 1)
    codes = list(UnitGrid.objects.filter(valid_to__isnull=True).values_list("code", flat=True))
    length = ind.AREA_CODE_LENGTH[kind]
    counts: dict[str, int] = defaultdict(int)
    for code in codes:
        counts[code[:length]] += 1
    return {k: counts.get(k, 1) for k in keys}


def _in_scope(kind: str, keys: Iterable[str], district_code: str) -> list[str]:
    """The objects evaluated from the area ``district_code`` (any area code: 4 digits
    for a city, 6 for a district, …): areas inside it and the area of ``kind`` that
    contains it; departments of that district (or of none); staff working in it."""
    keys = list(keys)
    if kind in ind.AREA_KINDS:
        return [k for k in keys if k.startswith(district_code) or district_code.startswith(k)]
    if kind == ind.DEPARTMENT:
        ids = [int(k) for k in keys if k.isdigit()]
        inside = Department.objects.filter(pk__in=ids).filter(
            Q(district__isnull=True) | Q(district__code=district_code)
        )
        return [str(pk) for pk in inside.values_list("pk", flat=True)]
    ids = [int(k) for k in keys if k.isdigit()]
    users = User.objects.filter(pk__in=ids).filter(
        Q(area_code="") | Q(area_code__startswith=district_code)
    )
    return [str(pk) for pk in users.values_list("pk", flat=True)]


def evaluated_from(kind: str, key: str, district_code: str) -> bool:
    """Whether the object ``kind``/``key`` is among those evaluated from the area
    ``district_code`` (``evaluate`` shows no other)."""
    return bool(_in_scope(kind, [key], district_code))


Span = tuple[dt.date, dt.date]
"""The first and the last day (inclusive) of a stretch of days."""


def _merged(spans: list[Span]) -> list[Span]:
    """``spans`` sorted, with overlapping or touching ones joined."""
    joined: list[Span] = []
    for first, last in sorted(spans):
        if joined and first <= joined[-1][1] + dt.timedelta(days=1):
            joined[-1] = (joined[-1][0], max(joined[-1][1], last))
        else:
            joined.append((first, last))
    return joined


def patrol_spans(
    period: Period, *, district_code: str = "", inspector_ids: Iterable[int] | None = None
) -> dict[str, dict[str, list[Span]]]:
    """{inspector key: {grid code: [span, …]}}: the days of ``period`` on which each
    inspector patrolled each grid (of the area ``district_code``, when given), from the
    history of assignments: a grid counts for an inspector on the days they patrolled
    it, never by today's assignments."""
    rows = InspectorGrid.history.in_force_between(period.start, period.end)
    if district_code:
        rows = rows.filter(grid_code__startswith=district_code)
    if inspector_ids is not None:
        rows = rows.filter(inspector_id__in=list(inspector_ids))
    found: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for inspector_id, code, started_on, ended_on in rows.values_list(
        "inspector_id", "grid_code", "started_on", "ended_on"
    ):
        first = max(started_on, period.start)
        last = period.end if ended_on is None else min(ended_on - dt.timedelta(days=1), period.end)
        if first <= last:
            found[(str(inspector_id), code)].append((first, last))
    spans: dict[str, dict[str, list[Span]]] = defaultdict(dict)
    for (inspector, code), days in found.items():
        spans[inspector][code] = _merged(days)
    return dict(spans)


def _patrolled_grid_counters(
    spans: dict[str, dict[str, list[Span]]],
    period: Period,
    district_code: str,
    *,
    all_keys: bool,
) -> dict[str, dict[str, int]]:
    """{inspector key: {"missed": …, "grid_filed": …}}: the grids' ``public_filed`` and
    ``filed`` summed over the days each inspector patrolled them. One read per distinct
    span (the whole period, and each span an assignment started or ended inside it);
    ``all_keys`` reads every grid of the area for the whole period instead of listing
    them."""
    wanted: dict[Span, set[str]] = defaultdict(set)
    for grids in spans.values():
        for code, days in grids.items():
            for span in days:
                wanted[span].add(code)
    whole = (period.start, period.end)
    sums: dict[Span, Sums] = {}
    for span, codes in wanted.items():
        sums[span] = sum_counters(
            ind.GRID,
            Period("custom", *span),
            prefix=district_code,
            counters=("public_filed", "filed"),
            keys=None if all_keys and span == whole else sorted(codes),
        )
    result: dict[str, dict[str, int]] = {}
    for inspector, grids in spans.items():
        missed = filed = 0
        for code, days in grids.items():
            for span in days:
                row = sums[span].get(code, {})
                missed += row.get("public_filed", 0)
                filed += row.get("filed", 0)
        result[inspector] = {"missed": missed, "grid_filed": filed}
    return result


def counters_for(
    kind: str, period: Period, district_code: str, config: dict[str, Any], *, key: str = ""
) -> dict[str, dict[str, int]]:
    """{object key: {counter: value}} of the objects of ``kind`` evaluated from the area
    ``district_code`` in ``period``: the stored counters and the derived ones (an
    inspector's 漏报数 ``missed`` and ``grid_filed`` from the grids they patrolled, each
    on the days they patrolled it (``patrol_spans``), then ``indicators.derived``). What
    ``evaluate`` shows, and a trend reads (``key``: that object only, with the same
    figures)."""
    prefix = district_code[: ind.AREA_CODE_LENGTH[kind]] if kind in ind.AREA_KINDS else ""
    sums = sum_counters(kind, period, prefix=prefix, key=key)
    if kind == ind.INSPECTOR:
        if key and not key.isdigit():
            spans = {}
        else:
            spans = patrol_spans(
                period, district_code=district_code, inspector_ids=[int(key)] if key else None
            )
        patrolled = _patrolled_grid_counters(spans, period, district_code, all_keys=not key)
        for inspector in set(sums) | set(spans):
            row = sums.setdefault(inspector, {})
            row.update(patrolled.get(inspector, {"missed": 0, "grid_filed": 0}))
    keys = _in_scope(kind, sums, district_code)
    return {k: ind.derived(kind, sums[k], config) for k in keys}


def evaluate(
    kind: str, period: Period, district_code: str, *, with_previous: bool = True
) -> list[Result]:
    """Every object of ``kind`` with activity in ``period``: counters, rates, composite
    score, grade and rank among its peers (best first; no rank for an object without
    peers, such as the only city), and the change from the previous period.

    ``district_code`` is the area evaluated from: a district (6 digits) or any other
    area code, such as a city's four digits."""
    if kind not in ind.OBJECT_KINDS:
        raise ValueError(f"unknown object kind {kind!r}")
    config = config_for(district_code)
    all_counters = counters_for(kind, period, district_code, config)
    names = _names(kind, all_counters)
    grids = _grid_counts(kind, all_counters) if kind in ind.AREA_KINDS else {}
    results: list[Result] = []
    for key, counters in all_counters.items():
        rates = ind.rates_of(kind, counters)
        score, terms = ind.composite(kind, counters, rates, config, grids=grids.get(key, 1))
        hotline = None
        if kind == ind.DEPARTMENT or kind in ind.AREA_KINDS:
            hotline_rates = {
                c: ind.rate_value(ind.RATES[c], counters)
                for c in ("response_rate", "solution_rate", "satisfaction_rate")
            }
            hotline = ind.hotline_score(hotline_rates, config)
        results.append(
            Result(
                kind,
                key,
                names.get(key, key),
                {c: counters.get(c, 0) for c in ind.KIND_COUNTERS[kind]},
                rates,
                score,
                ind.grade_of(config, score),
                terms,
                hotline,
            )
        )
    results.sort(key=lambda r: (r.score is None, -(r.score or 0), r.name, r.key))
    rank, previous_score, position = 0, None, 0
    ranked = sum(1 for r in results if r.score is not None) > 1  # a rank needs peers
    for result in results:
        position += 1
        if result.score is None or not ranked:
            continue
        if result.score != previous_score:
            rank, previous_score = position, result.score
        result.rank = rank
    if with_previous:
        before = {
            r.key: r for r in evaluate(kind, period.previous(), district_code, with_previous=False)
        }
        for result in results:
            earlier = before.get(result.key)
            if earlier is not None:
                result.previous_score, result.previous_rank = earlier.score, earlier.rank
    return results


MAX_ID_DIGITS = 18


def is_object_key(kind: str, key: str) -> bool:
    """Whether ``key`` can name an object of ``kind`` (checked before looking it up): an
    area's code (ASCII digits, as many as the codes of that kind have), or the id of a
    department or a staff user (ASCII digits, at most 18: a 64-bit integer)."""
    if not (key.isascii() and key.isdigit()):
        return False
    if kind in ind.AREA_KINDS:
        return len(key) == ind.AREA_CODE_LENGTH[kind]
    return kind in ind.OBJECT_KINDS and len(key) <= MAX_ID_DIGITS


def _keys_in_scope(kind: str, district_code: str) -> Q:
    """The aggregate rows of objects of ``kind`` evaluated from the area
    ``district_code`` (as ``_in_scope``, as a filter on ``object_key``)."""
    if kind in ind.AREA_KINDS:
        containing = [district_code[:n] for n in ind.AREA_CODE_LENGTH.values()]
        return Q(object_key__startswith=district_code) | Q(object_key__in=containing)
    ids: QuerySet[Department] | QuerySet[User]
    if kind == ind.DEPARTMENT:
        ids = Department.objects.filter(Q(district__isnull=True) | Q(district__code=district_code))
    else:
        ids = User.objects.filter(Q(area_code="") | Q(area_code__startswith=district_code))
    return Q(object_key__in=ids.annotate(key=Cast("pk", CharField())).values("key"))


def months_with_figures(
    district_code: str, kinds: Iterable[str], *, until: dt.date, limit: int
) -> list[dt.date]:
    """The months (first days, newest first, at most ``limit``) up to ``until`` in which
    an object of one of ``kinds`` evaluated from the area ``district_code`` has figures:
    the months a published ranking of that area can show."""
    scope = Q(pk__in=[])
    for kind in kinds:
        scope |= Q(object_kind=kind) & _keys_in_scope(kind, district_code)
    months = (
        MonthlyCount.objects.filter(scope, month__lte=until)
        .exclude(value=0)
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()
    )
    return list(months[:limit])


def evaluate_one(kind: str, key: str, period: Period, district_code: str) -> Result | None:
    return next((r for r in evaluate(kind, period, district_code) if r.key == key), None)


def watermark() -> int:
    mark = Watermark.objects.filter(name="events").first()
    return mark.last_event_id if mark else 0


# --- Drill-down: the cases behind a number -------------------------------------------------

MAX_CANDIDATES = 5000


def _derived_sources(counter: str, config: dict[str, Any]) -> set[str]:
    if counter == "need_close":
        return {"handled", "overdue_unhandled"}
    if counter == "responded":
        return {f"responded_{int(config['hotline']['response_limit_minutes'])}"}
    if counter == "satisfied":
        weights = config["hotline"]["satisfaction_weights"]
        return {f"sat_{a}" for a in ind.SATISFACTION_ANSWERS if float(weights.get(a, 0)) > 0}
    return {counter}


def _covers(spans: list[Span], day: dt.date) -> bool:
    return any(first <= day <= last for first, last in spans)


def cases_behind(
    kind: str, key: str, counter: str, period: Period, district_code: str
) -> list[dict[str, Any]]:
    """The cases that add to ``counter`` of object ``kind``/``key`` in ``period``: case
    number, the day booked and how much (replayed from their events)."""
    config = config_for(district_code)
    wanted_kind, wanted_keys = kind, {key}
    patrolled: dict[str, list[Span]] | None = None  # the grids' days, for missed/grid_filed
    if kind == ind.INSPECTOR and counter in ("missed", "grid_filed"):
        wanted_kind = ind.GRID
        patrolled = patrol_spans(period, inspector_ids=[int(key)], district_code=district_code).get(
            key, {}
        )
        wanted_keys = set(patrolled)
        counter = "public_filed" if counter == "missed" else "filed"
    sources = _derived_sources(counter, config)
    begin, finish = _utc_bounds(period.start, period.end)
    upto = watermark()
    events = CaseEvent.objects.filter(at__gte=begin, at__lt=finish, id__lte=upto)
    cases = Case.objects.filter(pk__in=events.values("case_id"))
    if wanted_kind == ind.CITY:
        cases = cases.filter(district_code__startswith=key)
    elif wanted_kind in ind.AREA_KINDS:
        field_name = {
            ind.GRID: "grid_code",
            ind.COMMUNITY: "community_code",
            ind.STREET: "street_code",
            ind.DISTRICT: "district_code",
        }[wanted_kind]
        cases = cases.filter(**{f"{field_name}__in": wanted_keys})
    elif wanted_kind == ind.DEPARTMENT:
        cases = cases.filter(pk__in=Dispatch.objects.filter(department_id=key).values("case_id"))
    else:
        cases = cases.filter(pk__in=CaseEvent.objects.filter(actor_id=int(key)).values("case_id"))
    rows = list(cases.values_list("pk", "number")[:MAX_CANDIDATES])
    numbers = dict(rows)
    found: list[dict[str, Any]] = []
    for pk, day, k, o, c, n in case_emissions(sorted(numbers), upto):
        if (
            k == wanted_kind
            and o in wanted_keys
            and c in sources
            and period.start <= day <= period.end
            and n
            and (patrolled is None or _covers(patrolled[o], day))
        ):
            found.append({"number": numbers[pk], "day": day.isoformat(), "counter": c, "value": n})
    found.sort(key=lambda f: (f["day"], f["number"]))
    return found
