"""The centre registers a caller's report; errors of the service show on the form."""

from __future__ import annotations

import pytest

from urbangrid.cases.models import Case

pytestmark = pytest.mark.django_db


def test_operator_registers_a_report(world, as_user):
    lng, lat = world.point(0)
    response = as_user(world.operator).post(
        "/staff/cases/new/",
        {
            "channel": "hotline",
            "matter_code": world.matter.code,
            "lng": lng,
            "lat": lat,
            "description": "路边垃圾",
            "reporter_phone": "13811112222",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/staff/cases/{case.number}/"
    assert case.channel == "hotline"
    assert case.reported_by == world.operator


def test_a_point_outside_the_city_is_a_form_error(world, as_user):
    response = as_user(world.operator).post(
        "/staff/cases/new/",
        {"channel": "hotline", "matter_code": world.matter.code, "lng": 1, "lat": 1,
         "description": "x"},
    )  # fmt: skip
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert not Case.objects.exists()


def test_roles_that_do_not_report_cannot_open_it(world, as_user):
    assert as_user(world.dispatcher).get("/staff/cases/new/").status_code == 404
