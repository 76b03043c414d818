"""The case tests' personas and tiny city, reused for the staff pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from urbangrid.cases.tests.conftest import World, _media, build_world, frozen, world
from urbangrid.organisations.models import User

__all__ = ["World", "_media", "build_world", "frozen", "world"]


@pytest.fixture
def as_user(client: Client) -> Any:
    """``as_user(user)`` → the test client, signed in as ``user``."""

    def sign_in(user: User) -> Client:
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def english() -> Any:
    """Pages in English (the msgids), whatever the default language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The leader's overview is cached for a minute: each test starts without it."""
    from django.core.cache import cache

    cache.clear()
