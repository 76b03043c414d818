"""In Chromium: an inspector reports while offline, goes online, the case appears once —
and a resend of the same submission (same idempotency key) does not add a second one.
Also: a citizen reports through /report/ and follows the case without personal data."""

from __future__ import annotations

from typing import Any

import pytest

from urbangrid.cases.models import Case
from urbangrid.cases.tests.conftest import build_world
from urbangrid.intake.views import SHELL_VERSION
from urbangrid.testing import browser_sign_in, wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_offline_report_is_sent_once_when_online(live_server: Any, browser: Any) -> None:
    world = build_world()
    context, page = browser_sign_in(browser, live_server.url, world.inspector.username)
    page.goto(f"{live_server.url}/inspector/")
    page.wait_for_function("window.UGInspector && window.UGQueue")
    page.click("button[data-tab=report]")
    lng, lat = world.point()
    # The maps load their grids first; the pin exists once the report map does.
    page.wait_for_function("UGInspector.mapReady()")

    context.set_offline(True)
    page.evaluate(f"UGInspector.place({lat}, {lng})")
    page.evaluate(f"UGInspector.choose('{world.matter.code}', '{world.matter.name}')")
    page.fill("#report-description", "离线上报：路边暴露垃圾")
    page.click("#report-form button[type=submit]")
    page.wait_for_function("document.getElementById('queue-count').textContent === '1'")
    assert not Case.objects.exists()

    context.set_offline(False)
    page.wait_for_function(
        "document.getElementById('queue-count').textContent === '0'", timeout=20_000
    )
    case = Case.objects.get()
    assert case.channel == "inspector"
    assert case.description == "离线上报：路边暴露垃圾"
    page.click("button[data-tab=queue]")
    assert case.number in page.inner_text("#sent-list")

    # The answer was lost, say: the device sends the same submission again.
    page.evaluate(
        """async ([code, lng, lat]) => {
            const [sent] = await UGQueue.sent();
            await UGQueue.add({ key: sent.key, kind: "report", title: "retry",
              url: "/api/v1/intake/reports/with-photos",
              payload: { matter_code: code, lng: lng, lat: lat, description: "again" },
              photos: [] });
        }""",
        [world.matter.code, lng, lat],
    )
    page.wait_for_function(
        "document.getElementById('queue-count').textContent === '0'", timeout=20_000
    )
    assert Case.objects.count() == 1
    context.close()


def test_the_app_scripts_come_fresh_from_the_network_and_from_the_cache_offline(
    live_server: Any, browser: Any
) -> None:
    """Plain static names (development) may change under the same name: the service
    worker asks the network first, so a fixed script reaches an installed app; offline the
    app still opens from its cache."""
    world = build_world()
    context, page = browser_sign_in(browser, live_server.url, world.inspector.username)
    page.goto(f"{live_server.url}/inspector/")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)
    script = "/static/intake/map.js"
    fetch = f"fetch('{script}').then((r) => r.text())"
    # The copy kept by an older install of the app.
    page.evaluate(
        f"caches.open('{SHELL_VERSION}')"
        f".then((c) => c.put('{script}', new Response('/* stale copy */')))"
    )
    assert "makeMap" in page.evaluate(fetch)
    wait_until(
        page, f"caches.match('{script}').then((r) => r.text()).then((t) => t.includes('makeMap'))"
    )

    context.set_offline(True)
    assert "makeMap" in page.evaluate(fetch)
    page.reload()
    page.wait_for_function("window.UGInspector && window.UGQueue")
    context.close()


def test_a_citizen_reports_and_follows_the_case_without_personal_data(
    live_server: Any, browser: Any
) -> None:
    world = build_world()
    context = browser.new_context(viewport={"width": 412, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/report/")
    lng, lat = world.point()
    page.evaluate(
        f"document.querySelector('[name=lng]').value = '{lng}';"
        f"document.querySelector('[name=lat]').value = '{lat}';"
    )
    page.select_option("[name=matter_code]", world.matter.code)
    page.fill("[name=description]", "人行道上有垃圾")
    page.fill("[name=name]", "王五")
    page.fill("[name=phone]", "13900009999")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#tracking-link")
    number = page.inner_text("#case-number")
    page.click("#tracking-link")
    page.wait_for_selector("#case-status")
    html = page.content()
    assert number in html
    assert "王五" not in html
    assert "13900009999" not in html
    assert Case.objects.get().reporter_phone == "13900009999"
    context.close()
