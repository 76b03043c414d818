"""The exchange's public face: queue messages to partners, check and receive theirs.

Sending: ``report_case``, ``report_statistics`` and ``hand_over_case`` (a peer or a child)
queue an ``ExchangeMessage`` (in the caller's transaction); ``delivery.send_due`` sends
it, signed, with retries. Receiving: ``check_request`` verifies the signature and the
nonce, ``receive`` applies a message once per message id.

Which kinds flow which way depends on the partner's role:

========== ============================ ==============================
partner    we send                      we accept
========== ============================ ==============================
parent     case.report, stats.report    case.assign
child      case.assign                  case.report, stats.report
peer       case.handover                case.handover
========== ============================ ==============================
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count

from urbangrid.cases.exceptions import InvalidInput
from urbangrid.cases.models import Case, CaseEvent, Channel
from urbangrid.cases.services import Report, apply_action, create_report
from urbangrid.cases.workflow import END_STATUSES, Action
from urbangrid.common import clock
from urbangrid.exchange import signing
from urbangrid.exchange.models import (
    ExchangeMessage,
    MessageKind,
    Partner,
    PartnerRole,
    ReceivedMessage,
    UsedNonce,
)
from urbangrid.organisations.models import User

log = logging.getLogger("urbangrid.exchange")

WIRE_VERSION = "1"
MESSAGES_PATH = "/exchange/v1/messages"

SENDS: dict[str, frozenset[str]] = {
    PartnerRole.PARENT: frozenset({MessageKind.CASE_REPORT, MessageKind.STATS_REPORT}),
    PartnerRole.CHILD: frozenset({MessageKind.CASE_ASSIGN}),
    PartnerRole.PEER: frozenset({MessageKind.CASE_HANDOVER}),
}
ACCEPTS: dict[str, frozenset[str]] = {
    PartnerRole.PARENT: frozenset({MessageKind.CASE_ASSIGN}),
    PartnerRole.CHILD: frozenset({MessageKind.CASE_REPORT, MessageKind.STATS_REPORT}),
    PartnerRole.PEER: frozenset({MessageKind.CASE_HANDOVER}),
}


class ExchangeError(Exception):
    """A message that cannot be sent or accepted; ``status`` is the HTTP answer."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


# --- Sending ---------------------------------------------------------------------------


def queue_message(
    partner: Partner, kind: str, payload: dict[str, Any], *, case: Case | None = None
) -> ExchangeMessage:
    """Queue one message to ``partner`` (call inside the transaction that caused it)."""
    if not partner.is_active:
        raise ExchangeError(f"partner {partner.name} is not active", code="inactive_partner")
    if kind not in SENDS.get(partner.role, frozenset()):
        raise ExchangeError(
            f"we do not send {kind} to a {partner.role} platform", code="kind_not_allowed"
        )
    now = clock.now()
    message = ExchangeMessage.objects.create(
        partner=partner,
        kind=kind,
        case=case,
        payload=payload,
        next_attempt_at=now,
        created_at=now,
    )
    transaction.on_commit(_wake_worker)
    return message


def _wake_worker() -> None:
    from urbangrid.exchange.tasks import deliver_exchange

    try:
        deliver_exchange.enqueue()
    except Exception:  # the periodic run picks it up
        log.exception("could not enqueue the exchange delivery task")


def case_summary(case: Case) -> dict[str, Any]:
    """What a partner learns of one of our cases (no personal data of the reporter)."""
    return {
        "number": case.number,
        "status": case.status,
        "matter_code": case.matter.code,
        "matter_name": case.matter.name,
        "description": case.description,
        "address": case.address,
        "lng": case.lng,
        "lat": case.lat,
        "grid_code": case.grid_code,
        "district_code": case.district_code,
        "area_names": case.area_names,
        "created_at": case.created_at.isoformat(),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "counters": case.counters,
    }


def report_case(case: Case, *, partner: Partner) -> ExchangeMessage:
    """Report one of our cases (its current state) to our parent platform (案件上报)."""
    return queue_message(partner, MessageKind.CASE_REPORT, case_summary(case), case=case)


def statistics(*, on: dt.date | None = None) -> dict[str, Any]:
    """Counts for a statistics report: cases by district and status, created and closed
    on the local day ``on`` (default today)."""
    day = on or clock.today_local()
    start = dt.datetime.combine(day, dt.time(), tzinfo=clock.SHANGHAI)
    end = start + dt.timedelta(days=1)
    by_district: dict[str, dict[str, Any]] = {}
    for row in Case.objects.values("district_code", "status").annotate(n=Count("pk")):
        entry = by_district.setdefault(
            row["district_code"], {"by_status": {}, "open": 0, "created": 0, "closed": 0}
        )
        entry["by_status"][row["status"]] = row["n"]
        if row["status"] not in END_STATUSES:
            entry["open"] += row["n"]
    created = Case.objects.filter(created_at__gte=start, created_at__lt=end)
    for made in created.values("district_code").annotate(n=Count("pk")):
        by_district.setdefault(
            made["district_code"], {"by_status": {}, "open": 0, "created": 0, "closed": 0}
        )["created"] = made["n"]
    closed = Case.objects.filter(closed_at__gte=start, closed_at__lt=end)
    for ended in closed.values("district_code").annotate(n=Count("pk")):
        by_district.setdefault(
            ended["district_code"], {"by_status": {}, "open": 0, "created": 0, "closed": 0}
        )["closed"] = ended["n"]
    return {"on": day.isoformat(), "districts": by_district}


def report_statistics(*, partner: Partner, on: dt.date | None = None) -> ExchangeMessage:
    """Report the day's statistics to our parent platform (统计上报)."""
    return queue_message(partner, MessageKind.STATS_REPORT, statistics(on=on))


def hand_over_case(number: str, *, actor: User, partner: Partner, reason: str) -> ExchangeMessage:
    """Hand a case over to a peer platform (跨市移交) or assign it to a child platform
    (交办): the workflow action ``hand_over`` on our side, which queues the message
    (``queue_hand_over``) in the same transaction."""
    apply_action(
        number, Action.HAND_OVER, actor=actor, data={"reason": reason, "partner": partner.name}
    )
    return ExchangeMessage.objects.filter(case__number=number, partner=partner).latest("pk")


def queue_hand_over(event: CaseEvent) -> ExchangeMessage:
    """The message a ``hand_over`` event calls for: ``case.handover`` to a peer,
    ``case.assign`` to a child. Called inside the action's transaction (a ``post_save``
    receiver, ``apps.py``), whatever interface took the action; an unknown partner
    refuses the action (400)."""
    name = str(event.data.get("partner", ""))
    partner = Partner.objects.filter(
        name=name, is_active=True, role__in=(PartnerRole.PEER, PartnerRole.CHILD)
    ).first()
    if partner is None:
        raise InvalidInput(f"no active peer or child platform named {name!r}", field="partner")
    kind = (
        MessageKind.CASE_HANDOVER if partner.role == PartnerRole.PEER else MessageKind.CASE_ASSIGN
    )
    case = event.case
    payload = {**case_summary(case), "reason": str(event.data.get("reason", ""))}
    return queue_message(partner, kind, payload, case=case)


def on_case_event_saved(sender: Any, instance: CaseEvent, created: bool, **kwargs: Any) -> None:
    """``post_save`` receiver of case events: a hand-over queues its message."""
    if created and instance.action == Action.HAND_OVER:
        queue_hand_over(instance)


# --- Receiving -------------------------------------------------------------------------


def check_request(headers: Mapping[str, str], *, method: str, path: str, body: bytes) -> Partner:
    """The active partner who signed this request; ``SignatureError`` otherwise.

    A nonce is accepted once: it is recorded here, and a second request with it (a
    replay, even within the time window) is refused.
    """
    signed = signing.parse(headers)
    partner = Partner.objects.filter(key_id=signed.key_id, is_active=True).first()
    if partner is None:
        raise signing.SignatureError("unknown or inactive key id", code="unknown_key")
    now = clock.now()
    signing.verify(
        signed, secret=partner.secret, method=method, path=path, body=body, now=now.timestamp()
    )
    window = dt.timedelta(seconds=2 * signing.MAX_SKEW)
    try:
        with transaction.atomic():
            UsedNonce.objects.create(partner=partner, nonce=signed.nonce, seen_at=now)
    except IntegrityError as exc:
        raise signing.SignatureError("this nonce was already used", code="replayed") from exc
    UsedNonce.objects.filter(partner=partner, seen_at__lt=now - window).delete()
    return partner


@dataclass(frozen=True)
class Receipt:
    result: dict[str, Any]
    duplicate: bool


def parse_envelope(body: bytes) -> tuple[uuid.UUID, str, dict[str, Any]]:
    """(id, kind, payload) of a message body; ``ExchangeError`` if malformed."""
    import json

    try:
        envelope = json.loads(body or b"null")
    except ValueError as exc:
        raise ExchangeError("the body is not JSON") from exc
    if not isinstance(envelope, dict):
        raise ExchangeError("the body must be a JSON object")
    if str(envelope.get("version", "")) != WIRE_VERSION:
        raise ExchangeError(f"unsupported version; this is v{WIRE_VERSION}", code="version")
    try:
        message_id = uuid.UUID(str(envelope.get("id", "")))
    except ValueError as exc:
        raise ExchangeError("id must be a UUID", code="invalid_id") from exc
    kind = envelope.get("kind")
    if kind not in MessageKind.values:
        raise ExchangeError(f"unknown kind {kind!r}", code="unknown_kind")
    payload = envelope.get("payload")
    if not isinstance(payload, dict):
        raise ExchangeError("payload must be a JSON object")
    return message_id, str(kind), payload


def receive(partner: Partner, message_id: uuid.UUID, kind: str, payload: dict[str, Any]) -> Receipt:
    """Apply a message from ``partner`` once: a message id already received answers
    with the first result and changes nothing."""
    if kind not in ACCEPTS.get(partner.role, frozenset()):
        raise ExchangeError(
            f"a {partner.role} platform may not send {kind}", status=403, code="kind_not_allowed"
        )
    earlier = ReceivedMessage.objects.filter(partner=partner, message_id=message_id).first()
    if earlier is not None:
        return Receipt(earlier.result, duplicate=True)
    try:
        with transaction.atomic():
            case, result = _HANDLERS[kind](partner, payload)
            ReceivedMessage.objects.create(
                partner=partner,
                message_id=message_id,
                kind=kind,
                payload=payload,
                result=result,
                case=case,
                received_at=clock.now(),
            )
    except IntegrityError:
        # The same message arrived twice at once: the other request recorded it.
        earlier = ReceivedMessage.objects.filter(partner=partner, message_id=message_id).first()
        if earlier is None:
            raise
        return Receipt(earlier.result, duplicate=True)
    return Receipt(result, duplicate=False)


def _text(payload: Mapping[str, Any], name: str, *, required: bool = True) -> str:
    value = payload.get(name)
    if value is None or value == "":
        if required:
            raise ExchangeError(f"payload.{name} is required", code="invalid_payload")
        return ""
    return str(value)


def _number(payload: Mapping[str, Any], name: str) -> float:
    try:
        return float(payload[name])
    except (KeyError, TypeError, ValueError) as exc:
        raise ExchangeError(f"payload.{name} must be a number", code="invalid_payload") from exc


def _accept_case(partner: Partner, payload: dict[str, Any]) -> tuple[Case | None, dict[str, Any]]:
    """A case handed over or assigned to us becomes a new case here (reported, to
    accept), its REPORT event naming the partner and their case number."""
    from urbangrid.cases.exceptions import CaseError

    their_number = _text(payload, "number")
    reason = _text(payload, "reason", required=False)
    note = f"由{partner.name}移交（对方案件号 {their_number}）"
    if reason:
        note += f"：{reason}"
    report = Report(
        channel=Channel.OTHER,
        matter_code=_text(payload, "matter_code"),
        lng=_number(payload, "lng"),
        lat=_number(payload, "lat"),
        address=_text(payload, "address", required=False)[:300],
        description=_text(payload, "description", required=False)[:2000],
        note=note,
    )
    try:
        case = create_report(report, actor=None)
    except CaseError as exc:
        raise ExchangeError(str(exc), status=422, code="not_acceptable") from exc
    return case, {"case": case.number, "status": case.status}


def _record_case_report(
    partner: Partner, payload: dict[str, Any]
) -> tuple[Case | None, dict[str, Any]]:
    number = _text(payload, "number")
    district = _text(payload, "district_code", required=False)
    if partner.area_code and district and not district.startswith(partner.area_code[:6]):
        raise ExchangeError(
            f"case {number} lies outside {partner.name}'s area", status=403, code="outside_area"
        )
    return None, {"recorded": number}


def _record_statistics(
    partner: Partner, payload: dict[str, Any]
) -> tuple[Case | None, dict[str, Any]]:
    if not isinstance(payload.get("districts"), dict):
        raise ExchangeError("payload.districts must be an object", code="invalid_payload")
    return None, {"recorded": _text(payload, "on")}


_HANDLERS: dict[str, Callable[[Partner, dict[str, Any]], tuple[Case | None, dict[str, Any]]]] = {
    MessageKind.CASE_HANDOVER: _accept_case,
    MessageKind.CASE_ASSIGN: _accept_case,
    MessageKind.CASE_REPORT: _record_case_report,
    MessageKind.STATS_REPORT: _record_statistics,
}
