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
