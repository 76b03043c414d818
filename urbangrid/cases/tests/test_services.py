"""The one service: numbering, locating, input checks, effects, history."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from urbangrid.cases.access import allowed_actions
from urbangrid.cases.exceptions import InvalidInput, TransitionNotAllowed, VersionConflict
from urbangrid.cases.models import AppendOnlyError, Case, CaseEvent, Dispatch
from urbangrid.cases.services import (
    Report,
    UnknownAction,
    add_attachment,
    apply_action,
    self_handle_case,
)
from urbangrid.geo.gcj02 import wgs84_to_gcj02
from urbangrid.outbox.models import Message


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "green").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_case_numbers_are_district_local_date_and_sequence(world):
    first, second = world.report(), world.report()
    assert (first.number, second.number) == ("110101-20250929-0001", "110101-20250929-0002")


def test_a_report_is_located_in_its_grid_with_the_areas_above(world):
    case = world.report(grid_index=5)
    grid = world.city.grids[5]
    assert case.grid_code == grid.code
    assert case.community_code == grid.code[:12]
    assert case.street_code == grid.code[:9]
    assert case.district_code == "110101"
    assert case.area_names["grid"] == grid.name


def test_a_gcj02_point_is_converted_to_wgs84(world):
    lng, lat = world.point(3)
    g_lng, g_lat = wgs84_to_gcj02(lng, lat)
    case = world.report(lng=g_lng, lat=g_lat, crs="gcj02")
    assert case.grid_code == world.city.grids[3].code
    assert abs(case.lng - lng) < 1e-5


def test_a_point_outside_every_grid_is_refused_with_a_clear_message(world):
    with pytest.raises(InvalidInput) as caught:
        world.report(lng=100.0, lat=30.0)
    assert caught.value.field == "lng"
    assert "outside every unit grid" in caught.value.message


def test_an_unknown_matter_code_is_refused(world):
    with pytest.raises(InvalidInput) as caught:
        world.report(matter_code="99999")
    assert caught.value.field == "matter_code"


def test_a_centre_user_cannot_report_outside_their_area(world):
    from urbangrid.cases.exceptions import ActionForbidden

    with pytest.raises(ActionForbidden):
        world.report(world.outsider)


def test_missing_input_is_a_400_naming_the_field(world):
    case = world.report(channel="inspector")
    world.act(case, "accept", world.operator)
    with pytest.raises(InvalidInput) as caught:
        world.act(case, "file", world.shift_leader, grade="general")
    assert caught.value.field == "filing_condition"
    with pytest.raises(InvalidInput) as caught:
        world.act(case, "file", world.shift_leader, grade="urgent", filing_condition="x")
    assert caught.value.field == "grade"
    with pytest.raises(InvalidInput) as caught:
        world.act(case, "file", world.shift_leader, grade="general", filing_condition="x", colour=1)
    assert caught.value.field == "colour"


def test_an_unknown_action_is_a_404(world):
    case = world.report()
    with pytest.raises(UnknownAction) as caught:
        world.act(case, "teleport", world.operator)
    assert caught.value.status == 404


def test_a_stale_expected_version_is_a_conflict(world):
    case = world.report()
    world.act(case, "send_verify", world.operator)
    with pytest.raises(VersionConflict):
        apply_action(case.number, "urge", actor=world.operator, data={}, expected_version=1)
    after = apply_action(case.number, "urge", actor=world.operator, data={}, expected_version=2)
    assert after.version == 3


def test_acting_twice_is_a_conflict_the_second_time(world):
    case = world.report()
    world.act(case, "send_verify", world.operator)
    with pytest.raises(TransitionNotAllowed):
        world.act(case, "send_verify", world.operator)


def test_dispatch_records_the_suggestion_and_its_reason(world):
    case = world.report(channel="inspector")
    world.act(case, "accept", world.operator)
    world.act(case, "file", world.shift_leader, grade="general", filing_condition="x")
    case = world.act(case, "dispatch", world.dispatcher)
    event = case.events.get(action="dispatch")
    assert case.department == world.dept_a
    assert event.data["suggestion"]["department_id"] == world.dept_a.pk
    assert event.data["suggestion"]["reason"]
    assert event.data["followed_suggestion"] is True
    assert Dispatch.objects.get(case=case).department == world.dept_a


def test_the_dispatcher_may_choose_another_department(world):
    case = world.report(channel="inspector")
    world.act(case, "accept", world.operator)
    world.act(case, "file", world.shift_leader, grade="general", filing_condition="x")
    case = world.act(case, "dispatch", world.dispatcher, department_id=world.dept_b.pk)
    event = case.events.get(action="dispatch")
    assert case.department == world.dept_b
    assert event.data["followed_suggestion"] is False
    assert event.data["suggestion"]["department_id"] == world.dept_a.pk


def test_a_return_is_counted_as_a_misroute_and_the_department_still_sees_the_case(world):
    case = world.report()
    world.to_handling(case)
    case = world.act(case, "return", world.handler, reason="非本单位职责")
    assert case.status == "to_dispatch"
    assert case.department is None
    assert case.counters["misroutes"] == 1
    assert world.act(case, "urge", world.dispatcher).status == "to_dispatch"
    from urbangrid.cases.access import access_case

    assert access_case(world.handler, case.number).pk == case.pk


def test_handling_needs_photos_of_the_handler_for_this_case(world):
    case = world.report()
    world.to_handling(case)
    with pytest.raises(InvalidInput) as caught:
        world.act(case, "report_handled", world.handler)
    assert caught.value.field == "photos"
    someone_elses = world.photo(case, world.head)
    with pytest.raises(InvalidInput):
        world.act(case, "report_handled", world.handler, photos=[someone_elses.pk])
    mine = add_attachment(case.number, actor=world.handler, upload=png_upload(), kind="after")
    case = world.act(case, "report_handled", world.handler, photos=[mine.pk])
    mine.refresh_from_db()
    assert mine.event is not None
    assert mine.event.action == "report_handled"
    assert (mine.content_type, mine.width, mine.height) == ("image/png", 4, 3)


def test_a_file_that_is_not_an_image_is_refused(world):
    case = world.report()
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    with pytest.raises(InvalidInput) as caught:
        add_attachment(case.number, actor=world.operator, upload=fake, kind="reporter")
    assert caught.value.field == "file"


def test_a_failed_check_needs_rework_or_an_exceptional_closing(world):
    case = world.report()
    world.to_handling(case)
    world.act(case, "report_handled", world.handler, photos=[world.photo(case, world.handler).pk])
    world.act(case, "send_check", world.operator)
    case = world.act(
        case, "check", world.inspector, result=False, photos=[world.photo(case, world.inspector).pk]
    )
    assert case.status == "to_close"
    assert case.check_passed is False
    with pytest.raises(TransitionNotAllowed):
        world.act(case, "close", world.shift_leader)
    case = world.act(case, "rework", world.shift_leader, reason="未清理干净")
    assert case.status == "handling"
    assert case.department == world.dept_a
    assert case.counters["reworks"] == 1
    assert case.stage == "handle"


def test_a_type_without_check_goes_straight_to_closing(world):
    type(world.matter).objects.filter(pk=world.matter.pk).update(needs_check=False)
    case = world.report()
    world.to_handling(case)
    case = world.act(
        case, "report_handled", world.handler, photos=[world.photo(case, world.handler).pk]
    )
    assert case.status == "to_close"
    assert world.act(case, "close", world.shift_leader).closing_type == "normal"


def test_a_closed_case_can_be_reopened_and_is_counted(world):
    case = world.report()
    world.to_handling(case)
    world.act(case, "report_handled", world.handler, photos=[world.photo(case, world.handler).pk])
    world.act(case, "send_check", world.operator)
    world.act(
        case, "check", world.inspector, result=True, photos=[world.photo(case, world.inspector).pk]
    )
    case = world.act(case, "close", world.shift_leader, closing_type="special")
    assert case.closing_type == "special"
    assert case.closed_at is not None
    case = world.act(case, "reopen", world.shift_leader, reason="群众再次反映")
    assert case.status == "to_dispatch"
    assert case.closed_at is None
    assert case.counters["reopens"] == 1


def test_a_self_handled_issue_is_archived_or_made_invalid_by_review(world):
    lng, lat = world.point()
    report = Report(channel="inspector", matter_code=world.matter.code, lng=lng, lat=lat)
    case = self_handle_case(report, actor=world.inspector)
    assert case.status == "self_handled"
    case = world.act(case, "review_self_handled", world.shift_leader, result=True)
    assert (case.status, case.closing_type) == ("closed", "normal")
    other = self_handle_case(report, actor=world.inspector)
    assert world.act(other, "review_self_handled", world.shift_leader, result=False).status == (
        "cancelled"
    )


def test_urging_and_escalating_are_recorded_and_notified_without_a_status_change(world):
    case = world.report()
    world.to_handling(case)
    world.act(case, "urge", world.dispatcher, note="请尽快处理")
    case = world.act(case, "escalate", world.leader, reason="多次催办未果")
    assert case.status == "handling"
    assert case.counters == {"dispatches": 1, "urges": 1, "escalations": 1}
    recipients = set(
        Message.objects.filter(topic__in=["case.urge", "case.escalate"]).values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {f"department:{world.dept_a.pk}", "role:leader:110101"}


def test_events_are_append_only(world):
    case = world.report()
    event = CaseEvent.objects.get(case=case)
    event.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(case=case).update(note="x")
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(case=case).delete()
    assert CaseEvent.objects.get(case=case).note == ""


def test_every_step_appends_one_numbered_event_with_actor_and_role(world):
    case = world.report()
    world.to_handling(case)
    events = list(Case.objects.get(pk=case.pk).events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, 8))
    assert [e.action for e in events] == [
        "report",
        "send_verify",
        "verify",
        "accept",
        "file",
        "dispatch",
        "receive",
    ]
    assert [e.actor_role for e in events] == [
        "operator",
        "operator",
        "inspector",
        "operator",
        "shift_leader",
        "dispatcher",
        "handler",
    ]


def test_a_callback_that_reached_the_requester_needs_the_satisfaction_answer(world):
    """Every way to record a callback (hotline desk, staff case page, cases API) goes
    through apply_action: a reached requester without an answer would count in the
    satisfaction rate's denominator with nothing in its numerator."""
    case = world.report()
    world.act(case, "not_accept", world.operator, reason_code="duplicate")
    with pytest.raises(InvalidInput) as refused:
        world.act(case, "callback", world.operator, reached=True, solved=True)
    assert refused.value.field == "satisfaction"
    assert not CaseEvent.objects.filter(case=case, action="callback").exists()
    world.act(case, "callback", world.operator, reached=True, solved=True, satisfaction="satisfied")
    event = CaseEvent.objects.get(case=case, action="callback")
    assert event.data["satisfaction"] == "satisfied"


def test_a_case_is_called_back_once_whatever_the_path(world):
    """The hotline desk refuses a second callback; the staff case page and the cases API
    go through apply_action, whose callback row has the same condition: evaluation would
    otherwise count the case's callback twice."""
    case = world.report()
    world.act(case, "not_accept", world.operator, reason_code="duplicate")
    world.act(case, "callback", world.operator, reached=False)
    with pytest.raises(TransitionNotAllowed) as refused:
        world.act(case, "callback", world.operator, reached=True, satisfaction="satisfied")
    assert refused.value.code == "condition_failed"
    assert CaseEvent.objects.filter(case=case, action="callback").count() == 1
    assert Case.objects.get(pk=case.pk).counters["callbacks"] == 1
    assert "callback" not in allowed_actions(world.operator, Case.objects.get(pk=case.pk))
