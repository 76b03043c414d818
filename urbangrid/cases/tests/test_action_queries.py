"""What one action costs the database: the statements of each step of the loop.

Every action is one transaction (here a savepoint: the test runs inside a transaction):
open it, lock and load the case, append the event, update the case, queue the outbox
rows, close it. Anything more is what the action itself needs. A new query on every
action shows up here first; raise a budget only for a reason written next to it.
"""

from __future__ import annotations

from typing import Any

import pytest

from urbangrid.cases.exceptions import InvalidInput
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.outbox.models import Message

# Open, lock + load, event, case, open-case tally journal (every step below changes the
# status), outbox, close.
BASE = 7
STEPS = (
    # (action, actor, queries beyond BASE)
    ("send_verify", "operator", 0),
    ("verify", "inspector", 1),  # grid scope: the inspector's grids
    ("accept", "operator", 0),  # verified: no condition to read
    ("file", "shift_leader", 1),  # the stage limits in force
    # Suggestion (rules), the matter, the dispatch row, and the Open311 receiver's look-up
    # of the department's push address.
    ("dispatch", "dispatcher", 4),
    ("receive", "handler", -1),  # nobody to notify
    ("report_handled", "handler", 2),  # needs check? (the matter); photos linked
    ("send_check", "operator", 0),
    ("check", "inspector", 2),  # grid scope; photos linked
    ("close", "shift_leader", 0),  # the reporter is notified
)


def test_each_step_of_the_loop_stays_within_its_query_budget(world, django_assert_num_queries):
    case = world.report()
    photos = {
        "report_handled": world.photo(case, world.handler).pk,
        "check": world.photo(case, world.inspector).pk,
    }
    data: dict[str, dict[str, Any]] = {
        "verify": {"result": True},
        "file": {"grade": "general", "filing_condition": "面积大于1平方米"},
        "report_handled": {"photos": [photos["report_handled"]]},
        "check": {"result": True, "photos": [photos["check"]]},
    }
    for action, actor, extra in STEPS:
        with django_assert_num_queries(BASE + extra):
            world.act(case, action, getattr(world, actor), **data.get(action, {}))
    assert Case.objects.get(pk=case.pk).status == "closed"


def test_a_photo_that_cannot_be_linked_rolls_the_whole_action_back(world):
    case = world.report()
    world.to_handling(case)
    before = Case.objects.get(pk=case.pk)
    events, messages = CaseEvent.objects.count(), Message.objects.count()
    someone_elses = world.photo(case, world.head)
    with pytest.raises(InvalidInput) as caught:
        world.act(case, "report_handled", world.handler, photos=[someone_elses.pk])
    assert caught.value.field == "photos"
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.version, after.last_event_seq) == (
        before.status,
        before.version,
        before.last_event_seq,
    )
    assert (CaseEvent.objects.count(), Message.objects.count()) == (events, messages)
    someone_elses.refresh_from_db()
    assert someone_elses.event_id is None
