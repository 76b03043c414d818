"""The leader's overview: open, overdue, red by department and street, today's flow."""

from __future__ import annotations

import pytest

from urbangrid.cases.models import Case

pytestmark = pytest.mark.django_db


def test_overview_counts_and_drill_down(world, as_user):
    a = world.to_dispatch(world.report())
    world.act(a, "dispatch", world.dispatcher)
    world.report()
    Case.objects.filter(pk=a.pk).update(light="red")
    page = as_user(world.leader).get("/staff/overview/").content.decode()
    assert "区环卫中心" in page
    assert f"department={world.dept_a.pk}" in page
    assert f"area={world.city.streets[0].code}" in page
    assert 'data-flow="dispatch"' in page  # today's flow
    assert "light=red" in page


def test_overview_is_for_centre_roles(world, as_user):
    assert as_user(world.handler).get("/staff/overview/").status_code == 404
    assert as_user(world.auditor).get("/staff/overview/").status_code == 200
