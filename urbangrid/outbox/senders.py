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


# --- E-mail and SMS ------------------------------------------------------------------


class EmailSender:
    """E-mail through Django's mail (SMTP in production: ``EMAIL_HOST``, ``EMAIL_PORT``,
    ``EMAIL_HOST_USER``, ``EMAIL_HOST_PASSWORD``, ``EMAIL_USE_TLS``,
    ``DEFAULT_FROM_EMAIL``). Recipient ``email:<address>``; payload ``subject``, ``text``."""

    def send(self, message: Message) -> None:
        from django.core.mail import send_mail

        address = message.recipient.removeprefix("email:")
        send_mail(
            str(message.payload.get("subject", "")),
            str(message.payload.get("text", "")),
            None,
            [address],
            fail_silently=False,
        )


class SmsGateway(Protocol):
    """An SMS gateway: ``send_sms`` raises on failure (the outbox retries)."""

    def send_sms(self, phone: str, text: str) -> None: ...


class ConsoleSmsGateway:
    """Writes each SMS to the log (development and demos)."""

    def send_sms(self, phone: str, text: str) -> None:
        log.info("sms %s %s", phone, text)


class FileSmsGateway:
    """Appends each SMS as one JSON line to a file (demos, tests, audits)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def send_sms(self, phone: str, text: str) -> None:
        import json
        from pathlib import Path

        target = Path(self.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"phone": phone, "text": text}, ensure_ascii=False) + "\n")


def sms_gateway() -> SmsGateway:
    """The gateway named by ``URBANGRID_SMS_BACKEND``: ``console`` (default), ``file``
    (``URBANGRID_SMS_FILE``, default ``var/sms.jsonl``) or a dotted path to a class."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    name = str(getattr(settings, "URBANGRID_SMS_BACKEND", "console"))
    if name == "console":
        return ConsoleSmsGateway()
    if name == "file":
        default = str(getattr(settings, "VAR_DIR", ".")) + "/sms.jsonl"
        return FileSmsGateway(str(getattr(settings, "URBANGRID_SMS_FILE", default)))
    gateway: SmsGateway = import_string(name)()
    return gateway


class SmsSender:
    """SMS through the configured gateway. Recipient ``sms:<phone>``; payload ``text``."""

    def send(self, message: Message) -> None:
        phone = message.recipient.removeprefix("sms:")
        sms_gateway().send_sms(phone, str(message.payload.get("text", "")))


register_sender("notify.email", EmailSender())
register_sender("notify.sms", SmsSender())
