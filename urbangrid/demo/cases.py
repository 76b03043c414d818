"""Sample cases for the demo district: last month's work, walked through the real loop.

Every case is created with ``create_report`` and moved only by ``apply_action``, as the
people of each role would, at simulated times over the past weeks (``clock.simulated``).
So the history, deadlines, lights, timeline and evaluation of the demo are exactly what
the platform itself produces — nothing is written around the workflow. Deterministic for
a seed.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from urbangrid.calendars.services import spec_for_calendar
from urbangrid.calendars.worktime import (
    WORKING_MINUTES,
    CalendarSpec,
    add_working_time,
    working_seconds_between,
)
from urbangrid.cases import services
from urbangrid.cases.exceptions import CaseError
from urbangrid.cases.models import Case, Channel
from urbangrid.common import clock
from urbangrid.geo.models import District, UnitGrid
from urbangrid.organisations.models import Department, InspectorGrid, Role, User

# Matters people report most, with rough weights (暴露垃圾, 小广告, 占道经营, …).
COMMON_MATTERS = [
    ("06010", 14),
    ("07001", 12),
    ("09006", 10),
    ("09009", 9),
    ("06012", 8),
    ("06036", 7),
    ("09005", 6),
    ("06042", 6),
    ("01037", 5),
    ("01002", 4),
    ("06013", 4),
    ("04002", 3),
    ("06028", 3),
    ("08004", 2),
]
DESCRIPTIONS = {
    "06010": "路边有暴露垃圾，气味很大",
    "07001": "电线杆上贴满了小广告",
    "09006": "商贩占用人行道经营",
    "09009": "机动车停在人行道上，行人无法通过",
    "06012": "路面有泥土和落叶，未清扫",
    "06036": "楼道口堆放杂物",
    "09005": "商户店外摆放货物",
    "06042": "垃圾桶满溢，垃圾散落在地",
    "01037": "路灯不亮",
    "01002": "污水井盖破损，有安全隐患",
    "06013": "人行道地砖松动破损",
    "04002": "行道树倒伏",
    "06028": "夜间施工噪声扰民",
    "08004": "工地扬尘严重",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


@dataclass
class Cast:
    """Who plays each role in the demo."""

    operator: User
    shift_leader: User
    dispatcher: User
    handlers: dict[int, User]  # department id → a handler of it
    inspectors: dict[str, User]  # grid code → its inspector
    calendar: CalendarSpec  # the working time the centre keeps


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 140, 110)).save(out, format="JPEG", quality=70)
    return out.getvalue()


PHOTO = _photo()


def _cast(district: District) -> Cast:
    by_name = {
        u.username: u
        for u in User.objects.filter(username__in=["operator", "shift_leader", "dispatcher"])
    }
    handlers: dict[int, User] = {}
    for user in User.objects.filter(role=Role.HANDLER, department__isnull=False):
        assert user.department_id is not None
        handlers.setdefault(user.department_id, user)
    for department in Department.objects.filter(is_active=True):
        if department.pk not in handlers:
            actor = User(
                username=f"demo_handler_{department.pk}",
                role=Role.HANDLER,
                department=department,
                first_name=department.short_name or department.name,
            )
            actor.set_unusable_password()
            actor.save()
            handlers[department.pk] = actor
    inspectors = {
        row.grid_code: row.inspector
        for row in InspectorGrid.objects.select_related("inspector").filter(
            grid_code__startswith=district.code
        )
    }
    return Cast(
        by_name["operator"],
        by_name["shift_leader"],
        by_name["dispatcher"],
        handlers,
        inspectors,
        spec_for_calendar(None),
    )


def _upload(case: Case, actor: User, kind: str, at: dt.datetime) -> int:
    upload = SimpleUploadedFile("photo.jpg", PHOTO, content_type="image/jpeg")
    with clock.simulated(at):
        return services.add_attachment(case.number, actor=actor, upload=upload, kind=kind).pk


def seed_cases(
    count: int, *, seed: int = 2004, days: int = 30, progress: Callable[[str], None] | None = None
) -> int:
    """Create ``count`` cases over the last ``days`` days, each taken as far along the
    loop as a plausible month would have it; the number created."""
    district = District.objects.order_by("code").first()
    if district is None or count <= 0:
        return 0
    rng = random.Random(seed)
    cast = _cast(district)
    grids = [
        (code, (x0, y0, x1, y1))
        for code, x0, y0, x1, y1 in UnitGrid.objects.current()
        .filter(community__street__district=district)
        .values_list("code", "min_lng", "min_lat", "max_lng", "max_lat")
        if x0 is not None and y0 is not None and x1 is not None and y1 is not None
    ]
    matters, weights = zip(*COMMON_MATTERS, strict=True)
    end = clock.now()
    created = 0
    tasks = min(TASK_GRIDS, count // 10)  # the last few: today's tasks of ``inspector``
    walked = count - tasks
    for index in range(walked):
        # Older cases are further along; the newest are still at intake.
        age = dt.timedelta(days=days) * (1 - index / walked) ** 1.3
        start = end - age
        start = start.replace(hour=rng.randint(1, 9), minute=rng.randint(0, 59))  # 09–17 local
        if start >= end:
            start = end - dt.timedelta(hours=1)
        code, box = rng.choice(grids)
        matter = rng.choices(matters, weights)[0]
        channel = rng.choices([Channel.INSPECTOR, Channel.HOTLINE, Channel.PUBLIC], [5, 3, 2])[0]
        try:
            _walk(rng, cast, start, end, code, box, matter, channel)
            created += 1
        except CaseError:
            continue  # a step the table refused in this situation: the case stops there
        if progress and (index + 1) % 50 == 0:
            progress(f"sample cases {index + 1}/{count}")
    created += _todays_tasks(rng, cast, dict(grids), end, tasks)
    services.sweep_lights()
    return created


TASK_GRIDS = 4  # at most this many of the sample cases are tasks waiting for ``inspector``


def _todays_tasks(
    rng: random.Random,
    cast: Cast,
    boxes: dict[str, tuple[float, float, float, float]],
    end: dt.datetime,
    count: int,
) -> int:
    """Tasks waiting for the demo ``inspector`` account: public reports to verify (核实)
    and handled cases to check on site (核查), in its own grids and made within its
    latest working hours — so whoever signs in as ``inspector`` has work in the app.
    (The month's walk rarely leaves a task open in one inspector's few grids.) The
    number of cases created."""
    inspector = User.objects.filter(username="inspector", role=Role.INSPECTOR).first()
    if inspector is None:
        return 0
    mine = sorted(
        code
        for code in InspectorGrid.objects.filter(inspector=inspector).values_list(
            "grid_code", flat=True
        )
        if code in boxes
    )
    if not mine:
        return 0
    # Start far enough back to hold the steps in working time (weekends, holidays).
    start = end - dt.timedelta(hours=8)
    while working_seconds_between(cast.calendar, start, end) < 6 * 3600:
        start -= dt.timedelta(days=1)
    moment = start

    def step(minutes: float) -> dt.datetime:
        nonlocal moment
        moment = add_working_time(cast.calendar, moment, max(1, round(minutes)), WORKING_MINUTES)
        return moment

    def act(number: str, action: str, actor: User, **data: object) -> Case:
        with clock.simulated(moment):
            return services.apply_action(number, action, actor=actor, data=data)

    created = 0
    for index, code in enumerate(rng.sample(mine, min(count, len(mine)))):
        x0, y0, x1, y1 = boxes[code]
        matter = rng.choices([m for m, _ in COMMON_MATTERS], [w for _, w in COMMON_MATTERS])[0]
        check = index % 2 == 1  # alternately a verify task and a check task
        report = services.Report(
            channel=Channel.INSPECTOR if check else Channel.PUBLIC,
            matter_code=matter,
            lng=x0 + (x1 - x0) * rng.uniform(0.3, 0.7),
            lat=y0 + (y1 - y0) * rng.uniform(0.3, 0.7),
            description=DESCRIPTIONS.get(matter, "发现问题"),
            **(
                {}
                if check
                else {
                    "reporter_name": rng.choice(SURNAMES) + rng.choice(["先生", "女士"]),
                    "reporter_phone": f"139{rng.randint(10_000_000, 99_999_999)}",
                }
            ),
        )
        try:
            with clock.simulated(step(rng.uniform(2, 10))):
                case = services.create_report(report, actor=inspector if check else cast.operator)
            created += 1
            number = case.number
            step(rng.uniform(3, 10))
            if not check:
                if case.needs_verification:
                    act(number, "send_verify", cast.operator)
                continue
            act(number, "accept", cast.operator)
            step(rng.uniform(3, 10))
            act(number, "file", cast.shift_leader, grade="general", filing_condition="符合立案标准")
            step(rng.uniform(3, 10))
            case = act(number, "dispatch", cast.dispatcher)
            handler = cast.handlers.get(case.department_id) if case.department_id else None
            if handler is None:
                continue
            step(rng.uniform(5, 20))
            act(number, "receive", handler)
            step(rng.uniform(10, 30))
            act(
                number,
                "report_handled",
                handler,
                photos=[_upload(case, handler, "after", moment)],
                note="已处理完毕",
            )
            step(rng.uniform(3, 10))
            if Case.objects.filter(number=number, status="to_check").exists():
                act(number, "send_check", cast.operator)
        except CaseError:
            continue  # a step the table refused here: the case stays where it is
    return created


def _walk(
    rng: random.Random,
    cast: Cast,
    start: dt.datetime,
    end: dt.datetime,
    grid_code: str,
    box: tuple[float, float, float, float],
    matter: str,
    channel: str,
) -> None:
    moment = start
    inspector = cast.inspectors.get(grid_code)

    def step(minutes: float) -> bool:
        # Staff work in working time: a step that would end at night or on a holiday
        # carries over to the next working morning, as the deadlines do.
        nonlocal moment
        moment = add_working_time(cast.calendar, moment, max(1, round(minutes)), WORKING_MINUTES)
        return moment < end

    def act(number: str, action: str, actor: User, **data: object) -> Case:
        with clock.simulated(moment):
            return services.apply_action(number, action, actor=actor, data=data)

    x0, y0, x1, y1 = box
    lng = x0 + (x1 - x0) * rng.uniform(0.2, 0.8)
    lat = y0 + (y1 - y0) * rng.uniform(0.2, 0.8)
    reporter = {}
    if channel != Channel.INSPECTOR:
        reporter = {
            "reporter_name": rng.choice(SURNAMES) + rng.choice(["先生", "女士"]),
            "reporter_phone": f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
        }
    report = services.Report(
        channel=channel,
        matter_code=matter,
        lng=lng,
        lat=lat,
        description=DESCRIPTIONS.get(matter, "发现问题"),
        request_kind="complaint" if channel == Channel.HOTLINE else "",
        **reporter,
    )
    reporter_user = inspector if channel == Channel.INSPECTOR and inspector else cast.operator
    with clock.simulated(moment):
        case = services.create_report(report, actor=reporter_user)
    number = case.number
    # Where the case stops: recent cases anywhere along the loop; older ones mostly closed,
    # a few stuck (they show as overdue, as in any real month).
    stop = rng.random()
    if end - start > dt.timedelta(days=3) and rng.random() > 0.06:
        stop = 1.0
    if stop < 0.06 or not step(rng.uniform(5, 40)):
        return
    if case.needs_verification:
        act(number, "send_verify", cast.operator)
        if inspector is None or not step(rng.uniform(10, 60)):
            return
        truthful = rng.random() > 0.08
        act(
            number,
            "verify",
            inspector,
            result=truthful,
            photos=[_upload(case, inspector, "inspector", moment)],
        )
        if not truthful or not step(rng.uniform(5, 30)):
            return
    if rng.random() < 0.03:
        act(number, "not_accept", cast.operator, reason_code="out_of_scope")
        return
    act(number, "accept", cast.operator)
    if stop < 0.14 or not step(rng.uniform(5, 60)):
        return
    act(number, "file", cast.shift_leader, grade="general", filing_condition="符合立案标准")
    if stop < 0.22 or not step(rng.uniform(5, 60)):
        return
    case = act(number, "dispatch", cast.dispatcher)
    department = case.department_id
    handler = cast.handlers.get(department) if department is not None else None
    if handler is None or stop < 0.28 or not step(rng.uniform(10, 120)):
        return
    act(number, "receive", handler)
    for attempt in range(2):  # a failed check sends the case back once (返工)
        slow = rng.random() < 0.15  # some cases run late: red lights and overdue counts
        if stop < 0.42 or not step(rng.uniform(60, 600) * (12 if slow else 1)):
            return
        act(
            number,
            "report_handled",
            handler,
            photos=[_upload(case, handler, "after", moment)],
            note="已处理完毕",
        )
        case = Case.objects.get(number=number)
        if case.status != "to_check":
            break
        if stop < 0.5 or not step(rng.uniform(10, 60)):
            return
        act(number, "send_check", cast.operator)
        if inspector is None or not step(rng.uniform(20, 120)):
            return
        passed = attempt > 0 or rng.random() > 0.1
        act(
            number,
            "check",
            inspector,
            result=passed,
            photos=[_upload(case, inspector, "inspector", moment)],
        )
        if not step(rng.uniform(5, 60)):
            return
        if passed:
            break
        act(number, "rework", cast.shift_leader, reason="核查未通过，需重新处置")
    if stop < 0.58:
        return
    act(number, "close", cast.shift_leader, note="问题已解决，感谢您的反映")
    if channel == Channel.HOTLINE and step(rng.uniform(60, 1440)):
        satisfaction = rng.choices(
            ["very_satisfied", "satisfied", "basically_satisfied", "unsatisfied"], [5, 8, 3, 1]
        )[0]
        act(
            number,
            "callback",
            cast.operator,
            reached=True,
            solved=satisfaction != "unsatisfied",
            satisfaction=satisfaction,
        )
