"""A case handed over to a running peer: through the outbox, over HTTP, signed, and in
both timelines. The peer is pytest-django's ``live_server`` (same database, another
thread): the partner row is found by its key id on both sides."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from urbangrid.cases.models import Case
from urbangrid.cases.tests.conftest import MONDAY_0900, build_world
from urbangrid.common import clock
from urbangrid.exchange import delivery
from urbangrid.exchange.models import ReceivedMessage, SendState
from urbangrid.exchange.services import hand_over_case

from .conftest import make_partner

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_case_handed_over_to_a_live_peer_is_in_both_timelines(live_server: Any) -> None:
    with time_machine.travel(MONDAY_0900, tick=True):
        world = build_world()
        peer = make_partner("邻市平台", base_url=live_server.url)
        case = world.report(world.operator, channel="inspector")
        message = hand_over_case(
            case.number, actor=world.shift_leader, partner=peer, reason="位于邻市辖区"
        )
        assert delivery.send_due() == 1
        message.refresh_from_db()
        assert message.state == SendState.SENT
        assert message.response["status"] == "accepted"
        theirs = Case.objects.get(number=message.response["result"]["case"])

        # Our side: the hand-over is an event of the case, which ends here.
        ours = Case.objects.get(pk=case.pk)
        assert ours.status == "closed"
        assert ours.closing_type == "special"
        last = ours.events.order_by("-seq").first()
        assert last is not None
        assert last.action == "hand_over"
        assert last.data["partner"] == "邻市平台"
        assert last.data["reason"] == "位于邻市辖区"

        # Their side: a new case whose first event names us and our number.
        (first,) = theirs.events.all()
        assert first.action == "report"
        assert case.number in first.note
        assert theirs.status == "reported"

        # A retry of the same message (say the answer was lost) changes nothing there.
        type(message).objects.filter(pk=message.pk).update(
            state=SendState.PENDING, next_attempt_at=clock.now()
        )
        assert delivery.send_due() == 1
        message.refresh_from_db()
        assert message.response["status"] == "duplicate"
        assert message.response["result"]["case"] == theirs.number
        assert ReceivedMessage.objects.count() == 1
        assert Case.objects.count() == 2
