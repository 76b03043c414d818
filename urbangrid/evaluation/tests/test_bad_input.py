"""Bad query input is the caller's error, never a 500: a key that cannot name an object
of its kind is a 404 (pages and API), an unknown kind or counter, a limit out of bounds
or an area that is not an area code is a structured 400 from the API, and a page's form
with an unknown kind is a 404 that records no export."""

from __future__ import annotations

import pytest
from django.test import Client

from urbangrid.evaluation.models import Export
from urbangrid.evaluation.selectors import is_object_key
from urbangrid.organisations.services import issue_token

from .conftest import World

HUGE = "9" * 23  # past a 64-bit integer

API_NOT_FOUND = [
    "/api/v1/evaluation/scores/department/abc/cases/closed",
    f"/api/v1/evaluation/scores/department/{HUGE}/cases/closed",
    "/api/v1/evaluation/scores/department/%00/cases/closed",
    "/api/v1/evaluation/scores/inspector/abc/cases/missed",
    "/api/v1/evaluation/scores/inspector/abc/cases/reports",
    f"/api/v1/evaluation/scores/inspector/{HUGE}/cases/reports",
    "/api/v1/evaluation/scores/dispatcher/²/cases/dispatches",
    "/api/v1/evaluation/scores/grid/%00/cases/reports",
    "/api/v1/evaluation/scores/department/abc",
    "/api/v1/evaluation/hotspots/trend?kind=department&key=abc",
]
API_INVALID = [
    "/api/v1/evaluation/hotspots/trend?kind=nobody&key=1",
    "/api/v1/evaluation/hotspots/trend?kind=department&key=1&counter=nothing",
    "/api/v1/evaluation/hotspots/top-matters?limit=0",
    "/api/v1/evaluation/hotspots/top-matters?limit=-1",
    f"/api/v1/evaluation/hotspots/top-matters?limit={HUGE}",
    "/api/v1/evaluation/hotspots/top-matters?area=abc",
    "/api/v1/evaluation/hotspots/top-matters?area=1101011",
]
PAGES_NOT_FOUND = [
    "/staff/evaluation/department/abc/closed/cases/",
    f"/staff/evaluation/department/{HUGE}/closed/cases/",
    "/staff/evaluation/department/%00/closed/cases/",
    "/staff/evaluation/department/%00/",
    "/staff/evaluation/inspector/abc/missed/cases/",
    "/staff/evaluation/inspector/abc/reports/cases/",
    f"/staff/evaluation/operator/{HUGE}/accepts/cases/",
    "/staff/evaluation/street/abc/reports/cases/",
]


@pytest.fixture
def api(world: World) -> Client:
    return Client(headers={"authorization": f"Bearer {issue_token(world.sl)}"})


@pytest.mark.parametrize("url", API_NOT_FOUND)
def test_the_api_answers_404_for_a_key_that_names_nothing(api: Client, url: str) -> None:
    answer = api.get(url)
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("url", API_INVALID)
def test_the_api_answers_400_for_an_unknown_kind_counter_limit_or_area(
    api: Client, url: str
) -> None:
    answer = api.get(url)
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid")


def test_the_messages_name_what_is_wrong(api: Client) -> None:
    def message(url: str) -> str:
        return str(api.get(url).json()["message"])

    assert message("/api/v1/evaluation/hotspots/trend?kind=nobody&key=1").startswith(
        "kind must be one of inspector,"
    )
    assert message("/api/v1/evaluation/hotspots/trend?kind=grid&key=1&counter=x") == (
        "unknown counter for this kind"
    )
    assert message("/api/v1/evaluation/hotspots/top-matters?area=abc") == (
        "area must be an area code (4, 6, 9, 12 or 15 digits)"
    )
    assert message("/api/v1/evaluation/scores/inspector/abc/cases/reports") == "no such object"


def test_a_trend_defaults_to_the_first_counter_of_its_kind(api: Client, world: World) -> None:
    answer = api.get(f"/api/v1/evaluation/hotspots/trend?kind=department&key={world.dept_a.pk}")
    assert answer.status_code == 200
    assert len(answer.json()) == 12


@pytest.mark.parametrize("url", PAGES_NOT_FOUND)
def test_pages_answer_404_for_a_key_that_names_nothing(world: World, url: str) -> None:
    c = Client()
    c.force_login(world.sl)
    assert c.get(url).status_code == 404


def test_an_export_of_an_unknown_kind_is_refused_and_not_recorded(world: World) -> None:
    c = Client()
    c.force_login(world.sl)
    answer = c.post("/staff/evaluation/exports/new", {"format": "indicators_csv", "kind": "x"})
    assert answer.status_code == 404
    assert not Export.objects.exists()


def test_object_keys() -> None:
    assert is_object_key("department", "12")
    assert is_object_key("inspector", "9" * 18)
    assert not is_object_key("inspector", "9" * 19)
    assert not is_object_key("department", "")
    assert not is_object_key("department", "١٢")  # digits, but not ASCII ones
    assert is_object_key("city", "1101")
    assert is_object_key("grid", "110101001001001")
    assert not is_object_key("street", "110101")  # a district's code, not a street's
    assert not is_object_key("nobody", "1")
