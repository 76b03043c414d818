"""Status vocabularies: our case statuses as Open311 ``open``/``closed`` and as mySociety's
extended upper-case statuses, and which workflow actions an incoming status maps onto."""

from __future__ import annotations

from urbangrid.cases.workflow import END_STATUSES, Action, CaseStatus

S = CaseStatus

EXTENDED: dict[str, str] = {
    S.REPORTED: "OPEN",
    S.VERIFYING: "INVESTIGATING",
    S.VERIFIED: "INVESTIGATING",
    S.TO_FILE: "INVESTIGATING",
    S.TO_DISPATCH: "INVESTIGATING",
    S.DISPATCHED: "ACTION_SCHEDULED",
    S.HANDLING: "IN_PROGRESS",
    S.SUSPENDED: "PLANNED",
    S.TO_CHECK: "FIXED",
    S.CHECKING: "FIXED",
    S.TO_CLOSE: "FIXED",
    S.SELF_HANDLED: "FIXED",
    S.CLOSED: "CLOSED",
    S.NOT_ACCEPTED: "NOT_COUNCILS_RESPONSIBILITY",
    S.CANCELLED: "CANCELLED",
}
"""Case status → mySociety extended status (``status_extended_upper``)."""

KNOWN_EXTENDED = frozenset(
    {
        "OPEN",
        "CLOSED",
        "FIXED",
        "IN_PROGRESS",
        "PLANNED",
        "ACTION_SCHEDULED",
        "INVESTIGATING",
        "DUPLICATE",
        "NOT_COUNCILS_RESPONSIBILITY",
        "NO_FURTHER_ACTION",
        "INTERNAL_REFERRAL",
        "CANCELLED",
        "REOPEN",
        "FOR_TRIAGE",
        "UNCHANGED",
    }
)

ACKNOWLEDGING = frozenset({"IN_PROGRESS", "ACTION_SCHEDULED", "INVESTIGATING", "PLANNED"})
"""A department system saying it has the case in hand: 签收 (receive)."""
FINISHED = frozenset({"FIXED", "CLOSED"})
"""A department system saying the work is done: 处置反馈 (report handled)."""
REFUSING = frozenset({"NOT_COUNCILS_RESPONSIBILITY", "INTERNAL_REFERRAL"})
"""A department system saying the case is not theirs: 退单 (return)."""


def core_status(status: str) -> str:
    """``closed`` for an ended case, else ``open`` (GeoReport v2 core)."""
    return "closed" if status in END_STATUSES else "open"


def extended_status(status: str, action: str = "", reason_code: str = "") -> str:
    """The extended status an event leaves a case in."""
    if action == Action.REOPEN:
        return "REOPEN"
    if status == S.NOT_ACCEPTED and reason_code == "duplicate":
        return "DUPLICATE"
    return EXTENDED.get(status, "OPEN")


def actions_for(extended: str, case_status: str) -> list[str] | str:
    """The workflow actions that apply ``extended`` to a case in ``case_status``; ``[]``
    when nothing needs doing, or a string saying why it cannot be applied."""
    if extended == "UNCHANGED":
        return []
    if extended in ACKNOWLEDGING:
        if case_status == S.DISPATCHED:
            return [Action.RECEIVE]
        if case_status in (S.HANDLING, S.SUSPENDED):
            return []
        return f"{extended} cannot be applied: the case is {case_status}, not dispatched"
    if extended in FINISHED:
        if case_status == S.DISPATCHED:
            return [Action.RECEIVE, Action.REPORT_HANDLED]
        if case_status == S.HANDLING:
            return [Action.REPORT_HANDLED]
        return f"{extended} cannot be applied: the case is {case_status}, not being handled"
    if extended in REFUSING:
        if case_status in (S.DISPATCHED, S.HANDLING):
            return [Action.RETURN]
        return f"{extended} cannot be applied: the case is {case_status}, not with you"
    if extended in KNOWN_EXTENDED:
        return (
            f"{extended} is decided by the city's supervision centre, not by a department "
            "system; allowed: IN_PROGRESS, ACTION_SCHEDULED, INVESTIGATING, PLANNED, FIXED, "
            "CLOSED, NOT_COUNCILS_RESPONSIBILITY, INTERNAL_REFERRAL, UNCHANGED"
        )
    return f"unknown status {extended!r}"
