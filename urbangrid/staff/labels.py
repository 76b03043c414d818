"""Words for the workbench: action names, stage names, lights (English msgids, translated
in ``locale/``). The workflow table's own labels stay the reference in Chinese."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from urbangrid.cases.models import Light
from urbangrid.cases.workflow import LIGHT_CHANGED, Action, CaseStatus
from urbangrid.catalog.models import Stage

ACTION_LABELS: dict[str, Any] = {
    Action.REPORT: _("Report (上报)"),
    Action.SEND_VERIFY: _("Send for verification (发核实)"),
    Action.VERIFY: _("Verify on site (核实)"),
    Action.ACCEPT: _("Accept (受理)"),
    Action.NOT_ACCEPT: _("Do not accept (不予受理)"),
    Action.FILE: _("File (立案)"),
    Action.CANCEL: _("Cancel (作废)"),
    Action.DISPATCH: _("Dispatch (派遣)"),
    Action.SEND_BACK: _("Send back to filing (回退)"),
    Action.RECEIVE: _("Receive (签收)"),
    Action.RETURN: _("Return: not ours (退单)"),
    Action.REPORT_HANDLED: _("Report handled (处置反馈)"),
    Action.SEND_CHECK: _("Send for check (发核查)"),
    Action.CHECK: _("Check on site (核查)"),
    Action.CLOSE: _("Close (结案)"),
    Action.REWORK: _("Rework (返工)"),
    Action.REQUEST_EXTENSION: _("Ask for an extension (申请延期)"),
    Action.APPROVE_EXTENSION: _("Approve the extension"),
    Action.REFUSE_EXTENSION: _("Refuse the extension"),
    Action.REQUEST_SUSPENSION: _("Ask for suspension (申请挂账)"),
    Action.APPROVE_SUSPENSION: _("Approve the suspension"),
    Action.REFUSE_SUSPENSION: _("Refuse the suspension"),
    Action.RESUME: _("Resume handling (恢复处置)"),
    Action.URGE: _("Urge (催办)"),
    Action.ESCALATE: _("Escalate (督办)"),
    Action.REOPEN: _("Reopen (重新启动)"),
    Action.SELF_HANDLE: _("Self-handled (自行处置)"),
    Action.REVIEW_SELF_HANDLED: _("Review self-handled case"),
    "merge": _("Merge into another case (合并)"),
    "split": _("Split off again (拆分)"),
    "callback": _("Callback (回访)"),
    "support": _("Repeat report (附议)"),
    "refer_up": _("Refer to the level above (提级协调)"),
    "coordinate": _("Coordinate across districts (跨区协调)"),
    "hand_over": _("Hand over to another platform (移交)"),
    LIGHT_CHANGED: _("Light changed"),
}

STATUS_LABELS: dict[str, Any] = dict(CaseStatus.choices)
STAGE_LABELS: dict[str, Any] = dict(Stage.choices)
LIGHT_LABELS: dict[str, Any] = {
    Light.GREEN: _("green"),
    Light.YELLOW: _("yellow"),
    Light.RED: _("red"),
    "": _("no light"),
}


def action_label(action: str) -> Any:
    return ACTION_LABELS.get(action, action)
