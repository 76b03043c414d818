"""The case page: facts, map, photos, timeline, stages, and one form per allowed action."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from urbangrid.cases.models import Attachment, Case, CaseEvent

pytestmark = pytest.mark.django_db


def png(name: str = "p.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def url(case: Case, tail: str = "") -> str:
    return f"/staff/cases/{case.number}/{tail}"


def test_case_page_shows_one_form_per_allowed_action(world, as_user):
    case = world.report()
    page = as_user(world.operator).get(url(case)).content.decode()
    assert case.number in page
    assert 'id="case-map"' in page
    assert 'data-action="send_verify"' in page
    assert 'data-action="not_accept"' in page
    assert 'data-action="accept"' not in page  # a public report must be verified first
    assert 'data-action="dispatch"' not in page


def test_auditor_sees_the_full_history_but_no_action_forms(world, as_user):
    case = world.to_dispatch(world.report())
    page = as_user(world.auditor).get(url(case)).content.decode()
    assert "data-action=" not in page
    assert 'id="read-only"' in page
    assert page.count('class="event') == CaseEvent.objects.filter(case=case).count()


def test_department_cannot_open_another_departments_case(world, as_user):
    case = world.to_dispatch(world.report())
    world.act(case, "dispatch", world.dispatcher)
    assert as_user(world.other_handler).get(url(case)).status_code == 404
    assert as_user(world.other_handler).get(url(case, "print/")).status_code == 404
    assert as_user(world.handler).get(url(case)).status_code == 200


def test_inspector_cannot_open_a_case_outside_their_grids(world, as_user):
    case = world.report(grid_index=8)
    assert as_user(world.inspector).get(url(case)).status_code == 404


def test_taking_an_action_moves_the_case_and_returns_to_its_page(world, as_user):
    case = world.report()
    response = as_user(world.operator).post(
        url(case, "actions/send_verify/"), {"send_verify-note": "请核实", "version": case.version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "verifying"
    assert CaseEvent.objects.filter(case=case, action="send_verify", note="请核实").exists()


def test_missing_input_is_shown_on_the_form_and_nothing_is_written(world, as_user, english):
    case = world.report()
    world.act(case, "send_verify", world.operator)
    world.act(case, "verify", world.inspector, result=True)
    world.act(case, "accept", world.operator)
    events = CaseEvent.objects.filter(case=case).count()
    response = as_user(world.shift_leader).post(
        url(case, "actions/file/"),
        {"file-grade": "general", "file-matter_code": "99999", "file-filing_condition": "x"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert "99999" in response.content.decode()
    assert CaseEvent.objects.filter(case=case).count() == events
    case.refresh_from_db()
    assert case.status == "to_file"


def test_form_level_validation_is_shown_not_a_crash(world, as_user):
    case = world.to_dispatch(world.report())
    world.act(case, "send_back", world.dispatcher, reason="类型不对")
    response = as_user(world.shift_leader).post(url(case, "actions/file/"), {})
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()


def test_a_stale_form_reports_the_conflict(world, as_user):
    case = world.report()
    response = as_user(world.operator).post(
        url(case, "actions/send_verify/"), {"version": case.version + 5}
    )
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.status == "reported"


def test_an_action_not_allowed_now_is_refused_with_a_message(world, as_user):
    case = world.report()
    response = as_user(world.operator).post(url(case, "actions/close/"), {}, follow=True)
    assert response.status_code == 200
    assert case.status == Case.objects.get(pk=case.pk).status


def test_report_handled_uploads_the_after_photo_first(world, as_user):
    case = world.to_handling(world.report())
    response = as_user(world.handler).post(
        url(case, "actions/report_handled/"),
        {"report_handled-note": "已清理", "report_handled-photos_upload": png()},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    photo = Attachment.objects.get(case=case)
    assert photo.kind == "after"
    assert photo.event is not None
    page = as_user(world.handler).get(url(case)).content.decode()
    assert f"/staff/cases/{case.number}/photos/{photo.pk}" in page
    image = as_user(world.handler).get(f"/staff/cases/{case.number}/photos/{photo.pk}")
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"


def test_report_handled_without_a_photo_keeps_nothing(world, as_user):
    case = world.to_handling(world.report())
    response = as_user(world.handler).post(
        url(case, "actions/report_handled/"), {"report_handled-note": "已清理"}
    )
    assert response.status_code == 400
    assert "photos" in response.content.decode()
    assert not Attachment.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).status == "handling"


def test_a_refused_action_leaves_no_uploaded_photo(world, as_user):
    case = world.to_handling(world.report())
    response = as_user(world.handler).post(
        url(case, "actions/report_handled/"),
        {"report_handled-photos_upload": png(), "version": case.version + 3},
    )
    assert response.status_code == 409
    assert not Attachment.objects.filter(case=case).exists()


def test_not_an_image_is_refused_on_the_form(world, as_user):
    case = world.to_handling(world.report())
    bogus = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = as_user(world.handler).post(
        url(case, "actions/report_handled/"), {"report_handled-photos_upload": bogus}
    )
    assert response.status_code == 400
    assert not Attachment.objects.filter(case=case).exists()


def test_extension_request_takes_a_date_and_time(world, as_user):
    case = world.to_handling(world.report())
    response = as_user(world.handler).post(
        url(case, "actions/request_extension/"),
        {"request_extension-until": "2025-10-20T12:00", "request_extension-reason": "等配件"},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).pending_request == "extension"


def test_internal_notes_are_apart_from_public_replies(world, as_user):
    case = world.report()
    world.act(case, "send_verify", world.operator, note="centre-only note")
    page = as_user(world.operator).get(url(case)).content.decode()
    assert 'id="notes-title"' in page
    assert 'class="note note-internal"' in page
    assert "centre-only note" in page
    world.act(case, "verify", world.inspector, result=True)
    world.act(case, "accept", world.operator, note="public reply text")
    world.act(case, "file", world.shift_leader, grade="general", filing_condition="x")
    world.act(case, "dispatch", world.dispatcher)
    handler_page = as_user(world.handler).get(url(case)).content.decode()
    assert "centre-only note" not in handler_page
    assert "public reply text" in handler_page


def test_caller_phone_is_masked_for_roles_without_personal_data(world, as_user):
    case = world.to_dispatch(world.report())
    assert "13812341234" in as_user(world.operator).get(url(case)).content.decode()
    page = as_user(world.dispatcher).get(url(case)).content.decode()
    assert "13812341234" not in page
    assert "138****1234" in page


def test_print_view_has_the_timeline(world, as_user):
    case = world.report()
    page = as_user(world.operator).get(url(case, "print/")).content.decode()
    assert case.number in page
    assert "window.print()" in page


def test_dispatcher_sees_candidates_on_the_case_page(world, as_user):
    case = world.to_dispatch(world.report())
    page = as_user(world.dispatcher).get(url(case)).content.decode()
    assert "★ 区环卫中心" in page
