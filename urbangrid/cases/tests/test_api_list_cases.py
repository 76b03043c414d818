"""GET /api/v1/cases."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def test_the_list_is_filtered_and_paged_by_cursor(world, api):
    numbers = [world.report().number for _ in range(5)]
    client = api(world.operator)
    first = client.get("/api/v1/cases", {"limit": 3}).json()
    assert [c["number"] for c in first["items"]] == numbers[::-1][:3]
    second = client.get("/api/v1/cases", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [c["number"] for c in second["items"]] == numbers[::-1][3:]
    assert second["next_cursor"] is None
    assert client.get("/api/v1/cases", {"status": "closed"}).json()["items"] == []
    assert len(client.get("/api/v1/cases", {"light": "green", "q": "暴露"}).json()["items"]) == 5


def test_a_bad_cursor_or_filter_is_a_400(world, api):
    client = api(world.operator)
    assert client.get("/api/v1/cases", {"cursor": "@@"}).status_code == 400
    assert client.get("/api/v1/cases", {"light": "blue"}).status_code == 400


def test_the_list_does_not_query_per_case(world, api):
    client = api(world.handler)
    case = world.report()
    world.to_handling(case)
    client.get("/api/v1/cases")  # the token's first use of the minute is recorded
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/cases")
    for _ in range(4):
        world.to_handling(world.report())
    with CaptureQueriesContext(connection) as five:
        items = client.get("/api/v1/cases").json()["items"]
    assert len(items) == 5
    assert len(five) == len(one)
