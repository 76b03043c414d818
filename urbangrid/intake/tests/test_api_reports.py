"""POST /api/v1/intake/reports: idempotent intake."""

from __future__ import annotations

from typing import Any

from urbangrid.cases.models import Case, CaseEvent
from urbangrid.intake.models import IdempotencyKey, TrackingLink
from urbangrid.outbox.models import Message

URL = "/api/v1/intake/reports"


def body(world: Any, **extra: Any) -> dict[str, Any]:
    lng, lat = world.point()
    return {"matter_code": world.matter.code, "lng": lng, "lat": lat, "address": "测试路1号",
            "description": "暴露垃圾", **extra}  # fmt: skip


def post(client: Any, data: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(URL, data, content_type="application/json", headers=headers)


def test_a_report_answers_a_receipt_with_grid_department_and_deadline(world, api):
    answer = post(api(world.inspector), body(world), key="report-0001")
    assert answer.status_code == 201, answer.json()
    receipt = answer.json()
    assert receipt["number"] == "110101-20250929-0001"
    assert receipt["channel"] == "inspector"
    assert receipt["grid"]["code"] == world.grid
    assert receipt["suggested_department"]["id"] == world.dept_a.pk
    assert receipt["stage"] == "accept"
    assert receipt["stage_due_at"]
    assert CaseEvent.objects.get().action == "report"
    stored = IdempotencyKey.objects.get().case
    assert stored is not None
    assert stored.number == receipt["number"]


def test_the_same_key_twice_makes_one_case_and_the_same_answer(world, api):
    client = api(world.inspector)
    first = post(client, body(world), key="retry-key-42")
    second = post(client, body(world), key="retry-key-42")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_the_key_may_travel_in_the_body(world, api):
    client = api(world.inspector)
    post(client, body(world, idempotency_key="in-body-key-1"))
    post(client, body(world, idempotency_key="in-body-key-1"))
    assert Case.objects.count() == 1


def test_keys_are_per_user(world, api):
    post(api(world.inspector), body(world), key="shared-key-1")
    post(api(world.operator), body(world, channel="hotline"), key="shared-key-1")
    assert Case.objects.count() == 2


def test_a_refused_report_does_not_use_up_its_key(world, api):
    client = api(world.inspector)
    assert post(client, body(world, lng=10.0, lat=10.0), key="fix-and-retry").status_code == 400
    assert post(client, body(world), key="fix-and-retry").status_code == 201
    assert Case.objects.count() == 1


def test_a_malformed_key_is_a_400(world, api):
    answer = post(api(world.inspector), body(world), key="bad key!")
    assert answer.status_code == 400
    assert answer.json()["field"] == "idempotency_key"


def test_a_self_handled_minor_issue(world, api):
    answer = post(api(world.inspector), body(world, self_handled=True), key="self-handled-1")
    assert answer.status_code == 201
    assert answer.json()["status"] == "self_handled"


def test_similar_open_cases_nearby_are_suggested(world, api):
    client = api(world.inspector)
    first = post(client, body(world)).json()
    lng, _lat = world.point()
    second = post(client, body(world, lng=lng + 0.0002)).json()  # ~17 m east
    assert [d["number"] for d in second["duplicates"]] == [first["number"]]
    far = post(client, body(world, lng=lng + 0.002)).json()  # ~170 m east
    assert far["duplicates"] == []


def test_a_reporter_with_contact_gets_a_tracking_link_and_one_receipt(world, api):
    client = api(world.operator)
    data = body(world, channel="hotline", reporter_name="张三", reporter_phone="13812341234")
    first = post(client, data, key="hotline-key-1").json()
    post(client, data, key="hotline-key-1")
    assert first["tracking_url"].startswith("/track/")
    assert TrackingLink.objects.count() == 1
    assert Message.objects.filter(topic="intake.receipt").count() == 1


def test_without_authentication_it_is_a_401(world, client):
    assert post(client, body(world)).status_code == 401


def test_on_postgresql_a_report_writes_its_rows_in_one_statement(
    world, api, django_capture_on_commit_callbacks
):
    """Case, first event, open-case journal and key: one round trip (common.writes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        import pytest

        pytest.skip("SQLite writes each row at once")
    client = api(world.inspector)
    with django_capture_on_commit_callbacks(execute=True):  # the day's sequence is known
        post(client, body(world), key="warm-up-0001")
    with CaptureQueriesContext(connection) as captured:
        answer = post(client, body(world), key="one-statement-1")
    assert answer.status_code == 201
    kinds = ("INSERT", "WITH", "UPDATE")
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(kinds)]
    assert len(writes) == 1
    # Before it, one query takes the case's id and number and reads its similar open
    # cases (the test's transaction also reads the caches, which a process keeps).
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    cases = [sql for sql in reads if '"cases_case"' in sql]
    assert len(cases) == 1
    assert "nextval('public.cases_case_id_seq'" in cases[0]
    assert "json_agg" in cases[0]
    for table in ("cases_case", "cases_caseevent", "cases_opencasechange", "intake_idempotencykey"):
        assert f'INTO "{table}"' in writes[0]
    case = Case.objects.get(number=answer.json()["number"])
    assert case.events.get().action == "report"
    assert IdempotencyKey.objects.get(key="one-statement-1").case == case
