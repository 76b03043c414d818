"""The evaluation test world and the hand-computed reference scenario (November 2025).

Personas: inspectors ``i1`` (grids 0–3) and ``i2`` (grid 15), operator ``op``, shift
leader ``sl``, dispatcher ``dp``, handlers ``ha`` (department A) and ``hb`` (B). Matter
06010 needs verification and check; limits: accept/verify/file/dispatch 30 working
minutes, handle 4 working hours, check 120, close 60. Every flow starts at 10:00 on a
weekday; "prompt" steps take minutes, "late" ones wait until the next working day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from urbangrid.cases.models import Attachment, Case, CaseEvent
from urbangrid.cases.services import Report, apply_action, create_report, sweep_lights
from urbangrid.catalog.models import CatalogType, Stage, StageLimit
from urbangrid.common.clock import SHANGHAI
from urbangrid.evaluation.aggregates import refresh_aggregates
from urbangrid.organisations.models import Department, ResponsibilityRule, Role, User
from urbangrid.testing import TinyCity, make_city, make_department, make_type, make_user

LIMITS = (
    (Stage.ACCEPT, "", 30, "working_minutes"),
    (Stage.VERIFY, "", 30, "working_minutes"),
    (Stage.FILE, "", 30, "working_minutes"),
    (Stage.DISPATCH, "", 30, "working_minutes"),
    (Stage.CHECK, "", 120, "working_minutes"),
    (Stage.CLOSE, "", 60, "working_minutes"),
    (Stage.HANDLE, "general", 4, "working_hours"),
)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 11, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class World:
    city: TinyCity
    matter: CatalogType
    dept_a: Department
    dept_b: Department
    i1: User
    i2: User
    op: User
    sl: User
    dp: User
    ha: User
    hb: User

    def report(self, when: dt.datetime, grid: int, *, by: User | None = None) -> str:
        grid_obj = self.city.grids[grid]
        channel = "inspector" if by is not None and by.role == Role.INSPECTOR else "public"
        with time_machine.travel(when, tick=False):
            case = create_report(
                Report(
                    channel=channel,
                    matter_code=self.matter.code,
                    lng=grid_obj.centre_lng or 0,
                    lat=grid_obj.centre_lat or 0,
                    description="暴露垃圾",
                    reporter_name="张三",
                    reporter_phone="13812341234",
                ),
                actor=by or self.op,
            )
        return case.number

    def act(self, when: dt.datetime, number: str, action: str, actor: User, **data: Any) -> None:
        if action in ("report_handled", "check"):
            photo = Attachment.objects.create(
                case=Case.objects.get(number=number),
                kind="department",
                file="cases/t.png",
                content_type="image/png",
                size=1,
                width=1,
                height=1,
                uploaded_by=actor,
                uploaded_at=when,
            )
            data = {**data, "photos": [photo.pk]}
        with time_machine.travel(when, tick=False):
            apply_action(number, action, actor=actor, data=data)

    def callback(self, when: dt.datetime, number: str, **data: Any) -> None:
        case = Case.objects.get(number=number)
        seq = case.last_event_seq + 1
        Case.objects.filter(pk=case.pk).update(last_event_seq=seq)
        CaseEvent.objects.create(
            case=case,
            seq=seq,
            action="callback",
            at=when,
            actor=self.op,
            actor_role="operator",
            data=data,
        )


def build_world() -> World:
    city = make_city()
    matter = make_type("06010", "暴露垃圾", needs_verification=True, needs_check=True)
    CatalogType.objects.filter(pk=matter.pk).update(
        needs_verification=True, needs_check=True, is_active=True
    )
    matter.refresh_from_db()
    StageLimit.objects.filter(catalog_type__isnull=True).delete()
    StageLimit.objects.filter(catalog_type=matter).delete()
    for stage, grade, amount, unit in LIMITS:
        StageLimit.objects.create(
            catalog_type=matter, stage=stage, grade=grade, amount=amount, unit=unit
        )
    dept_a = make_department("区环卫中心", district=city.district)
    dept_b = make_department("区园林绿化局", district=city.district)
    ResponsibilityRule.objects.create(
        catalog_type=matter,
        area_level="district",
        area_code=city.district.code,
        basis="locality",
        department=dept_a,
    )
    return World(
        city=city,
        matter=matter,
        dept_a=dept_a,
        dept_b=dept_b,
        i1=make_user("i1", Role.INSPECTOR, grids=[g.code for g in city.grids[:4]]),
        i2=make_user("i2", Role.INSPECTOR, grids=[city.grids[15].code]),
        op=make_user("op", Role.OPERATOR, area_code="110101"),
        sl=make_user("sl", Role.SHIFT_LEADER, area_code="110101"),
        dp=make_user("dp", Role.DISPATCHER, area_code="110101"),
        ha=make_user("ha", Role.HANDLER, department=dept_a),
        hb=make_user("hb", Role.HANDLER, department=dept_b),
    )


FILE = {"grade": "general", "filing_condition": "面积大于1平方米"}


def run_scenario(w: World, *, refresh: bool = True) -> dict[str, list[str]]:
    """The reference month; ``refresh`` folds events in after every group (incremental)."""
    groups: dict[str, list[str]] = {}

    def maybe_refresh() -> None:
        if refresh:
            refresh_aggregates()

    def public_to_dispatch(day: int, grid: int, inspector: User) -> str:
        n = w.report(at(day, 10), grid)
        w.act(at(day, 10, 2), n, "send_verify", w.op)
        w.act(at(day, 10, 5), n, "verify", inspector, result=True)
        w.act(at(day, 10, 7), n, "accept", w.op)
        w.act(at(day, 10, 9), n, "file", w.sl, **FILE)
        return n

    def check_and_close(day: int, n: str, inspector: User, start: int = 30) -> None:
        w.act(at(day, 10, start + 2), n, "send_check", w.op)
        w.act(at(day, 10, start + 10), n, "check", inspector, result=True)
        w.act(at(day, 10, start + 15), n, "close", w.sl)

    # G1: six clean public cases in grid 0, handled on time by A (Mon 3 Nov).
    groups["clean"] = []
    for _i in range(6):
        n = public_to_dispatch(3, 0, w.i1)
        w.act(at(3, 10, 11), n, "dispatch", w.dp)
        w.act(at(3, 10, 12), n, "receive", w.ha)
        w.act(at(3, 10, 30), n, "report_handled", w.ha)
        check_and_close(3, n, w.i1)
        groups["clean"].append(n)
    maybe_refresh()
    # G2: four inspector reports by i1 in grid 1 (Tue 4 Nov).
    groups["inspector"] = []
    for _i in range(4):
        n = w.report(at(4, 10), 1, by=w.i1)
        w.act(at(4, 10, 2), n, "accept", w.op)
        w.act(at(4, 10, 4), n, "file", w.sl, **FILE)
        w.act(at(4, 10, 6), n, "dispatch", w.dp)
        w.act(at(4, 10, 7), n, "receive", w.ha)
        w.act(at(4, 10, 30), n, "report_handled", w.ha)
        check_and_close(4, n, w.i1)
        groups["inspector"].append(n)
    # G3: three public cases in grid 2, overdue: red at the sweep, handled the next day.
    groups["overdue"] = []
    for _i in range(3):
        n = public_to_dispatch(5, 2, w.i1)
        w.act(at(5, 10, 11), n, "dispatch", w.dp)
        w.act(at(5, 10, 12), n, "receive", w.ha)
        groups["overdue"].append(n)
    maybe_refresh()
    with time_machine.travel(at(6, 9, 30), tick=False):
        sweep_lights()
    for n in groups["overdue"]:
        w.act(at(6, 10, 0), n, "report_handled", w.ha)
        check_and_close(6, n, w.i1, start=0)
    maybe_refresh()
    # G4: two reworks in grid 0 (Fri 7 Nov).
    groups["rework"] = []
    for _i in range(2):
        n = public_to_dispatch(7, 0, w.i1)
        w.act(at(7, 10, 11), n, "dispatch", w.dp)
        w.act(at(7, 10, 12), n, "receive", w.ha)
        w.act(at(7, 10, 20), n, "report_handled", w.ha)
        w.act(at(7, 10, 22), n, "send_check", w.op)
        w.act(at(7, 10, 25), n, "check", w.i1, result=False)
        w.act(at(7, 10, 27), n, "rework", w.sl, reason="未清理干净")
        w.act(at(7, 10, 40), n, "report_handled", w.ha)
        check_and_close(7, n, w.i1, start=40)
        groups["rework"].append(n)
    # G5: two misroutes in grid 3: A returns, B handles (Mon 10 Nov).
    groups["misroute"] = []
    for _i in range(2):
        n = public_to_dispatch(10, 3, w.i1)
        w.act(at(10, 10, 11), n, "dispatch", w.dp)
        w.act(at(10, 10, 13), n, "return", w.ha, reason="非本单位职责")
        w.act(at(10, 10, 15), n, "dispatch", w.dp, department_id=w.dept_b.pk)
        w.act(at(10, 10, 16), n, "receive", w.hb)
        w.act(at(10, 10, 30), n, "report_handled", w.hb)
        check_and_close(10, n, w.i1)
        groups["misroute"].append(n)
    maybe_refresh()
    # G6: an extension in grid 15, handled the next day before the new deadline.
    n = public_to_dispatch(10, 15, w.i2)
    w.act(at(10, 10, 11), n, "dispatch", w.dp)
    w.act(at(10, 10, 12), n, "receive", w.ha)
    w.act(
        at(10, 10, 20),
        n,
        "request_extension",
        w.ha,
        until=at(11, 17).isoformat(),
        reason="需要车辆",
    )
    w.act(at(10, 10, 25), n, "approve_extension", w.dp)
    w.act(at(11, 10, 0), n, "report_handled", w.ha)
    check_and_close(11, n, w.i2, start=0)
    groups["extension"] = [n]
    # G7: a suspension in grid 15 with B, resumed and handled the next day.
    n = public_to_dispatch(12, 15, w.i2)
    w.act(at(12, 10, 11), n, "dispatch", w.dp, department_id=w.dept_b.pk)
    w.act(at(12, 10, 12), n, "receive", w.hb)
    w.act(at(12, 10, 15), n, "request_suspension", w.hb, reason="待协调")
    w.act(at(12, 10, 20), n, "approve_suspension", w.dp)
    w.act(at(13, 10, 0), n, "resume", w.dp)
    w.act(at(13, 11, 0), n, "report_handled", w.hb)
    w.act(at(13, 11, 2), n, "send_check", w.op)
    w.act(at(13, 11, 10), n, "check", w.i2, result=True)
    w.act(at(13, 11, 15), n, "close", w.sl)
    groups["suspension"] = [n]
    maybe_refresh()
    # G8: cancellations in grid 15 (Fri 14 Nov): filed then cancelled; verified false;
    # not accepted.
    n = public_to_dispatch(14, 15, w.i2)
    w.act(at(14, 10, 20), n, "cancel", w.sl, reason="重复案件")
    cancelled = [n]
    n = w.report(at(14, 11), 15)
    w.act(at(14, 11, 2), n, "send_verify", w.op)
    w.act(at(14, 11, 5), n, "verify", w.i2, result=False)
    cancelled.append(n)
    n = w.report(at(14, 12), 15)
    w.act(at(14, 12, 2), n, "not_accept", w.op, reason_code="out_of_scope")
    cancelled.append(n)
    groups["cancelled"] = cancelled
    # G10: an inspector report in grid 1 filed late (the next day).
    n = w.report(at(17, 10), 1, by=w.i1)
    w.act(at(17, 10, 2), n, "accept", w.op)
    w.act(at(18, 10, 0), n, "file", w.sl, **FILE)
    w.act(at(18, 10, 2), n, "dispatch", w.dp)
    w.act(at(18, 10, 3), n, "receive", w.ha)
    w.act(at(18, 10, 30), n, "report_handled", w.ha)
    check_and_close(18, n, w.i1)
    groups["late_filing"] = [n]
    maybe_refresh()
    # Callbacks (回访) on the six clean cases (Thu 20 Nov).
    answers: list[dict[str, Any]] = [
        {"reached": True, "solved": True, "satisfaction": "very_satisfied"},
        {"reached": True, "solved": True, "satisfaction": "very_satisfied"},
        {"reached": True, "solved": True, "satisfaction": "satisfied"},
        {"reached": True, "solved": True, "satisfaction": "basically_satisfied"},
        {"reached": True, "solved": False, "satisfaction": "unsatisfied"},
        {"reached": False, "solved": None, "satisfaction": None},
    ]
    for number, data in zip(groups["clean"], answers, strict=True):
        w.callback(at(20, 15), number, **data)
    maybe_refresh()
    return groups


@pytest.fixture
def world(db: Any) -> World:
    with time_machine.travel(at(3, 9), tick=False):
        return build_world()


@pytest.fixture
def scenario(world: World) -> tuple[World, dict[str, list[str]]]:
    groups = run_scenario(world, refresh=False)
    refresh_aggregates()
    return world, groups
