"""/public/rankings/: department and street rankings of a month, without personal data."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.test import Client

from urbangrid.common.clock import SHANGHAI
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.models import MonthlyCount
from urbangrid.evaluation.tests.conftest import run_scenario, world  # noqa: F401
from urbangrid.testing import make_city


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


def _options(page: str) -> list[str]:
    return re.findall(r'<option value="(\d{4}-\d{2})"', page)


def test_only_completed_months_are_published(world):  # noqa: F811
    run_scenario(world)
    with time_machine.travel(dt.datetime(2025, 11, 20, 9, tzinfo=SHANGHAI), tick=False):
        assert Client().get("/public/rankings/?month=2025-11").status_code == 404  # running
        assert Client().get("/public/rankings/?month=2026-05").status_code == 404  # future
        assert Client().get("/public/rankings/?month=2025-11-30").status_code == 404
        default = Client().get("/public/rankings/")
        assert default.status_code == 200
        assert "2025-10" in default.content.decode()
        assert _options(default.content.decode()) == ["2025-10"]
        staff = Client()
        staff.force_login(world.sl)
        assert staff.get("/staff/evaluation/?on=2025-11-01").status_code == 200  # staff may
    with time_machine.travel(dt.datetime(2025, 12, 1, 0, 5, tzinfo=SHANGHAI), tick=False):
        page = Client().get("/public/rankings/?month=2025-11")
        assert page.status_code == 200
        assert "区环卫中心" in page.content.decode()
        assert _options(page.content.decode()) == ["2025-11"]  # no results before
    with time_machine.travel(dt.datetime(2026, 2, 3, 9, tzinfo=SHANGHAI), tick=False):
        options = _options(Client().get("/public/rankings/").content.decode())
        assert options == ["2026-01", "2025-11"]  # the month shown, and the one with figures


def test_the_month_picker_lists_the_chosen_districts_months(world):  # noqa: F811
    other = make_city("110102", "第二区")
    MonthlyCount.objects.bulk_create(
        [
            MonthlyCount(month=month, object_kind=kind, object_key=key, counter="closed", value=2)
            for month, kind, key in (
                (dt.date(2025, 11, 1), ind.STREET, world.city.streets[0].code),
                (dt.date(2025, 9, 1), ind.DEPARTMENT, str(world.dept_a.pk)),
                (dt.date(2025, 10, 1), ind.STREET, other.streets[0].code),
            )
        ]
    )
    with time_machine.travel(dt.datetime(2026, 1, 10, 9, tzinfo=SHANGHAI), tick=False):
        first = Client().get("/public/rankings/?district=110101").content.decode()
        assert _options(first) == ["2025-12", "2025-11", "2025-09"]
        second = Client().get("/public/rankings/?district=110102").content.decode()
        assert _options(second) == ["2025-12", "2025-10"]
        chosen = Client().get("/public/rankings/?district=110102&month=2025-10").content.decode()
        assert _options(chosen) == ["2025-10"]
        assert 'name="district" value="110102"' in chosen  # the month form keeps it
        for unknown in ("abc", "999999", "1101"):
            assert Client().get(f"/public/rankings/?district={unknown}").status_code == 404
