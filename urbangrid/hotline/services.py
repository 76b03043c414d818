"""The hotline desk: take a call (new work order, support for an open case, answer on the
spot, emergency transfer) and call back after the end (回访), with the retry and
reopening policies.

Taking a call and recording a callback are idempotent per agent and key, like intake.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from urbangrid.cases.access import access_case
from urbangrid.cases.exceptions import (
    ActionForbidden,
    CaseError,
    InvalidInput,
    TransitionNotAllowed,
)
from urbangrid.cases.models import Case, CaseEvent, Channel, RequestKind
from urbangrid.cases.selectors import cases_visible_to
from urbangrid.cases.services import (
    MAX_TEXT,
    ConditionFailed,
    OutOfScope,
    Report,
    RoleMayNot,
    StatusForbids,
    add_support,
    apply_action,
    check_action,
)
from urbangrid.cases.workflow import NOT_CALLED_BACK, SATISFACTION_CHOICES, Action, CaseStatus
from urbangrid.common import clock, writes
from urbangrid.geo.models import Place
from urbangrid.hotline.models import Call, CallbackAttempt, EmergencyLine, KnowledgeEntry, Outcome
from urbangrid.intake.services import Answer, check_key, idempotent, submit_report
from urbangrid.organisations.models import Role, User
from urbangrid.organisations.permissions import Permission, has_permission

POLICY_USERNAME = "callback-policy"
REOPEN_POLICIES = ("never", "unsolved_and_unsatisfied", "unsolved_or_unsatisfied")
DEFAULT_CALLBACK_ATTEMPTS = 3


def mask_phone(phone: str) -> str:
    """``138****1234``: enough to recognise a repeat caller, not to call them."""
    phone = phone.strip()
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


@dataclass(frozen=True)
class CallInput:
    request_kind: str
    text: str
    outcome: str
    caller_name: str = ""
    caller_phone: str = ""
    matter_code: str = ""
    lng: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    address: str = ""
    attach_to: str = ""
    knowledge_id: int | None = None
    answer: str = ""
    transferred_to: str = ""


def _check(data: CallInput) -> None:
    if data.request_kind not in RequestKind.values:
        raise InvalidInput(gettext_noop("unknown request kind"), field="request_kind")
    if data.outcome not in Outcome.values:
        raise InvalidInput(gettext_noop("unknown outcome"), field="outcome")
    if not data.text.strip():
        raise InvalidInput(gettext_noop("text is required"), field="text")
    if len(data.text) > 4000:
        raise InvalidInput(gettext_noop("text is too long"), field="text")
    if data.outcome == Outcome.NEW_CASE and not (
        data.matter_code and data.lng is not None and data.lat is not None
    ):
        raise InvalidInput(
            gettext_noop("a new work order needs a matter and a place"), field="matter_code"
        )
    if data.outcome == Outcome.SUPPORT and not data.attach_to:
        raise InvalidInput(gettext_noop("name the open case this call repeats"), field="attach_to")
    if data.outcome == Outcome.ANSWERED and not (data.answer.strip() or data.knowledge_id):
        raise InvalidInput(
            gettext_noop("give the answer, or a knowledge base entry"), field="answer"
        )
    if data.outcome == Outcome.TRANSFERRED and data.transferred_to not in EmergencyLine.values:
        raise InvalidInput(gettext_noop("transfer to 110, 119, 120 or 122"), field="transferred_to")


def take_call(data: CallInput, *, agent: User, key: str | None) -> Answer:
    """Record a call and do what its outcome says; the answer names the call and, for a
    work order or a repeat call, the case and its progress (to tell the caller)."""
    if not has_permission(agent, Permission.REPORT):
        raise ActionForbidden(gettext_noop("your role may not take calls"))
    key = check_key(key)
    _check(data)

    def work() -> Answer:
        now = clock.now()
        call = Call(
            agent=agent,
            caller_name=data.caller_name.strip()[:50],
            caller_phone=data.caller_phone.strip()[:30],
            request_kind=data.request_kind,
            text=data.text.strip(),
            address=data.address.strip()[:300],
            lng=data.lng,
            lat=data.lat,
            outcome=data.outcome,
            created_at=now,
        )
        body: dict[str, Any] = {"outcome": data.outcome, "case": None, "progress": None}
        if data.outcome == Outcome.NEW_CASE:
            assert data.lng is not None
            assert data.lat is not None
            receipt = submit_report(
                Report(
                    channel=Channel.HOTLINE,
                    matter_code=data.matter_code,
                    lng=data.lng,
                    lat=data.lat,
                    crs=data.crs,
                    address=data.address,
                    description=data.text,
                    reporter_name=call.caller_name,
                    reporter_phone=call.caller_phone,
                    request_kind=data.request_kind,
                ),
                actor=agent,
                key=None,
            )
            call.case_id = receipt.case_id  # the case's rows are written with the call's
            call.save()
            body["case"] = receipt.body
        elif data.outcome == Outcome.SUPPORT:
            call.save()
            case = add_support(data.attach_to, actor=agent, note=data.text, data={"call": call.pk})
            call.case = case
            call.save(update_fields=["case"])
            body["case"] = {"number": case.number, "status": case.status}
            body["progress"] = progress(case)
        elif data.outcome == Outcome.ANSWERED:
            entry = None
            if data.knowledge_id is not None:
                entry = KnowledgeEntry.objects.filter(pk=data.knowledge_id, is_active=True).first()
                if entry is None:
                    raise InvalidInput(
                        gettext_noop("no such knowledge base entry"), field="knowledge_id"
                    )
            call.knowledge = entry
            call.answer = data.answer.strip() or (entry.answer if entry else "")
            call.closed_at = now
            call.save()
            body["answer"] = call.answer
        else:
            call.transferred_to = data.transferred_to
            call.closed_at = now
            call.save()
            body["transferred_to"] = call.transferred_to
        body["call"] = call.pk
        body["closed"] = call.closed_at is not None
        return Answer(201, body, case_id=call.case_id)

    return idempotent(f"hotline:{agent.pk}", key, work)


def progress(case: Case) -> dict[str, Any]:
    """What the agent may tell a repeat caller: status, last public step, public reply."""
    last = case.events.filter(is_public=True).order_by("-seq").first()
    return {
        "status": case.status,
        "status_label": str(CaseStatus(case.status).label),
        "last_step": last.action if last else None,
        "last_step_at": last.at.isoformat() if last else None,
        "public_reply": case.public_reply,
        "support_count": case.support_count,
        "expected_at": case.expected_at.isoformat() if case.expected_at else None,
    }


def search_places(q: str, *, limit: int = 20) -> list[Place]:
    words = q.split()
    if not words:
        return []
    places = Place.objects.all()
    for word in words:
        places = places.filter(Q(name__icontains=word) | Q(address__icontains=word))
    return list(places.order_by("name")[:limit])


def search_knowledge(q: str, *, limit: int = 10) -> list[KnowledgeEntry]:
    entries = KnowledgeEntry.objects.filter(is_active=True)
    for word in q.split():
        entries = entries.filter(
            Q(title__icontains=word) | Q(keywords__icontains=word) | Q(answer__icontains=word)
        )
    return list(entries[:limit])


# --- Callbacks (回访) ----------------------------------------------------------------
#
# A callback is made once a case has ended (closed, or not accepted) and the requester
# left a number or an e-mail. A call that does not reach the requester is an *attempt*
# (a ``CallbackAttempt`` row, no case event): the case stays in the list for a retry.
# The callback's result is one ``callback`` event on the case — what evaluation counts
# (``evaluation/replay.py``: every ``callback`` event is a callback, ``reached`` feeds
# the rates' denominators): either the requester was reached, with their satisfaction
# answer (required), or the last allowed attempt (``callback_attempts()``) failed too
# and the callback ends as unreachable (``reached: false``).


def callback_attempts() -> int:
    """``URBANGRID_CALLBACK_ATTEMPTS`` (default 3): the calls made to reach a requester
    before the callback ends as unreachable."""
    value = getattr(settings, "URBANGRID_CALLBACK_ATTEMPTS", DEFAULT_CALLBACK_ATTEMPTS)
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return DEFAULT_CALLBACK_ATTEMPTS


def callback_gap() -> dt.timedelta:
    """``URBANGRID_CALLBACK_GAP_MINUTES`` (default 120; 0: none): the least time between
    two calls that do not reach the requester, so that the attempts before "unreachable"
    are spread over the day, not made in a minute. A call that reaches the requester is
    recorded whenever it is made. The setting's range is checked at start-up."""
    return dt.timedelta(minutes=settings.URBANGRID_CALLBACK_GAP_MINUTES)


class CallbackTooSoon(CaseError):  # noqa: N818
    """409: the requester was tried less than ``callback_gap()`` ago."""

    status = 409
    code = "callback_too_soon"


def next_attempt_at(last_attempt_at: dt.datetime | None) -> dt.datetime | None:
    """When a call that does not reach the requester may be recorded, after one made at
    ``last_attempt_at``; ``None``: now."""
    gap = callback_gap()
    if last_attempt_at is None or not gap:
        return None
    at = last_attempt_at + gap
    if at.second or at.microsecond:  # shown to the minute: the minute it is allowed in
        at = at.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    return at if at > clock.now() else None


def _check_gap(case: Case) -> None:
    """``CallbackTooSoon`` if the last unanswered call of the current callback of
    ``case`` is less than ``callback_gap()`` old."""
    last = _failed_attempts(case).order_by("-at", "-pk").values_list("at", flat=True).first()
    allowed_at = next_attempt_at(last)
    if last is None or allowed_at is None:
        return
    raise CallbackTooSoon(
        gettext_noop(
            "the last call to the requester, at %(last)s, did not reach them; call again "
            "from %(next)s (at least %(minutes)s minutes between attempts)"
        ),
        params={
            "last": f"{clock.local(last):%Y-%m-%d %H:%M}",
            "next": f"{clock.local(allowed_at):%Y-%m-%d %H:%M}",
            "minutes": int(callback_gap().total_seconds() // 60),
        },
    )


def _failed_attempts(case: OuterRef | Case) -> QuerySet[CallbackAttempt]:
    """The unanswered calls of the current callback: made since the case last changed."""
    if isinstance(case, Case):
        return CallbackAttempt.objects.filter(
            case=case, case_seq=case.last_event_seq, reached=False
        )
    return CallbackAttempt.objects.filter(
        case=case, case_seq=OuterRef("last_event_seq"), reached=False
    )


def callbacks_due(user: User) -> QuerySet[Case]:
    """Ended cases with a reporter to call back and no callback yet: the ones not tried
    yet first (oldest first), then the ones tried longest ago. Each carries
    ``attempts`` (unanswered calls so far) and ``last_attempt_at``."""
    called = CaseEvent.objects.filter(case=OuterRef("pk"), action=Action.CALLBACK)
    tried = _failed_attempts(OuterRef("pk"))
    count = tried.order_by().values("case").annotate(n=Count("pk")).values("n")
    return (
        cases_visible_to(user)
        .filter(status__in=[CaseStatus.CLOSED, CaseStatus.NOT_ACCEPTED], merged_into__isnull=True)
        .exclude(reporter_phone="", reporter_email="")
        .exclude(Exists(called))
        .annotate(
            attempts=Coalesce(Subquery(count), 0),
            last_attempt_at=Subquery(tried.order_by("-at", "-pk").values("at")[:1]),
        )
        .select_related("matter")
        .order_by(F("last_attempt_at").asc(nulls_first=True), "updated_at", "pk")
    )


def status_label(status: str) -> str:
    """The status as the staff pages show it (``Case.get_status_display``)."""
    return str(CaseStatus(status).label)


def reopen_policy() -> str:
    """``URBANGRID_CALLBACK_REOPEN``: ``never``, ``unsolved_and_unsatisfied`` (default) or
    ``unsolved_or_unsatisfied``."""
    policy = str(getattr(settings, "URBANGRID_CALLBACK_REOPEN", "unsolved_and_unsatisfied"))
    return policy if policy in REOPEN_POLICIES else "unsolved_and_unsatisfied"


def should_reopen(reached: bool, solved: bool | None, satisfaction: str | None) -> bool:
    if not reached:
        return False
    unsolved, unsatisfied = solved is False, satisfaction == "unsatisfied"
    policy = reopen_policy()
    if policy == "unsolved_and_unsatisfied":
        return unsolved and unsatisfied
    if policy == "unsolved_or_unsatisfied":
        return unsolved or unsatisfied
    return False


def policy_user() -> User:
    """The system account that reopens a case when the callback policy says so."""
    user, created = User.objects.get_or_create(
        username=POLICY_USERNAME,
        defaults={"role": Role.SHIFT_LEADER, "first_name": "回访规则", "is_active": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _callback_case(number: str, agent: User) -> Case:
    """The case ``number``, locked, if ``agent`` may record its callback now: the
    workflow's own answer (``check_action``: 404, 403, 409), in the desk's words; 409
    ``already_called_back`` once it has its callback."""
    case = access_case(agent, number, for_update=True)
    try:
        check_action(case, Action.CALLBACK, actor=agent)
    except RoleMayNot as exc:
        raise ActionForbidden(gettext_noop("your role may not call back")) from exc
    except OutOfScope as exc:
        raise ActionForbidden(gettext_noop("this case is not in your area")) from exc
    except StatusForbids as exc:
        raise TransitionNotAllowed(
            gettext_noop("case %(number)s is %(status)s: callback is not possible now"),
            params=exc.params,
        ) from exc
    except ConditionFailed as exc:
        if NOT_CALLED_BACK not in exc.conditions:
            raise
        raise TransitionNotAllowed(
            gettext_noop("case %(number)s has been called back already"),
            params={"number": case.number},
            code="already_called_back",
        ) from exc
    return case


def _check_callback(reached: bool, satisfaction: str | None, note: str) -> None:
    if satisfaction is not None and satisfaction not in SATISFACTION_CHOICES:
        raise InvalidInput(gettext_noop("unknown satisfaction"), field="satisfaction")
    if reached and satisfaction is None:
        raise InvalidInput(
            gettext_noop("a reached callback needs the requester's satisfaction answer"),
            field="satisfaction",
        )
    if len(note) > MAX_TEXT:
        raise InvalidInput(gettext_noop("note is too long"), field="note")


def record_callback(
    number: str,
    *,
    agent: User,
    reached: bool,
    solved: bool | None = None,
    satisfaction: str | None = None,
    note: str = "",
    key: str | None = None,
) -> Answer:
    """Record one callback call. Not reached: an attempt; the case stays due until the
    last allowed attempt, which ends the callback as unreachable; an attempt less than
    ``callback_gap()`` after the previous one is refused (409 ``callback_too_soon``).
    Reached (a satisfaction answer is required): the callback's result. The result is a
    ``callback`` event (reached / solved / satisfaction); the case is reopened when the
    reopening policy says so (a ``reopen`` event by the policy account).

    The answer: ``number``, ``status``, ``status_label``, ``reopened``, ``reached``,
    ``attempts`` (calls made, this one included), ``max_attempts``, ``done`` (the
    callback has its result; false: call again later) and ``next_attempt_at`` (when not
    done: the earliest time of the next attempt, ``None`` without a gap)."""
    key = check_key(key)

    def work() -> Answer:
        limit = callback_attempts()
        with writes.at_once():
            case = _callback_case(number, agent)  # first: no answer tells an unseen case
            _check_callback(reached, satisfaction, note)
            if not reached:
                _check_gap(case)  # under the case's row lock: a concurrent attempt waits
            attempts = _failed_attempts(case).count() + 1
            now = clock.now()
            CallbackAttempt.objects.create(
                case=case,
                case_seq=case.last_event_seq,
                agent=agent,
                at=now,
                reached=reached,
                note=note.strip(),
            )
        body: dict[str, Any] = {
            "number": case.number,
            "reopened": False,
            "reached": reached,
            "attempts": attempts,
            "max_attempts": limit,
            "done": reached or attempts >= limit,
        }
        later = None if body["done"] else next_attempt_at(now)
        # As the list's ``next_attempt_at`` (the API's JSON encoder), and storable as JSON.
        body["next_attempt_at"] = DjangoJSONEncoder().default(later) if later else None
        if body["done"]:
            text = note.strip() or ("" if reached else f"回访{attempts}次均未接通，按回访规则结束")
            result = {"reached": reached, "solved": solved, "satisfaction": satisfaction}
            case = apply_action(number, Action.CALLBACK, actor=agent, data={**result, "note": text})
            if case.status == CaseStatus.CLOSED and should_reopen(reached, solved, satisfaction):
                case = apply_action(
                    number,
                    Action.REOPEN,
                    actor=policy_user(),
                    data={"reason": "回访：问题未解决且不满意，按回访规则重新启动"},
                )
                body["reopened"] = True
        body["status"] = case.status
        body["status_label"] = status_label(case.status)
        return Answer(200, body, case_id=case.pk)

    return idempotent(f"callback:{agent.pk}", key, work)
