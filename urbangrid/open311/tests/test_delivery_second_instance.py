"""Delivery against a second instance of our own server (its own SQLite database, in a
subprocess) acting as the department system. Slow: it migrates a fresh database."""

from __future__ import annotations

import pytest
from django.test import Client

from urbangrid.cases.models import Case
from urbangrid.open311 import delivery
from urbangrid.open311.models import Delivery, DeliveryState
from urbangrid.testing import second_instance

from .conftest import build_world

SET_UP = """
from urbangrid.open311.services import create_api_key
from urbangrid.open311.tests.conftest import build_world
from urbangrid.testing import make_department, make_user
world = build_world()
create_api_key("city platform", "city-platform", "remote-key")
team = make_department("环卫作业队", district=world.city.district)
make_user("worker", "handler", department=team)
"""

HANDLE = """
import io
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from urbangrid.cases.services import add_attachment, apply_action
from urbangrid.organisations.models import User
number = {number!r}
operator = User.objects.get(username="operator")
leader = User.objects.get(username="leader_on_shift")
dispatcher = User.objects.get(username="dispatcher")
worker = User.objects.get(username="worker")
apply_action(number, "accept", actor=operator, data={{}})
apply_action(number, "file", actor=leader, data={{"grade": "general", "filing_condition": "x"}})
apply_action(number, "dispatch", actor=dispatcher, data={{"department_id": worker.department_id}})
apply_action(number, "receive", actor=worker, data={{}})
out = io.BytesIO()
Image.new("RGB", (8, 8), (0, 128, 0)).save(out, format="PNG")
photo = add_attachment(number, actor=worker, kind="after",
                       upload=SimpleUploadedFile("a.png", out.getvalue(), content_type="image/png"))
data = {{"photos": [photo.pk], "note": "已清运"}}
apply_action(number, "report_handled", actor=worker, data=data)
"""


@pytest.fixture
def second_instance_fixture(tmp_path):
    with second_instance(tmp_path, SET_UP, name="department") as (url, run):
        yield url, run


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_delivery_to_a_second_instance_and_its_updates_back(second_instance_fixture):
    url, run = second_instance_fixture
    world = build_world()
    world.department.open311_url = f"{url}/open311/v2"
    world.department.open311_api_key = "remote-key"
    world.department.save()
    number = world.create(Client())
    world.dispatch(number)
    assert delivery.send_due() == 1
    sent = Delivery.objects.get()
    assert sent.state == DeliveryState.SENT
    assert sent.external_id
    assert Case.objects.count() == 1  # the department's copy lives over there

    run("shell", "-c", HANDLE.format(number=sent.external_id))
    assert delivery.poll_department(world.department) == 2
    case = Case.objects.get(number=number)
    assert case.status == "to_check"
    assert case.attachments.get().kind == "after"
