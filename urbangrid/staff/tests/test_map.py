"""The map page and ``/api/v1/map``: points at street zoom, cells below, scoped, bounded."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

BOX = "116.39,39.89,116.42,39.91"


def test_map_page_uses_the_vendored_leaflet(world, as_user):
    page = as_user(world.dispatcher).get("/staff/map/").content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "leaflet.markercluster.js" in page
    assert "leaflet-heat.js" in page
    assert "unpkg" not in page
    assert "cdn" not in page.lower()


def test_low_zoom_answers_counts_per_cell(world, as_user):
    for i in range(5):
        world.report(grid_index=i)
    data = as_user(world.dispatcher).get("/api/v1/map/cases", {"bbox": BOX, "zoom": 12}).json()
    assert data["mode"] == "cells"
    assert data["total"] == 5
    assert sum(c["n"] for c in data["cells"]) == 5
    assert not data["points"]


def test_street_zoom_answers_points_with_lights(world, as_user):
    case = world.report()
    data = as_user(world.dispatcher).get("/api/v1/map/cases", {"bbox": BOX, "zoom": 17}).json()
    assert data["mode"] == "points"
    assert data["points"][0]["n"] == case.number
    assert data["points"][0]["l"] == "green"


def test_map_shows_only_what_the_user_may_see(world, as_user):
    world.report(grid_index=8)
    world.report()
    data = as_user(world.inspector).get("/api/v1/map/cases", {"bbox": BOX, "zoom": 17}).json()
    assert data["total"] == 1
    data = as_user(world.handler).get("/api/v1/map/cases", {"bbox": BOX, "zoom": 12}).json()
    assert data["total"] == 0


def test_map_filters_by_light(world, as_user):
    world.report()
    data = (
        as_user(world.dispatcher)
        .get("/api/v1/map/cases", {"bbox": BOX, "zoom": 17, "light": "red"})
        .json()
    )
    assert data["total"] == 0


def test_bad_box_is_a_400_and_no_session_a_401(world, client, as_user):
    assert client.get("/api/v1/map/cases", {"bbox": BOX}).status_code == 401
    response = as_user(world.dispatcher).get("/api/v1/map/cases", {"bbox": "1,2,3"})
    assert response.status_code == 400


def test_map_queries_do_not_grow_with_the_cases(world, as_user):
    client = as_user(world.dispatcher)
    world.report()
    counts = []
    for _ in range(2):
        for zoom in (12, 17):
            with CaptureQueriesContext(connection) as ctx:
                client.get("/api/v1/map/cases", {"bbox": BOX, "zoom": zoom})
            counts.append(len(ctx.captured_queries))
        for i in range(5):
            world.report(grid_index=i)
    assert counts[:2] == counts[2:]


def test_components_only_at_high_zoom(world, as_user):
    client = as_user(world.dispatcher)
    low = client.get("/api/v1/map/assets", {"bbox": BOX, "zoom": 12}).json()
    assert low == {"shown": False, "items": []}
    high = client.get("/api/v1/map/assets", {"bbox": BOX, "zoom": 18}).json()
    assert high["shown"] is True


def test_cells_are_whole_whatever_the_edge_of_the_view(world, as_user):
    import math

    from urbangrid.staff.selectors import cell_size

    case = world.report()
    size = cell_size(12)
    x, y = math.floor(case.lng / size), math.floor(case.lat / size)
    # A view ending inside the case's cell, short of the case itself.
    box = f"{x * size},{y * size},{x * size + 1e-7},{y * size + 1e-7}"
    for user in (world.dispatcher, world.handler):  # the open-case tally; the cases
        if user is world.handler:
            world.to_handling(case)
        data = as_user(user).get("/api/v1/map/cases", {"bbox": box, "zoom": 12}).json()
        assert data["total"] == 1, user.username
        (cell,) = data["cells"]
        assert (cell["lng"], cell["lat"]) == (round(case.lng, 6), round(case.lat, 6))


def test_map_shows_the_statuses_asked_in_the_query(world, as_user):
    case = world.report()
    client = as_user(world.dispatcher)
    view = {"bbox": BOX, "zoom": 17}
    assert client.get("/api/v1/map/cases", {**view, "status": case.status}).json()["total"] == 1
    # Read from the query (it used to be read from a body a GET has not): closed only.
    assert client.get("/api/v1/map/cases", {**view, "status": "closed"}).json()["total"] == 0
    both = client.get("/api/v1/map/cases", {**view, "status": ["closed", case.status]}).json()
    assert both["total"] == 1


def test_an_unknown_status_is_a_400_not_the_open_cases(world, as_user):
    world.report()
    response = as_user(world.dispatcher).get(
        "/api/v1/map/cases", {"bbox": BOX, "zoom": 17, "status": "bogus"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
