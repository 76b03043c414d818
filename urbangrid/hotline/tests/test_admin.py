"""The Django admin shows callback attempts (回访记录) read-only: the history is
append-only, so nobody adds, changes or deletes an attempt there, superuser included."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from urbangrid.hotline.models import CallbackAttempt
from urbangrid.hotline.services import record_callback
from urbangrid.testing import sign_in_superuser

from .test_api_callbacks import closed_case


@pytest.fixture
def root(client: Any) -> Any:
    return sign_in_superuser(client)


@pytest.fixture
def attempt(world: Any) -> CallbackAttempt:
    case = closed_case(world)
    record_callback(case.number, agent=world.operator, reached=False, note="无人接听")
    return CallbackAttempt.objects.get()


def test_attempts_are_listed_and_searchable_by_case(world, root, attempt):
    url = reverse("admin:hotline_callbackattempt_changelist")
    page = root.get(url, {"q": attempt.case.number})
    assert page.status_code == 200
    assert attempt.case.number in page.content.decode()
    assert root.get(url, {"reached__exact": "0"}).status_code == 200


def test_an_attempt_can_be_read_not_changed(world, root, attempt):
    url = reverse("admin:hotline_callbackattempt_change", args=[attempt.pk])
    page = root.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "无人接听" in html
    assert 'name="_save"' not in html  # no save button: a read-only view
    assert root.post(url, {"note": "改过", "reached": "on"}).status_code == 403
    attempt.refresh_from_db()
    assert (attempt.note, attempt.reached) == ("无人接听", False)


def test_attempts_cannot_be_added_or_deleted(world, root, attempt):
    assert root.get(reverse("admin:hotline_callbackattempt_add")).status_code == 403
    delete = reverse("admin:hotline_callbackattempt_delete", args=[attempt.pk])
    assert root.get(delete).status_code == 403
    assert root.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:hotline_callbackattempt_changelist")
    bulk = root.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)  # no such action: nothing done
    assert CallbackAttempt.objects.filter(pk=attempt.pk).exists()
