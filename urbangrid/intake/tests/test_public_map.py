"""/map/ and GET /api/v1/intake/public/cases: recent cases, filters, nothing personal."""

from __future__ import annotations

import json

from .conftest import EMAIL, NAME, PHONE


def test_the_public_map_data_has_no_personal_data_and_filters(world, client):
    open_case = world.report()
    closed = world.report(grid_index=2)
    from urbangrid.cases.models import Case

    Case.objects.filter(pk=closed.pk).update(status="closed")
    data = client.get("/api/v1/intake/public/cases").json()
    assert len(data["features"]) == 2
    text = json.dumps(data, ensure_ascii=False)
    for secret in (NAME, PHONE, EMAIL, open_case.number, "测试路1号"):
        assert secret not in text
    only_open = client.get("/api/v1/intake/public/cases?state=open").json()["features"]
    assert [f["properties"]["state"] for f in only_open] == ["open"]
    none = client.get("/api/v1/intake/public/cases?matter_code=99999").json()["features"]
    assert none == []
    assert {f["properties"]["matter"] for f in data["features"]} == {"暴露垃圾、垃圾乱扔"}


def test_the_map_page_renders(world, client):
    page = client.get("/map/")
    assert page.status_code == 200
    assert "/api/v1/intake/public/cases" in page.content.decode()


def test_address_search_is_public(world, client):
    from urbangrid.geo.models import Place

    Place.objects.create(district=world.city.district, name="测试广场", address="测试路9号",
                         lng=116.4005, lat=39.9005)  # fmt: skip
    found = client.get("/api/v1/intake/public/places?q=广场").json()
    assert [p["name"] for p in found] == ["测试广场"]
