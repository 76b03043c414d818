"""The only code that changes a case: ``create_report`` and ``apply_action``.

Every action runs the same steps, in one transaction: lock the case row, look up the
row of ``workflow.TRANSITIONS``, check role and scope, validate the input, apply the
action's own effect (department, grade, extension, …), move the stage clocks, append the
event, save the case with ``update_fields`` and queue the notifications in the outbox
(same transaction: a message exists exactly when its cause committed; the worker sends it
after commit). No other code assigns ``case.status``.

The checks (role, version, status, scope, input, the row's condition) are
``check_action``: it reads only, so other code asks it whether an action may be taken
now, and gets the refusal ``apply_action`` would raise, instead of repeating the checks.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import JSONField, Q
from django.utils.translation import gettext_noop

from urbangrid.calendars.services import spec_for_calendar
from urbangrid.cases import deadlines, tally
from urbangrid.cases.access import access_case, is_in_scope, reporting_level, user_level
from urbangrid.cases.exceptions import (
    ActionForbidden,
    CaseError,
    InvalidInput,
    TransitionNotAllowed,
    VersionConflict,
)
from urbangrid.cases.models import (
    Attachment,
    AttachmentKind,
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseShare,
    Channel,
    Dispatch,
    RequestKind,
)
from urbangrid.cases.workflow import (
    END_STATUSES,
    LEVEL_ABOVE,
    LIGHT_CHANGED,
    OPEN_STATUSES,
    SUPPORT,
    Action,
    CaseStatus,
    ClosingType,
    Condition,
    Input,
    Kind,
    Transition,
    find_transition,
    rows_for,
)
from urbangrid.catalog.models import CatalogType, Stage, StageLimit, Standard
from urbangrid.catalog.models import Kind as CatalogKind
from urbangrid.catalog.services import limits_by_stage
from urbangrid.common import clock, images, writes
from urbangrid.geo.gcj02 import gcj02_to_wgs84
from urbangrid.geo.locate import locate
from urbangrid.organisations.models import Department, Level, User
from urbangrid.organisations.permissions import Permission, has_permission
from urbangrid.organisations.services import suggest_department
from urbangrid.outbox.services import Outgoing, queue_messages

MAX_TEXT = 2000
_TOO_LONG = {
    "address": gettext_noop("address is too long"),
    "description": gettext_noop("description is too long"),
    "reporter_name": gettext_noop("reporter_name is too long"),
    "reporter_phone": gettext_noop("reporter_phone is too long"),
    "reporter_email": gettext_noop("reporter_email is too long"),
}
"""One message per field of a report (so each reads naturally when translated)."""

PUBLIC_ACTIONS = frozenset(
    {
        Action.REPORT,
        Action.ACCEPT,
        Action.NOT_ACCEPT,
        Action.FILE,
        Action.DISPATCH,
        Action.REPORT_HANDLED,
        Action.CLOSE,
        Action.REOPEN,
    }
)
"""Actions shown on the citizen's tracking page (their notes are written for the public)."""


class UnknownAction(CaseError):  # noqa: N818
    status = 404
    code = "unknown_action"


# The refusals of ``check_action``, one class per check, so that a caller can word one its
# own way (the hotline desk does); each keeps the code and HTTP status of its base class.


class RoleMayNot(ActionForbidden):
    """403 ``forbidden``: the actor's role lacks the action's permission."""


class OutOfScope(ActionForbidden):
    """403 ``forbidden``: the case is not where the action's scope requires the actor to
    stand (their area, department, grids or level)."""


class StatusForbids(TransitionNotAllowed):
    """409 ``transition_not_allowed``: no row of the action starts from the case's status."""


class ConditionFailed(TransitionNotAllowed):
    """409 ``condition_failed``: rows start from the case's status, but the condition of
    each fails; ``conditions`` are those conditions (e.g. ``NOT_CALLED_BACK``)."""

    code = "condition_failed"

    def __init__(self, action: str, conditions: tuple[Condition, ...]) -> None:
        super().__init__(
            gettext_noop("%(action)s is not possible now: %(conditions)s"),
            params={
                "action": action.replace("_", " "),
                "conditions": "; ".join(c.description for c in conditions),
            },
        )
        self.conditions = conditions


# --- Creating a case ---------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """What a report (上报) says: where, what, and who to answer."""

    channel: str
    matter_code: str
    lng: float
    lat: float
    crs: str = "wgs84"
    address: str = ""
    description: str = ""
    component_ident: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    note: str = ""
    request_kind: str = ""


def find_matter(code: str, *, field: str = "matter_code") -> CatalogType:
    """The active catalogue type with ``code`` (the current standard preferred)."""
    types = CatalogType.objects.filter(code=code.strip(), is_active=True)
    matter = sorted(
        types,
        key=lambda t: (t.standard != Standard.GBT_47678_5_2026, t.kind != CatalogKind.MATTER),
    )
    if not matter:
        raise InvalidInput(
            gettext_noop("no active matter or component type with code %(code)s"),
            params={"code": repr(code)},
            field=field,
        )
    return matter[0]


def create_report(report: Report, *, actor: User | None) -> Case:
    """Create a case from a report (上报): locate it, number it, start its clock.

    ``actor`` is the staff user reporting, or ``None`` for an unauthenticated intake
    (public web form, Open311), which the intake interface has already vetted.
    """
    return _create(report, actor=actor, action=Action.REPORT)


def self_handle_case(report: Report, *, actor: User) -> Case:
    """An inspector's self-handled minor issue (自行处置): created already handled,
    waiting for the shift leader's review."""
    return _create(report, actor=actor, action=Action.SELF_HANDLE)


def _create(report: Report, *, actor: User | None, action: Action) -> Case:
    (row,) = rows_for(action)
    assert row.target is not None
    if actor is not None and not has_permission(actor, row.permission):
        raise _role_may_not(action)
    if report.channel not in Channel.values:
        raise InvalidInput(
            gettext_noop("unknown channel %(channel)s"),
            params={"channel": repr(report.channel)},
            field="channel",
        )
    if report.request_kind and report.request_kind not in RequestKind.values:
        raise InvalidInput(
            gettext_noop("unknown request kind %(kind)s"),
            params={"kind": repr(report.request_kind)},
            field="request_kind",
        )
    channel = Channel.INSPECTOR if action == Action.SELF_HANDLE else report.channel
    lng, lat = report.lng, report.lat
    if report.crs == "gcj02":
        lng, lat = gcj02_to_wgs84(lng, lat)
    elif report.crs != "wgs84":
        raise InvalidInput(gettext_noop("crs must be wgs84 or gcj02"), field="crs")
    place = locate(lng, lat)
    if place is None:
        raise InvalidInput(
            gettext_noop(
                "the point lies outside every unit grid of the city; check the coordinates "
                "(and crs=gcj02 for Chinese web maps)"
            ),
            field="lng",
        )
    if (
        actor is not None
        and actor.area_code
        and has_permission(actor, Permission.VIEW_ALL_CASES)
        and not place.grid_code.startswith(actor.area_code)
    ):
        raise ActionForbidden(gettext_noop("the point lies outside your area"), code="outside_area")
    from urbangrid.catalog import cache as catalog_cache

    # Cached per process (catalog.cache); find_matter reads again and says what is wrong.
    matter = catalog_cache.active_type(report.matter_code) or find_matter(report.matter_code)
    for name in ("address", "description", "reporter_name", "reporter_phone", "reporter_email"):
        if len(getattr(report, name)) > MAX_TEXT:
            raise InvalidInput(_TOO_LONG[name], field=name)

    now = clock.now()
    spec_for_calendar(None)
    # No savepoint inside a caller's transaction (intake's, with its key row): an error
    # here rolls that whole transaction back anyway. The new rows are written together
    # (``common.writes``: one statement on PostgreSQL, joining the caller's batch).
    with deadlines.one_reading_of_calendars(), writes.together(savepoint=False):
        level = reporting_level(actor)
        case = Case(
            status=row.target,
            level=level,
            origin_level=level,
            channel=channel,
            matter=matter,
            component_ident=report.component_ident.strip(),
            description=report.description.strip(),
            address=report.address.strip(),
            lng=lng,
            lat=lat,
            grid_code=place.grid_code,
            community_code=place.community_code,
            street_code=place.street_code,
            district_code=place.district_code,
            area_names={
                "grid": place.grid_name,
                "community": place.community_name,
                "street": place.street_name,
                "district": place.district_name,
            },
            reported_by=actor,
            reporter_name=report.reporter_name.strip(),
            reporter_phone=report.reporter_phone.strip(),
            reporter_email=report.reporter_email.strip(),
            request_kind=report.request_kind,
            limits=catalog_cache.limits_in_force(matter.pk, ""),
            created_at=now,
            updated_at=now,
        )
        _move_clocks(case, row, now)
        case.last_event_seq = 1
        # The number comes last: on SQLite its counter row stays locked until commit.
        # PostgreSQL takes it from a sequence, with the case's id, in one query, and
        # holds no lock.
        from urbangrid.cases import numbering

        if numbering.uses_sequences():
            day = clock.local(now).date()
            case.pk, case.number = writes.allocate_ids(
                Case, numbering.number_sql(place.district_code, day)
            )
        else:
            case.number = _next_number(place.district_code, now)
        writes.insert(case)
        tally.record(case)
        event = _append_event(case, row, "", actor, now, report.note, {"crs": report.crs})
        _notify(case, event, row)
    return case


def _next_number(district_code: str, now: dt.datetime) -> str:
    """``district-YYYYMMDD-sequence`` (local day), unique under concurrency, where there are
    no sequences (SQLite): the per-(district, day) counter row is locked while the number
    is taken. (PostgreSQL: ``numbering.number_sql``, taken with the case's id.)"""
    day = clock.local(now).date()
    counters = CaseNumberCounter.objects.select_for_update()
    counter = counters.filter(district_code=district_code, on=day).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = CaseNumberCounter.objects.create(district_code=district_code, on=day)
        except IntegrityError:
            counter = counters.get(district_code=district_code, on=day)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{district_code}-{day:%Y%m%d}-{counter.last:04d}"


def snapshot_limits(matter: CatalogType, grade: str) -> dict[str, Any]:
    """The limits in force now for every stage (one query): copied onto the case."""
    return _snapshot_limits(matter.pk, grade)


def _snapshot_limits(matter_id: int, grade: str) -> dict[str, Any]:
    scope = Q(catalog_type__isnull=True) | Q(catalog_type_id=matter_id)
    return limits_by_stage(StageLimit.objects.filter(scope, stage__in=list(Stage)), grade)


# --- Applying an action --------------------------------------------------------------

_MUTABLE_FIELDS = [
    "status",
    "matter",
    "grade",
    "filing_condition",
    "department",
    "public_reply",
    "limits",
    "clocks",
    "stage",
    "stage_due_at",
    "expected_at",
    "light",
    "light_check_at",
    "pending_request",
    "pending",
    "check_passed",
    "counters",
    "closing_type",
    "closed_at",
    "merged_into",
    "level",
    "updated_at",
    "last_event_seq",
    "version",
]


def _mutable_columns() -> tuple[tuple[str, str, bool], ...]:
    """(field name, attribute, is JSON) of each of ``_MUTABLE_FIELDS``."""
    return _columns_of(tuple(_MUTABLE_FIELDS))


@functools.cache
def _columns_of(names: tuple[str, ...]) -> tuple[tuple[str, str, bool], ...]:
    fields = [Case._meta.get_field(name) for name in names]
    return tuple(
        (name, field.attname, isinstance(field, JSONField))  # type: ignore[union-attr]
        for name, field in zip(names, fields, strict=True)
    )


def _saved_state(case: Case) -> dict[str, Any]:
    """What the row holds now, to compare with before saving (JSON as text: the
    effects change clocks, counters and the like in place)."""
    state: dict[str, Any] = {}
    for name, attname, is_json in _mutable_columns():
        value = getattr(case, attname)
        state[name] = json.dumps(value, sort_keys=True, default=str) if is_json else value
    return state


def _changed_fields(case: Case, loaded: Mapping[str, Any]) -> list[str]:
    """Those of ``_MUTABLE_FIELDS`` that differ from ``loaded``: one shorter UPDATE (the
    row is locked, so the other columns still hold what was read)."""
    changed = []
    for name, attname, is_json in _mutable_columns():
        value = getattr(case, attname)
        if is_json:
            value = json.dumps(value, sort_keys=True, default=str)
        if name not in loaded or value != loaded[name]:
            changed.append(name)
    return changed


@dataclass
class Step:
    """One action being applied: what an effect reads and adds to."""

    case: Case
    row: Transition
    actor: User
    data: dict[str, Any]
    now: dt.datetime
    event_data: dict[str, Any]
    after: list[Callable[[CaseEvent], None]]


@dataclass(frozen=True)
class Allowed:
    """What ``check_action`` found: the row of the table that applies, and the input
    cleaned (empty when only asked whether the action could be taken)."""

    row: Transition
    data: dict[str, Any]


def _rows_of(action: str) -> tuple[Transition, ...]:
    """The rows of an action on an existing case, else ``UnknownAction`` (404)."""
    rows = rows_for(action)
    if not rows or action in (Action.REPORT, Action.SELF_HANDLE):
        raise UnknownAction(
            gettext_noop("no such action: %(action)s"),
            params={"action": repr(action)},
            field="action",
        )
    return rows


def check_action(
    case: Case,
    action: str,
    *,
    actor: User,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> Allowed:
    """May ``actor`` take ``action`` on ``case`` now? The row that applies, else the error
    ``apply_action`` would raise, checked in its order: ``UnknownAction`` (404),
    ``RoleMayNot`` (403), ``VersionConflict`` (409), ``StatusForbids`` (409),
    ``OutOfScope`` (403), ``InvalidInput`` (400), ``ConditionFailed`` (409).

    It reads only: no lock, no write (an action's own effect may still refuse, e.g. a
    merge into a closed case). ``case`` is one the actor sees (``access_case``; for the
    answer ``apply_action`` would give, without ``shared`` cases: a case the city only
    shares with the actor's district is refused as out of scope here, not found there).
    ``data`` ``None`` asks whether the action could be taken, input aside (the conditions
    on input answer yes); given, it is validated and chooses the row.
    """
    rows = _rows_of(action)
    first = rows[0]
    if not has_permission(actor, first.permission):
        raise _role_may_not(action)
    if expected_version is not None and case.version != expected_version:
        raise VersionConflict(
            gettext_noop(
                "case %(number)s has changed (version %(version)s, you saw %(seen)s); reload it"
            ),
            params={"number": case.number, "version": case.version, "seen": expected_version},
        )
    if not any(case.status in row.sources for row in rows):
        raise StatusForbids(
            gettext_noop("case %(number)s is %(status)s: %(action)s is not possible now"),
            params={
                "number": case.number,
                "status": CaseStatus(case.status).label,
                "action": action.replace("_", " "),
            },
        )
    if not is_in_scope(actor, case, first.scope):
        raise OutOfScope(_scope_message(first))
    cleaned = None if data is None else clean_input(first.inputs, data)
    row = find_transition(case, action, cleaned)
    if row is None:
        raise ConditionFailed(
            action,
            tuple(r.when for r in rows if r.when is not None and case.status in r.sources),
        )
    return Allowed(row, cleaned or {})


def apply_action(
    case_number: str,
    action: str,
    *,
    actor: User,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> Case:
    """Take ``action`` on case ``case_number`` as ``actor``; the updated case.

    Raises ``CaseNotFound`` (404), ``UnknownAction`` (404), ``ActionForbidden`` (403),
    ``TransitionNotAllowed`` or ``VersionConflict`` (409), ``InvalidInput`` (400): those
    of ``check_action``, on the locked row, and those of the action's own effect.
    """
    _rows_of(action)  # an unknown action is 404 before the case is looked up
    spec_for_calendar(None)  # outside the transaction, so the calendar cache may keep it
    with writes.at_once(), deadlines.one_reading_of_calendars(), transaction.atomic():
        case = access_case(actor, case_number, for_update=True)
        loaded = _saved_state(case)
        allowed = check_action(
            case, action, actor=actor, data=data or {}, expected_version=expected_version
        )
        row, cleaned = allowed.row, allowed.data
        now = clock.now()
        step = Step(case, row, actor, cleaned, now, {}, [])
        _EFFECTS.get(row.action, _no_effect)(step)
        from_status = CaseStatus(case.status)
        if row.target is not None:
            case.status = row.target
            case.pending_request, case.pending = "", {}
        for counter in row.counts:
            case.counters[counter] = case.counters.get(counter, 0) + 1
        _move_clocks(case, row, now)
        event_data = {**_serialisable(cleaned), **step.event_data}
        event_data.pop("note", None)
        case.last_event_seq += 1
        event = _append_event(
            case, row, from_status, actor, now, str(cleaned.get("note", "")), event_data
        )
        for hook in step.after:
            hook(event)
        case.updated_at = now
        case.version += 1
        case.save(update_fields=_changed_fields(case, loaded))
        tally.record(case, loaded)
        _notify(case, event, row)
    return case


def _scope_message(row: Transition) -> str:
    if row.scope == "department":
        return gettext_noop("this case is not with your department")
    if row.scope == "level":
        return gettext_noop("this case is held by the centre of another level")
    return gettext_noop("this case is not in your grids")


def _role_may_not(action: str) -> RoleMayNot:
    return RoleMayNot(
        gettext_noop("your role may not %(action)s"), params={"action": action.replace("_", " ")}
    )


def clean_input(inputs: tuple[Input, ...], data: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``data`` against the action's inputs; the cleaned values (400 on error)."""
    known = {spec.name for spec in inputs}
    unexpected = sorted(k for k, v in data.items() if k not in known and v is not None)
    if unexpected:
        raise InvalidInput(
            gettext_noop("unexpected field %(field)s"),
            params={"field": repr(unexpected[0])},
            field=unexpected[0],
        )
    cleaned: dict[str, Any] = {}
    for spec in inputs:
        value = data.get(spec.name)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value in ("", []):
            if spec.required:
                raise InvalidInput(
                    gettext_noop("%(field)s is required"),
                    params={"field": spec.name},
                    field=spec.name,
                )
            continue
        cleaned[spec.name] = _clean_value(spec, value)
    return cleaned


def _clean_value(spec: Input, value: Any) -> Any:
    name = spec.name
    if spec.kind == Kind.TEXT:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise InvalidInput(
                gettext_noop("%(field)s must be text of at most %(max)s characters"),
                params={"field": name, "max": MAX_TEXT},
                field=name,
            )
        if spec.choices and value not in spec.choices:
            raise InvalidInput(
                gettext_noop("%(field)s must be one of %(choices)s"),
                params={"field": name, "choices": ", ".join(spec.choices)},
                field=name,
            )
        return value
    if spec.kind == Kind.BOOL:
        if not isinstance(value, bool):
            raise InvalidInput(
                gettext_noop("%(field)s must be true or false"), params={"field": name}, field=name
            )
        return value
    if spec.kind == Kind.INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(
                gettext_noop("%(field)s must be an integer"), params={"field": name}, field=name
            )
        return value
    if spec.kind == Kind.DATETIME:
        moment = value
        if isinstance(value, str):
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                moment = None
        if not isinstance(moment, dt.datetime):
            raise InvalidInput(
                gettext_noop("%(field)s must be an ISO 8601 date and time"),
                params={"field": name},
                field=name,
            )
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=clock.SHANGHAI)
        return moment.astimezone(dt.UTC)
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise InvalidInput(
            gettext_noop("%(field)s must be a list of attachment ids"),
            params={"field": name},
            field=name,
        )
    return sorted(set(value))


def _serialisable(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in data.items()}


def _move_clocks(case: Case, row: Transition, now: dt.datetime) -> None:
    clocks = case.clocks
    for stage in row.stops:
        deadlines.stop_clock(clocks, stage, at=now)
    if row.pauses:
        deadlines.pause_clock(clocks, row.pauses, at=now)
    if row.resumes:
        deadlines.resume_clock(clocks, row.resumes, at=now)
    if row.starts:
        calendar_id = None
        if row.starts == Stage.HANDLE and case.department is not None:
            calendar_id = case.department.calendar_id
        deadlines.start_clock(
            clocks, row.starts, at=now, limit=case.limits.get(row.starts), calendar_id=calendar_id
        )
    _store_summary(case, now)


def _store_summary(case: Case, now: dt.datetime) -> None:
    summary = deadlines.refresh(case.clocks, now, is_open=case.status not in END_STATUSES)
    case.stage = summary.stage
    case.stage_due_at = summary.stage_due_at
    case.expected_at = summary.expected_at
    case.light = summary.light
    case.light_check_at = summary.check_at


def _append_event(
    case: Case,
    row: Transition | None,
    from_status: str,
    actor: User | None,
    now: dt.datetime,
    note: str,
    data: dict[str, Any],
    *,
    action: str | None = None,
) -> CaseEvent:
    """Append the event numbered ``case.last_event_seq`` (the caller advanced it)."""
    if row is not None and row.starts:
        data = {**data, "due_at": case.clocks[row.starts]["due_at"], "stage": row.starts}
    event = CaseEvent(
        case=case,
        seq=case.last_event_seq,
        action=action or (row.action if row else ""),
        from_status="" if row is not None and not row.sources else from_status,
        to_status=case.status,
        actor=actor,
        actor_role=actor.role if actor is not None else "system",
        at=now,
        note=note,
        is_public=row is not None and row.action in PUBLIC_ACTIONS,
        data=data,
    )
    writes.insert(event)
    return event


# --- What each action does beyond status and clocks -----------------------------------


def _no_effect(step: Step) -> None:
    return None


def _link_photos(step: Step, kind: str) -> None:
    ids = step.data.get("photos") or []
    if not ids:
        return
    photos = Attachment.objects.filter(
        case=step.case, pk__in=ids, event__isnull=True, uploaded_by=step.actor
    )

    def link(event: CaseEvent) -> None:
        # Checked and linked in one UPDATE: a photo that is not the actor's own, unused
        # photo of this case leaves a row out, and the error rolls the action back.
        if photos.update(event=event, kind=kind) != len(ids):
            raise InvalidInput(
                gettext_noop("photos must be ids of your own photos of this case, not yet used"),
                field="photos",
            )

    step.after.append(link)


def _verify(step: Step) -> None:
    _link_photos(step, AttachmentKind.INSPECTOR)


def _file(step: Step) -> None:
    case = step.case
    if "matter_code" in step.data:
        case.matter = find_matter(step.data["matter_code"])
    case.grade = step.data["grade"]
    case.filing_condition = step.data["filing_condition"]
    case.limits = _snapshot_limits(case.matter_id, case.grade)
    step.event_data["limits"] = case.limits


def _dispatch(step: Step) -> None:
    case = step.case
    suggestion = suggest_department(
        case.matter, grid_code=case.grid_code, component_ident=case.component_ident or None
    )
    chosen = step.data.get("department_id")
    if chosen is None:
        if suggestion is None:
            raise InvalidInput(
                gettext_noop("no responsibility rule suggests a department here: choose one"),
                field="department_id",
            )
        chosen = suggestion.department.pk
    if suggestion is not None and suggestion.department.pk == chosen:
        # Read a moment ago in this transaction (the rules only name active ones).
        department: Department | None = suggestion.department
        if not suggestion.department.is_active:
            department = None
    else:
        department = Department.objects.filter(pk=chosen, is_active=True).first()
    if department is None:
        raise InvalidInput(
            gettext_noop("no active department %(department)s"),
            params={"department": chosen},
            field="department_id",
        )
    _check_department_level(step, department)
    case.department = department
    step.event_data["department"] = {"id": department.pk, "name": department.name}
    step.event_data["suggestion"] = (
        {
            "department_id": suggestion.department.pk,
            "department": suggestion.department.name,
            "basis": suggestion.basis,
            "reason": suggestion.reason,
            "rule_id": suggestion.rule.pk if suggestion.rule else None,
        }
        if suggestion
        else None
    )
    step.event_data["followed_suggestion"] = bool(
        suggestion and suggestion.department.pk == department.pk
    )

    def record(event: CaseEvent) -> None:
        Dispatch.objects.create(case=case, department=department, at=step.now, event=event)

    step.after.append(record)


def _return(step: Step) -> None:
    department = step.case.department
    if department is not None:
        step.event_data["department"] = {"id": department.pk, "name": department.name}
    step.case.department = None


def _report_handled(step: Step) -> None:
    _link_photos(step, AttachmentKind.AFTER)
    case = step.case
    if case.level != case.origin_level:
        # Referred up and handled there: back to the level that filed it (回交), which
        # checks and closes it.
        step.event_data["returned_to"] = case.origin_level
        case.level = case.origin_level


_LEVEL_RANK: dict[str, int] = {Level.STREET: 0, Level.DISTRICT: 1, Level.CITY: 2}


def _check_department_level(step: Step, department: Department) -> None:
    """A street sub-centre dispatches to street-level units of its own street; a case
    referred up is dispatched to departments of the level now holding it (or above)."""
    case, actor = step.case, step.actor
    if user_level(actor) == Level.STREET:
        street_code = department.street.code if department.street is not None else ""
        if department.level != Level.STREET or not actor.area_code.startswith(street_code or "-"):
            raise InvalidInput(
                gettext_noop(
                    "a street sub-centre dispatches to the street-level units of its street"
                ),
                field="department_id",
            )
    if case.level != case.origin_level and _LEVEL_RANK.get(department.level, 0) < _LEVEL_RANK.get(
        case.level, 0
    ):
        raise InvalidInput(
            gettext_noop(
                "this case was referred up to the %(level)s: choose a %(level)s-level department"
            ),
            params={"level": case.level},
            field="department_id",
        )


def _refer_up(step: Step) -> None:
    """协调件: the level above takes the case (street → district → city)."""
    case = step.case
    above = LEVEL_ABOVE[case.level]
    step.event_data.update({"from_level": case.level, "to_level": above})
    case.level = above
    case.department = None


def _coordinate(step: Step) -> None:
    """A case on the boundary of districts: the city takes it, once, for all of them."""
    case = step.case
    codes = sorted({c.strip() for c in str(step.data["districts"]).split(",") if c.strip()})
    if (
        not codes
        or any(len(c) != 6 or not c.isdigit() for c in codes)
        or case.district_code in codes
    ):
        raise InvalidInput(
            gettext_noop("districts: the 6-digit codes of the other districts concerned"),
            field="districts",
        )
    step.event_data.update(
        {
            "from_level": case.level,
            "to_level": Level.CITY,
            "districts": [case.district_code, *codes],
        }
    )
    case.level = Level.CITY
    case.department = None

    def share(event: CaseEvent) -> None:
        # The other districts see the one case from now on (``cases_visible_to``).
        known = set(CaseShare.objects.filter(case=case).values_list("district_code", flat=True))
        CaseShare.objects.bulk_create(
            CaseShare(case=case, district_code=code, event=event)
            for code in codes
            if code not in known
        )

    step.after.append(share)


def _hand_over(step: Step) -> None:
    """Handed over to another platform (``urbangrid.exchange``): closed here as special."""
    step.case.closing_type = ClosingType.SPECIAL
    step.case.closed_at = step.now
    step.event_data["closing_type"] = ClosingType.SPECIAL


def _check(step: Step) -> None:
    _link_photos(step, AttachmentKind.INSPECTOR)
    step.case.check_passed = step.data["result"]


def _close(step: Step) -> None:
    case = step.case
    closing = step.data.get("closing_type")
    if closing is None:
        late = deadlines.ended_late(case.clocks, Stage.HANDLE)
        closing = ClosingType.OVERDUE if late else ClosingType.NORMAL
    case.closing_type = closing
    case.closed_at = step.now
    step.event_data["closing_type"] = closing


def _rework(step: Step) -> None:
    step.case.check_passed = None
    department = step.case.department
    if department is not None:
        step.event_data["department"] = {"id": department.pk, "name": department.name}


def _request_extension(step: Step) -> None:
    case = step.case
    until: dt.datetime = step.data["until"]
    current = deadlines.parse(case.clocks.get(Stage.HANDLE, {}).get("due_at"))
    if until <= step.now or (current is not None and until <= current):
        raise InvalidInput(
            gettext_noop("the new deadline must be later than the current one"), field="until"
        )
    case.pending_request = "extension"
    case.pending = {
        "until": until.isoformat(),
        "reason": step.data["reason"],
        "by": step.actor.pk,
        "at": step.now.isoformat(),
    }


def _approve_extension(step: Step) -> None:
    case = step.case
    until = step.data.get("until") or deadlines.parse(case.pending.get("until"))
    assert until is not None
    if until <= step.now:
        raise InvalidInput(gettext_noop("the new deadline must be in the future"), field="until")
    previous = case.clocks.get(Stage.HANDLE, {}).get("due_at")
    deadlines.extend_clock(case.clocks, Stage.HANDLE, at=step.now, until=until)
    step.event_data.update({"previous_due_at": previous, "until": until.isoformat()})
    case.pending_request, case.pending = "", {}


def _request_suspension(step: Step) -> None:
    step.case.pending_request = "suspension"
    step.case.pending = {
        "reason": step.data["reason"],
        "by": step.actor.pk,
        "at": step.now.isoformat(),
    }


def _clear_request(step: Step) -> None:
    step.case.pending_request, step.case.pending = "", {}


def _reopen(step: Step) -> None:
    step.case.closed_at = None
    step.case.closing_type = ""
    step.case.check_passed = None


def _review_self_handled(step: Step) -> None:
    if step.data["result"]:
        step.case.closing_type = ClosingType.NORMAL
        step.case.closed_at = step.now


def _merge(step: Step) -> None:
    """Link the report to the case it repeats; that case counts one more support."""
    case = step.case
    into = step.data["into"]
    if into == case.number:
        raise InvalidInput(gettext_noop("a case cannot be merged into itself"), field="into")
    target = _locked_other(step.actor, into)
    if target.status not in OPEN_STATUSES:
        raise InvalidInput(
            gettext_noop("case %(number)s is not open"), params={"number": into}, field="into"
        )
    if target.merged_into_id is not None:
        raise InvalidInput(
            gettext_noop("case %(number)s is itself merged"), params={"number": into}, field="into"
        )
    case.merged_into = target
    step.event_data["into"] = target.number
    _record_support(target, step, {"merged": case.number}, delta=1)


def _split(step: Step) -> None:
    """Undo a merge: the report stands alone again; its former case counts one less."""
    case = step.case
    assert case.merged_into_id is not None  # the row's condition
    target = Case.objects.select_for_update(of=("self",)).get(pk=case.merged_into_id)
    case.merged_into = None
    step.event_data["from"] = target.number
    _record_support(target, step, {"split": case.number}, delta=-1)


def _locked_other(actor: User, number: str) -> Case:
    try:
        return access_case(actor, number, for_update=True)
    except CaseError as exc:
        raise InvalidInput(
            gettext_noop("no case %(number)s you can see"), params={"number": number}, field="into"
        ) from exc


def _record_support(target: Case, step: Step, data: dict[str, Any], *, delta: int) -> None:
    target.support_count = max(target.support_count + delta, 0)
    target.last_event_seq += 1
    target.updated_at = step.now
    target.version += 1
    _append_event(target, None, target.status, step.actor, step.now, "", data, action=SUPPORT)
    target.save(update_fields=["support_count", "last_event_seq", "updated_at", "version"])


def _callback(step: Step) -> None:
    """Callback (回访): always record reached / solved / satisfaction (None when the
    requester was not reached). A requester reached gives a satisfaction answer: it is
    what the satisfaction rate counts (standards §6.5)."""
    reached = step.data["reached"]
    if reached and not step.data.get("satisfaction"):
        raise InvalidInput(
            gettext_noop("a reached callback needs the requester's satisfaction answer"),
            field="satisfaction",
        )
    step.event_data.update(
        reached=reached,
        solved=step.data.get("solved") if reached else None,
        satisfaction=step.data.get("satisfaction") if reached else None,
    )


def _case_is(case: Case) -> TransitionNotAllowed:
    """409: the case's status does not allow it (``case … is closed (已结案)``)."""
    return TransitionNotAllowed(
        gettext_noop("case %(number)s is %(status)s"),
        params={"number": case.number, "status": CaseStatus(case.status).label},
    )


def add_support(
    case_number: str, *, actor: User, note: str = "", data: Mapping[str, Any] | None = None
) -> Case:
    """A repeat report or call with no new facts (附议): recorded on the open case as a
    ``support`` event and counted; the status does not change."""
    if not has_permission(actor, Permission.REPORT):
        raise ActionForbidden(gettext_noop("your role may not report"))
    if len(note) > MAX_TEXT:
        raise InvalidInput(gettext_noop("note is too long"), field="note")
    with writes.at_once(), transaction.atomic():
        case = access_case(actor, case_number, for_update=True)
        if case.status not in OPEN_STATUSES:
            raise _case_is(case)
        now = clock.now()
        case.support_count += 1
        case.last_event_seq += 1
        case.updated_at = now
        case.version += 1
        _append_event(case, None, case.status, actor, now, note, dict(data or {}), action=SUPPORT)
        case.save(update_fields=["support_count", "last_event_seq", "updated_at", "version"])
    return case


_EFFECTS: dict[str, Callable[[Step], None]] = {
    Action.VERIFY: _verify,
    Action.FILE: _file,
    Action.DISPATCH: _dispatch,
    Action.RETURN: _return,
    Action.REPORT_HANDLED: _report_handled,
    Action.CHECK: _check,
    Action.CLOSE: _close,
    Action.REWORK: _rework,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.APPROVE_EXTENSION: _approve_extension,
    Action.REFUSE_EXTENSION: _clear_request,
    Action.REQUEST_SUSPENSION: _request_suspension,
    Action.REFUSE_SUSPENSION: _clear_request,
    Action.REOPEN: _reopen,
    Action.REVIEW_SELF_HANDLED: _review_self_handled,
    Action.MERGE: _merge,
    Action.SPLIT: _split,
    Action.CALLBACK: _callback,
    Action.REFER_UP: _refer_up,
    Action.COORDINATE: _coordinate,
    Action.HAND_OVER: _hand_over,
}


# --- Notifications -------------------------------------------------------------------


def _nobody(case: Case) -> list[str]:
    return []


def _department(case: Case) -> list[str]:
    return [f"department:{case.department_id}"] if case.department_id else []


def _centre(role: str) -> Callable[[Case], list[str]]:
    return lambda case: [f"role:{role}:{case.district_code}"]


def _grid_inspectors(case: Case) -> list[str]:
    return [f"grid:{case.grid_code}"]


def _reporter(case: Case) -> list[str]:
    has_contact = case.reporter_phone or case.reporter_email
    return [f"reporter:{case.number}"] if has_contact else []


_RECIPIENTS: dict[str, Callable[[Case], list[str]]] = {
    Action.SEND_VERIFY: _grid_inspectors,
    Action.VERIFY: _centre("operator"),
    Action.ACCEPT: lambda case: [*_centre("shift_leader")(case), *_reporter(case)],
    Action.NOT_ACCEPT: _reporter,
    Action.FILE: _centre("dispatcher"),
    Action.DISPATCH: lambda case: [*_department(case), *_reporter(case)],
    Action.RETURN: _centre("dispatcher"),
    Action.SEND_BACK: _centre("shift_leader"),
    Action.REPORT_HANDLED: _centre("operator"),
    Action.SEND_CHECK: _grid_inspectors,
    Action.CHECK: _centre("shift_leader"),
    Action.CLOSE: _reporter,
    Action.REWORK: _department,
    Action.REQUEST_EXTENSION: _centre("dispatcher"),
    Action.APPROVE_EXTENSION: _department,
    Action.REFUSE_EXTENSION: _department,
    Action.REQUEST_SUSPENSION: _centre("dispatcher"),
    Action.APPROVE_SUSPENSION: _department,
    Action.REFUSE_SUSPENSION: _department,
    Action.RESUME: _department,
    Action.URGE: _department,
    Action.ESCALATE: lambda case: [*_department(case), f"role:leader:{case.district_code}"],
    Action.REOPEN: _centre("dispatcher"),
    Action.SELF_HANDLE: _centre("shift_leader"),
    Action.MERGE: _reporter,
    Action.SPLIT: _centre("operator"),
    Action.REFER_UP: lambda case: [f"role:dispatcher:{_holding_area(case)}"],
    Action.COORDINATE: lambda case: [f"role:dispatcher:{_holding_area(case)}"],
}


def _holding_area(case: Case) -> str:
    """The area of the centre holding the case: its street, its district or ``city``."""
    if case.level == Level.STREET:
        return case.street_code
    return case.district_code if case.level == Level.DISTRICT else Level.CITY


def _notify(case: Case, event: CaseEvent, row: Transition) -> None:
    recipients = _RECIPIENTS.get(row.action, _nobody)(case)
    queue_messages(
        [
            Outgoing(
                dedupe_key=f"case:{case.pk}:event:{event.seq}:{recipient}",
                topic=f"case.{row.action}",
                recipient=recipient,
                payload={
                    "case": case.number,
                    "action": row.action,
                    "status": case.status,
                    "stage_due_at": deadlines.iso(case.stage_due_at),
                },
            )
            for recipient in recipients
        ],
        at=event.at,
    )


# --- Photos ----------------------------------------------------------------------------


def add_attachment(
    case_number: str, *, actor: User, upload: UploadedFile[bytes], kind: str
) -> Attachment:
    """Store a photo of a case (not yet tied to an event; an action cites its id).

    The content must be a photo as ``common.images.inspect_image`` reads it — whatever
    the file name or the declared content type say — within the size and pixel limits.
    """
    if kind not in AttachmentKind.values:
        raise InvalidInput(
            gettext_noop("kind must be one of %(choices)s"),
            params={"choices": ", ".join(AttachmentKind.values)},
            field="kind",
        )
    if upload.size is None or upload.size > images.max_bytes():
        raise InvalidInput(
            gettext_noop("the photo is larger than %(megabytes)s MB"),
            params={"megabytes": images.max_bytes() // (1024 * 1024)},
            field="file",
        )
    case = access_case(actor, case_number)
    if case.status in END_STATUSES:
        raise _case_is(case)
    data = upload.read()
    try:
        facts = images.inspect_image(data)
    except images.ImageRejectedError as exc:
        raise InvalidInput(exc.msgid, params=exc.params, field="file") from exc
    upload.seek(0)
    return Attachment.objects.create(
        case=case,
        kind=kind,
        file=upload,
        content_type=facts.content_type,
        size=len(data),
        width=facts.width,
        height=facts.height,
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )


# --- The deadline sweep ----------------------------------------------------------------


def sweep_lights(*, now: dt.datetime | None = None) -> int:
    """Recompute the lights of the open cases whose light may have changed by ``now``
    (``light_check_at``, found through its index: not every open case each minute);
    record each change as a ``light_changed`` event (no status change) and queue a
    notification whose dedupe key is (case, stage, stage start, light): sweeping twice
    never notifies twice. A case whose light did not change gets its next check time.
    Returns the number of cases whose light changed."""
    moment = now or clock.now()
    spec_for_calendar(None)
    changed = 0
    candidates = (
        Case.objects.filter(light_check_at__lte=moment)
        .exclude(status__in=END_STATUSES)
        .values_list("pk", "light", "clocks", "status", "light_check_at")
        .order_by()
    )
    for pk, light, clocks, status, check_at in candidates.iterator(chunk_size=500):
        with deadlines.one_reading_of_calendars():
            summary = deadlines.refresh(clocks, moment, is_open=status not in END_STATUSES)
        if summary.light != light and _record_light(pk, moment):
            changed += 1
        elif summary.check_at != check_at:
            # Unless an action changed the case meanwhile (and set its own time).
            Case.objects.filter(pk=pk, light_check_at=check_at).update(
                light_check_at=summary.check_at
            )
    return changed


def recheck_lights(*, now: dt.datetime | None = None) -> int:
    """Have the next sweep look at every open case with a running stage (a work calendar
    changed, so dues and lights may have moved). Returns how many were marked."""
    moment = now or clock.now()
    open_cases = Case.objects.exclude(status__in=END_STATUSES).exclude(stage="")
    return open_cases.update(light_check_at=moment)


def _record_light(pk: int, now: dt.datetime) -> bool:
    with writes.at_once(), deadlines.one_reading_of_calendars(), transaction.atomic():
        case = Case.objects.select_for_update().get(pk=pk)
        before = case.light
        _store_summary(case, now)
        if case.light == before or not case.stage:
            return False
        stage = case.stage
        case.last_event_seq += 1
        segment = case.clocks[stage]["base_at"]
        event = _append_event(
            case,
            None,
            case.status,
            None,
            now,
            "",
            {
                "stage": stage,
                "from": before,
                "to": case.light,
                "due_at": case.clocks[stage]["due_at"],
            },
            action=LIGHT_CHANGED,
        )
        case.save(
            update_fields=[
                "clocks",
                "stage",
                "stage_due_at",
                "expected_at",
                "light",
                "light_check_at",
                "last_event_seq",
            ]
        )
        tally.record(case, {"light": before})
        recipients = _department(case) if stage == Stage.HANDLE else []
        recipients = recipients or [f"role:dispatcher:{case.district_code}"]
        queue_messages(
            [
                Outgoing(
                    dedupe_key=f"case:{case.pk}:light:{stage}:{segment}:{case.light}:{r}",
                    topic=f"case.light.{case.light}",
                    recipient=r,
                    payload={
                        "case": case.number,
                        "stage": stage,
                        "light": case.light,
                        "due_at": event.data["due_at"],
                    },
                )
                for r in recipients
            ],
            at=now,
        )
    return True
