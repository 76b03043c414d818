"""The workbench: one home per role, queues sorted by urgency, counts in the navigation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from urbangrid.cases.models import Case

pytestmark = pytest.mark.django_db


def test_each_role_lands_on_its_own_queues(world, as_user):
    expectations = {
        world.operator: {"new", "verified", "to_send_check"},
        world.shift_leader: {"to_file", "to_close", "self_handled", "requests"},
        world.dispatcher: {"to_dispatch", "returned", "requests"},
        world.handler: {"to_receive", "handling", "suspended"},
        world.head: {"to_receive", "handling", "suspended"},
        world.inspector: {"to_verify", "to_check"},
        world.auditor: {"overdue", "recent"},
        world.leader: {"overdue", "recent"},
    }
    for user, keys in expectations.items():
        page = as_user(user).get("/staff/").content.decode()
        shown = set(re.findall(r'<section class="card queue" id="queue-([a-z_]+)"', page))
        assert shown == keys, user.username


def test_operator_sees_new_reports_with_counts_in_the_navigation(world, as_user):
    case = world.report()
    page = as_user(world.operator).get("/staff/").content.decode()
    assert case.number in page
    assert 'data-count="new">1<' in page
    counts = as_user(world.operator).get("/staff/counts/").content.decode()
    assert 'data-count="new">1<' in counts


def test_queues_refresh_themselves_every_30_seconds(world, as_user):
    page = as_user(world.operator).get("/staff/").content.decode()
    assert 'hx-get="/staff/queues/new/"' in page
    assert "every 30s" in page
    assert 'hx-get="/staff/counts/"' in page
    partial = as_user(world.operator).get("/staff/queues/new/")
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()


def test_a_queue_of_another_role_is_not_found(world, as_user):
    assert as_user(world.handler).get("/staff/queues/to_dispatch/").status_code == 404
    assert as_user(world.handler).get("/staff/queues/nonsense/").status_code == 404


def test_queues_are_sorted_red_then_yellow_then_due_time(world, as_user):
    cases = [world.report() for _ in range(4)]
    for case, (light, minutes) in zip(
        cases, [("green", 10), ("red", 50), ("yellow", 5), ("red", 20)], strict=True
    ):
        due = case.created_at.replace(minute=minutes)
        Case.objects.filter(pk=case.pk).update(light=light, stage_due_at=due)
    page = as_user(world.operator).get("/staff/queues/new/").content.decode()
    order = sorted(cases, key=lambda c: page.index(c.number))
    assert [c.number for c in order] == [cases[i].number for i in (3, 1, 2, 0)]


def test_dispatcher_sees_the_suggested_department_and_why(world, as_user):
    case = world.to_dispatch(world.report())
    page = as_user(world.dispatcher).get("/staff/").content.decode()
    assert case.number in page
    assert f'<option value="{world.dept_a.pk}" selected>' in page
    assert "事件先属地" in page


def test_department_queue_shows_only_its_own_cases(world, as_user):
    mine = world.report()
    world.to_dispatch(mine)
    world.act(mine, "dispatch", world.dispatcher)
    other = world.report()
    world.to_dispatch(other)
    world.act(other, "dispatch", world.dispatcher, department_id=world.dept_b.pk)
    page = as_user(world.handler).get("/staff/").content.decode()
    assert mine.number in page
    assert other.number not in page
    page_b = as_user(world.other_handler).get("/staff/").content.decode()
    assert other.number in page_b
    assert mine.number not in page_b


def test_inspector_sees_only_cases_in_their_grids(world, as_user):
    inside = world.report()
    outside = world.report(grid_index=8)
    world.act(inside, "send_verify", world.operator)
    world.act(outside, "send_verify", world.operator)
    page = as_user(world.inspector).get("/staff/").content.decode()
    assert inside.number in page
    assert outside.number not in page


def test_leader_home_has_the_whole_picture(world, as_user):
    world.report()
    page = as_user(world.leader).get("/staff/").content.decode()
    assert 'id="overview-title"' in page
    assert f"area={world.city.streets[0].code}" in page


def test_administrator_finds_the_configuration(world, as_user):
    world.admin.is_staff = True
    world.admin.save()
    page = as_user(world.admin).get("/staff/").content.decode()
    assert 'href="/admin/"' in page


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_workbench_query_count_does_not_grow_with_the_cases(world, as_user):
    client = as_user(world.dispatcher)
    world.to_dispatch(world.report())
    few = _queries(client, "/staff/")
    for i in range(6):
        world.to_dispatch(world.report(grid_index=i % 4))
    assert _queries(client, "/staff/") == few
    queue_few = _queries(client, "/staff/queues/to_dispatch/")
    world.to_dispatch(world.report(grid_index=2))
    assert _queries(client, "/staff/queues/to_dispatch/") == queue_few


def test_a_long_queue_links_to_the_list_of_its_cases(world, as_user):
    from urbangrid.staff.selectors import QUEUE_SIZE

    cases = [world.report(grid_index=i % 16) for i in range(QUEUE_SIZE + 1)]
    world.act(cases[0], "send_verify", world.operator)  # no longer in "new"
    world.report()
    page = as_user(world.operator).get("/staff/queues/new/").content.decode()
    assert 'href="/staff/cases/?open=1&amp;status=reported"' in page
    assert f">{QUEUE_SIZE + 1}<" in page  # the count, from the tally
    listed = as_user(world.operator).get("/staff/cases/?open=1&status=reported").content.decode()
    assert cases[1].number in listed
    assert cases[0].number not in listed
