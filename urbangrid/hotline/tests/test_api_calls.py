"""POST/GET /api/v1/hotline/calls: work orders, repeat calls as support, consultations,
emergency transfers, and masking of the caller."""

from __future__ import annotations

from typing import Any

from urbangrid.cases.models import Case, Dispatch
from urbangrid.hotline.models import Call, KnowledgeEntry

from .conftest import NAME, PHONE

URL = "/api/v1/hotline/calls"


def call(world: Any, **extra: Any) -> dict[str, Any]:
    lng, lat = world.point()
    return {"request_kind": "complaint", "text": "小区门口垃圾没人清", "outcome": "new_case",
            "caller_name": NAME, "caller_phone": PHONE, "matter_code": world.matter.code,
            "lng": lng, "lat": lat, "address": "测试路1号", **extra}  # fmt: skip


def post(client: Any, data: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(URL, data, content_type="application/json", headers=headers)


def test_a_call_opens_a_hotline_work_order(world, api):
    answer = post(api(world.operator), call(world), key="call-key-0001")
    assert answer.status_code == 201, answer.json()
    case = Case.objects.get()
    assert case.channel == "hotline"
    assert case.request_kind == "complaint"
    assert case.reporter_phone == PHONE
    assert answer.json()["case"]["number"] == case.number
    assert Call.objects.get().case == case


def test_a_repeated_submission_makes_one_call_and_one_case(world, api):
    client = api(world.operator)
    first = post(client, call(world), key="call-key-0002")
    second = post(client, call(world), key="call-key-0002")
    assert first.json() == second.json()
    assert (Case.objects.count(), Call.objects.count()) == (1, 1)


def test_a_repeat_call_is_attached_as_support_and_gets_the_progress(world, api):
    client = api(world.operator)
    post(client, call(world))
    case = Case.objects.get()
    lng, lat = world.point()
    similar = client.get(
        f"/api/v1/hotline/similar?matter_code={world.matter.code}&lng={lng + 0.0002}&lat={lat}"
    ).json()
    assert [s["number"] for s in similar] == [case.number]
    answer = post(client, call(world, outcome="support", attach_to=case.number))
    assert answer.status_code == 201, answer.json()
    assert answer.json()["progress"]["status"] == "reported"
    assert Case.objects.count() == 1
    case.refresh_from_db()
    assert case.support_count == 1
    assert case.events.filter(action="support").count() == 1


def test_a_consultation_is_answered_from_the_knowledge_base_without_dispatch(world, api):
    entry = KnowledgeEntry.objects.get(title="大件垃圾如何清运")
    answer = post(
        api(world.operator),
        {"request_kind": "consultation", "text": "旧沙发怎么扔", "outcome": "answered",
         "knowledge_id": entry.pk, "caller_phone": PHONE},
    )  # fmt: skip
    assert answer.status_code == 201, answer.json()
    assert answer.json()["closed"] is True
    saved = Call.objects.get()
    assert saved.answer == entry.answer
    assert saved.closed_at is not None
    assert not Case.objects.exists()
    assert not Dispatch.objects.exists()


def test_an_emergency_is_recorded_as_transferred(world, api):
    answer = post(
        api(world.operator),
        {
            "request_kind": "help",
            "text": "有人落水",
            "outcome": "transferred",
            "transferred_to": "110",
        },
    )
    assert answer.status_code == 201
    assert Call.objects.get().transferred_to == "110"
    bad = post(api(world.operator), {"request_kind": "help", "text": "x", "outcome": "transferred",
                                      "transferred_to": "999"})  # fmt: skip
    assert bad.status_code == 400


def test_the_caller_is_masked_for_roles_without_personal_data(world, api):
    post(api(world.operator), call(world))
    call_id = Call.objects.get().pk
    full = api(world.operator).get(f"{URL}/{call_id}").json()
    assert (full["caller_phone"], full["masked"]) == (PHONE, False)
    masked = api(world.dispatcher).get(f"{URL}/{call_id}").json()
    assert masked["masked"] is True
    assert masked["caller_phone"] == "138****1234"
    assert masked["caller_name"] == "张*"
    assert PHONE not in str(api(world.dispatcher).get(URL).json())


def test_roles_that_cannot_report_cannot_take_calls(world, api):
    assert post(api(world.handler), call(world)).status_code == 403
