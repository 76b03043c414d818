"""Admin of patrol assignments: start and end shown, ended ones kept, an assignment
ended (never deleted), a second current one for the same inspector and grid refused."""

import datetime as dt

import pytest
from django.conf import settings

from urbangrid.common import clock
from urbangrid.organisations.models import InspectorGrid, Role, User
from urbangrid.organisations.services import assign_grid, end_assignment
from urbangrid.testing import make_user

pytestmark = pytest.mark.django_db

GRID = "110101001001001"
OTHER = "110101001001002"
LONG_AGO = dt.date(2025, 1, 1)


@pytest.fixture
def admin_client(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages checked in English
    return admin_client


@pytest.fixture
def ann():
    return make_user("ann", Role.INSPECTOR)


def inline_data(
    user: User,
    rows: list[tuple[InspectorGrid, str]],
    new: tuple[str, str] | None = None,
) -> dict[str, str]:
    """The user change form with its assignment inline: ``rows`` are (assignment,
    ended_on text) for the saved ones, ``new`` a (grid, started_on text) to add."""
    data = {
        "username": user.username,
        "role": user.role,
        "is_active": "on",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "00:00:00",
        "grid_assignments-TOTAL_FORMS": str(len(rows) + (1 if new else 0)),
        "grid_assignments-INITIAL_FORMS": str(len(rows)),
        "grid_assignments-MIN_NUM_FORMS": "0",
        "grid_assignments-MAX_NUM_FORMS": "1000",
    }
    for i, (row, ended) in enumerate(rows):
        data |= {
            f"grid_assignments-{i}-id": str(row.pk),
            f"grid_assignments-{i}-inspector": str(user.pk),
            f"grid_assignments-{i}-ended_on": ended,
        }
    if new:
        i = len(rows)
        data |= {
            f"grid_assignments-{i}-inspector": str(user.pk),
            f"grid_assignments-{i}-grid_code": new[0],
            f"grid_assignments-{i}-started_on": new[1],
        }
    return data


def test_the_list_shows_start_and_end_of_current_and_ended_assignments(admin_client, ann):
    end_assignment(assign_grid(ann, OTHER, on=LONG_AGO), on=dt.date(2025, 6, 1))
    assign_grid(ann, GRID, on=LONG_AGO)
    page = admin_client.get("/admin/organisations/inspectorgrid/").content.decode()
    assert GRID in page
    assert OTHER in page
    assert "Jan. 1, 2025" in page
    assert "June 1, 2025" in page
    current = admin_client.get("/admin/organisations/inspectorgrid/?status=current")
    assert OTHER not in current.content.decode()
    assert admin_client.get(f"/admin/organisations/user/{ann.pk}/change/").status_code == 200


def test_adding_an_assignment_the_inspector_already_has_is_a_form_error(admin_client, ann):
    assign_grid(ann, GRID, on=LONG_AGO)
    today = clock.today_local().isoformat()
    response = admin_client.post(
        "/admin/organisations/inspectorgrid/add/",
        {"inspector": ann.pk, "grid_code": GRID, "started_on": today},
    )
    assert response.status_code == 200
    assert "already patrols grid 110101001001001" in response.content.decode()
    assert InspectorGrid.history.count() == 1


def test_the_user_inline_refuses_a_second_current_assignment(admin_client, ann):
    row = assign_grid(ann, GRID, on=LONG_AGO)
    today = clock.today_local().isoformat()
    response = admin_client.post(
        f"/admin/organisations/user/{ann.pk}/change/",
        inline_data(ann, [(row, "")], new=(GRID, today)),
    )
    assert response.status_code == 200
    assert "already patrols grid 110101001001001" in response.content.decode()
    assert InspectorGrid.history.count() == 1


def test_ending_in_the_user_inline_keeps_the_row_and_a_new_one_reassigns(admin_client, ann):
    row = assign_grid(ann, GRID, on=LONG_AGO)
    today = clock.today_local()
    response = admin_client.post(
        f"/admin/organisations/user/{ann.pk}/change/",
        inline_data(ann, [(row, today.isoformat())], new=(OTHER, today.isoformat())),
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert list(
        InspectorGrid.history.order_by("grid_code").values_list(
            "grid_code", "started_on", "ended_on"
        )
    ) == [(GRID, LONG_AGO, today), (OTHER, today, None)]


def test_an_assignment_neither_starts_nor_ends_before_today(admin_client, ann):
    row = assign_grid(ann, GRID, on=LONG_AGO)
    yesterday = (clock.today_local() - dt.timedelta(days=1)).isoformat()
    ended = admin_client.post(
        f"/admin/organisations/inspectorgrid/{row.pk}/change/", {"ended_on": yesterday}
    )
    assert "cannot end before today" in ended.content.decode()
    started = admin_client.post(
        "/admin/organisations/inspectorgrid/add/",
        {"inspector": ann.pk, "grid_code": OTHER, "started_on": yesterday},
    )
    assert "cannot start before today" in started.content.decode()
    row.refresh_from_db()
    assert row.ended_on is None
    assert InspectorGrid.history.count() == 1


def test_a_saved_assignment_changes_only_by_its_end(admin_client, ann):
    row = assign_grid(ann, GRID, on=LONG_AGO)
    today = clock.today_local()
    response = admin_client.post(
        f"/admin/organisations/inspectorgrid/{row.pk}/change/",
        {"inspector": ann.pk, "grid_code": OTHER, "started_on": "2026-01-01", "ended_on": today},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.grid_code, row.started_on, row.ended_on) == (GRID, LONG_AGO, today)
    assert (
        admin_client.post(
            f"/admin/organisations/inspectorgrid/{row.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )


def test_the_end_action_ends_open_assignments_today(admin_client, ann):
    row = assign_grid(ann, GRID, on=LONG_AGO)
    response = admin_client.post(
        "/admin/organisations/inspectorgrid/",
        {"action": "end_selected", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.ended_on == clock.today_local()


def test_an_inspector_with_ended_and_future_assignments_can_still_be_saved(admin_client, ann):
    """The inline's rows are found through the default manager: were it today's
    assignments only, an ended or future row would be "not a valid choice" and the user
    could never be saved again after a reassignment."""
    ended = end_assignment(assign_grid(ann, OTHER, on=LONG_AGO), on=dt.date(2025, 6, 1))
    current = assign_grid(ann, GRID, on=LONG_AGO)
    future = assign_grid(ann, OTHER, on=clock.today_local() + dt.timedelta(days=3))
    data = inline_data(ann, [(current, ""), (future, ""), (ended, "2025-06-01")])
    data["first_name"] = "Ann"
    response = admin_client.post(f"/admin/organisations/user/{ann.pk}/change/", data)
    assert response.status_code == 302
    ann.refresh_from_db()
    assert ann.first_name == "Ann"
    assert InspectorGrid.history.filter(inspector=ann).count() == 3


def test_ending_an_assignment_that_has_not_started_is_refused_not_a_500(admin_client, ann):
    future = assign_grid(ann, GRID, on=clock.today_local() + dt.timedelta(days=3))
    current = assign_grid(ann, OTHER, on=LONG_AGO)
    response = admin_client.post(
        "/admin/organisations/inspectorgrid/",
        {"action": "end_selected", "_selected_action": [future.pk, current.pk]},
        follow=True,
    )
    assert response.status_code == 200
    future.refresh_from_db()
    current.refresh_from_db()
    assert future.ended_on is None
    assert current.ended_on == clock.today_local()
    shown = [str(m) for m in response.context["messages"]]
    assert any("cannot end before it starts" in m for m in shown), shown
    assert "1 assignment(s) ended." in shown
