"""Replaying one case's event history into counter emissions.

``replay(case, events)`` walks the append-only ``CaseEvent`` rows of one case in order and
says which counter of which object it adds to on which local day. It reads only the
events and the case's immutable facts (channel, area codes, matter), so the same history
always gives the same emissions: the aggregates are a sum of replays, a refresh adds
``replay(all events) − replay(events already counted)`` for every case that has new
events, and a recompute replays everything.

"On time" compares the action with its stage's due instant: the ``due_at`` stored by the
event that started the stage, moved by an approved extension (``until``) and by the
suspensions (挂账) of the handling clock, counted in the same working time the clock used.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from urbangrid.common.clock import SHANGHAI
from urbangrid.evaluation import indicators as ind

Key = tuple[dt.date, str, str, str]  # day, object kind, object key, counter


@dataclass(frozen=True)
class CaseFacts:
    """What never changes on a case after its report."""

    case_id: int
    channel: str
    grid: str
    community: str
    street: str
    district: str
    matter: str


@dataclass(frozen=True)
class Event:
    id: int
    action: str
    at: dt.datetime
    actor_id: int | None
    actor_role: str
    data: Mapping[str, Any]
    from_status: str = ""


DueShifter = Callable[
    [str, int | None, dt.datetime, dt.datetime, list[tuple[dt.datetime, dt.datetime]]], dt.datetime
]
"""(unit, department id, base, due, pauses) → the due instant moved by the pauses."""


def _parse(value: Any) -> dt.datetime | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def day_of(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


@dataclass
class _Clock:
    base: dt.datetime
    due: dt.datetime | None
    unit: str
    department: int | None
    pauses: list[list[dt.datetime | None]] = field(default_factory=list)


@dataclass
class _Dispatch:
    day: dt.date
    at: dt.datetime
    dispatcher: int | None
    department: int | None
    returned: bool = False
    received_at: dt.datetime | None = None


def _no_shift(
    unit: str,
    department: int | None,
    base: dt.datetime,
    due: dt.datetime,
    pauses: list[tuple[dt.datetime, dt.datetime]],
) -> dt.datetime:
    return due + sum(((e - s) for s, e in pauses), dt.timedelta())


def replay(
    case: CaseFacts, events: Iterable[Event], *, shift: DueShifter = _no_shift
) -> Tally[Key]:
    """The emissions of ``events`` (one case, in ``seq`` order)."""
    out: Tally[Key] = Tally()
    areas = (
        (ind.GRID, case.grid),
        (ind.COMMUNITY, case.community),
        (ind.STREET, case.street),
        (ind.DISTRICT, case.district),
    )
    is_public = case.channel != "inspector"

    def emit(day: dt.date, kind: str, key: object, counter: str, n: int = 1) -> None:
        if key is not None and key != "":
            out[(day, kind, str(key), counter)] += n

    def emit_areas(day: dt.date, counter: str) -> None:
        for kind, key in areas:
            emit(day, kind, key, counter)

    def emit_dept_and_areas(day: dt.date, department: int | None, counter: str) -> None:
        emit(day, ind.DEPARTMENT, department, counter)
        emit_areas(day, counter)

    clocks: dict[str, _Clock] = {}
    limits: Mapping[str, Any] = {}
    department: int | None = None
    reporter_inspector: int | None = None
    report_day: dt.date | None = None
    filed_once = False
    filing: tuple[dt.date, int | None] | None = None  # the last filing: day, shift leader
    dispatches: list[_Dispatch] = []
    red_segments: list[list[Any]] = []  # [day, department, handled?]
    current_red: list[Any] | None = None

    def due_of(stage: str) -> dt.datetime | None:
        clock = clocks.get(stage)
        if clock is None or clock.due is None:
            return None
        closed = [(s, e) for s, e in clock.pauses if s is not None and e is not None]
        if not closed:
            return clock.due
        return shift(clock.unit, clock.department, clock.base, clock.due, closed)

    def on_time(stage: str, at: dt.datetime) -> bool:
        due = due_of(stage)
        return due is None or at <= due

    for event in events:
        action, at, actor, data = event.action, event.at, event.actor_id, event.data
        day = day_of(at)
        role = event.actor_role
        # Stage clocks: stops are judged before this event's own start replaces a clock.
        if action in ("report", "self_handle"):
            report_day = day
            emit_areas(day, "reports")
            if is_public:
                emit_areas(day, "public_reports")
            emit(day, ind.GRID_MATTER, f"{case.grid}|{case.matter}", "reports")
            emit(day, ind.MATTER, case.matter, "reports")
            local = at.astimezone(SHANGHAI)
            emit(day, ind.MATTER, case.matter, f"h{local.hour:02d}")
            emit(day, ind.MATTER, case.matter, f"wd{local.weekday()}")
            if role == "inspector":
                reporter_inspector = actor
                emit(day, ind.INSPECTOR, actor, "reports")
                if action == "self_handle":
                    emit(day, ind.INSPECTOR, actor, "self_handled")
        elif action == "send_verify":
            emit(day, ind.OPERATOR, actor, "send_verify")
            if on_time("accept", at):
                emit(day, ind.OPERATOR, actor, "send_verify_on_time")
        elif action == "verify":
            emit(day, ind.INSPECTOR, actor, "verify_tasks")
            if on_time("verify", at):
                emit(day, ind.INSPECTOR, actor, "verify_on_time")
        elif action == "accept":
            emit(day, ind.OPERATOR, actor, "accepts")
            if on_time("accept", at):
                emit(day, ind.OPERATOR, actor, "accepts_on_time")
        elif action == "not_accept":
            emit(day, ind.OPERATOR, actor, "not_accepts")
        elif action == "file":
            limits = data.get("limits") or limits
            emit(day, ind.SHIFT_LEADER, actor, "filed")
            if on_time("file", at):
                emit(day, ind.SHIFT_LEADER, actor, "filed_on_time")
            filing = (day, actor)
            if not filed_once:
                filed_once = True
                emit_areas(day, "filed")
                if is_public:
                    emit_areas(day, "public_filed")
                if reporter_inspector is not None and report_day is not None:
                    emit(report_day, ind.INSPECTOR, reporter_inspector, "valid_reports")
        elif action == "cancel":
            if role in ind.STAFF_KINDS:
                emit(day, role, actor, "cancels")
            if filing is not None and event.from_status == "to_dispatch":
                emit(filing[0], ind.SHIFT_LEADER, filing[1], "filings_cancelled")
        elif action == "dispatch":
            emit(day, ind.DISPATCHER, actor, "dispatches")
            if on_time("dispatch", at):
                emit(day, ind.DISPATCHER, actor, "dispatches_on_time")
            dept = data.get("department") or {}
            department = dept.get("id") if isinstance(dept, Mapping) else None
            emit_dept_and_areas(day, department, "to_handle")
            dispatches.append(_Dispatch(day, at, actor, department))
        elif action == "send_back":
            emit(day, ind.DISPATCHER, actor, "send_backs")
            if filing is not None:
                emit(filing[0], ind.SHIFT_LEADER, filing[1], "filings_sent_back")
        elif action == "receive":
            if dispatches and dispatches[-1].received_at is None:
                dispatches[-1].received_at = at
        elif action == "return":
            emit(day, ind.DEPARTMENT, department, "returns")
            if dispatches:
                dispatches[-1].returned = True
            department = None
            current_red = None
        elif action == "report_handled":
            emit_dept_and_areas(day, department, "handled")
            timely = on_time("handle", at)
            emit_dept_and_areas(day, department, "handled_on_time" if timely else "handled_late")
            if current_red is not None:
                current_red[2] = True
                current_red = None
        elif action == "send_check":
            emit(day, ind.OPERATOR, actor, "send_checks")
            if on_time("check", at):
                emit(day, ind.OPERATOR, actor, "send_checks_on_time")
        elif action == "check":
            emit(day, ind.INSPECTOR, actor, "check_tasks")
            if on_time("check", at):
                emit(day, ind.INSPECTOR, actor, "check_on_time")
        elif action == "close":
            emit(day, ind.SHIFT_LEADER, actor, "closes")
            if on_time("close", at):
                emit(day, ind.SHIFT_LEADER, actor, "closes_on_time")
            emit_dept_and_areas(day, department, "closed")
            if data.get("closing_type", "normal") == "normal":
                emit_dept_and_areas(day, department, "closed_on_time")
        elif action == "rework":
            emit_dept_and_areas(day, department, "reworks")
        elif action == "approve_extension":
            emit(day, ind.DEPARTMENT, department, "extensions")
            clock = clocks.get("handle")
            until = _parse(data.get("until"))
            if clock is not None and until is not None:
                clock.base, clock.due, clock.pauses = at, until, []
        elif action == "approve_suspension":
            emit(day, ind.DEPARTMENT, department, "suspensions")
            clock = clocks.get("handle")
            if clock is not None:
                clock.pauses.append([at, None])
        elif action == "resume":
            clock = clocks.get("handle")
            if clock is not None and clock.pauses and clock.pauses[-1][1] is None:
                clock.pauses[-1][1] = at
        elif action == "reopen":
            emit_areas(day, "reopens")
        elif action == "light_changed":
            if data.get("stage") == "handle" and data.get("to") == "red" and current_red is None:
                emit_dept_and_areas(day, department, "overdue")
                current_red = [day, department, False]
                red_segments.append(current_red)
        elif action == "callback":
            emit_dept_and_areas(day, department, "callbacks")
            if data.get("reached"):
                emit_dept_and_areas(day, department, "reached")
                if data.get("solved") is True:
                    emit_dept_and_areas(day, department, "solved")
                answer = data.get("satisfaction")
                if answer in ind.SATISFACTION_ANSWERS:
                    emit_dept_and_areas(day, department, f"sat_{answer}")
        # A stage started by this event (its data says which and when it is due).
        stage = data.get("stage")
        if stage and "due_at" in data and action != "light_changed":
            unit = ""
            limit = limits.get(stage) if isinstance(limits, Mapping) else None
            if isinstance(limit, Mapping):
                unit = str(limit.get("unit", ""))
            clocks[str(stage)] = _Clock(
                at, _parse(data.get("due_at")), unit, department if stage == "handle" else None
            )
            if stage == "handle":
                current_red = None
    # Outcomes known only later are booked on the day of the act they judge.
    for d in dispatches:
        if not d.returned:
            emit(d.day, ind.DISPATCHER, d.dispatcher, "dispatches_accurate")
        if d.received_at is not None:
            minutes = (d.received_at - d.at).total_seconds() / 60
            for bucket in ind.RESPONSE_BUCKETS:
                if minutes <= bucket:
                    emit(d.day, ind.DEPARTMENT, d.department, f"responded_{bucket}")
    for red_day, red_department, handled in red_segments:
        if not handled:
            emit(red_day, ind.DEPARTMENT, red_department, "overdue_unhandled")
            for kind, key in areas:
                emit(red_day, kind, key, "overdue_unhandled")
    return out


def case_events(rows: Sequence[Mapping[str, Any]]) -> list[Event]:
    return [
        Event(
            r["id"],
            r["action"],
            r["at"],
            r["actor_id"],
            r["actor_role"] or "",
            r["data"] or {},
            r.get("from_status") or "",
        )
        for r in rows
    ]
