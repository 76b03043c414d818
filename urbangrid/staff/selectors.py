"""Reads for the staff workbench: role queues sorted by urgency, counts, the leader's
overview, search, map aggregation and batched responsibility suggestions.

Every read starts from ``cases_visible_to(user)`` (the one scoping rule), so a queue can
never show a case the user could not open. Queues are sorted by urgency: the light of
the running stage (red, yellow, green, none), then the stage's due time, soonest first.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Floor
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from urbangrid.assets.models import Component
from urbangrid.cases import tally
from urbangrid.cases.models import LIGHT_RANK, Case, CaseEvent, Light
from urbangrid.cases.selectors import (
    CaseFilters,
    TallyScope,
    cases_visible_to,
    filter_cases,
    tally_scope,
)
from urbangrid.cases.workflow import END_STATUSES, LIGHT_CHANGED, SUPPORT, Action, CaseStatus
from urbangrid.catalog.models import CatalogType
from urbangrid.common import clock
from urbangrid.geo.models import Street
from urbangrid.organisations import services as responsibility
from urbangrid.organisations.models import (
    Department,
    InspectorGrid,
    ResponsibilityRule,
    Role,
    User,
)
from urbangrid.organisations.permissions import Permission, has_permission

S = CaseStatus
OPEN = [s.value for s in S if s not in END_STATUSES]
QUEUE_SIZE = 25
SEARCH_SIZE = 50

# --- Urgency ---------------------------------------------------------------------------


URGENCY = (LIGHT_RANK, F("stage_due_at").asc(nulls_last=True), "pk")


def by_urgency(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Red first, then yellow, green, no light; within a light, the soonest due first."""
    return cases.annotate(light_rank=LIGHT_RANK).order_by(
        "light_rank", F("stage_due_at").asc(nulls_last=True), "pk"
    )


# --- Queues ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """One work queue of the workbench: the cases waiting for a role's next action."""

    key: str
    label: str | Promise
    roles: frozenset[str]
    where: Callable[[User], Q]
    hint: str | Promise = ""

    @property
    def short(self) -> str | Promise:
        """The queue's name in the navigation."""
        return SHORT_LABELS.get(self.key, self.label)


def _status(*statuses: CaseStatus) -> Callable[[User], Q]:
    return lambda user: Q(status__in=[s.value for s in statuses])


def _mine(*statuses: CaseStatus) -> Callable[[User], Q]:
    return lambda user: Q(status__in=[s.value for s in statuses], department_id=user.department_id)


def _in_grids(*statuses: CaseStatus) -> Callable[[User], Q]:
    def where(user: User) -> Q:
        grids = InspectorGrid.objects.filter(inspector=user).values("grid_code")  # today's
        return Q(status__in=[s.value for s in statuses], grid_code__in=grids)

    return where


R = Role
CENTRE_DEPARTMENT = frozenset({R.HANDLER, R.DEPARTMENT_HEAD})
QUEUES: tuple[Queue, ...] = (
    Queue("new", _("New reports to accept"), frozenset({R.OPERATOR}), _status(S.REPORTED),
          _("Accept, send for verification or refuse (受理)")),
    Queue("verified", _("Verified, to accept"), frozenset({R.OPERATOR}), _status(S.VERIFIED),
          _("The inspector confirmed the report on site")),
    Queue("to_send_check", _("Handled, to send for check"), frozenset({R.OPERATOR}),
          _status(S.TO_CHECK), _("Send the inspector to check the result (发核查)")),
    Queue("to_file", _("To file"), frozenset({R.SHIFT_LEADER}), _status(S.TO_FILE),
          _("File the case with its grade (立案)")),
    Queue("to_close", _("To close or rework"), frozenset({R.SHIFT_LEADER}), _status(S.TO_CLOSE),
          _("Close, or send back for rework after a failed check")),
    Queue("self_handled", _("Self-handled, to review"), frozenset({R.SHIFT_LEADER}),
          _status(S.SELF_HANDLED)),
    Queue("to_dispatch", _("To dispatch"), frozenset({R.DISPATCHER}),
          lambda user: Q(status=S.TO_DISPATCH) & ~Q(counters__has_key="misroutes"),
          _("With the suggested department and why")),
    Queue("returned", _("Returned by departments, to re-route"), frozenset({R.DISPATCHER}),
          lambda user: Q(status=S.TO_DISPATCH, counters__has_key="misroutes"),
          _("A department said the case is not theirs (退单)")),
    Queue("requests", _("Extension and suspension requests"),
          frozenset({R.DISPATCHER, R.SHIFT_LEADER}),
          lambda user: Q(status__in=[S.DISPATCHED, S.HANDLING]) & ~Q(pending_request=""),
          _("Approve or refuse (延期 / 挂账)")),
    Queue("to_receive", _("To receive"), CENTRE_DEPARTMENT, _mine(S.DISPATCHED),
          _("Receive, or return with a reason if it is not yours (签收 / 退单)")),
    Queue("handling", _("Being handled"), CENTRE_DEPARTMENT, _mine(S.HANDLING),
          _("Report handling with before/after photos, or ask for more time")),
    Queue("suspended", _("Suspended"), CENTRE_DEPARTMENT, _mine(S.SUSPENDED),
          _("Paused (挂账); resumed by the command centre")),
    Queue("to_verify", _("To verify on site"), frozenset({R.INSPECTOR}), _in_grids(S.VERIFYING)),
    Queue("to_check", _("To check on site"), frozenset({R.INSPECTOR}), _in_grids(S.CHECKING)),
    Queue("overdue", _("Overdue (red)"), frozenset({R.LEADER, R.ADMIN, R.AUDITOR}),
          lambda user: Q(status__in=OPEN, light=Light.RED)),
    Queue("recent", _("Newest cases"), frozenset({R.AUDITOR, R.LEADER, R.ADMIN}),
          lambda user: Q(), _("Newest changes first; every case's full history is one click away")),
)  # fmt: skip
QUEUES_BY_KEY = {q.key: q for q in QUEUES}

Counted = Callable[[tally.CountRow, User], bool]
COUNTED: dict[str, Counted] = {
    "new": lambda r, user: r.status == S.REPORTED,
    "verified": lambda r, user: r.status == S.VERIFIED,
    "to_send_check": lambda r, user: r.status == S.TO_CHECK,
    "to_file": lambda r, user: r.status == S.TO_FILE,
    "to_close": lambda r, user: r.status == S.TO_CLOSE,
    "self_handled": lambda r, user: r.status == S.SELF_HANDLED,
    "to_dispatch": lambda r, user: r.status == S.TO_DISPATCH and not r.returned,
    "returned": lambda r, user: r.status == S.TO_DISPATCH and r.returned,
    "requests": lambda r, user: r.status in (S.DISPATCHED, S.HANDLING) and r.pending,
    "to_receive": lambda r, user: r.status == S.DISPATCHED and r.department == user.department_id,
    "handling": lambda r, user: r.status == S.HANDLING and r.department == user.department_id,
    "suspended": lambda r, user: r.status == S.SUSPENDED and r.department == user.department_id,
    "to_verify": lambda r, user: r.status == S.VERIFYING,
    "to_check": lambda r, user: r.status == S.CHECKING,
    "overdue": lambda r, user: r.light == Light.RED,
}
"""Each counted queue's ``where``, on a row of the open-case tally (``cases.tally``) of
the user's scope: the counts read those rows, not the cases."""
HELD_BY_DEPARTMENT = frozenset({"to_receive", "handling", "suspended"})
"""The queues holding only cases their department has now: the department's tally rows
answer them for its staff (and any centre's rows, by the department)."""
IN_GRIDS = frozenset({"to_verify", "to_check"})
"""The queues of an inspector's grids: the tally's rows of those grids answer them."""


def _answers(scope: TallyScope, key: str) -> bool:
    """Whether the tally rows of ``scope`` answer queue ``key``."""
    if key not in COUNTED:
        return False
    if scope.grids is not None:
        return key in IN_GRIDS
    if scope.department is not None:
        return key in HELD_BY_DEPARTMENT
    return key not in IN_GRIDS


SHORT_LABELS: dict[str, str | Promise] = {
    "new": _("New"),
    "verified": _("Verified"),
    "to_send_check": _("To check"),
    "to_file": _("To file"),
    "to_close": _("To close"),
    "self_handled": _("Self-handled"),
    "to_dispatch": _("To dispatch"),
    "returned": _("Returned"),
    "requests": _("Requests"),
    "to_receive": _("To receive"),
    "handling": _("Handling"),
    "suspended": _("Suspended"),
    "to_verify": _("To verify"),
    "to_check": _("To check"),
    "overdue": _("Overdue"),
}


def queues_for(user: User) -> list[Queue]:
    """The queues of ``user``'s role, in workbench order."""
    return [q for q in QUEUES if user.role in q.roles]


def queue_list_query(user: User, key: str) -> str:
    """The case list's query string for all of queue ``key`` (the search filters that
    hold it, most urgent first: a queue of one status reads the status's urgency index)."""
    params: list[tuple[str, str]] = [("open", "1")]
    if key == "overdue":
        params.append(("light", Light.RED))
    elif key == "recent":
        params = [("order", "newest")]
    else:
        params += [("status", status) for status in QUEUE_STATUSES[key]]
    if key in HELD_BY_DEPARTMENT and user.department_id is not None:
        params.append(("department", str(user.department_id)))
    return urlencode(params)


def queue_cases(user: User, key: str, *, limit: int = QUEUE_SIZE) -> QuerySet[Case]:
    """The cases of queue ``key`` that ``user`` sees, most urgent first (one query)."""
    queue = QUEUES_BY_KEY[key]
    cases = cases_visible_to(user).filter(queue.where(user))
    if key in HELD_BY_DEPARTMENT:
        # The department's first page straight from its urgency index; the visibility
        # rule then applies to those few (the planner, left alone, walks every case ever
        # dispatched to the department and sorts them).
        first = Case.objects.filter(queue.where(user)).order_by(*URGENCY)[:limit]
        cases = cases.filter(pk__in=first.values("pk"))
    cases = cases.select_related("matter", "department")
    if key in SUGGESTED:
        cases = cases.select_related("matter__successor")  # what ``suggestions_for`` reads
    if key == "recent":
        return cases.order_by("-created_at", "-pk")[:limit]
    return by_urgency(cases)[:limit]


SUGGESTED = frozenset({"to_dispatch", "returned"})
"""The queues shown with each case's suggested department (``suggestions_for``)."""


QUEUE_STATUSES: dict[str, tuple[str, ...]] = {
    "new": (S.REPORTED,),
    "verified": (S.VERIFIED,),
    "to_send_check": (S.TO_CHECK,),
    "to_file": (S.TO_FILE,),
    "to_close": (S.TO_CLOSE,),
    "self_handled": (S.SELF_HANDLED,),
    "to_dispatch": (S.TO_DISPATCH,),
    "returned": (S.TO_DISPATCH,),
    "requests": (S.DISPATCHED, S.HANDLING),
    "to_receive": (S.DISPATCHED,),
    "handling": (S.HANDLING,),
    "suspended": (S.SUSPENDED,),
    "to_verify": (S.VERIFYING,),
    "to_check": (S.CHECKING,),
    "overdue": tuple(OPEN),
}
"""The statuses each queue draws from: counts read only those rows (status index)."""


def open_rows(
    user: User, scope: TallyScope, *, statuses: Iterable[str] | None = None
) -> list[tally.CountRow]:
    """The open cases ``user`` sees within ``scope``, by tally key: the tally's rows plus
    the few visible cases outside the area (shared), counted from the cases."""
    rows = tally.open_counts(
        area=scope.area, department=scope.department, statuses=statuses, grids=scope.grids
    )
    if scope.extra:
        extra = cases_visible_to(user).filter(pk__in=scope.extra, status__in=OPEN)
        if statuses is not None:
            extra = extra.filter(status__in=list(statuses))
        rows += tally.rows_of(extra)
    return rows


def queue_counts(user: User) -> dict[str, int]:
    """Queue key → how many cases wait there for ``user``, exact now: from the open-case
    tally (one query), the queues it cannot answer counted from the cases (one more)."""
    queues = [q for q in queues_for(user) if q.key != "recent"]
    if not queues:
        return {}
    counts: dict[str, int] = {}
    scope = tally_scope(user)
    if scope is not None:
        answered = [q for q in queues if _answers(scope, q.key)]
        if answered:
            statuses = sorted({s for q in answered for s in QUEUE_STATUSES[q.key]})
            rows = open_rows(user, scope, statuses=statuses)
            for q in answered:
                counts[q.key] = sum(r.n for r in rows if COUNTED[q.key](r, user))
    rest = [q for q in queues if q.key not in counts]
    if rest:
        statuses = sorted({s for q in rest for s in QUEUE_STATUSES[q.key]})
        live = (
            cases_visible_to(user)
            .filter(status__in=statuses)
            .aggregate(**{q.key: Count("pk", filter=q.where(user)) for q in rest})
        )
        counts.update({key: int(value or 0) for key, value in live.items()})
    return {q.key: counts[q.key] for q in queues}


# --- Responsibility suggestions, batched ---------------------------------------------------


@dataclass(frozen=True)
class SuggestionView:
    department_id: int
    department: str
    reason: str


def _prefixes(grid_code: str) -> list[str]:
    return [grid_code[:n] for n in (6, 9, 12, 15) if len(grid_code) >= n]


def _exact_ids(matter: CatalogType) -> set[int]:
    via = responsibility._resolution_type(matter)
    return {
        pk
        for pk in (matter.pk, matter.successor_id, matter.component_type_id, via.pk)
        if pk is not None
    }


def suggestions_for(cases: Iterable[Case]) -> dict[int, SuggestionView | None]:
    """Case pk → the department the responsibility rules suggest, with the reason.

    The same ranking as ``organisations.services.suggest_department``, for a whole page
    of cases in one query (plus one per case tied to a component, whose owner fields
    rank first). Cases should come with ``select_related("matter__successor")``.
    """
    cases = list(cases)
    if not cases:
        return {}
    exact: set[int] = set()
    classes: set[str] = set()
    prefixes: set[str] = set()
    for case in cases:
        exact |= _exact_ids(case.matter)
        classes.add(responsibility._resolution_type(case.matter).class_code)
        prefixes.update(_prefixes(case.grid_code))
    rules = list(
        ResponsibilityRule.objects.filter(
            Q(catalog_type_id__in=exact)
            | Q(catalog_type__isnull=True, class_code__in=classes)
            | Q(catalog_type__isnull=True, class_code=""),
            area_code__in=prefixes,
            is_active=True,
            department__is_active=True,
        )
        .select_related("department__parent", "catalog_type")
        .order_by("priority", "id")
    )
    result: dict[int, SuggestionView | None] = {}
    for case in cases:
        if case.component_ident:
            found = responsibility.suggest_department(
                case.matter, grid_code=case.grid_code, component_ident=case.component_ident
            )
            result[case.pk] = (
                SuggestionView(found.department.pk, found.department.name, found.reason)
                if found
                else None
            )
            continue
        result[case.pk] = _best_rule(case, rules)
    return result


def _best_rule(case: Case, rules: list[ResponsibilityRule]) -> SuggestionView | None:
    matter = case.matter
    via = responsibility._resolution_type(matter)
    exact = _exact_ids(matter)
    prefixes = set(_prefixes(case.grid_code))
    basis_rank = {b: i for i, b in enumerate(responsibility.basis_order(matter))}
    best: tuple[tuple[int, int, int, int, int], ResponsibilityRule, str] | None = None
    for rule in rules:
        if rule.area_code not in prefixes:
            continue
        if rule.catalog_type_id is not None:
            if rule.catalog_type_id not in exact:
                continue
            matched_by = responsibility.TYPE_EXACT
        elif rule.class_code:
            if rule.class_code != via.class_code:
                continue
            matched_by = responsibility.TYPE_CLASS
        else:
            matched_by = responsibility.TYPE_ANY
        key = (
            basis_rank.get(rule.basis, len(basis_rank)),
            responsibility._TYPE_RANK[matched_by],
            -len(rule.area_code),
            rule.priority,
            rule.pk,
        )
        if best is None or key < best[0]:
            best = (key, rule, matched_by)
    if best is None:
        return None
    _, rule, matched_by = best
    candidate = responsibility._rule_candidate(rule, matched_by, matter, case.grid_code)
    return SuggestionView(rule.department.pk, rule.department.name, candidate.reason)


def active_departments() -> list[Department]:
    return list(Department.objects.filter(is_active=True).order_by("name"))


# --- Search ------------------------------------------------------------------------------

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Search:
    """What the case list is filtered by; ``phone`` only counts for roles allowed to see
    personal data."""

    q: str = ""
    number: str = ""
    address: str = ""
    phone: str = ""
    status: tuple[str, ...] = ()
    light: str = ""
    department_id: int | None = None
    area: str = ""
    matter: str = ""
    bbox: BBox | None = None
    open_only: bool = False
    order: str = "urgency"
    extra: dict[str, str] = field(default_factory=dict)


def search_cases(user: User, search: Search, *, limit: int = SEARCH_SIZE) -> list[Case]:
    """The cases ``user`` sees that match ``search``; one query."""
    cases = filter_cases(
        cases_visible_to(user),
        CaseFilters(
            status=list(search.status) or None,
            department_id=search.department_id,
            area_code=search.area or None,
            matter_code=search.matter or None,
            light=search.light or None,
            text=search.q or None,
        ),
    )
    if search.number:
        cases = cases.filter(number__icontains=search.number.strip())
    if search.address:
        cases = cases.filter(address__icontains=search.address.strip())
    if search.phone and has_permission(user, Permission.VIEW_PERSONAL_DATA):
        cases = cases.filter(reporter_phone__contains=search.phone.strip())
    if search.bbox is not None:
        cases = in_bbox(cases, search.bbox)
    if search.open_only:
        cases = cases.filter(status__in=OPEN)
    cases = cases.select_related("matter", "department")
    cases = cases.order_by("-created_at", "-pk") if search.order == "newest" else by_urgency(cases)
    return list(cases[:limit])


def in_bbox(cases: QuerySet[Case], bbox: BBox) -> QuerySet[Case]:
    min_lng, min_lat, max_lng, max_lat = bbox
    return cases.filter(lng__gte=min_lng, lng__lte=max_lng, lat__gte=min_lat, lat__lte=max_lat)


# --- The case page -----------------------------------------------------------------------

LINK_KEYS = ("duplicate_of", "duplicates", "linked", "linked_cases", "merged_into", "merged")
NEARBY_DEGREES = 0.0015  # about 130 m
NEARBY_DAYS = 14


def _numbers_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def linked_cases(user: User, case: Case, events: Iterable[CaseEvent]) -> dict[str, list[Case]]:
    """Cases the history links to (duplicates, merged reports) and possible duplicates:
    same matter, within ~130 m, reported within two weeks. Two queries."""
    numbers: set[str] = set()
    for event in events:
        for key in LINK_KEYS:
            numbers.update(_numbers_in(event.data.get(key)))
    numbers.discard(case.number)
    visible = cases_visible_to(user).select_related("matter")
    linked = list(visible.filter(number__in=numbers).order_by("number")) if numbers else []
    window = dt.timedelta(days=NEARBY_DAYS)
    nearby = list(
        in_bbox(
            visible.filter(
                matter_id=case.matter_id,
                created_at__gte=case.created_at - window,
                created_at__lte=case.created_at + window,
            ),
            (
                case.lng - NEARBY_DEGREES,
                case.lat - NEARBY_DEGREES,
                case.lng + NEARBY_DEGREES,
                case.lat + NEARBY_DEGREES,
            ),
        )
        .exclude(pk=case.pk)
        .exclude(number__in=numbers)
        .order_by("-created_at")[:10]
    )
    return {"linked": linked, "nearby": nearby}


# --- The leader's overview -----------------------------------------------------------------


@dataclass
class Overview:
    open: int
    red: int
    yellow: int
    created_today: int
    closed_today: int
    by_department: list[dict[str, Any]]
    by_street: list[dict[str, Any]]
    flow_today: list[dict[str, Any]]


def _rows(rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in rows]


OVERVIEW_SECONDS = 60


def overview(user: User) -> Overview:
    """Open, overdue and today's flow of the cases ``user`` sees; five queries, kept for
    a minute per area (the page refreshes every minute; every leader of an area shares
    the same figures)."""
    key = f"staff:overview:{user.role}:{user.area_code}:{user.department_id}"
    cached = cache.get(key)
    if isinstance(cached, Overview):
        return cached
    result = _overview(user)
    cache.set(key, result, OVERVIEW_SECONDS)
    return result


def _today_start() -> dt.datetime:
    return dt.datetime.combine(clock.today_local(), dt.time(), tzinfo=clock.SHANGHAI)


EVENT_ACTIONS = sorted({*Action, LIGHT_CHANGED, SUPPORT})
"""Every action an event can record (``cases.services`` writes only these): naming them
lets the database read today's events of each from its (action, time) index."""


def _flow_today(visible: QuerySet[Case], start: dt.datetime) -> list[dict[str, Any]]:
    return _rows(
        CaseEvent.objects.filter(
            action__in=EVENT_ACTIONS, at__gte=start, case__in=visible.values("pk")
        )
        .values("action")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )


def _overview(user: User) -> Overview:
    """From the open-case tally where it answers for ``user`` (open, red and yellow by
    department and street), from the cases otherwise."""
    scope = tally_scope(user)
    if scope is None or scope.area is None:
        return _overview_from_cases(user)
    rows = open_rows(user, scope)
    visible = cases_visible_to(user)
    start = _today_start()

    def tally_by(key: Callable[[tally.CountRow], Any]) -> dict[Any, dict[str, int]]:
        groups: dict[Any, dict[str, int]] = {}
        for r in rows:
            group = groups.setdefault(key(r), {"open": 0, "red": 0, "yellow": 0})
            group["open"] += r.n
            if r.light in (Light.RED, Light.YELLOW):
                group[r.light] += r.n
        return groups

    departments = tally_by(lambda r: r.department)
    names = dict(
        Department.objects.filter(pk__in=[d for d in departments if d]).values_list("pk", "name")
    )
    by_department: list[dict[str, Any]] = [
        {"department_id": d or None, "department__name": names.get(d), **counts}
        for d, counts in sorted(
            departments.items(), key=lambda item: (-item[1]["red"], -item[1]["open"], item[0])
        )
    ]
    streets = tally_by(lambda r: r.area[: tally.AREA_DIGITS])
    street_names = dict(Street.objects.filter(code__in=streets).values_list("code", "name"))
    by_street: list[dict[str, Any]] = [
        {"street_code": code, "name": street_names.get(code, code), **counts}
        for code, counts in sorted(
            streets.items(), key=lambda item: (-item[1]["red"], -item[1]["open"], item[0])
        )
    ]
    total = tally_by(lambda r: None).get(None, {"open": 0, "red": 0, "yellow": 0})
    return Overview(
        open=total["open"],
        red=total["red"],
        yellow=total["yellow"],
        created_today=visible.filter(created_at__gte=start).count(),
        closed_today=visible.filter(closed_at__gte=start).count(),
        by_department=by_department,
        by_street=by_street,
        flow_today=_flow_today(visible, start),
    )


def _overview_from_cases(user: User) -> Overview:
    visible = cases_visible_to(user)
    open_cases = visible.filter(status__in=OPEN)
    red = Count("pk", filter=Q(light=Light.RED))
    yellow = Count("pk", filter=Q(light=Light.YELLOW))
    start = _today_start()
    totals = visible.aggregate(
        open=Count("pk", filter=Q(status__in=OPEN)),
        red=Count("pk", filter=Q(status__in=OPEN, light=Light.RED)),
        yellow=Count("pk", filter=Q(status__in=OPEN, light=Light.YELLOW)),
        created_today=Count("pk", filter=Q(created_at__gte=start)),
        closed_today=Count("pk", filter=Q(closed_at__gte=start)),
    )
    by_department: list[dict[str, Any]] = _rows(
        open_cases.values("department_id", "department__name")
        .annotate(open=Count("pk"), red=red, yellow=yellow)
        .order_by("-red", "-open")
    )
    streets: list[dict[str, Any]] = _rows(
        open_cases.values("street_code")
        .annotate(open=Count("pk"), red=red, yellow=yellow)
        .order_by("-red", "-open")
    )
    names = dict(
        Street.objects.filter(code__in=[s["street_code"] for s in streets]).values_list(
            "code", "name"
        )
    )
    for row in streets:
        row["name"] = names.get(row["street_code"], row["street_code"])
    flow = _flow_today(visible, start)
    return Overview(
        open=totals["open"],
        red=totals["red"],
        yellow=totals["yellow"],
        created_today=totals["created_today"],
        closed_today=totals["closed_today"],
        by_department=by_department,
        by_street=streets,
        flow_today=flow,
    )


# --- The map -------------------------------------------------------------------------------

POINT_ZOOM = 16
MAX_POINTS = 3000
CELL_PIXELS = 64


def cell_size(zoom: int) -> float:
    """Degrees of longitude covered by ~64 screen pixels at ``zoom`` (256-px tiles)."""
    return 360.0 / float(2**zoom) / (256 / CELL_PIXELS)


@dataclass
class MapData:
    mode: str  # "points" or "cells"
    total: int
    points: list[dict[str, Any]] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)
    cell_size: float | None = None


def map_cases(
    user: User,
    bbox: BBox,
    zoom: int,
    *,
    statuses: list[str] | None = None,
    light: str = "",
) -> MapData:
    """The cases ``user`` sees inside ``bbox``: single points at street zoom (and when
    few), else counts per square cell of about 64 screen pixels. Cells are whole: one
    crossing the edge of the view counts all its cases, wherever the view ends. Open
    cases of centre roles come from the open-case tally (``cases.tally``: a few thousand
    rows for a city-wide view), the rest is aggregated from the cases by the database."""
    if zoom >= POINT_ZOOM:
        cases = in_bbox(cases_visible_to(user), bbox).filter(status__in=statuses or OPEN)
        if light:
            cases = cases.filter(light=light)
        rows = list(
            cases.order_by("-created_at").values_list("number", "lng", "lat", "light", "status")[
                : MAX_POINTS + 1
            ]
        )
        if len(rows) <= MAX_POINTS:
            return MapData(
                mode="points",
                total=len(rows),
                points=[
                    {"n": n, "lng": round(x, 6), "lat": round(y, 6), "l": li, "s": st}
                    for n, x, y, li, st in rows
                ],
            )
    size = cell_size(zoom)
    min_lng, min_lat, max_lng, max_lat = bbox
    xs = (math.floor(min_lng / size), math.floor(max_lng / size))
    ys = (math.floor(min_lat / size), math.floor(max_lat / size))
    sums: dict[tuple[int, int], list[float]] = {}
    scope = tally_scope(user)
    if statuses is None and zoom <= tally.FINE and scope is not None and scope.area is not None:
        for row in tally.cells(zoom=zoom, x_range=xs, y_range=ys, area=scope.area, light=light):
            sums[(row.x, row.y)] = [
                row.n,
                row.red,
                row.yellow,
                row.lng_sum / 1_000_000,
                row.lat_sum / 1_000_000,
            ]
        if scope.extra:
            extra = cases_visible_to(user).filter(pk__in=scope.extra, status__in=OPEN)
            _add_cells(sums, extra.filter(light=light) if light else extra, size, xs, ys)
    else:
        cases = cases_visible_to(user).filter(status__in=statuses or OPEN)
        _add_cells(sums, cases.filter(light=light) if light else cases, size, xs, ys)
    out: list[dict[str, Any]] = [
        {
            "lng": round(sx / n, 6),
            "lat": round(sy / n, 6),
            "n": int(n),
            "red": int(red),
            "yellow": int(yellow),
        }
        for (n, red, yellow, sx, sy) in (sums[key] for key in sorted(sums))
        if n
    ]
    total = sum(int(c["n"]) for c in out)
    return MapData(mode="cells", total=total, cells=out, cell_size=size)


def _add_cells(
    sums: dict[tuple[int, int], list[float]],
    cases: QuerySet[Case],
    size: float,
    xs: tuple[int, int],
    ys: tuple[int, int],
) -> None:
    """Add ``cases`` of the cells ``xs`` × ``ys`` to ``sums`` (cell → n, red, yellow,
    Σ lng, Σ lat), aggregated by the database."""
    box = (xs[0] * size, ys[0] * size, (xs[1] + 1) * size, (ys[1] + 1) * size)
    rows = (
        in_bbox(cases, box)
        .annotate(cx=Floor(F("lng") / size), cy=Floor(F("lat") / size))
        .filter(cx__gte=xs[0], cx__lte=xs[1], cy__gte=ys[0], cy__lte=ys[1])
        .values("cx", "cy")
        .annotate(
            n=Count("pk"),
            red=Count("pk", filter=Q(light=Light.RED)),
            yellow=Count("pk", filter=Q(light=Light.YELLOW)),
            sx=Sum("lng"),
            sy=Sum("lat"),
        )
        .order_by()
    )
    for row in rows:
        acc = sums.setdefault((int(row["cx"]), int(row["cy"])), [0, 0, 0, 0.0, 0.0])
        values = (row["n"], row["red"], row["yellow"], row["sx"], row["sy"])
        for i, value in enumerate(values):
            acc[i] += value or 0


def parse_bbox(raw: str) -> BBox | None:
    """``minlng,minlat,maxlng,maxlat`` → a box, or ``None`` if it is not one."""
    try:
        parts = [float(p) for p in raw.split(",")]
    except ValueError:
        return None
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        return None
    min_lng, min_lat, max_lng, max_lat = parts
    if min_lng > max_lng or min_lat > max_lat:
        return None
    return min_lng, min_lat, max_lng, max_lat


def components_in_bbox(bbox: BBox, *, limit: int) -> list[dict[str, Any]]:
    """Components (部件) inside ``bbox``, at most ``limit`` (one query)."""
    min_lng, min_lat, max_lng, max_lat = bbox
    rows = Component.objects.filter(
        lng__gte=min_lng, lng__lte=max_lng, lat__gte=min_lat, lat__lte=max_lat
    ).values("ident", "name", "lng", "lat", "status")
    return [dict(row) for row in rows[:limit]]
