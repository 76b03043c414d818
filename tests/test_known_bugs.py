"""Bugs the system tests found in code owned by others, each pinned by the smallest
request that shows it. ``xfail(strict=True)``: when the bug is fixed the test passes, the
run fails on XPASS, and the mark must be removed."""

from __future__ import annotations

import pytest

from .conftest import token_client

KNOWN_FUZZ_BUGS: dict[str, str] = {}
"""Operations whose slow fuzz test fails for a known bug (``conftest`` marks them)."""


@pytest.mark.django_db
def test_repeated_hotspots_refuse_an_absurd_window_with_400(world):
    client = token_client(world.admin)
    response = client.get("/api/v1/evaluation/hotspots/repeated?window_days=5687037878838942")
    assert response.status_code == 400, response.status_code
    assert response.json()["field"] == "window_days"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cases?text=%00",
        "/api/v1/hotline/places?q=a%00b",
        "/api/v1/intake/public/cases?matter=%00",
    ],
)
def test_a_nul_character_in_input_is_a_400_not_a_500(world, url):
    """PostgreSQL text cannot hold NUL (found by the full fuzz run on PostgreSQL): the
    edge refuses it before any query runs."""
    client = token_client(world.admin)
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert response.json()["code"] == "invalid"


@pytest.mark.django_db
def test_a_nul_character_in_a_json_body_is_a_400(world):
    client = token_client(world.admin)
    response = client.post(
        "/api/v1/auth/token",
        '{"username": "a\\u0000b", "password": "x"}',
        content_type="application/json",
    )
    assert response.status_code == 400, response.status_code
    assert "NUL" in response.json()["message"]


@pytest.mark.django_db
def test_a_nul_character_in_a_staff_search_is_not_a_500(world):
    client = token_client(world.admin)
    client.force_login(world.admin)
    response = client.get("/staff/cases/?q=a%00b")
    assert response.status_code == 400, response.status_code


@pytest.mark.django_db
def test_a_nul_character_in_an_open311_form_post_is_a_spec_error(world):
    from django.test import Client

    response = Client().post(
        "/open311/v2/requests.json",
        {"api_key": "demo-key", "service_code": "06010", "description": "a\x00b"},
    )
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
