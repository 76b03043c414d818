"""Notifications: the reporter by SMS and e-mail (outbox, once each), staff in-app."""

from __future__ import annotations

import json
from typing import Any

from django.core import mail

from urbangrid.cases.services import Report
from urbangrid.intake.models import StaffNotification
from urbangrid.intake.services import submit_report
from urbangrid.outbox.models import Message
from urbangrid.outbox.services import deliver_pending

from .conftest import EMAIL, PHONE


def reported(world: Any, key: str = "notify-key-1") -> Any:
    lng, lat = world.point()
    return submit_report(
        Report(channel="public", matter_code=world.matter.code, lng=lng, lat=lat,
               reporter_phone=PHONE, reporter_email=EMAIL),
        actor=None, key=key, scope="public",
    )  # fmt: skip


def deliver_all() -> None:
    while deliver_pending():
        pass


def test_the_receipt_goes_out_once_by_sms_and_e_mail(world, settings, tmp_path):
    settings.URBANGRID_SMS_BACKEND = "file"
    settings.URBANGRID_SMS_FILE = str(tmp_path / "sms.jsonl")
    answer = reported(world)
    reported(world)  # a retry
    deliver_all()
    deliver_all()
    sms = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert len(sms) == 1
    assert sms[0]["phone"] == PHONE
    assert answer.body["number"] in sms[0]["text"]
    assert "/track/" in sms[0]["text"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL]
    assert Message.objects.filter(topic="notify.sms", status="sent").count() == 1


def test_progress_messages_reach_the_reporter(world, settings, tmp_path):
    settings.URBANGRID_SMS_BACKEND = "file"
    settings.URBANGRID_SMS_FILE = str(tmp_path / "sms.jsonl")
    case = world.report(channel="public")
    world.to_dispatch(case)
    world.act(case, "dispatch", world.dispatcher)
    deliver_all()
    topics = set(
        Message.objects.filter(recipient__startswith="reporter:").values_list("topic", flat=True)
    )
    assert {"case.accept", "case.dispatch"} <= topics
    assert len((tmp_path / "sms.jsonl").read_text().splitlines()) == 2


def test_closing_sends_the_public_reply_and_a_callback_request(world, settings, tmp_path):
    settings.URBANGRID_SMS_BACKEND = "file"
    settings.URBANGRID_SMS_FILE = str(tmp_path / "sms.jsonl")
    case = world.report(channel="public")
    world.to_handling(case)
    world.act(case, "report_handled", world.handler, photos=[world.photo(case, world.handler).pk])
    world.act(case, "send_check", world.operator)
    world.act(
        case, "check", world.inspector, result=True, photos=[world.photo(case, world.inspector).pk]
    )
    Message.objects.all().delete()
    world.act(case, "close", world.shift_leader, note="垃圾已清运完毕")
    deliver_all()
    texts = [json.loads(line)["text"] for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert len(texts) == 2
    assert "垃圾已清运完毕" in texts[0]


def test_staff_get_in_app_notifications_for_new_tasks_and_lights(world, session):
    case = world.report()
    world.act(case, "send_verify", world.operator)
    deliver_all()
    note = StaffNotification.objects.get(user=world.inspector)
    assert note.case_number == case.number
    deliver_all()
    assert StaffNotification.objects.filter(user=world.inspector).count() == 1
    page = session(world.inspector).get("/intake/notifications/")
    assert case.number in page.content.decode()
    listed = session(world.inspector).get("/api/v1/intake/notifications?unread=true").json()
    assert len(listed) == 1


def test_the_badge_counts_unread(world, rf):
    from django.template import Context, Template

    StaffNotification.objects.create(user=world.operator, message_key="k", topic="case.urge",
                                     text="x", created_at=world.operator.date_joined)  # fmt: skip
    request = rf.get("/")
    request.user = world.operator
    html = Template("{% load intake_tags %}{% unread_notifications %}").render(
        Context({"request": request})
    )
    assert '<span class="badge">1</span>' in html
