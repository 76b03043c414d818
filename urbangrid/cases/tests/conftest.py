"""Personas and a tiny city for the case tests: one of each role, two departments.

``world`` builds: the test district (16 grids), matter 06010 暴露垃圾 (needs verification
and check) with its limits (accept/verify/file/dispatch 30 working minutes, handle 4
working hours, check 120, close 60), department A (环卫) answering for it by locality
rule, department B, and users for every role.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from urbangrid.cases.models import Case
from urbangrid.cases.services import Report, apply_action, create_report
from urbangrid.catalog.models import CatalogType, Stage, StageLimit
from urbangrid.common.clock import SHANGHAI
from urbangrid.organisations.models import Department, ResponsibilityRule, Role, User
from urbangrid.testing import TinyCity, make_city, make_department, make_type, make_user

# Monday 29 September 2025, 09:00 in Shanghai: two workdays before National Day.
MONDAY_0900 = dt.datetime(2025, 9, 29, 9, 0, tzinfo=SHANGHAI)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


LIMITS = (
    (Stage.ACCEPT, "", 30, "working_minutes"),
    (Stage.VERIFY, "", 30, "working_minutes"),
    (Stage.FILE, "", 30, "working_minutes"),
    (Stage.DISPATCH, "", 30, "working_minutes"),
    (Stage.CHECK, "", 120, "working_minutes"),
    (Stage.CLOSE, "", 60, "working_minutes"),
    (Stage.HANDLE, "general", 4, "working_hours"),
    (Stage.HANDLE, "engineering", 5, "working_days"),
)


@dataclass
class World:
    city: TinyCity
    matter: CatalogType
    dept_a: Department
    dept_b: Department
    inspector: User
    other_inspector: User
    operator: User
    shift_leader: User
    dispatcher: User
    handler: User
    head: User
    other_handler: User
    leader: User
    auditor: User
    admin: User
    outsider: User  # an operator of another district

    @property
    def grid(self) -> str:
        return self.city.grids[0].code

    def point(self, index: int = 0) -> tuple[float, float]:
        grid = self.city.grids[index]
        assert grid.centre_lng is not None
        assert grid.centre_lat is not None
        return grid.centre_lng, grid.centre_lat

    def report(self, actor: User | None = None, *, channel: str = "public", **extra: Any) -> Case:
        lng, lat = self.point(extra.pop("grid_index", 0))
        values: dict[str, Any] = {
            "channel": channel,
            "matter_code": self.matter.code,
            "lng": lng,
            "lat": lat,
            "address": "测试路1号",
            "description": "路边暴露垃圾",
            "reporter_name": "张三",
            "reporter_phone": "13812341234",
            "reporter_email": "zhang@example.com",
        }
        values.update(extra)
        return create_report(Report(**values), actor=actor or self.operator)

    def act(self, case: Case | str, action: str, actor: User, **data: Any) -> Case:
        number = case if isinstance(case, str) else case.number
        return apply_action(number, action, actor=actor, data=data)

    def to_dispatch(self, case: Case) -> Case:
        """From a fresh public report to 待派遣."""
        self.act(case, "send_verify", self.operator)
        self.act(case, "verify", self.inspector, result=True)
        self.act(case, "accept", self.operator)
        return self.act(
            case, "file", self.shift_leader, grade="general", filing_condition="面积大于1平方米"
        )

    def to_handling(self, case: Case) -> Case:
        self.to_dispatch(case)
        self.act(case, "dispatch", self.dispatcher)
        return self.act(case, "receive", self.handler)


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
    grid_codes = [g.code for g in city.grids[:4]]
    return World(
        city=city,
        matter=matter,
        dept_a=dept_a,
        dept_b=dept_b,
        inspector=make_user("inspector", Role.INSPECTOR, grids=grid_codes),
        other_inspector=make_user("inspector2", Role.INSPECTOR, grids=[city.grids[-1].code]),
        operator=make_user("operator", Role.OPERATOR, area_code="110101"),
        shift_leader=make_user("leader_on_shift", Role.SHIFT_LEADER, area_code="110101"),
        dispatcher=make_user("dispatcher", Role.DISPATCHER, area_code="110101"),
        handler=make_user("handler", Role.HANDLER, department=dept_a),
        head=make_user("head", Role.DEPARTMENT_HEAD, department=dept_a),
        other_handler=make_user("handler_b", Role.HANDLER, department=dept_b),
        leader=make_user("leader", Role.LEADER),
        auditor=make_user("auditor", Role.AUDITOR),
        admin=make_user("admin", Role.ADMIN),
        outsider=make_user("operator_elsewhere", Role.OPERATOR, area_code="110102"),
    )


@pytest.fixture
def frozen() -> Any:
    """Time frozen (ticking) at Monday 29 September 2025, 09:00 Shanghai."""
    with time_machine.travel(MONDAY_0900, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(db: Any, frozen: Any) -> World:
    return build_world()


def _photo(self: World, case: Case, actor: User) -> Any:
    from urbangrid.cases.models import Attachment

    return Attachment.objects.create(
        case=case,
        kind="department",
        file="cases/test.png",
        content_type="image/png",
        size=1,
        width=1,
        height=1,
        uploaded_by=actor,
        uploaded_at=MONDAY_0900,
    )


def _give_history(self: World, case: Case, department: Department) -> None:
    """Record that ``department`` once had ``case`` (test set-up of a past dispatch)."""
    from urbangrid.cases.models import CaseEvent, Dispatch

    case.refresh_from_db()
    seq = case.last_event_seq + 1
    Case.objects.filter(pk=case.pk).update(last_event_seq=seq)
    case.last_event_seq = seq
    event = CaseEvent.objects.create(case=case, seq=seq, action="dispatch", at=MONDAY_0900)
    Dispatch.objects.create(case=case, department=department, at=MONDAY_0900, event=event)


World.photo = _photo  # type: ignore[attr-defined]
World.give_history = _give_history  # type: ignore[attr-defined]


@pytest.fixture
def api() -> Any:
    """``api(user)`` → a test client that sends ``user``'s bearer token."""
    from django.test import Client

    from urbangrid.organisations.services import issue_token

    def client_for(user: User | None = None) -> Client:
        if user is None:
            return Client()
        return Client(headers={"authorization": f"Bearer {issue_token(user)}"})

    return client_for


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
