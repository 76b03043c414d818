"""The case list: search by number, text, address, caller phone; filters; bulk dispatch."""

from __future__ import annotations

import pytest

from urbangrid.cases.models import Case, CaseEvent

pytestmark = pytest.mark.django_db


def test_search_by_number_text_and_address(world, as_user):
    a = world.report(description="井盖缺失", address="幸福路8号")
    b = world.report(description="暴露垃圾", address="光明街1号")
    client = as_user(world.operator)
    page = client.get("/staff/cases/", {"number": a.number}).content.decode()
    assert a.number in page
    assert b.number not in page
    page = client.get("/staff/cases/", {"q": "井盖"}).content.decode()
    assert a.number in page
    assert b.number not in page
    page = client.get("/staff/cases/", {"address": "光明"}).content.decode()
    assert b.number in page
    assert a.number not in page


def test_caller_phone_search_only_for_roles_allowed_to_see_it(world, as_user):
    a = world.report(reporter_phone="13700000001")
    b = world.report(reporter_phone="13700000002")
    page = as_user(world.operator).get("/staff/cases/", {"phone": "0001"}).content.decode()
    assert 'name="phone"' in page
    assert a.number in page
    assert b.number not in page
    page = as_user(world.dispatcher).get("/staff/cases/", {"phone": "0001"}).content.decode()
    assert 'name="phone"' not in page
    assert b.number in page  # the phone filter is ignored, not applied


def test_filters_by_status_light_and_area(world, as_user):
    a = world.report()
    b = world.report(grid_index=8)
    Case.objects.filter(pk=a.pk).update(light="red")
    client = as_user(world.operator)
    page = client.get("/staff/cases/", {"light": "red"}).content.decode()
    assert a.number in page
    assert b.number not in page
    page = client.get("/staff/cases/", {"area": world.city.grids[8].code[:9]}).content.decode()
    assert b.number in page
    assert a.number not in page
    page = client.get("/staff/cases/", {"status": "closed"}).content.decode()
    assert a.number not in page


def test_search_by_map_box(world, as_user):
    a = world.report()
    b = world.report(grid_index=8)
    lng, lat = world.point(0)
    box = f"{lng - 0.0004},{lat - 0.0004},{lng + 0.0004},{lat + 0.0004}"
    page = as_user(world.operator).get(
        "/staff/cases/", {"bbox": box, "open": "1"}, HTTP_HX_REQUEST="true"
    )
    text = page.content.decode()
    assert a.number in text
    assert b.number not in text
    assert "<html" not in text


def test_department_search_shows_only_its_cases(world, as_user):
    mine = world.to_dispatch(world.report())
    world.act(mine, "dispatch", world.dispatcher)
    other = world.report()
    page = as_user(world.handler).get("/staff/cases/").content.decode()
    assert mine.number in page
    assert other.number not in page


def test_bulk_dispatch_reports_per_case(world, as_user, english):
    a = world.to_dispatch(world.report())
    b = world.to_dispatch(world.report())
    c = world.report()  # not ready: refused, the others still go
    response = as_user(world.dispatcher).post(
        "/staff/cases/dispatch/",
        {
            "case": [a.number, b.number, c.number],
            f"department-{b.number}": str(world.dept_b.pk),
            "note": "请尽快处置",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("✔") == 2
    assert page.count("✘") == 1
    assert Case.objects.get(pk=a.pk).department == world.dept_a
    assert Case.objects.get(pk=b.pk).department == world.dept_b
    assert Case.objects.get(pk=c.pk).status == "reported"
    assert CaseEvent.objects.filter(action="dispatch", note="请尽快处置").count() == 2


def test_bulk_dispatch_is_for_dispatchers_only(world, as_user):
    a = world.to_dispatch(world.report())
    response = as_user(world.operator).post("/staff/cases/dispatch/", {"case": [a.number]})
    assert response.status_code == 404
    assert Case.objects.get(pk=a.pk).status == "to_dispatch"


def test_nothing_selected_says_so(world, as_user):
    response = as_user(world.dispatcher).post("/staff/cases/dispatch/", {}, follow=True)
    assert response.status_code == 200
    assert 'class="message message-error"' in response.content.decode()
