"""The indicator catalogue (指标体系) of evaluation (考评): counters, rates and composite
scores (综合指标值) per object kind, after CJ/T 292 / GB/T 30428.4 as published
(standards.md §5), with the hotline's three rates (响应率, 解决率, 满意率, §6.5).

Pure code: no database. Every rate is a ratio of counters; every score weighs 0–100
"分值" derived from rates or from count bands; all weights and bands are per-city
configuration (``ScoringConfig``) with the defaults below.

Hard rule (Administrative Penalty Law art. 74): no indicator is built on fine amounts or
confiscation proceeds. ``test_indicator_catalogue`` checks this catalogue.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

INSPECTOR = "inspector"
OPERATOR = "operator"
SHIFT_LEADER = "shift_leader"
DISPATCHER = "dispatcher"
DEPARTMENT = "department"
GRID = "grid"
COMMUNITY = "community"
STREET = "street"
DISTRICT = "district"
CITY = "city"  # key: the first four digits of its districts' codes
AREA_KINDS = (GRID, COMMUNITY, STREET, DISTRICT, CITY)
STAFF_KINDS = (INSPECTOR, OPERATOR, SHIFT_LEADER, DISPATCHER)
OBJECT_KINDS = (*STAFF_KINDS, DEPARTMENT, *AREA_KINDS)
AREA_CODE_LENGTH = {CITY: 4, DISTRICT: 6, STREET: 9, COMMUNITY: 12, GRID: 15}

# Aggregate-only kinds used by hotspot analysis.
GRID_MATTER = "grid_matter"  # key "grid|matter"
MATTER = "matter"  # key matter code; hour (h00–h23) and weekday (wd0–wd6) counters

KIND_LABELS: dict[str, Promise] = {
    INSPECTOR: _("inspector (监督员)"),
    OPERATOR: _("operator (受理员)"),
    SHIFT_LEADER: _("shift leader (值班长)"),
    DISPATCHER: _("dispatcher (派遣员)"),
    DEPARTMENT: _("department (专业部门)"),
    GRID: _("unit grid (单元网格)"),
    COMMUNITY: _("community (社区)"),
    STREET: _("street (街道)"),
    DISTRICT: _("district (区)"),
    CITY: _("city (市)"),
}

RESPONSE_BUCKETS = (30, 60, 120, 240, 480, 1440, 4320)
"""Minutes: a dispatch counts ``responded_<m>`` for each bucket ``m`` it was received
within, so the configured response limit (one of these) needs no recompute."""

SATISFACTION_ANSWERS = ("very_satisfied", "satisfied", "basically_satisfied", "unsatisfied")


@dataclass(frozen=True)
class Counter:
    code: str
    label: Promise


@dataclass(frozen=True)
class Rate:
    """``numerator / denominator``; each side a sum of counters (or derived counters)."""

    code: str
    label: Promise
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    minus: tuple[str, ...] = ()  # subtracted from the numerator


def _c(code: str, label: Promise) -> Counter:
    return Counter(code, label)


COUNTERS: dict[str, Counter] = {
    c.code: c
    for c in (
        _c("reports", _("reports (上报数)")),
        _c("valid_reports", _("valid reports, filed (有效上报数)")),
        _c("verify_tasks", _("verifications done (核实数)")),
        _c("verify_on_time", _("verifications on time (按时核实数)")),
        _c("check_tasks", _("checks done (核查数)")),
        _c("check_on_time", _("checks on time (按时核查数)")),
        _c("missed", _("missed reports: public reports filed in own grids (漏报数)")),
        _c("grid_filed", _("cases filed in own grids (网格立案数)")),
        _c("self_handled", _("self-handled (自行处置数)")),
        _c("accepts", _("accepted (受理数)")),
        _c("accepts_on_time", _("accepted on time (按时受理数)")),
        _c("not_accepts", _("not accepted (不予受理数)")),
        _c("send_verify", _("verifications sent (发核实数)")),
        _c("send_verify_on_time", _("verifications sent on time (按时发核实数)")),
        _c("send_checks", _("checks sent (发核查数)")),
        _c("send_checks_on_time", _("checks sent on time (按时发核查数)")),
        _c("filed", _("filed (立案数)")),
        _c("filed_on_time", _("filed on time (按时立案数)")),
        _c("filings_cancelled", _("filings later cancelled (作废数)")),
        _c("filings_sent_back", _("filings sent back (回退数)")),
        _c("cancels", _("cancelled (作废操作数)")),
        _c("closes", _("closed (结案数)")),
        _c("closes_on_time", _("closed on time (按时结案数)")),
        _c("dispatches", _("dispatched (派遣数)")),
        _c("dispatches_on_time", _("dispatched on time (按时派遣数)")),
        _c("dispatches_accurate", _("dispatched accurately (准确派遣数)")),
        _c("send_backs", _("sent back (回退数)")),
        _c("public_reports", _("public reports (公众举报数)")),
        _c("public_filed", _("public reports filed (监督举报核实数)")),
        _c("to_handle", _("to handle (应处置数)")),
        _c("handled", _("handled (处置数)")),
        _c("handled_on_time", _("handled on time (按期处置数)")),
        _c("handled_late", _("handled late (超期处置数)")),
        _c("overdue", _("went overdue (超期数)")),
        _c("overdue_unhandled", _("overdue, not handled (超期未处置数)")),
        _c("need_close", _("to close (应结案数)")),
        _c("closed", _("closed (结案数)")),
        _c("closed_on_time", _("closed on time (按期结案数)")),
        _c("reworks", _("rework (返工数)")),
        _c("returns", _("returned as not ours (退单数)")),
        _c("extensions", _("extensions (延期数)")),
        _c("suspensions", _("suspensions (挂账数)")),
        _c("reopens", _("reopened (重新启动数)")),
        _c("callbacks", _("callbacks (回访数)")),
        _c("reached", _("callbacks reached (回访接通数)")),
        _c("solved", _("solved per callback (解决数)")),
        _c("responded", _("responded in time (按时响应数)")),
        _c("satisfied", _("satisfied per callback (满意数)")),
    )
}


def _r(
    code: str,
    label: Promise,
    num: tuple[str, ...],
    den: tuple[str, ...],
    minus: tuple[str, ...] = (),
) -> Rate:
    return Rate(code, label, num, den, minus)


RATES: dict[str, Rate] = {
    r.code: r
    for r in (
        _r(
            "valid_report_rate",
            _("valid report rate (有效上报率)"),
            ("valid_reports",),
            ("reports",),
        ),
        _r("missed_rate", _("missed report rate (漏报率)"), ("missed",), ("grid_filed",)),
        _r(
            "verify_on_time_rate",
            _("on-time verification (按时核实率)"),
            ("verify_on_time",),
            ("verify_tasks",),
        ),
        _r(
            "check_on_time_rate",
            _("on-time check (按时核查率)"),
            ("check_on_time",),
            ("check_tasks",),
        ),
        _r(
            "accept_on_time_rate",
            _("on-time acceptance (按时受理率)"),
            ("accepts_on_time",),
            ("accepts",),
        ),
        _r(
            "send_verify_on_time_rate",
            _("verifications sent on time (核实按时派发率)"),
            ("send_verify_on_time",),
            ("send_verify",),
        ),
        _r(
            "send_check_on_time_rate",
            _("checks sent on time (核查按时派发率)"),
            ("send_checks_on_time",),
            ("send_checks",),
        ),
        _r("file_on_time_rate", _("on-time filing (按时立案率)"), ("filed_on_time",), ("filed",)),
        _r(
            "file_accuracy_rate",
            _("accurate filing (准确立案率)"),
            ("filed",),
            ("filed",),
            ("filings_cancelled",),  # standards §5.2: (立案数 − 作废数) / 立案数
        ),
        _r(
            "close_on_time_rate",
            _("on-time closing (按时结案率)"),
            ("closes_on_time",),
            ("closes",),
        ),
        _r(
            "dispatch_on_time_rate",
            _("on-time dispatch (按时派遣率)"),
            ("dispatches_on_time",),
            ("dispatches",),
        ),
        _r(
            "dispatch_accuracy_rate",
            _("accurate dispatch (准确派遣率)"),
            ("dispatches_accurate",),
            ("dispatches",),
        ),
        _r("handle_rate", _("handling rate (处置率)"), ("handled",), ("to_handle",)),
        _r(
            "handle_on_time_rate",
            _("on-time handling (按期处置率)"),
            ("handled_on_time",),
            ("to_handle",),
        ),
        _r("close_rate", _("closing rate (结案率)"), ("closed",), ("need_close",)),
        _r(
            "closed_on_time_rate",
            _("on-time closing rate (按期结案率)"),
            ("closed_on_time",),
            ("need_close",),
        ),
        _r("rework_rate", _("rework rate (返工率)"), ("reworks",), ("need_close",)),
        _r("return_rate", _("return rate (退单率)"), ("returns",), ("to_handle",)),
        _r("extension_rate", _("extension rate (延期率)"), ("extensions",), ("to_handle",)),
        _r(
            "public_report_rate",
            _("public report rate (监督举报率)"),
            ("public_filed",),
            ("filed",),
        ),
        _r("response_rate", _("response rate (响应率)"), ("responded",), ("to_handle",)),
        _r("solution_rate", _("solution rate (解决率)"), ("solved",), ("reached",)),
        _r("satisfaction_rate", _("satisfaction rate (满意率)"), ("satisfied",), ("reached",)),
    )
}

KIND_COUNTERS: dict[str, tuple[str, ...]] = {
    INSPECTOR: (
        "reports",
        "valid_reports",
        "verify_tasks",
        "verify_on_time",
        "check_tasks",
        "check_on_time",
        "missed",
        "grid_filed",
        "self_handled",
    ),
    OPERATOR: (
        "accepts",
        "accepts_on_time",
        "not_accepts",
        "send_verify",
        "send_verify_on_time",
        "send_checks",
        "send_checks_on_time",
    ),
    SHIFT_LEADER: (
        "filed",
        "filed_on_time",
        "filings_cancelled",
        "filings_sent_back",
        "cancels",
        "closes",
        "closes_on_time",
    ),
    DISPATCHER: ("dispatches", "dispatches_on_time", "dispatches_accurate", "send_backs"),
    DEPARTMENT: (
        "to_handle",
        "handled",
        "handled_on_time",
        "handled_late",
        "overdue",
        "overdue_unhandled",
        "need_close",
        "closed",
        "closed_on_time",
        "reworks",
        "returns",
        "extensions",
        "suspensions",
        "callbacks",
        "reached",
        "solved",
        "satisfied",
        "responded",
    ),
}
_AREA_COUNTERS = (
    "reports",
    "public_reports",
    "filed",
    "public_filed",
    "to_handle",
    "handled",
    "handled_on_time",
    "overdue",
    "overdue_unhandled",
    "need_close",
    "closed",
    "closed_on_time",
    "reworks",
    "reopens",
    "callbacks",
    "reached",
    "solved",
    "satisfied",
)
for _kind in AREA_KINDS:
    KIND_COUNTERS[_kind] = _AREA_COUNTERS

KIND_RATES: dict[str, tuple[str, ...]] = {
    INSPECTOR: ("valid_report_rate", "missed_rate", "verify_on_time_rate", "check_on_time_rate"),
    OPERATOR: ("accept_on_time_rate", "send_verify_on_time_rate", "send_check_on_time_rate"),
    SHIFT_LEADER: ("file_on_time_rate", "file_accuracy_rate", "close_on_time_rate"),
    DISPATCHER: ("dispatch_on_time_rate", "dispatch_accuracy_rate"),
    DEPARTMENT: (
        "handle_rate",
        "handle_on_time_rate",
        "close_rate",
        "closed_on_time_rate",
        "rework_rate",
        "return_rate",
        "extension_rate",
        "response_rate",
        "solution_rate",
        "satisfaction_rate",
    ),
}
for _kind in AREA_KINDS:
    KIND_RATES[_kind] = (
        "public_report_rate",
        "close_rate",
        "closed_on_time_rate",
        "rework_rate",
        "solution_rate",
        "satisfaction_rate",
    )

# A score term: (name, source, weight). Sources: "rate:<code>", "inverse:<code>" (1 − rate),
# "band:<bands name>:<counter>" (count score from a band table, per grid for areas).
DEFAULT_CONFIG: dict[str, Any] = {
    "scores": {
        INSPECTOR: [
            ["rate:valid_report_rate", 40],
            ["inverse:missed_rate", 20],
            ["rate:verify_on_time_rate", 20],
            ["rate:check_on_time_rate", 20],
        ],
        OPERATOR: [
            ["band:operator_count:accepts", 25],
            ["rate:send_verify_on_time_rate", 40],
            ["rate:send_check_on_time_rate", 35],
        ],
        SHIFT_LEADER: [
            ["rate:file_on_time_rate", 25],
            ["rate:file_accuracy_rate", 40],
            ["rate:close_on_time_rate", 35],
        ],
        DISPATCHER: [
            ["band:dispatcher_count:dispatches", 20],
            ["rate:dispatch_on_time_rate", 40],
            ["rate:dispatch_accuracy_rate", 40],
        ],
        DEPARTMENT: [
            ["band:department_count:to_handle", 10],
            ["rate:close_rate", 30],
            ["rate:handle_on_time_rate", 30],
            ["inverse:rework_rate", 30],
        ],
        # Published weights sum to 70 % (10 % for on-time closing); fixed to 40 %.
        "area": [
            ["inverse:public_report_rate", 10],
            ["band:area_count:filed", 20],
            ["rate:close_rate", 30],
            ["rate:closed_on_time_rate", 40],
        ],
    },
    # [upper bound inclusive, score]; the last row's bound null = above all others.
    "bands": {
        "operator_count": [[300, 0], [500, 60], [1200, 75], [2000, 90], [None, 100]],
        "dispatcher_count": [[300, 0], [500, 60], [1200, 75], [2000, 90], [None, 100]],
        "department_count": [[50, 100], [100, 90], [200, 75], [500, 60], [1000, 40], [None, 0]],
        "area_count": [[0, 100], [2, 90], [4, 75], [6, 60], [8, 40], [None, 0]],
    },
    "grades": [["A", 90], ["B", 75], ["C", 60], ["D", 40], ["E", 0]],
    "hotline": {
        "response_limit_minutes": 120,
        "satisfaction_weights": {
            "very_satisfied": 1.0,
            "satisfied": 1.0,
            "basically_satisfied": 0.0,
            "unsatisfied": 0.0,
        },
        "weights": {"response_rate": 10, "solution_rate": 45, "satisfaction_rate": 45},
    },
    "repeat_threshold": 5,
    "repeat_window_days": 30,
    "repeat_radius_m": 50,
}


def merge_config(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """The defaults with ``overrides`` merged in (dictionaries key by key)."""
    result = copy.deepcopy(DEFAULT_CONFIG)

    def merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
        for key, value in extra.items():
            if isinstance(value, Mapping) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = copy.deepcopy(value)

    merge(result, overrides or {})
    return result


def score_terms(config: Mapping[str, Any], kind: str) -> list[tuple[str, float]]:
    scores = config["scores"]
    terms = scores.get(kind) or scores.get("area" if kind in AREA_KINDS else kind, [])
    return [(str(source), float(weight)) for source, weight in terms]


def band_score(bands: list[list[Any]], value: float) -> float:
    """The score of ``value`` in a band table ``[[upper bound, score], …]``."""
    for bound, score in bands:
        if bound is None or value <= bound:
            return float(score)
    return float(bands[-1][1])


def grade_of(config: Mapping[str, Any], score: float | None) -> str:
    if score is None:
        return ""
    for grade, floor in config["grades"]:
        if score >= floor - 1e-9:
            return str(grade)
    return str(config["grades"][-1][0])


def derived(kind: str, counters: dict[str, int], config: Mapping[str, Any]) -> dict[str, int]:
    """Counters derived from stored ones: 应结案数 = 处置数 + 超期未处置数; responded and
    satisfied per the city's hotline definitions."""
    out = dict(counters)
    out["need_close"] = out.get("handled", 0) + out.get("overdue_unhandled", 0)
    hotline = config["hotline"]
    out["responded"] = out.get(f"responded_{int(hotline['response_limit_minutes'])}", 0)
    weights = hotline["satisfaction_weights"]
    satisfied = sum(float(weights.get(a, 0)) * out.get(f"sat_{a}", 0) for a in SATISFACTION_ANSWERS)
    out["satisfied"] = round(satisfied)
    return out


def rate_value(rate: Rate, counters: Mapping[str, float]) -> float | None:
    den = sum(counters.get(c, 0) for c in rate.denominator)
    if not den:
        return None
    num = sum(counters.get(c, 0) for c in rate.numerator) - sum(
        counters.get(c, 0) for c in rate.minus
    )
    return num / den


def rates_of(kind: str, counters: Mapping[str, float]) -> dict[str, float | None]:
    return {code: rate_value(RATES[code], counters) for code in KIND_RATES[kind]}


@dataclass(frozen=True)
class ScoreTerm:
    source: str
    weight: float
    value: float | None  # the 0–100 分值, None when the rate is undefined
    input: float | None = None  # what was scored: the rate, or the count (per grid: areas)


def composite(
    kind: str,
    counters: Mapping[str, float],
    rates: Mapping[str, float | None],
    config: Mapping[str, Any],
    *,
    grids: int = 1,
) -> tuple[float | None, list[ScoreTerm]]:
    """The composite score (综合指标值) 0–100 and its terms.

    A term whose rate has no denominator in the period is left out and the other weights
    are scaled up, so an object is judged only on what it had to do. Rates are clamped to
    [0, 1] (a period can close more than it received). Area count bands are per grid.
    """
    terms: list[ScoreTerm] = []
    for source, weight in score_terms(config, kind):
        how, _sep, rest = source.partition(":")
        value: float | None
        if how == "band":
            bands_name, _sep, counter = rest.partition(":")
            amount = float(counters.get(counter, 0))
            if kind in AREA_KINDS:
                amount = amount / max(grids, 1)
            value = band_score(config["bands"][bands_name], amount)
            scored: float | None = amount
        else:
            rate = rates.get(rest)
            if rate is None:
                rate = rate_value(RATES[rest], counters) if rest in RATES else None
            scored = rate
            if rate is None:
                value = None
            else:
                clamped = min(max(rate, 0.0), 1.0)
                value = 100 * (1 - clamped if how == "inverse" else clamped)
        terms.append(ScoreTerm(source, weight, value, scored))
    used = [t for t in terms if t.value is not None]
    total_weight = sum(t.weight for t in used)
    if not total_weight:
        return None, terms
    score = sum(t.weight * (t.value or 0.0) for t in used) / total_weight
    return round(score, 2), terms


def hotline_score(rates: Mapping[str, float | None], config: Mapping[str, Any]) -> float | None:
    weights = config["hotline"]["weights"]
    used = [(float(w), rates.get(code)) for code, w in weights.items()]
    used = [(w, r) for w, r in used if r is not None]
    total = sum(w for w, _r in used)
    if not total:
        return None
    return round(sum(w * 100 * min(max(r or 0.0, 0.0), 1.0) for w, r in used) / total, 2)


def catalogue() -> list[dict[str, Any]]:
    """Every indicator, for the API and the Art. 74 test."""
    items: list[dict[str, Any]] = [
        {"code": c.code, "type": "counter", "label": str(c.label)} for c in COUNTERS.values()
    ]
    items += [
        {
            "code": r.code,
            "type": "rate",
            "label": str(r.label),
            "numerator": list(r.numerator),
            "minus": list(r.minus),
            "denominator": list(r.denominator),
        }
        for r in RATES.values()
    ]
    items += [
        {
            "code": f"score:{kind}",
            "type": "score",
            "label": str(KIND_LABELS[kind]),
            "terms": [s for s, _w in score_terms(DEFAULT_CONFIG, kind)],
        }
        for kind in OBJECT_KINDS
    ]
    return items
