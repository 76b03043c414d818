"""POST /exchange/v1/messages: signatures, replay refusal, idempotency, roles."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from urbangrid.cases.models import Case
from urbangrid.common import clock
from urbangrid.exchange.models import PartnerRole, ReceivedMessage, UsedNonce

from .conftest import Post, World, envelope, handover_payload, make_partner


def test_the_index_says_which_version_it_speaks(db: None) -> None:
    answer = Client().get("/exchange/v1/").json()
    assert answer["version"] == "1"
    assert "case.handover" in answer["kinds"]


def test_a_handed_over_case_becomes_a_case_here_with_the_partners_number(
    world: World, post_signed: Post
) -> None:
    peer = make_partner()
    response = post_signed(peer, envelope("case.handover", handover_payload(world)))
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["status"] == "accepted"
    case = Case.objects.get(number=answer["result"]["case"])
    assert case.status == "reported"
    assert case.channel == "other"
    (event,) = case.events.all()
    assert "邻市平台" in event.note
    assert "320102-20250929-0007" in event.note


def test_the_same_message_delivered_twice_creates_one_case(world: World, post_signed: Post) -> None:
    peer = make_partner()
    body = envelope("case.handover", handover_payload(world), message_id=str(uuid.uuid4()))
    first = post_signed(peer, body).json()
    again = post_signed(peer, body)  # a retry: same message, new nonce
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert again.json()["result"] == first["result"]
    assert Case.objects.count() == 1
    assert ReceivedMessage.objects.count() == 1


def test_a_replayed_request_is_refused_even_within_the_window(
    world: World, post_signed: Post
) -> None:
    peer = make_partner()
    body = envelope("case.handover", handover_payload(world))
    nonce = "replay-nonce-0123456789"
    assert post_signed(peer, body, nonce=nonce).status_code == 200
    replay = post_signed(peer, body, nonce=nonce)
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "replayed"
    assert Case.objects.count() == 1


def test_a_stale_request_is_refused(world: World, post_signed: Post) -> None:
    peer = make_partner()
    body = envelope("case.handover", handover_payload(world))
    stale = post_signed(peer, body, now=clock.now().timestamp() - 301)
    assert stale.status_code == 401
    assert stale.json()["error"]["code"] == "stale"
    assert Case.objects.count() == 0
    assert UsedNonce.objects.count() == 0


def test_a_wrong_secret_or_a_changed_body_is_refused(world: World, post_signed: Post) -> None:
    peer = make_partner()
    body = envelope("case.handover", handover_payload(world))
    assert post_signed(peer, body, secret="guessed").status_code == 401
    changed = body.replace(b'"status": "to_dispatch"', b'"status": "closed"')
    assert changed != body
    assert post_signed(peer, body, sent_body=changed).status_code == 401
    assert Case.objects.count() == 0


def test_an_unsigned_request_or_an_unknown_key_is_refused(world: World, post_signed: Post) -> None:
    body = envelope("case.handover", handover_payload(world))
    unsigned = Client().post("/exchange/v1/messages", data=body, content_type="application/json")
    assert unsigned.status_code == 401
    assert unsigned.json()["error"]["code"] == "unsigned"
    inactive = make_partner(key_id="old")
    inactive.is_active = False
    inactive.save()
    refused = post_signed(inactive, body)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unknown_key"


@pytest.mark.parametrize(
    ("role", "kind", "allowed"),
    [
        (PartnerRole.PEER, "case.handover", True),
        (PartnerRole.PEER, "case.report", False),
        (PartnerRole.PARENT, "case.assign", True),
        (PartnerRole.PARENT, "case.handover", False),
        (PartnerRole.CHILD, "case.report", True),
        (PartnerRole.CHILD, "case.assign", False),
    ],
)
def test_each_role_may_send_only_its_kinds(
    world: World, post_signed: Post, role: str, kind: str, allowed: bool
) -> None:
    partner = make_partner(role=role)
    response = post_signed(partner, envelope(kind, handover_payload(world)))
    assert (response.status_code == 200) is allowed, response.content
    if not allowed:
        assert response.status_code == 403


def test_a_child_reports_cases_and_statistics(world: World, post_signed: Post) -> None:
    child = make_partner("测试区平台", role=PartnerRole.CHILD, area_code="110101")
    report = post_signed(child, envelope("case.report", handover_payload(world, "110101-1")))
    assert report.json()["result"] == {"recorded": "110101-1"}
    stats = {"on": "2025-09-29", "districts": {"110101": {"open": 3}}}
    assert post_signed(child, envelope("stats.report", stats)).json()["result"] == {
        "recorded": "2025-09-29"
    }
    assert ReceivedMessage.objects.filter(partner=child).count() == 2


def test_a_child_may_not_report_another_districts_case(world: World, post_signed: Post) -> None:
    child = make_partner("测试区平台", role=PartnerRole.CHILD, area_code="110101")
    payload = {**handover_payload(world, "110102-1"), "district_code": "110102"}
    response = post_signed(child, envelope("case.report", payload))
    assert response.status_code == 403


def test_a_case_outside_our_grids_is_refused_and_not_recorded(
    world: World, post_signed: Post
) -> None:
    peer = make_partner()
    payload = {**handover_payload(world), "lng": 100.0, "lat": 20.0}
    response = post_signed(peer, envelope("case.handover", payload))
    assert response.status_code == 422
    assert ReceivedMessage.objects.count() == 0  # a corrected retry would be applied


def test_a_malformed_envelope_is_a_400(world: World, post_signed: Post) -> None:
    peer = make_partner()
    assert post_signed(peer, b"not json").status_code == 400
    assert post_signed(peer, b'{"version": "2"}').status_code == 400
