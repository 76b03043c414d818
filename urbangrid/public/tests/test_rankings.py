"""/public/rankings/: department and street rankings of a month, without personal data."""

from __future__ import annotations

from django.test import Client

from urbangrid.evaluation.tests.conftest import run_scenario, world  # noqa: F401


def test_rankings_show_departments_and_streets_without_personal_data(world):  # noqa: F811
    run_scenario(world)
    page = Client().get("/public/rankings/?month=2025-11").content.decode()
    assert "区园林绿化局" in page
    assert "区环卫中心" in page
    assert "88.95" in page
    assert "第2街道" in page
    assert "第1街道" in page
    for personal in ("张三", "13812341234", "sl", "i1", "op", "ha", "hb"):
        assert f">{personal}<" not in page
    assert "张三" not in page
    assert "13812341234" not in page
    main = page.split("<main", 1)[1].split("</main>")[0]
    for user in (world.i1, world.i2, world.op, world.sl, world.dp, world.ha, world.hb):
        assert f">{user.username}<" not in main
        assert f" {user.username} " not in main


def test_rankings_of_an_empty_month(db):
    page = Client().get("/public/rankings/?month=2020-01")
    assert page.status_code == 200
