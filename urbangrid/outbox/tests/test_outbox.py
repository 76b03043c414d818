"""The outbox: dedupe on queueing, retries with backoff, a pluggable sender."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from urbangrid.outbox.models import Message
from urbangrid.outbox.senders import register_sender, unregister_sender
from urbangrid.outbox.services import (
    MAX_ATTEMPTS,
    Outgoing,
    backoff,
    deliver_pending,
    queue_messages,
)

START = dt.datetime(2025, 9, 29, 1, 0, tzinfo=dt.UTC)


def outgoing(key: str = "k1", topic: str = "test.hello") -> Outgoing:
    return Outgoing(dedupe_key=key, topic=topic, recipient="user:1", payload={"n": 1})


class Flaky:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[int] = []

    def send(self, message: Message) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("gateway down")
        self.sent.append(message.pk)


@pytest.fixture
def flaky():
    sender = Flaky(failures=2)
    register_sender("test.", sender)
    yield sender
    unregister_sender("test.")


@pytest.mark.django_db
def test_queueing_the_same_dedupe_key_twice_is_a_no_op():
    queue_messages([outgoing()])
    queue_messages([outgoing(), outgoing("k2")])
    assert sorted(Message.objects.values_list("dedupe_key", flat=True)) == ["k1", "k2"]


@pytest.mark.django_db
def test_a_failing_sender_is_retried_with_backoff_until_it_succeeds(flaky):
    with time_machine.travel(START, tick=False) as traveller:
        queue_messages([outgoing()])
        assert deliver_pending() == 0
        message = Message.objects.get()
        assert (message.status, message.attempts) == ("pending", 1)
        assert message.last_error == "ConnectionError: gateway down"
        assert message.next_attempt_at == START + backoff(1)
        assert deliver_pending() == 0  # not due yet: nothing attempted
        assert Message.objects.get().attempts == 1
        traveller.shift(backoff(1))
        deliver_pending()
        traveller.shift(backoff(2))
        assert deliver_pending() == 1
    message = Message.objects.get()
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, "")
    assert flaky.sent == [message.pk]


@pytest.mark.django_db
def test_a_message_fails_for_good_after_the_last_attempt():
    sender = Flaky(failures=100)
    register_sender("test.", sender)
    try:
        with time_machine.travel(START, tick=False) as traveller:
            queue_messages([outgoing()])
            for attempt in range(1, MAX_ATTEMPTS + 1):
                deliver_pending()
                traveller.shift(backoff(attempt))
    finally:
        unregister_sender("test.")
    message = Message.objects.get()
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == dt.timedelta(hours=6)


@pytest.mark.django_db
def test_messages_without_a_registered_sender_go_to_the_log(caplog):
    queue_messages([outgoing(topic="case.dispatch")])
    with caplog.at_level("INFO", logger="urbangrid.outbox"):
        assert deliver_pending() == 1
    assert "case.dispatch" in caplog.text
