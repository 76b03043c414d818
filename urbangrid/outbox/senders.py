"""Pluggable senders: how a message leaves. A registry keyed by topic prefix.

A sender is any object with ``send(message) -> None`` that raises on failure. The log
sender (the default for every topic) writes one line per message; SMS, e-mail and
Open311 push register their own senders for their topics.
"""

from __future__ import annotations

import logging
from typing import Protocol

from urbangrid.outbox.models import Message

log = logging.getLogger("urbangrid.outbox")


class Sender(Protocol):
    def send(self, message: Message) -> None: ...


class LogSender:
    """Writes the message to the log: the console sender for development and tests."""

    def send(self, message: Message) -> None:
        log.info("notify %s %s %s", message.recipient, message.topic, message.payload)


_SENDERS: dict[str, Sender] = {}
_DEFAULT: Sender = LogSender()


def register_sender(topic_prefix: str, sender: Sender) -> None:
    """Route messages whose topic starts with ``topic_prefix`` to ``sender``."""
    _SENDERS[topic_prefix] = sender


def unregister_sender(topic_prefix: str) -> None:
    _SENDERS.pop(topic_prefix, None)


def sender_for(topic: str) -> Sender:
    """The sender registered for the longest matching prefix, else the log sender."""
    best = ""
    for prefix in _SENDERS:
        if topic.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return _SENDERS[best] if best else _DEFAULT
