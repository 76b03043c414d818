"""The city level (市): the first four digits of its districts' codes, counted by the same
replay and scored with the same area formulas; shown in the pages and the API, ranked
only among other cities."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from django.test import Client

from urbangrid.cases.models import Case, CaseEvent
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.aggregates import aggregate_rows, recompute, refresh_aggregates
from urbangrid.evaluation.periods import month_period
from urbangrid.evaluation.selectors import config_for, evaluate, sum_counters
from urbangrid.geo.models import District
from urbangrid.organisations.services import issue_token

from .conftest import World, at, run_scenario

NOV = month_period(at(1, 12).date())


def copy_case(number: str, district: str) -> None:
    """The case ``number`` and its history again, in ``district`` (same grid suffix)."""
    case = Case.objects.get(number=number)
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    case.pk = None
    case.number = f"{district}-{number[7:]}"
    case.grid_code = district + case.grid_code[6:]
    case.community_code = district + case.community_code[6:]
    case.street_code = district + case.street_code[6:]
    case.district_code = district
    case.save()
    for event in events:
        CaseEvent.objects.create(
            case=case,
            seq=event.seq,
            action=event.action,
            from_status=event.from_status,
            to_status=event.to_status,
            actor=event.actor,
            actor_role=event.actor_role,
            at=event.at,
            data=event.data,
        )


def add_district(code: str, name: str, city_name: str) -> None:
    District.objects.create(code=code, name=name, city_name=city_name)


@pytest.fixture
def two_cities(world: World) -> World:
    """The reference month in 110101, part of it again in 110102 (same city 1101) and
    one case in 120101 (another city)."""
    groups = run_scenario(world, refresh=False)
    add_district("110102", "第二区", "测试市")
    add_district("120101", "邻市区", "邻市")
    for number in groups["clean"] + groups["overdue"] + groups["misroute"]:
        copy_case(number, "110102")
    copy_case(groups["rework"][0], "120101")
    refresh_aggregates()
    return world


def _summed(kind: str, prefix: str) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for key, counters in sum_counters(kind, NOV).items():
        if key.startswith(prefix):
            for counter, value in counters.items():
                total[counter] += value
    return dict(total)


def test_a_city_counts_what_its_districts_count(two_cities: World) -> None:
    cities = sum_counters(ind.CITY, NOV)
    assert set(cities) == {"1101", "1201"}
    assert cities["1101"] == _summed(ind.DISTRICT, "1101")
    assert cities["1201"] == _summed(ind.DISTRICT, "1201")
    assert cities["1101"]["reports"] == 23 + 11
    recomputed_before = aggregate_rows()
    recompute()
    assert aggregate_rows() == recomputed_before


def test_a_city_is_scored_with_the_area_formulas(two_cities: World) -> None:
    (city,) = evaluate(ind.CITY, NOV, "1101")
    assert (city.key, city.name) == ("1101", "测试市")
    config = config_for("1101")
    counters = ind.derived(ind.CITY, sum_counters(ind.CITY, NOV)["1101"], config)
    as_a_district = ind.composite(
        ind.DISTRICT, counters, ind.rates_of(ind.DISTRICT, counters), config, grids=16
    )
    assert city.score == as_a_district[0]
    assert city.score is not None
    assert city.rates == ind.rates_of(ind.DISTRICT, counters)
    assert city.rank is None  # no peer in its scope: no rank


def test_cities_rank_among_cities_and_districts_among_their_city(two_cities: World) -> None:
    (from_a_district,) = evaluate(ind.CITY, NOV, "110101")
    assert from_a_district.key == "1101"  # the city containing the district
    assert from_a_district.rank is None
    both = evaluate(ind.CITY, NOV, "")
    assert sorted(r.key for r in both) == ["1101", "1201"]
    assert sorted(r.rank for r in both if r.rank) == [1, 2]
    districts = evaluate(ind.DISTRICT, NOV, "1101")
    assert sorted(r.key for r in districts) == ["110101", "110102"]
    assert sorted(r.rank for r in districts if r.rank) == [1, 2]


def _api(w: World) -> Client:
    return Client(headers={"authorization": f"Bearer {issue_token(w.sl)}"})


def test_the_api_and_the_pages_take_a_city_code(two_cities: World) -> None:
    w = two_cities
    api = _api(w)
    body: dict[str, Any] = api.get("/api/v1/evaluation/scores/city?on=2025-11&district=1101").json()
    assert [(r["key"], r["name"], r["rank"]) for r in body["results"]] == [("1101", "测试市", None)]
    one = api.get("/api/v1/evaluation/scores/city/1101?on=2025-11&district=1101").json()
    assert one["counters"]["reports"] == 34
    cases = api.get(
        "/api/v1/evaluation/scores/city/1101/cases/reports?on=2025-11&district=1101"
    ).json()
    assert cases["total"] == 34
    assert api.get("/api/v1/evaluation/scores/district?district=11x1").status_code == 400
    assert api.get("/api/v1/evaluation/scores/district?district=11011").status_code == 400
    streets = api.get("/api/v1/evaluation/scores/street?on=2025-11&district=1101").json()
    assert {r["key"][:6] for r in streets["results"]} == {"110101", "110102"}
    c = Client()
    c.force_login(w.sl)
    page = c.get("/staff/evaluation/?kind=city&on=2025-11-01&district=1101").content.decode()
    assert "测试市" in page
    detail = c.get("/staff/evaluation/city/1101/?on=2025-11-01&district=1101")
    assert detail.status_code == 200
    assert "/staff/evaluation/city/1101/reports/cases/" in detail.content.decode()
    assert c.get("/staff/evaluation/?kind=city&district=12345").status_code == 404
