"""In Chromium: the helpers the hotline desk, the callback list and the inspector app's
queue share (``static/common/ug.js``, served by the site itself): the CSRF token, the
idempotency key and the text of an API error. And the desk's search fields keep at most
one waiting timer each.

The pages are opened as on a phone reaching the server by plain http, where
``crypto.randomUUID`` does not exist: every idempotency key is still a random UUID."""

from __future__ import annotations

import re
from typing import Any

import pytest

from urbangrid.cases.tests.conftest import build_world
from urbangrid.hotline.models import Call, CallbackAttempt
from urbangrid.hotline.tests.test_api_callbacks import closed_case
from urbangrid.testing import browser_sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
NO_RANDOM_UUID = "delete Crypto.prototype.randomUUID;"
HELPERS_SERVED_HERE = """() => [...document.scripts].filter((s) => s.src.includes("/common/ug.js"))
  .map((s) => new URL(s.src).origin === location.origin)"""


def signed_in(browser: Any, base: str, username: str) -> tuple[Any, Any]:
    context, page = browser_sign_in(browser, base, username)
    context.add_init_script(NO_RANDOM_UUID)
    return context, page


def key_sent(page: Any, url: str, action: Any) -> str:
    with page.expect_request(lambda r: r.method == "POST" and url in r.url) as request:
        action()
    return str(request.value.headers["idempotency-key"])


def test_the_desk_the_callbacks_and_the_queue_send_random_uuid_keys(
    live_server: Any, browser: Any
) -> None:
    world = build_world()
    case = closed_case(world)

    context, page = signed_in(browser, live_server.url, world.operator.username)
    page.goto(f"{live_server.url}/hotline/")
    page.wait_for_function("window.UGDesk && UGDesk.ready")
    assert page.evaluate("typeof crypto.randomUUID") == "undefined"
    assert page.evaluate(HELPERS_SERVED_HERE) == [True]
    page.fill("#call-text", "旧沙发怎么扔")
    page.check("[name=outcome][value=answered]")
    page.fill("#answer", "请预约大件垃圾清运")
    desk_key = key_sent(
        page, "/api/v1/hotline/calls", lambda: page.click("#call-form button[type=submit]")
    )
    page.wait_for_function("document.getElementById('call-result').textContent !== ''")
    assert Call.objects.count() == 1

    page.goto(f"{live_server.url}/hotline/callbacks/")
    page.wait_for_function("window.UGCallbacks && UGCallbacks.ready")
    assert page.evaluate(HELPERS_SERVED_HERE) == [True]
    row = page.locator("#callback-rows tr", has=page.locator(f"a:text-is('{case.number}')"))
    row.locator("[name=reached]").uncheck()
    callback_key = key_sent(
        page, f"/api/v1/hotline/callbacks/{case.number}",
        lambda: row.locator("button[type=submit]").click(),
    )  # fmt: skip
    row.locator("[data-tries]:has-text('1')").wait_for()
    assert CallbackAttempt.objects.filter(case=case).count() == 1
    context.close()

    context, page = signed_in(browser, live_server.url, world.inspector.username)
    page.goto(f"{live_server.url}/inspector/")
    page.wait_for_function("window.UGInspector && window.UGQueue")
    assert page.evaluate(HELPERS_SERVED_HERE) == [True]
    queue_keys = page.evaluate("[UGQueue.newKey(), UGQueue.newKey()]")
    context.close()

    keys = [desk_key, callback_key, *queue_keys]
    assert all(UUID4.match(k) for k in keys), keys
    assert len(set(keys)) == len(keys)


def test_the_desk_keeps_one_waiting_timer_per_search_field(live_server: Any, browser: Any) -> None:
    world = build_world()
    context, page = browser_sign_in(browser, live_server.url, world.operator.username)
    page.goto(f"{live_server.url}/hotline/")
    page.wait_for_function("window.UGDesk && UGDesk.ready")
    for i in range(12):
        for field in ("#place-search", "#matter-search", "#kb-search"):
            page.fill(field, f"搜索{i}")
        assert page.evaluate("UGDesk.waitingSearches()") <= 3
        page.wait_for_timeout(300)  # each search runs
    page.wait_for_function("UGDesk.waitingSearches() === 0")
    page.fill("#kb-search", "床垫")
    page.evaluate("UGDesk.newCall()")  # a new call cancels the search still waiting
    assert page.evaluate("UGDesk.waitingSearches()") == 0
    context.close()
