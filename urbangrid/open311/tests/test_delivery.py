"""Delivery of dispatched cases to department systems, and their updates polled back.

The department system is our own server: ``live_server`` for the fast tests (the same
database, so the department's copy of the case is a second case there), and a second
instance in a subprocess with its own SQLite database for the slow one.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from urbangrid.cases.models import Case
from urbangrid.cases.services import add_attachment
from urbangrid.common import clock
from urbangrid.open311 import delivery
from urbangrid.open311.models import Delivery, DeliveryState, InboundUpdate
from urbangrid.open311.services import create_api_key
from urbangrid.outbox.models import Message
from urbangrid.testing import make_department, make_user

from .conftest import World, build_world


def png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 0)).save(out, format="PNG")
    return SimpleUploadedFile("after.png", out.getvalue(), content_type="image/png")


def connect(world: World, url: str, key: str) -> None:
    world.department.open311_url = url
    world.department.open311_api_key = key
    world.department.save()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dispatched_case_is_delivered_and_department_updates_come_back(live_server):
    world = build_world()
    client = Client()
    _key, raw = create_api_key("city platform", "city-platform")
    connect(world, f"{live_server.url}/open311/v2", raw)
    number = world.create(client)
    world.dispatch(number)
    (queued,) = Delivery.objects.all()
    assert queued.state == DeliveryState.PENDING
    assert Case.objects.get(number=number).status == "dispatched"  # not a delivery state

    assert delivery.send_due() == 1
    sent = Delivery.objects.get()
    assert sent.state == DeliveryState.SENT
    remote = Case.objects.get(number=sent.external_id)
    assert remote.channel == "open311"
    assert remote.open311_request.source == "city-platform"
    assert number in remote.description
    assert remote.reporter_phone == ""  # the reporter's data stays with the city

    # The department system works its copy of the case: accepts, files, dispatches, handles.
    team = make_department("环卫作业队", district=world.city.district)
    worker = make_user("worker", "handler", department=team)
    world.dispatch(remote.number, team)
    world.act(remote.number, "receive", worker)
    photo = add_attachment(remote.number, actor=worker, upload=png(), kind="after")
    world.act(remote.number, "report_handled", worker, photos=[photo.pk], note="已清运完毕")

    applied = delivery.poll_department(world.department)
    assert applied == 2  # acknowledged (→ receive), then FIXED (→ report handled)
    case = Case.objects.get(number=number)
    assert case.status == "to_check"
    assert case.events.order_by("-seq")[0].note == "已清运完毕"
    assert case.attachments.get().kind == "after"
    assert delivery.poll_department(world.department) == 0  # idempotent by update id
    assert InboundUpdate.objects.filter(result="applied").count() == 2


@pytest.mark.django_db
def test_failing_delivery_backs_off_then_alerts_as_stuck_then_gives_up(world, client, caplog):
    connect(world, "http://127.0.0.1:9/open311/v2", "k")  # nothing listens on port 9
    number = world.create(client)
    world.dispatch(number)
    assert delivery.send_due() == 0
    failed = Delivery.objects.get()
    assert failed.state == DeliveryState.PENDING
    assert failed.attempts == 1
    assert failed.last_error
    assert failed.next_attempt_at > clock.now()
    assert delivery.send_due() == 0  # not due yet
    assert Delivery.objects.get().attempts == 1

    Delivery.objects.update(
        next_attempt_at=clock.now(), first_failed_at=clock.now() - dt.timedelta(minutes=31)
    )
    delivery.send_due()
    stuck = Delivery.objects.get()
    assert stuck.state == DeliveryState.STUCK
    assert stuck.alerted_at is not None
    assert "is stuck" in caplog.text
    alert = Message.objects.get(topic="open311.delivery_stuck")
    assert alert.recipient == "role:dispatcher:110101"
    assert alert.payload["case"] == number
    assert Case.objects.get(number=number).status == "dispatched"

    Delivery.objects.update(next_attempt_at=clock.now(), attempts=delivery.MAX_ATTEMPTS - 1)
    delivery.send_due()
    assert Delivery.objects.get().state == DeliveryState.FAILED
    assert Message.objects.filter(topic="open311.delivery_stuck").count() == 1


@pytest.mark.django_db
def test_dispatch_to_a_department_without_endpoint_queues_nothing(world, client):
    world.dispatch(world.create(client))
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_delivery_is_cancelled_when_the_case_has_left_the_department(world, client):
    connect(world, "http://127.0.0.1:9/open311/v2", "k")
    number = world.create(client)
    world.dispatch(number)
    world.act(number, "receive", world.handler)
    world.act(number, "return", world.handler, reason="不归我们管")
    delivery.send_due()
    assert Delivery.objects.get().state == DeliveryState.CANCELLED
