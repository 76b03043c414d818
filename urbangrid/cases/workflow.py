"""The closed loop (闭环) of a case, on one screen.

``TRANSITIONS`` is the only place that says which status can follow which, by which
action, under which permission and scope, with which input, and which stage clock
starts, stops, pauses or resumes. ``services.apply_action`` applies a row; the
permission gate, the API's ``allowed_actions``, the docs (``manage.py render_workflow``)
and the table-driven tests all read this table.

An action may have several rows. The first row whose source status matches and whose
``when`` condition holds is applied: that is how "verify: true → to file, false →
cancelled" or "handled: check needed → to check, else → to close" are written.
Pending requests for extension or suspension are not statuses: they are guarded rows
(``when=PENDING_EXTENSION``) over a field of the case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from urbangrid.catalog.models import Stage
from urbangrid.organisations.permissions import Permission

if TYPE_CHECKING:
    from urbangrid.cases.models import Case


class CaseStatus(models.TextChoices):
    """Where a case (案件) stands in the closed loop."""

    REPORTED = "reported", _("reported, to accept (待受理)")
    VERIFYING = "verifying", _("being verified on site (待核实)")
    VERIFIED = "verified", _("verified, to accept (已核实)")
    TO_FILE = "to_file", _("to file (待立案)")
    TO_DISPATCH = "to_dispatch", _("to dispatch (待派遣)")
    DISPATCHED = "dispatched", _("dispatched, to receive (待签收)")
    HANDLING = "handling", _("being handled (处置中)")
    SUSPENDED = "suspended", _("suspended (挂账)")
    TO_CHECK = "to_check", _("handled, to check (待核查)")
    CHECKING = "checking", _("being checked on site (核查中)")
    TO_CLOSE = "to_close", _("to close (待结案)")
    SELF_HANDLED = "self_handled", _("self-handled, to review (自行处置待审核)")
    CLOSED = "closed", _("closed (已结案)")
    NOT_ACCEPTED = "not_accepted", _("not accepted (不予受理)")
    CANCELLED = "cancelled", _("cancelled (作废)")


S = CaseStatus
END_STATUSES = frozenset({S.CLOSED, S.NOT_ACCEPTED, S.CANCELLED})
OPEN_STATUSES = frozenset(set(S) - END_STATUSES)


class Action(StrEnum):
    """What a person can do to a case; each one is an event in its timeline."""

    REPORT = "report"  # 上报
    SEND_VERIFY = "send_verify"  # 发核实
    VERIFY = "verify"  # 核实
    ACCEPT = "accept"  # 受理
    NOT_ACCEPT = "not_accept"  # 不予受理
    FILE = "file"  # 立案
    CANCEL = "cancel"  # 作废
    DISPATCH = "dispatch"  # 派遣
    SEND_BACK = "send_back"  # 回退
    RECEIVE = "receive"  # 签收
    RETURN = "return"  # 退单
    REPORT_HANDLED = "report_handled"  # 处置反馈
    SEND_CHECK = "send_check"  # 发核查
    CHECK = "check"  # 核查
    CLOSE = "close"  # 结案
    REWORK = "rework"  # 返工
    REQUEST_EXTENSION = "request_extension"  # 申请延期
    APPROVE_EXTENSION = "approve_extension"
    REFUSE_EXTENSION = "refuse_extension"
    REQUEST_SUSPENSION = "request_suspension"  # 申请挂账
    APPROVE_SUSPENSION = "approve_suspension"
    REFUSE_SUSPENSION = "refuse_suspension"
    RESUME = "resume"  # 恢复处置
    URGE = "urge"  # 催办
    ESCALATE = "escalate"  # 督办
    REOPEN = "reopen"  # 重新启动
    SELF_HANDLE = "self_handle"  # 自行处置
    REVIEW_SELF_HANDLED = "review_self_handled"  # 自行处置审核
    MERGE = "merge"  # 合并 (a duplicate report into the case it repeats)
    SPLIT = "split"  # 拆分 (a merged report back on its own)
    CALLBACK = "callback"  # 回访
    REFER_UP = "refer_up"  # 提级协调 (协调件: to the level above, street → district → city)
    COORDINATE = "coordinate"  # 跨区协调 (a case on a district boundary, taken up by the city)
    HAND_OVER = "hand_over"  # 移交 (to another platform: a peer city or a child district)


LIGHT_CHANGED = "light_changed"
"""The action of the system events the deadline sweep appends (no status change)."""
SUPPORT = "support"
"""The action of the events recording a repeat report or call attached to a case (附议):
no status change, counted in ``Case.support_count``."""
SATISFACTION_CHOICES = ("very_satisfied", "satisfied", "basically_satisfied", "unsatisfied")
"""Callback (回访) satisfaction, best first."""

CREATING_ACTIONS = frozenset({Action.REPORT, Action.SELF_HANDLE})


class Scope(StrEnum):
    """Where, beyond seeing the case (``access.access_case``), the actor must stand."""

    VISIBLE = "visible"  # centre roles: the case is within their area
    DEPARTMENT = "department"  # the case is currently with the actor's department
    GRID = "grid"  # the case lies in one of the inspector's grids
    LEVEL = "level"  # the case is held at the actor's level (street, district or city)


class ClosingType(models.TextChoices):
    """Closing type (结案类型)."""

    NORMAL = "normal", _("normal (正常)")
    OVERDUE = "overdue", _("overdue (超时)")
    ERROR = "error", _("error (差错)")
    SPECIAL = "special", _("special (特殊)")


class Counter(StrEnum):
    """What an action counts on the case, for evaluation (考评)."""

    MISROUTE = "misroutes"  # 退单: a department said "not ours"
    SEND_BACK = "send_backs"  # 回退
    REWORK = "reworks"  # 返工
    REOPEN = "reopens"
    EXTENSION = "extensions"  # 延期
    SUSPENSION = "suspensions"  # 挂账
    URGE = "urges"
    ESCALATION = "escalations"
    DISPATCH = "dispatches"
    REFERRAL = "referrals"  # 提级: sent to the level above
    CALLBACK = "callbacks"  # 回访: recorded once per case
    COORDINATION = "coordinations"  # 跨区协调
    HANDOVER = "handovers"  # 移交 to another platform


# --- Input ---------------------------------------------------------------------------


class Kind(StrEnum):
    TEXT = "text"
    BOOL = "bool"
    INT = "int"
    DATETIME = "datetime"
    IDS = "ids"  # a list of attachment ids (photos uploaded first)


@dataclass(frozen=True)
class Input:
    """One field of an action's JSON body."""

    name: str
    kind: Kind
    required: bool = True
    choices: tuple[str, ...] = ()
    help: str = ""


NOTE = Input("note", Kind.TEXT, required=False, help="free text shown in the timeline")
REASON = Input("reason", Kind.TEXT, help="why, in words")
REASON_CODE = Input(
    "reason_code",
    Kind.TEXT,
    choices=("duplicate", "out_of_scope", "insufficient", "not_urban_management", "other"),
    help="不予受理 reason",
)
RESULT = Input("result", Kind.BOOL)
PHOTOS = Input("photos", Kind.IDS, help="ids of photos uploaded to /attachments")
PHOTOS_OPTIONAL = Input("photos", Kind.IDS, required=False, help=PHOTOS.help)
MATTER = Input("matter_code", Kind.TEXT, required=False, help="change the matter type")
GRADE = Input("grade", Kind.TEXT, choices=("general", "engineering", "special"))
FILING_CONDITION = Input("filing_condition", Kind.TEXT, help="立案条件 met")
DEPARTMENT = Input(
    "department_id", Kind.INT, required=False, help="default: the responsibility suggestion"
)
UNTIL = Input("until", Kind.DATETIME, help="the new deadline")
UNTIL_OPTIONAL = Input("until", Kind.DATETIME, required=False, help="default: as requested")
PARTNER = Input("partner", Kind.TEXT, help="the platform the case goes to")
DISTRICTS = Input(
    "districts", Kind.TEXT, help="codes of the other districts concerned, comma separated"
)
INTO = Input("into", Kind.TEXT, help="number of the case this report repeats")
REACHED = Input("reached", Kind.BOOL, help="the requester was reached")
SOLVED = Input("solved", Kind.BOOL, required=False, help="the requester says it is solved")
SATISFACTION = Input(
    "satisfaction", Kind.TEXT, required=False, choices=SATISFACTION_CHOICES, help="满意度"
)
CLOSING_TYPE = Input(
    "closing_type",
    Kind.TEXT,
    required=False,
    choices=tuple(ClosingType.values),
    help="default: normal, or overdue by the handling clock",
)


# --- Conditions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A named guard over the case and the action's input.

    ``test(case, data)``; ``data`` is ``None`` when asking "could this action be taken
    now?" (allowed actions), and then conditions on input answer yes.
    """

    name: str
    description: str
    test: Callable[[Case, Mapping[str, Any] | None], bool]

    def __call__(self, case: Case, data: Mapping[str, Any] | None) -> bool:
        return self.test(case, data)


def _result(data: Mapping[str, Any] | None, expected: bool) -> bool:
    return data is None or data.get("result") is expected


def _result_true(case: Case, data: Mapping[str, Any] | None) -> bool:
    return _result(data, True)


def _result_false(case: Case, data: Mapping[str, Any] | None) -> bool:
    return _result(data, False)


def _no_verification_needed(case: Case, data: Mapping[str, Any] | None) -> bool:
    return not case.needs_verification


def _needs_check(case: Case, data: Mapping[str, Any] | None) -> bool:
    return case.matter.needs_check


def _no_check_needed(case: Case, data: Mapping[str, Any] | None) -> bool:
    return not case.matter.needs_check


def _no_pending_request(case: Case, data: Mapping[str, Any] | None) -> bool:
    return not case.pending_request


def _extension_requested(case: Case, data: Mapping[str, Any] | None) -> bool:
    return case.pending_request == "extension"


def _suspension_requested(case: Case, data: Mapping[str, Any] | None) -> bool:
    return case.pending_request == "suspension"


def _closable(case: Case, data: Mapping[str, Any] | None) -> bool:
    exceptional = data is None or data.get("closing_type") in {
        ClosingType.ERROR,
        ClosingType.SPECIAL,
    }
    return case.check_passed is not False or exceptional


RESULT_TRUE = Condition("result is true", "属实 / 通过 / 有效", _result_true)
RESULT_FALSE = Condition("result is false", "不属实 / 不通过 / 无效", _result_false)
NO_VERIFICATION_NEEDED = Condition(
    "no verification needed",
    "an inspector's report, or a matter type that needs no verification (核实)",
    _no_verification_needed,
)
NEEDS_CHECK = Condition(
    "check needed", "the matter type needs an on-site check (核查)", _needs_check
)
NO_CHECK_NEEDED = Condition("no check needed", "the matter type needs no check", _no_check_needed)
NO_PENDING_REQUEST = Condition(
    "no pending request", "no extension or suspension request is waiting", _no_pending_request
)
PENDING_EXTENSION = Condition(
    "extension requested", "an extension request (申请延期) is waiting", _extension_requested
)
PENDING_SUSPENSION = Condition(
    "suspension requested", "a suspension request (申请挂账) is waiting", _suspension_requested
)


def _is_merged(case: Case, data: Mapping[str, Any] | None) -> bool:
    return case.merged_into_id is not None


IS_MERGED = Condition("merged", "the report was merged into another case", _is_merged)


def _not_called_back(case: Case, data: Mapping[str, Any] | None) -> bool:
    return not case.counters.get(Counter.CALLBACK)


NOT_CALLED_BACK = Condition(
    "not called back yet",
    "no callback (回访) recorded yet: a case has one, which evaluation counts",
    _not_called_back,
)
CLOSABLE = Condition(
    "check not failed",
    "the last check passed (or was not needed); after a failed check, rework or close "
    "as error/special",
    _closable,
)


LEVEL_ABOVE: dict[str, str] = {"street": "district", "district": "city"}
"""Where a case referred up (提级) goes: street → district → city."""


def _below_city(case: Case, data: Mapping[str, Any] | None) -> bool:
    return case.level in LEVEL_ABOVE


def _at_district(case: Case, data: Mapping[str, Any] | None) -> bool:
    return case.level == "district"


BELOW_CITY = Condition(
    "below the city", "the case is held by a street or a district centre", _below_city
)
AT_DISTRICT = Condition("held by a district", "the case is held by a district centre", _at_district)


# --- The table -----------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """One row of the lifecycle table.

    ``target`` ``None`` means the status does not change (urge, requests, …).
    ``sources`` empty means the action creates the case.
    """

    action: Action
    sources: frozenset[CaseStatus]
    target: CaseStatus | None
    permission: Permission
    label: str
    scope: Scope = Scope.VISIBLE
    when: Condition | None = None
    inputs: tuple[Input, ...] = (NOTE,)
    starts: Stage | None = None
    stops: tuple[Stage, ...] = ()
    pauses: Stage | None = None
    resumes: Stage | None = None
    counts: tuple[Counter, ...] = ()


def _from(*statuses: CaseStatus) -> frozenset[CaseStatus]:
    return frozenset(statuses)


P = Permission
St = Stage
ALL_STAGES = tuple(Stage)
T = Transition

TRANSITIONS: tuple[Transition, ...] = (
    # 1. Intake (上报), verification (核实) and acceptance (受理): the supervision centre.
    T(Action.REPORT, _from(), S.REPORTED, P.REPORT, "上报", starts=St.ACCEPT),
    T(Action.SEND_VERIFY, _from(S.REPORTED), S.VERIFYING, P.SEND_VERIFY, "发核实",
      stops=(St.ACCEPT,), starts=St.VERIFY),
    T(Action.VERIFY, _from(S.VERIFYING), S.VERIFIED, P.VERIFY, "核实属实", scope=Scope.GRID,
      when=RESULT_TRUE, inputs=(RESULT, NOTE, PHOTOS_OPTIONAL), stops=(St.VERIFY,),
      starts=St.ACCEPT),
    T(Action.VERIFY, _from(S.VERIFYING), S.CANCELLED, P.VERIFY, "核实不属实", scope=Scope.GRID,
      when=RESULT_FALSE, inputs=(RESULT, NOTE, PHOTOS_OPTIONAL), stops=ALL_STAGES),
    T(Action.ACCEPT, _from(S.REPORTED), S.TO_FILE, P.ACCEPT, "受理",
      when=NO_VERIFICATION_NEEDED, stops=(St.ACCEPT,), starts=St.FILE),
    T(Action.ACCEPT, _from(S.VERIFIED), S.TO_FILE, P.ACCEPT, "受理",
      stops=(St.ACCEPT,), starts=St.FILE),
    T(Action.NOT_ACCEPT, _from(S.REPORTED, S.VERIFIED), S.NOT_ACCEPTED, P.ACCEPT, "不予受理",
      inputs=(REASON_CODE, NOTE), stops=ALL_STAGES),
    # 2. Filing (立案): the shift leader.
    T(Action.FILE, _from(S.TO_FILE), S.TO_DISPATCH, P.FILE, "立案",
      inputs=(GRADE, FILING_CONDITION, MATTER, NOTE), stops=(St.FILE,), starts=St.DISPATCH),
    T(Action.CANCEL, _from(S.TO_FILE, S.TO_DISPATCH), S.CANCELLED, P.CANCEL, "作废",
      inputs=(REASON, NOTE), stops=ALL_STAGES),
    # 3. Dispatch (派遣): the command centre. The handling clock starts here.
    T(Action.DISPATCH, _from(S.TO_DISPATCH), S.DISPATCHED, P.DISPATCH, "派遣",
      scope=Scope.LEVEL, inputs=(DEPARTMENT, NOTE), stops=(St.DISPATCH,), starts=St.HANDLE,
      counts=(Counter.DISPATCH,)),
    T(Action.SEND_BACK, _from(S.TO_DISPATCH), S.TO_FILE, P.SEND_BACK, "回退",
      scope=Scope.LEVEL, inputs=(REASON, NOTE), stops=(St.DISPATCH,), starts=St.FILE,
      counts=(Counter.SEND_BACK,)),
    # 4–5. Handling (处置) and its report: the department the case is with.
    T(Action.RECEIVE, _from(S.DISPATCHED), S.HANDLING, P.RECEIVE, "签收",
      scope=Scope.DEPARTMENT),
    T(Action.RETURN, _from(S.DISPATCHED, S.HANDLING), S.TO_DISPATCH, P.RETURN, "退单",
      scope=Scope.DEPARTMENT, inputs=(REASON, NOTE), stops=(St.HANDLE,), starts=St.DISPATCH,
      counts=(Counter.MISROUTE,)),
    T(Action.REPORT_HANDLED, _from(S.HANDLING), S.TO_CHECK, P.REPORT_HANDLED, "处置反馈",
      scope=Scope.DEPARTMENT, when=NEEDS_CHECK, inputs=(PHOTOS, NOTE), stops=(St.HANDLE,),
      starts=St.CHECK),
    T(Action.REPORT_HANDLED, _from(S.HANDLING), S.TO_CLOSE, P.REPORT_HANDLED, "处置反馈",
      scope=Scope.DEPARTMENT, when=NO_CHECK_NEEDED, inputs=(PHOTOS, NOTE), stops=(St.HANDLE,),
      starts=St.CLOSE),
    # Around handling: extension (延期) and suspension (挂账), decided by the command centre.
    T(Action.REQUEST_EXTENSION, _from(S.DISPATCHED, S.HANDLING), None, P.REQUEST_EXTENSION,
      "申请延期", scope=Scope.DEPARTMENT, when=NO_PENDING_REQUEST, inputs=(UNTIL, REASON, NOTE)),
    T(Action.APPROVE_EXTENSION, _from(S.DISPATCHED, S.HANDLING), None, P.DECIDE_EXTENSION,
      "批准延期", when=PENDING_EXTENSION, inputs=(UNTIL_OPTIONAL, NOTE),
      counts=(Counter.EXTENSION,)),
    T(Action.REFUSE_EXTENSION, _from(S.DISPATCHED, S.HANDLING), None, P.DECIDE_EXTENSION,
      "驳回延期", when=PENDING_EXTENSION, inputs=(REASON, NOTE)),
    T(Action.REQUEST_SUSPENSION, _from(S.DISPATCHED, S.HANDLING), None, P.REQUEST_SUSPENSION,
      "申请挂账", scope=Scope.DEPARTMENT, when=NO_PENDING_REQUEST, inputs=(REASON, NOTE)),
    T(Action.APPROVE_SUSPENSION, _from(S.DISPATCHED, S.HANDLING), S.SUSPENDED,
      P.DECIDE_SUSPENSION, "批准挂账", when=PENDING_SUSPENSION, pauses=St.HANDLE,
      counts=(Counter.SUSPENSION,)),
    T(Action.REFUSE_SUSPENSION, _from(S.DISPATCHED, S.HANDLING), None, P.DECIDE_SUSPENSION,
      "驳回挂账", when=PENDING_SUSPENSION, inputs=(REASON, NOTE)),
    T(Action.RESUME, _from(S.SUSPENDED), S.HANDLING, P.DECIDE_SUSPENSION, "恢复处置",
      resumes=St.HANDLE),
    # 6. Check (核查) and close (结案): back at the supervision centre.
    T(Action.SEND_CHECK, _from(S.TO_CHECK), S.CHECKING, P.SEND_CHECK, "发核查",
      scope=Scope.LEVEL),
    T(Action.CHECK, _from(S.CHECKING), S.TO_CLOSE, P.CHECK, "核查", scope=Scope.GRID,
      inputs=(RESULT, PHOTOS, NOTE), stops=(St.CHECK,), starts=St.CLOSE),
    T(Action.CLOSE, _from(S.TO_CLOSE), S.CLOSED, P.CLOSE, "结案", scope=Scope.LEVEL,
      when=CLOSABLE, inputs=(CLOSING_TYPE, NOTE), stops=ALL_STAGES),
    T(Action.REWORK, _from(S.TO_CLOSE), S.HANDLING, P.REWORK, "返工",
      inputs=(REASON, NOTE), stops=(St.CLOSE,), starts=St.HANDLE, counts=(Counter.REWORK,)),
    T(Action.REOPEN, _from(S.CLOSED), S.TO_DISPATCH, P.REOPEN, "重新启动",
      inputs=(REASON, NOTE), starts=St.DISPATCH, counts=(Counter.REOPEN,)),
    # Supervision (催办 / 督办): recorded and notified, the status stays.
    T(Action.URGE, OPEN_STATUSES, None, P.URGE, "催办", counts=(Counter.URGE,)),
    T(Action.ESCALATE, OPEN_STATUSES, None, P.ESCALATE, "督办", inputs=(REASON, NOTE),
      counts=(Counter.ESCALATION,)),
    # An inspector's self-handled minor issue (自行处置), reviewed by the shift leader.
    T(Action.SELF_HANDLE, _from(), S.SELF_HANDLED, P.SELF_HANDLE, "自行处置", starts=St.CLOSE),
    T(Action.REVIEW_SELF_HANDLED, _from(S.SELF_HANDLED), S.CLOSED, P.REVIEW_SELF_HANDLED,
      "审核: 结案存档", when=RESULT_TRUE, inputs=(RESULT, NOTE), stops=ALL_STAGES),
    T(Action.REVIEW_SELF_HANDLED, _from(S.SELF_HANDLED), S.CANCELLED, P.REVIEW_SELF_HANDLED,
      "审核: 无效案件", when=RESULT_FALSE, inputs=(RESULT, NOTE), stops=ALL_STAGES),
    # Duplicates (重复案件), decided by the shift leader once the report is accepted or
    # being verified: a report merged into the case it repeats follows that case (its
    # reporter too) and counts as support; split puts it back on its own.
    T(Action.MERGE, _from(S.VERIFYING, S.VERIFIED, S.TO_FILE, S.TO_DISPATCH),
      S.CANCELLED, P.FILE, "合并", inputs=(INTO, NOTE), stops=ALL_STAGES),
    T(Action.SPLIT, _from(S.CANCELLED), S.REPORTED, P.FILE, "拆分", when=IS_MERGED,
      inputs=(REASON, NOTE), starts=St.ACCEPT),
    # Callback (回访) after the end: the answers feed evaluation; the status stays (a
    # reopening policy, if any, is applied by the hotline as a separate reopen).
    T(Action.CALLBACK, _from(S.CLOSED, S.NOT_ACCEPTED), None, P.ACCEPT, "回访",
      when=NOT_CALLED_BACK, inputs=(REACHED, SOLVED, SATISFACTION, NOTE),
      counts=(Counter.CALLBACK,)),
    # Levels (市 → 区 → 街道). Dispatch, send-back, send-check and close belong to the
    # level holding the case (``Case.level``). A case a level cannot resolve (协调件) is
    # referred up with a reason and dispatched there under a fresh dispatch clock; a case
    # on a district boundary is taken up by the city, once, for both districts. Handling
    # reported, it returns to the level it came from for check and close
    # (``services._report_handled``).
    T(Action.REFER_UP, _from(S.TO_DISPATCH), S.TO_DISPATCH, P.DISPATCH, "提级协调",
      scope=Scope.LEVEL, when=BELOW_CITY, inputs=(REASON, NOTE), stops=(St.DISPATCH,),
      starts=St.DISPATCH, counts=(Counter.REFERRAL,)),
    T(Action.COORDINATE, _from(S.TO_DISPATCH), S.TO_DISPATCH, P.DISPATCH, "跨区协调",
      scope=Scope.LEVEL, when=AT_DISTRICT, inputs=(DISTRICTS, REASON, NOTE),
      stops=(St.DISPATCH,), starts=St.DISPATCH, counts=(Counter.COORDINATION,)),
    # Exchange (平台对接, ``urbangrid.exchange``): a case handed over to another platform
    # ends here, closed as special (特殊结案); the partner opens its own case.
    T(Action.HAND_OVER, _from(S.REPORTED, S.VERIFIED, S.TO_FILE, S.TO_DISPATCH), S.CLOSED,
      P.FILE, "移交", scope=Scope.LEVEL, inputs=(PARTNER, REASON, NOTE), stops=ALL_STAGES,
      counts=(Counter.HANDOVER,)),
)  # fmt: skip


def rows_for(action: str) -> tuple[Transition, ...]:
    """Every row of ``action`` (empty for an unknown action)."""
    return _BY_ACTION.get(action, ())


def find_transition(case: Case, action: str, data: Mapping[str, Any] | None) -> Transition | None:
    """The row that applies to ``case`` now, or ``None``."""
    for row in rows_for(action):
        if case.status in row.sources and (row.when is None or row.when(case, data)):
            return row
    return None


def action_inputs(action: str) -> tuple[Input, ...]:
    rows = rows_for(action)
    return rows[0].inputs if rows else ()


def _index() -> dict[str, tuple[Transition, ...]]:
    by_action: dict[str, list[Transition]] = {}
    for row in TRANSITIONS:
        by_action.setdefault(row.action, []).append(row)
    for action, rows in by_action.items():
        first = rows[0]
        for row in rows[1:]:
            # One action, one permission, scope and input everywhere: a caller needs to
            # know what to send before the row is chosen.
            assert (row.permission, row.scope, row.inputs) == (
                first.permission,
                first.scope,
                first.inputs,
            ), f"rows of {action} disagree"
    return {action: tuple(rows) for action, rows in by_action.items()}


_BY_ACTION = _index()
ACTIONS: tuple[Action, ...] = tuple(
    a for a in Action if a in _BY_ACTION and a not in CREATING_ACTIONS
)
"""Actions on an existing case, in table order."""
