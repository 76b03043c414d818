"""The ``hand_over`` workflow action queues the exchange message in its transaction,
whatever interface takes it: to a peer a hand-over, to a child an assignment."""

from __future__ import annotations

import pytest

from urbangrid.cases.exceptions import InvalidInput
from urbangrid.cases.models import Case
from urbangrid.exchange.models import ExchangeMessage, PartnerRole
from urbangrid.exchange.services import hand_over_case

from .conftest import World, make_partner


def test_a_hand_over_to_a_peer_queues_a_handover(world: World) -> None:
    peer = make_partner("邻市平台")
    case = world.report(world.operator, channel="inspector")
    message = hand_over_case(case.number, actor=world.shift_leader, partner=peer, reason="邻市")
    assert message.kind == "case.handover"
    assert message.state == "pending"
    assert message.payload["number"] == case.number
    assert message.payload["reason"] == "邻市"
    assert Case.objects.get(pk=case.pk).counters == {"handovers": 1}


def test_a_hand_over_to_a_child_is_an_assignment(world: World) -> None:
    child = make_partner("测试区平台", role=PartnerRole.CHILD, key_id="child-1")
    case = world.report(world.operator, channel="inspector")
    message = hand_over_case(case.number, actor=world.shift_leader, partner=child, reason="交办")
    assert message.kind == "case.assign"


def test_the_action_taken_by_any_interface_queues_the_message_too(world: World) -> None:
    make_partner("邻市平台")
    case = world.report(world.operator, channel="inspector")
    world.act(case, "hand_over", world.shift_leader, partner="邻市平台", reason="位于邻市辖区")
    assert ExchangeMessage.objects.get().case_id == case.pk


def test_an_unknown_or_parent_partner_refuses_the_action(world: World) -> None:
    parent = make_partner("市平台", role=PartnerRole.PARENT)
    case = world.report(world.operator, channel="inspector")
    with pytest.raises(InvalidInput, match="no active peer or child"):
        hand_over_case(case.number, actor=world.shift_leader, partner=parent, reason="x")
    assert Case.objects.get(pk=case.pk).status == "reported"  # rolled back
    assert not ExchangeMessage.objects.exists()
