"""From case messages in the outbox to people.

``CaseMessageSender`` is registered for the ``case.`` and ``intake.`` topics. A message to
``reporter:<number>`` becomes one SMS and one e-mail per contact (the case's reporter and
the reporters of the reports merged into it), each its own outbox row with its own
retries and delivery state; a message to staff (``department:``, ``role:``, ``grid:``,
``user:``) becomes an in-app ``StaffNotification`` for each matching active user.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from urbangrid.cases.models import Case
from urbangrid.common import clock
from urbangrid.intake.models import StaffNotification
from urbangrid.organisations.models import InspectorGrid, User
from urbangrid.outbox.models import Message
from urbangrid.outbox.senders import LogSender
from urbangrid.outbox.services import Outgoing, queue_messages

REPORTER_TOPICS = {
    "intake.receipt",
    "case.accept",
    "case.dispatch",
    "case.close",
    "case.not_accept",
    "case.merge",
}


def _link(case: Case) -> str:
    from urbangrid.intake.services import public_base_url, tracking_path

    token = getattr(getattr(case, "tracking", None), "token", None)
    return public_base_url() + tracking_path(token) if token else ""


def _public_reply(case: Case) -> str:
    if case.public_reply:
        return case.public_reply
    close = case.events.filter(action="close").order_by("-seq").first()
    return close.note if close is not None else ""


def reporter_texts(case: Case, topic: str) -> list[tuple[str, str]]:
    """``(subject, text)`` pairs to send the reporter of ``case`` for ``topic``."""
    number, link = case.number, _link(case)
    follow = _(" Follow it at %(link)s") % {"link": link} if link else ""
    if topic == "intake.receipt":
        return [
            (
                _("Report received"),
                _("We received your report, case %(n)s.") % {"n": number} + follow,
            )
        ]
    if topic == "case.accept":
        return [(_("Report accepted"), _("Case %(n)s has been accepted.") % {"n": number} + follow)]
    if topic == "case.dispatch":
        return [
            (
                _("Case dispatched"),
                _("Case %(n)s has been sent to the department responsible.") % {"n": number}
                + follow,
            )
        ]
    if topic == "case.not_accept":
        return [
            (_("Report not accepted"), _("Case %(n)s was not accepted.") % {"n": number} + follow)
        ]
    if topic == "case.merge":
        into = case.merged_into.number if case.merged_into else ""
        return [
            (
                _("Report merged"),
                _(
                    "Your report %(n)s concerns the same problem as case %(into)s; "
                    "you will be told of its progress."
                )
                % {"n": number, "into": into}
                + follow,
            )
        ]
    if topic == "case.close":
        reply = _public_reply(case)
        closed = _("Case %(n)s has been closed.") % {"n": number}
        if reply:
            closed += " " + _("Reply: %(reply)s") % {"reply": reply}
        callback = _(
            "We may call you back to ask whether the problem was solved and how satisfied you are."
        )
        return [(_("Case closed"), closed + follow), (_("Callback request"), callback + follow)]
    return []


def contacts(case: Case) -> list[tuple[str, str]]:
    """``(phone, e-mail)`` of the case's reporter and of the reports merged into it."""
    rows = [(case.reporter_phone, case.reporter_email)]
    rows += list(case.merged_reports.values_list("reporter_phone", "reporter_email"))
    unique: list[tuple[str, str]] = []
    for row in rows:
        if (row[0] or row[1]) and row not in unique:
            unique.append(row)
    return unique


def users_for(recipient: str) -> QuerySet[User]:
    kind, _sep, rest = recipient.partition(":")
    users = User.objects.filter(is_active=True)
    if kind == "user" and rest.isdigit():
        return users.filter(pk=int(rest))
    if kind == "department" and rest.isdigit():
        return users.filter(department_id=int(rest))
    if kind == "grid":
        return users.filter(pk__in=InspectorGrid.objects.filter(grid_code=rest).values("inspector"))
    if kind == "role":
        role, _sep, area = rest.partition(":")
        prefixes = [area[:n] for n in (0, 6, 9, 12) if n <= len(area)]
        return users.filter(role=role).filter(Q(area_code__in=prefixes) | Q(area_code=""))
    return users.none()


def staff_text(payload: dict[str, Any], topic: str) -> str:
    number = payload.get("case", "")
    if topic.startswith("case.light."):
        light = topic.rsplit(".", 1)[-1]
        return _("Case %(n)s: light turned %(light)s") % {"n": number, "light": light}
    action = topic.removeprefix("case.").replace("_", " ")
    return _("Case %(n)s: %(action)s — a task for you") % {"n": number, "action": action}


class CaseMessageSender:
    """Fan a case message out to SMS / e-mail (reporter) or in-app (staff)."""

    def send(self, message: Message) -> None:
        LogSender().send(message)  # the one-line log every message had before
        with translation.override(settings.LANGUAGE_CODE):
            if message.recipient.startswith("reporter:"):
                self._reporter(message)
            else:
                self._staff(message)

    def _reporter(self, message: Message) -> None:
        if message.topic not in REPORTER_TOPICS:
            return
        number = message.recipient.removeprefix("reporter:")
        case = Case.objects.select_related("merged_into").filter(number=number).first()
        if case is None:
            return
        outgoing = []
        for index, (subject, text) in enumerate(reporter_texts(case, message.topic)):
            for phone, email in contacts(case):
                base = f"{message.dedupe_key}:{index}"
                if phone:
                    outgoing.append(
                        Outgoing(
                            f"{base}:sms:{phone}", "notify.sms", f"sms:{phone}", {"text": text}
                        )
                    )
                if email:
                    outgoing.append(
                        Outgoing(
                            f"{base}:email:{email}",
                            "notify.email",
                            f"email:{email}"[:100],
                            {"subject": subject, "text": text},
                        )
                    )
        queue_messages(outgoing)

    def _staff(self, message: Message) -> None:
        text = staff_text(message.payload, message.topic)[:300]
        now = clock.now()
        StaffNotification.objects.bulk_create(
            [
                StaffNotification(
                    user_id=user_id,
                    message_key=message.dedupe_key,
                    topic=message.topic,
                    case_number=str(message.payload.get("case", ""))[:32],
                    text=text,
                    created_at=now,
                )
                for user_id in users_for(message.recipient).values_list("pk", flat=True)
            ],
            ignore_conflicts=True,
        )


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return StaffNotification.objects.filter(user=user, read_at__isnull=True).count()
