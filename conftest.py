"""Project-wide pytest setup.

``UG_TEST_DB_SUFFIX`` lets several test runs share one PostgreSQL server without
clobbering each other's test database (pytest-xdist adds its own ``_gwN`` suffix).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: Any) -> None:
    suffix = os.environ.get("UG_TEST_DB_SUFFIX")
    if not suffix:
        return
    from django.conf import settings

    for alias, db in settings.DATABASES.items():
        test = db.setdefault("TEST", {})
        base = test.get("NAME") or (
            f"test_{db['NAME']}" if db["ENGINE"].endswith("postgresql") else None
        )
        if base:
            test["NAME"] = f"{base}_{suffix}"
        del alias


@pytest.fixture(autouse=True)
def _fresh_in_process_indexes() -> None:
    """In-process caches (the locate index, work calendars, configuration, API tokens,
    case-number sequences) must not outlive a test's rollback: start every test with
    them empty."""
    from urbangrid.calendars.services import invalidate_calendar_cache
    from urbangrid.cases import numbering
    from urbangrid.catalog import cache
    from urbangrid.geo import locate

    locate.invalidate()
    invalidate_calendar_cache()
    cache.clear_all()  # catalogue types, stage limits, responsibility rules, API tokens
    numbering.forget()


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``later(seconds)`` moves the configuration caches' clock forward
    (``urbangrid.catalog.cache``)."""
    from urbangrid.catalog import cache

    start = cache._now()
    offset = [0.0]
    monkeypatch.setattr(cache, "_now", lambda: start + offset[0])

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Debian's Chromium (never a downloaded browser), headless, through Playwright.

    Playwright's sync API runs an event loop in this thread (in another greenlet), so
    while the browser is open the thread counts as "async": Django keeps the database
    connections the test itself opens in a context-local store (asgiref's ``Local``),
    apart from the thread's own ones that pytest-django closes. Those are closed here,
    while the loop still runs; otherwise one stays open and the test database cannot be
    dropped at the end of the run ("is being accessed by other users").
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # The ORM calls of the test itself are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()
