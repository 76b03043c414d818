"""Sending the exchange outbox: signed POSTs, retries with backoff, permanent refusals,
the same envelope (and id) on every attempt. The partner is a tiny stdlib HTTP server
that checks the signature with the partner's secret."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from urbangrid.common import clock
from urbangrid.exchange import delivery, signing
from urbangrid.exchange.models import ExchangeMessage, PartnerRole, SendState
from urbangrid.exchange.services import ExchangeError, report_case, report_statistics

from .conftest import World, make_partner

SECRET = "parent-secret"


class Stub:
    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, Any]]] = []
        self.received: list[dict[str, Any]] = []
        self.nonces: list[str] = []
        self.url = ""


@pytest.fixture
def stub() -> Iterator[Stub]:
    state = Stub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            signed = signing.parse(dict(self.headers.items()))
            signing.verify(
                signed,
                secret=SECRET,
                method="POST",
                path=self.path,
                body=body,
                now=clock.now().timestamp(),
            )
            state.nonces.append(signed.nonce)
            state.received.append(json.loads(body))
            status, answer = state.answers.pop(0) if state.answers else (200, {"ok": True})
            raw = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _parent(url: str) -> Any:
    return make_partner(
        "市平台", role=PartnerRole.PARENT, key_id="d-110101", secret=SECRET, base_url=url
    )


def test_a_case_report_is_sent_signed_to_the_parent(world: World, stub: Stub) -> None:
    parent = _parent(stub.url)
    case = world.report()
    message = report_case(case, partner=parent)
    assert delivery.send_due() == 1
    message.refresh_from_db()
    assert message.state == SendState.SENT
    assert message.response == {"ok": True}
    (sent,) = stub.received
    assert sent["id"] == str(message.message_id)
    assert sent["kind"] == "case.report"
    assert sent["payload"]["number"] == case.number
    assert "reporter_phone" not in sent["payload"]


def test_a_failed_send_is_retried_later_with_the_same_id(
    world: World, stub: Stub, frozen: Any
) -> None:
    parent = _parent(stub.url)
    stub.answers = [(503, {"error": "busy"})]
    message = report_statistics(partner=parent)
    assert delivery.send_due() == 0
    message.refresh_from_db()
    assert message.state == SendState.PENDING
    assert message.attempts == 1
    assert "503" in message.last_error
    assert delivery.send_due() == 0  # not due yet: backoff
    frozen.shift(dt.timedelta(minutes=2))
    assert delivery.send_due() == 1
    message.refresh_from_db()
    assert message.state == SendState.SENT
    assert message.attempts == 2
    first, second = stub.received
    assert first == second  # the same envelope: the parent applies it once
    assert stub.nonces[0] != stub.nonces[1]  # but a fresh nonce per request


def test_a_refused_message_fails_at_once(world: World, stub: Stub) -> None:
    parent = _parent(stub.url)
    stub.answers = [(403, {"error": {"code": "outside_area"}})]
    message = report_case(world.report(), partner=parent)
    delivery.send_due()
    message.refresh_from_db()
    assert message.state == SendState.FAILED
    assert "outside_area" in message.last_error


def test_an_unreachable_partner_is_retried_until_the_last_attempt(
    world: World, frozen: Any
) -> None:
    parent = _parent("http://127.0.0.1:9/")
    message = report_statistics(partner=parent)
    for _ in range(delivery.MAX_ATTEMPTS):
        delivery.send_due()
        frozen.shift(dt.timedelta(hours=7))
    message.refresh_from_db()
    assert message.state == SendState.FAILED
    assert message.attempts == delivery.MAX_ATTEMPTS


def test_statistics_count_cases_by_district_and_status(world: World) -> None:
    world.report()
    world.report()
    parent = _parent("http://127.0.0.1:9/")
    message = report_statistics(partner=parent)
    district = message.payload["districts"]["110101"]
    assert district == {"by_status": {"reported": 2}, "open": 2, "created": 2, "closed": 0}


def test_only_the_kinds_of_the_partners_role_are_sent(world: World) -> None:
    peer = make_partner(role=PartnerRole.PEER)
    with pytest.raises(ExchangeError):
        report_statistics(partner=peer)
    assert ExchangeMessage.objects.count() == 0


def test_the_report_command_queues_statistics_for_each_parent(world: World, stub: Stub) -> None:
    import io

    from django.core.management import call_command

    _parent(stub.url)
    make_partner("邻市平台", role=PartnerRole.PEER, key_id="peer-x")
    out = io.StringIO()
    call_command("exchange_report", stdout=out)
    assert "queued 1 statistics report(s), sent 1 message(s)" in out.getvalue()
    (sent,) = stub.received
    assert sent["kind"] == "stats.report"


def test_nothing_is_sent_to_a_partner_deactivated_since(world: World, stub: Stub) -> None:
    parent = _parent(stub.url)
    message = report_statistics(partner=parent)
    parent.is_active = False
    parent.save()
    assert delivery.send_due() == 0
    message.refresh_from_db()
    assert message.state == SendState.FAILED
    assert stub.received == []
