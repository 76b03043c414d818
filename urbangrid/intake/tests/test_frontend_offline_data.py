"""In Chromium: after one online visit the inspector app works offline with its data — the
map draws the district's grids, the task list is there and the matter search answers
from the kept catalogue — and signing out forgets every kept copy (they hold case
addresses)."""

from __future__ import annotations

from typing import Any

import pytest

from urbangrid.cases.tests.conftest import build_world
from urbangrid.testing import browser_sign_in, wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
GRIDS = "document.querySelectorAll('#tasks-map .leaflet-overlay-pane path').length"
TASKS = "document.querySelectorAll('#task-list button.task').length"
# Every kept copy of an API answer, in any cache of the page's origin.
KEPT_API = """async () => {
  const urls = [];
  for (const name of await caches.keys())
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  return urls.filter((u) => u.includes("/api/")).map((u) => new URL(u).pathname).sort();
}"""
NEEDED = [
    "/api/v1/catalog/components",
    "/api/v1/catalog/matters",
    "/api/v1/geo/districts",
    "/api/v1/geo/grids.geojson",
    "/api/v1/intake/tasks",
]


def test_after_one_visit_the_app_shows_grids_tasks_and_matters_offline(
    live_server: Any, browser: Any
) -> None:
    world = build_world()
    case = world.report()
    world.act(case, "send_verify", world.operator)  # a task for the inspector
    context, page = browser_sign_in(browser, live_server.url, world.inspector.username, PHONE)

    # The first visit: the service worker is installed while the page asks for its data.
    page.goto(f"{live_server.url}/inspector/")
    page.wait_for_function(f"{GRIDS} === 16")
    page.wait_for_function(f"{TASKS} === 1")
    wait_until(page, f"({KEPT_API})().then((kept) => {NEEDED!r}.every((p) => kept.includes(p)))")

    context.set_offline(True)
    page.reload()
    page.wait_for_function("window.UGInspector && UGInspector.mapReady()")
    page.wait_for_function(f"{GRIDS} === 16", timeout=10_000)
    page.wait_for_function(f"{TASKS} === 1")
    assert case.number in page.inner_text("#task-list")

    # The report map, its tab opened offline, draws them too; a matter is found by name.
    page.click("button[data-tab=report]")
    page.wait_for_function(
        "document.querySelectorAll('#report-map .leaflet-overlay-pane path').length === 16"
    )
    page.fill("#matter-search", world.matter.name)
    page.wait_for_selector(f"#matter-results button[data-code='{world.matter.code}']")
    page.click(f"#matter-results button[data-code='{world.matter.code}']")
    assert page.input_value("#report-form [name=matter_code]") == world.matter.code
    context.close()


def test_signing_out_forgets_the_kept_data(live_server: Any, browser: Any) -> None:
    world = build_world()
    context, page = browser_sign_in(browser, live_server.url, world.inspector.username, PHONE)
    page.goto(f"{live_server.url}/inspector/")
    wait_until(page, f"({KEPT_API})().then((kept) => kept.includes('/api/v1/intake/tasks'))")
    page.click(".topbar-toggle")
    with page.expect_navigation():
        page.click("form[data-sign-out] button")
    assert page.evaluate(KEPT_API) == []
    assert page.evaluate("caches.keys()") == []  # the shell too: it shows who was signed in
    context.close()


def test_another_user_on_the_device_does_not_find_the_last_ones_data(
    live_server: Any, browser: Any
) -> None:
    """The session ended without signing out (or another user signed in): the first page
    that shows someone else (or nobody) forgets the kept copies."""
    world = build_world()
    context, page = browser_sign_in(browser, live_server.url, world.inspector.username, PHONE)
    page.goto(f"{live_server.url}/inspector/")
    wait_until(page, f"({KEPT_API})().then((kept) => kept.includes('/api/v1/intake/tasks'))")
    context.clear_cookies()  # the session is gone
    page.goto(f"{live_server.url}/login/")
    wait_until(page, f"({KEPT_API})().then((kept) => kept.length === 0)")
    context.close()
