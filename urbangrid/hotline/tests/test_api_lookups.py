"""GET /api/v1/hotline/places and /knowledge: address search and the knowledge base."""

from __future__ import annotations

from urbangrid.geo.models import Place


def test_address_search_over_the_gazetteer(world, api):
    Place.objects.create(district=world.city.district, name="测试大厦", address="测试路12号",
                         lng=116.4012, lat=39.9008)  # fmt: skip
    found = api(world.operator).get("/api/v1/hotline/places?q=测试路12").json()
    assert [(p["name"], p["lng"]) for p in found] == [("测试大厦", 116.4012)]
    assert api(world.operator).get("/api/v1/hotline/places?q=").json() == []


def test_the_seeded_knowledge_base_is_searchable(world, api):
    found = api(world.operator).get("/api/v1/hotline/knowledge?q=床垫").json()
    assert [e["title"] for e in found] == ["大件垃圾如何清运"]


def test_lookups_need_sign_in(world, client):
    assert client.get("/api/v1/hotline/knowledge?q=x").status_code == 401
