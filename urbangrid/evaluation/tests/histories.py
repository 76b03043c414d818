"""Random case histories for property tests of the replay: any order of actions, any
shape of event data the replay reads (missing keys, nulls, odd values, several time
formats), instants that tie with due instants to the microsecond."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from urbangrid.cases.models import Case, CaseEvent
from urbangrid.organisations.models import User

ACTIONS = (
    "report", "self_handle", "send_verify", "verify", "accept", "not_accept", "file",
    "cancel", "dispatch", "send_back", "receive", "return", "report_handled", "send_check",
    "check", "close", "rework", "approve_extension", "approve_suspension", "resume",
    "reopen", "light_changed", "callback", "urge",
    # the common ones twice
    "dispatch", "receive", "report_handled", "light_changed", "approve_suspension",
    "resume", "file",
)  # fmt: skip
ROLES = ("inspector", "operator", "shift_leader", "dispatcher", "handler", "system", "")
STAGES = ("accept", "verify", "file", "dispatch", "handle", "handle", "check", "close", "x", "")


def iso(moment: dt.datetime, style: int) -> str:
    if style == 0:
        return moment.astimezone(dt.UTC).isoformat()
    if style == 1:
        return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat()
    if style == 2:
        return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class History:
    """Appends random events to cases; instants never go back within a case."""

    def __init__(self, seed: int, users: list[User], departments: list[int]) -> None:
        self.rng = random.Random(seed)
        self.users: list[User | None] = [*users, None]
        self.departments = departments
        self.clock: dict[int, dt.datetime] = {}
        self.dues: dict[int, list[dt.datetime]] = {}

    def _data(self, case_id: int, action: str, at: dt.datetime) -> dict[str, Any]:
        rng = self.rng
        data: dict[str, Any] = {}
        if action != "callback" and rng.random() < 0.6:
            due = at + dt.timedelta(
                minutes=rng.choice([0, 30, 60, 240, 2000]),
                microseconds=rng.choice([0, 0, 7, 999, 123456]),
            )
            self.dues.setdefault(case_id, []).append(due)
            data["stage"] = rng.choice(STAGES)
            data["due_at"] = None if rng.random() < 0.05 else iso(due, rng.randrange(4))
        if action == "dispatch":
            r = rng.random()
            if r < 0.8:
                data["department"] = {"id": rng.choice(self.departments), "name": "x"}
            elif r < 0.9:
                data["department"] = {"name": "x"}
        elif action == "file" and rng.random() < 0.7:
            data["limits"] = rng.choice(
                [
                    {"handle": {"amount": 4, "unit": "working_hours"}},
                    {"handle": {"amount": 2, "unit": "calendar_days"}},
                    {},
                    {"handle": "x"},
                ]
            )
        elif action == "approve_extension":
            r = rng.random()
            if r < 0.7:
                until = at + dt.timedelta(minutes=rng.choice([60, 600, 5000]))
                self.dues.setdefault(case_id, []).append(until)
                data["until"] = iso(until, rng.randrange(4))
            elif r < 0.8:
                data["until"] = None
        elif action == "light_changed":
            data = {
                "stage": rng.choice(["handle", "handle", "check"]),
                "from": "yellow",
                "to": rng.choice(["red", "red", "yellow"]),
                "due_at": iso(at, 0),
            }
        elif action == "close":
            r = rng.random()
            if r < 0.4:
                data["closing_type"] = "normal"
            elif r < 0.7:
                data["closing_type"] = "overdue"
            elif r < 0.8:
                data["closing_type"] = None
        elif action == "callback" and rng.random() < 0.9:
            data = {
                "reached": rng.choice([True, False, 1, 0, "x", "", None, [], 0.0]),
                "solved": rng.choice([True, False, None, 1]),
                "satisfaction": rng.choice(
                    ["very_satisfied", "satisfied", "basically_satisfied", "unsatisfied", None]
                ),
            }
        return data

    def add(self, case: Case) -> None:
        """One random event at the end of ``case``'s history."""
        rng = self.rng
        action = rng.choice(ACTIONS)
        at = self.clock.get(case.pk, case.created_at)
        at += dt.timedelta(
            minutes=rng.choice([0, 0, 1, 5, 30, 60, 120, 600, 1440, 3000]),
            microseconds=rng.choice([0, 0, 0, 1, 999, 500000]),
        )
        later_dues = [d for d in self.dues.get(case.pk, []) if d >= at]
        if later_dues and rng.random() < 0.3:
            at = rng.choice(later_dues) + dt.timedelta(microseconds=rng.choice([0, 0, 1]))
        self.clock[case.pk] = at
        seq = Case.objects.filter(pk=case.pk).values_list("last_event_seq", flat=True)[0] + 1
        Case.objects.filter(pk=case.pk).update(last_event_seq=seq)
        CaseEvent.objects.create(
            case=case,
            seq=seq,
            action=action,
            at=at,
            actor=rng.choice(self.users),
            actor_role=rng.choice(ROLES),
            from_status=rng.choice(["to_file", "to_dispatch", "", "handling"]),
            data=self._data(case.pk, action, at),
        )
