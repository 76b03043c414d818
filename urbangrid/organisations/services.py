"""The organisations app's public face: API tokens, inspectors' patrol assignments and
responsibility (责任) resolution.

Responsibility follows "components: owner first, then locality; events: locality first,
then owner" (部件先属主后属地, 事件先属地后属主). Within one basis, a rule for the exact
type beats a rule for its class, which beats an any-type rule; then the most specific
area (grid 15 > community 12 > street 9 > district 6 digits); then ``priority`` (lower
first); then the rule id. For a component, the departments named on the component
itself (maintainer 养护单位, owner 权属单位, competent department 主管部门, matched by
USCC) come before every owner rule.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from urbangrid.assets.models import Component
from urbangrid.catalog.cache import ProcessCache, invalidate_on_change
from urbangrid.catalog.models import CatalogType, Standard
from urbangrid.common import clock
from urbangrid.organisations.models import (
    ApiToken,
    AreaLevel,
    Basis,
    Department,
    InspectorGrid,
    ResponsibilityRule,
    User,
)

# ---------------------------------------------------------------------------- tokens

TOKEN_PREFIX = "ug_"
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
#: Seconds a process may keep accepting a token after it was revoked in another process
#: (or its user was deactivated there): the bound on revocation.
TOKEN_CACHE_SECONDS = 5.0


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token_key() -> tuple[str, str, str]:
    """A fresh raw key with its SHA-256 hex and its display prefix."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return raw, hash_token(raw), raw[:10]


def issue_token(user: User, name: str = "") -> str:
    """Create an API token for ``user`` and return the raw key — the only time it exists;
    only its hash is stored."""
    raw, key_hash, prefix = new_token_key()
    ApiToken.objects.create(user=user, key_hash=key_hash, prefix=prefix, name=name)
    return raw


@dataclass
class _CachedToken:
    token_id: int
    user: User
    last_used_at: dt.datetime | None


_tokens = ProcessCache[_CachedToken | None](
    "api_tokens", seconds=TOKEN_CACHE_SECONDS, max_entries=10_000, keep_none=False
)
invalidate_on_change(_tokens, ApiToken, User)


def _load_token(key_hash: str) -> _CachedToken | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return None if token is None else _CachedToken(token.pk, token.user, token.last_used_at)


def authenticate_token(raw: str) -> User | None:
    """The active user a raw key belongs to, or ``None`` (unknown, revoked, inactive user).

    Records ``last_used_at`` at most once a minute, without touching other fields. A valid
    token is remembered by its hash for ``TOKEN_CACHE_SECONDS`` in the process: revoking
    it (``revoke_token``, admin) or changing its user takes effect at once in the process
    that did it and within ``TOKEN_CACHE_SECONDS`` in every other one.
    """
    if not raw:
        return None
    key_hash = hash_token(raw)
    cached = _tokens.get(key_hash, lambda: _load_token(key_hash))
    if cached is None:
        return None
    now = clock.now()
    if cached.last_used_at is None or now - cached.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=cached.token_id).update(last_used_at=now)
        cached.last_used_at = now
    return copy.copy(cached.user)  # each request its own instance


def revoke_token(token: ApiToken | str) -> bool:
    """Revoke a token (the object or its raw key). ``True`` if it was active until now."""
    qs = ApiToken.objects.filter(revoked_at__isnull=True)
    if isinstance(token, ApiToken):
        qs = qs.filter(pk=token.pk)
    else:
        qs = qs.filter(key_hash=hash_token(token))
    now = clock.now()
    revoked = qs.update(revoked_at=now) > 0
    _tokens.changed()
    if revoked and isinstance(token, ApiToken):
        token.revoked_at = now
    return revoked


# ------------------------------------------------------------------ patrol assignments
#
# An assignment is never deleted or moved: it ends (``ended_on``, the first day no longer
# patrolled) and a new one starts, so the evaluation of any past day reads the grids each
# inspector patrolled on that day. ``on`` may be a past day for scripts and loaders; the
# admin, where people work, accepts only today or later (figures shown stay as shown).


def assign_grid(inspector: User, grid_code: str, *, on: dt.date | None = None) -> InspectorGrid:
    """Start ``inspector``'s patrol of ``grid_code`` on ``on`` (default today). A
    ``ValidationError`` when they already patrol it on one of the days from ``on``."""
    assignment = InspectorGrid(
        inspector=inspector, grid_code=grid_code, started_on=on or clock.today_local()
    )
    assignment.full_clean()
    assignment.save()
    return assignment


def end_assignment(assignment: InspectorGrid, *, on: dt.date | None = None) -> InspectorGrid:
    """End an open ``assignment`` on ``on`` (default today): from that day the inspector
    no longer patrols the grid. The only change an assignment takes; a
    ``ValidationError`` for one already ended or a day before its start."""
    day = on or clock.today_local()
    with transaction.atomic():
        row = InspectorGrid.history.select_for_update().get(pk=assignment.pk)
        if row.ended_on is not None:
            raise ValidationError(
                gettext("This assignment already ended on %(day)s.")
                % {"day": row.ended_on.isoformat()}
            )
        if day < row.started_on:
            raise ValidationError(gettext("An assignment cannot end before it starts."))
        row.ended_on = day
        row.save(update_fields=["ended_on"])
    assignment.ended_on = day
    return row


def reassign_grid(
    grid_code: str, *, from_inspector: User, to_inspector: User, on: dt.date | None = None
) -> InspectorGrid:
    """Hand ``grid_code`` from one inspector to another on ``on`` (default today): the
    open assignment of ``from_inspector`` ends that day and one of ``to_inspector``
    starts that day. The new assignment; a ``ValidationError`` when ``from_inspector``
    has no open assignment to the grid or ``to_inspector`` already patrols it."""
    day = on or clock.today_local()
    with transaction.atomic():
        old = InspectorGrid.history.filter(
            inspector=from_inspector, grid_code=grid_code, ended_on__isnull=True
        ).first()
        if old is None:
            raise ValidationError(
                gettext("%(inspector)s does not patrol grid %(grid)s.")
                % {"inspector": from_inspector.username, "grid": grid_code}
            )
        end_assignment(old, on=day)
        return assign_grid(to_inspector, grid_code, on=day)


# -------------------------------------------------------------------- responsibility

_AREA_BY_LENGTH: dict[int, str] = {
    6: AreaLevel.DISTRICT,
    9: AreaLevel.STREET,
    12: AreaLevel.COMMUNITY,
    15: AreaLevel.GRID,
}
_AREA_LABEL: dict[str, str] = {
    AreaLevel.DISTRICT: "区",
    AreaLevel.STREET: "街道",
    AreaLevel.COMMUNITY: "社区",
    AreaLevel.GRID: "网格",
}
_BASIS_LABEL: dict[str, str] = {Basis.OWNER: "属主", Basis.LOCALITY: "属地"}
_COMPONENT_ROLES = (
    ("maintainer_code", "养护单位"),
    ("owner_code", "权属单位"),
    ("competent_code", "主管部门"),
)
TYPE_EXACT = "type"
TYPE_CLASS = "class"
TYPE_ANY = "any"
FROM_COMPONENT = "component"
_TYPE_RANK = {FROM_COMPONENT: -1, TYPE_EXACT: 0, TYPE_CLASS: 1, TYPE_ANY: 2}


@dataclass(frozen=True)
class Candidate:
    """One department that could answer for a problem, and why it ranks where it does.

    ``matched_by`` is ``"component"`` (named on the component), ``"type"``, ``"class"``
    or ``"any"`` (which part of a rule matched the type).
    """

    department: Department
    rule: ResponsibilityRule | None
    basis: str
    reason: str
    matched_by: str
    area_code: str = ""
    priority: int | None = None


@dataclass(frozen=True)
class Suggestion:
    """The department the rules choose first."""

    department: Department
    rule: ResponsibilityRule | None
    basis: str
    reason: str


@dataclass(frozen=True)
class Resolution:
    candidates: list[Candidate]
    notes: list[str] = field(default_factory=list)

    @property
    def suggestion(self) -> Suggestion | None:
        if not self.candidates:
            return None
        first = self.candidates[0]
        return Suggestion(first.department, first.rule, first.basis, first.reason)


def basis_order(catalog_type: CatalogType) -> tuple[str, str]:
    """(first basis, second basis) for the type: owner first for components."""
    if catalog_type.concerns_component:
        return (Basis.OWNER, Basis.LOCALITY)
    return (Basis.LOCALITY, Basis.OWNER)


def _principle(catalog_type: CatalogType) -> str:
    return "部件先属主" if catalog_type.concerns_component else "事件先属地"


def _resolution_type(catalog_type: CatalogType) -> CatalogType:
    """The type whose class decides class rules: a legacy type's 2026 successor if known."""
    if catalog_type.standard != Standard.GBT_47678_5_2026 and catalog_type.successor is not None:
        return catalog_type.successor
    return catalog_type


def _component_candidates(
    catalog_type: CatalogType, ident: str, notes: list[str]
) -> list[Candidate]:
    component = Component.objects.filter(ident=ident).first()
    if component is None:
        notes.append(f"未找到部件 {ident}，不按部件权属判断")
        return []
    codes = [getattr(component, attr) for attr, _ in _COMPONENT_ROLES]
    departments = {
        d.uscc: d
        for d in Department.objects.select_related("parent").filter(
            uscc__in=[c for c in codes if c], is_active=True
        )
    }
    principle = _principle(catalog_type)
    result: list[Candidate] = []
    seen: set[int] = set()
    for (_attr, label), code in zip(_COMPONENT_ROLES, codes, strict=True):
        department = departments.get(code) if code else None
        if department is None:
            if code:
                notes.append(f"部件 {ident} 的{label}代码 {code} 不是在用部门")
            continue
        if department.pk in seen:
            continue
        seen.add(department.pk)
        reason = f"{principle}：{label} {department.name}（部件 {ident}，统一社会信用代码 {code}）"
        result.append(Candidate(department, None, Basis.OWNER, reason, FROM_COMPONENT))
    return result


def _rule_candidate(
    rule: ResponsibilityRule, matched_by: str, catalog_type: CatalogType, grid_code: str
) -> Candidate:
    if matched_by == TYPE_EXACT and rule.catalog_type is not None:
        scope = f"类型 {rule.catalog_type.code} {rule.catalog_type.name}"
    elif matched_by == TYPE_CLASS:
        scope = f"大类 {rule.class_code}"
    else:
        scope = "任意类型"
    level = _AREA_BY_LENGTH.get(len(rule.area_code), rule.area_level)
    area = f"{_AREA_LABEL.get(level, level)} {rule.area_code}"
    where = f"，网格 {grid_code}" if len(grid_code) == 15 else ""
    reason = (
        f"{_principle(catalog_type)}：{_BASIS_LABEL.get(rule.basis, rule.basis)} "
        f"{rule.department.name}（规则#{rule.pk}：{scope}，{area}，优先级 {rule.priority}{where}）"
    )
    return Candidate(
        rule.department, rule, rule.basis, reason, matched_by, rule.area_code, rule.priority
    )


_rules = ProcessCache[dict[str, tuple[ResponsibilityRule, ...]]]("responsibility_rules")
invalidate_on_change(_rules, ResponsibilityRule, Department, CatalogType)


def _load_district_rules(district_code: str) -> dict[str, tuple[ResponsibilityRule, ...]]:
    rules = (
        ResponsibilityRule.objects.filter(
            area_code__startswith=district_code, is_active=True, department__is_active=True
        )
        .select_related("department__parent", "catalog_type")
        .order_by("priority", "id")
    )
    by_area: dict[str, list[ResponsibilityRule]] = {}
    for rule in rules:
        by_area.setdefault(rule.area_code, []).append(rule)
    return {area: tuple(found) for area, found in by_area.items()}


def district_rules(district_code: str) -> dict[str, tuple[ResponsibilityRule, ...]]:
    """The active rules of active departments for areas in the district, by area code
    (priority, id order). Cached per process (``catalog.cache``): read-only."""
    return _rules.get(district_code, lambda: _load_district_rules(district_code))


def resolve_responsibility(
    catalog_type: CatalogType, *, grid_code: str, component_ident: str | None = None
) -> Resolution:
    """Every candidate department for ``catalog_type`` in ``grid_code``, best first,
    with notes on anything that could not be used (unknown component, unknown USCC)."""
    notes: list[str] = []
    basis_rank = {basis: i for i, basis in enumerate(basis_order(catalog_type))}
    via = _resolution_type(catalog_type)
    exact_ids = {
        pk
        for pk in (catalog_type.pk, catalog_type.successor_id, catalog_type.component_type_id)
        if pk is not None
    }
    if via.pk is not None:
        exact_ids.add(via.pk)
    prefixes = [grid_code[:n] for n in sorted(_AREA_BY_LENGTH) if len(grid_code) >= n]
    by_area = district_rules(grid_code[:6]) if prefixes else {}
    rules = [
        rule
        for prefix in prefixes
        for rule in by_area.get(prefix, ())
        if (
            rule.catalog_type_id in exact_ids
            if rule.catalog_type_id is not None
            else rule.class_code in ("", via.class_code)
        )
    ]
    ranked: list[tuple[tuple[int, int, int, int, int], Candidate]] = []
    for rule in rules:
        if rule.catalog_type_id is not None:
            matched_by = TYPE_EXACT
        elif rule.class_code:
            matched_by = TYPE_CLASS
        else:
            matched_by = TYPE_ANY
        key = (
            basis_rank.get(rule.basis, len(basis_rank)),
            _TYPE_RANK[matched_by],
            -len(rule.area_code),
            rule.priority,
            rule.pk,
        )
        ranked.append((key, _rule_candidate(rule, matched_by, catalog_type, grid_code)))
    if component_ident:
        owner_rank = basis_rank[Basis.OWNER]
        for i, candidate in enumerate(_component_candidates(catalog_type, component_ident, notes)):
            ranked.append(((owner_rank, _TYPE_RANK[FROM_COMPONENT], 0, i, 0), candidate))
    ranked.sort(key=lambda pair: pair[0])
    candidates = [candidate for _, candidate in ranked]
    if not candidates:
        notes.append(
            f"没有适用于 {catalog_type.code} {catalog_type.name}、网格 {grid_code} 的责任规则"
        )
    return Resolution(candidates=candidates, notes=notes)


def suggest_department(
    catalog_type: CatalogType, *, grid_code: str, component_ident: str | None = None
) -> Suggestion | None:
    """The department that should handle ``catalog_type`` in ``grid_code``, or ``None``."""
    return resolve_responsibility(
        catalog_type, grid_code=grid_code, component_ident=component_ident
    ).suggestion


def explain_responsibility(
    catalog_type: CatalogType, *, grid_code: str, component_ident: str | None = None
) -> list[Candidate]:
    """Every matching candidate in resolution order; the first is the suggestion."""
    return resolve_responsibility(
        catalog_type, grid_code=grid_code, component_ident=component_ident
    ).candidates


__all__ = [
    "Candidate",
    "Resolution",
    "Suggestion",
    "authenticate_token",
    "basis_order",
    "explain_responsibility",
    "issue_token",
    "resolve_responsibility",
    "revoke_token",
    "suggest_department",
]
