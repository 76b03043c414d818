"""In Chromium at a phone's size (390 × 844): the inspector app's Report tab.

The report map, made while its tab is hidden, shows the district and its grids once the
tab opens; every report starts from an empty form (its own matter and place); reports
queued offline go out in the order they were made, each with its own idempotency key,
and an API error is shown in the user's language (``display``) when the server sends it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from urbangrid.cases.models import Case
from urbangrid.cases.tests.conftest import World, build_world
from urbangrid.intake.models import IdempotencyKey
from urbangrid.testing import browser_sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
REPORTS = "**/api/v1/intake/reports/with-photos"


def open_app(browser: Any, base: str, world: World) -> tuple[Any, Any]:
    context, page = browser_sign_in(browser, base, world.inspector.username, PHONE)
    page.goto(f"{base}/inspector/")
    page.wait_for_function("window.UGInspector && window.UGQueue && UGInspector.mapReady()")
    return context, page


def text(page: Any, name: str) -> str:
    """The app's own (translated) sentence ``name`` from its i18n block."""
    return str(page.evaluate(f"JSON.parse(document.getElementById('i18n').textContent).{name}"))


def report(page: Any, world: World, grid_index: int, description: str) -> None:
    lng, lat = world.point(grid_index)
    page.evaluate(f"UGInspector.place({lat}, {lng})")
    page.evaluate(f"UGInspector.choose('{world.matter.code}', '{world.matter.name}')")
    page.fill("#report-description", description)
    page.click("#report-form button[type=submit]")


def wait_queue(page: Any, count: int, timeout: float = 20_000) -> None:
    page.wait_for_function(
        f"document.getElementById('queue-count').textContent === '{count}'", timeout=timeout
    )


def tap(page: Any, x: float, y: float) -> None:
    page.mouse.click(x, y)


def test_the_report_map_shows_the_district_and_its_grids_when_its_tab_opens(
    live_server: Any,
    browser: Any,
) -> None:
    world = build_world()
    context, page = open_app(browser, live_server.url, world)
    # The tasks map, visible from the start, has drawn the 16 grids of the district.
    page.wait_for_function(
        "document.querySelectorAll('#tasks-map .leaflet-overlay-pane path').length === 16"
    )

    page.click("button[data-tab=report]")
    page.wait_for_function(
        "document.querySelectorAll('#report-map .leaflet-overlay-pane path').length === 16",
        timeout=10_000,
    )
    area = page.locator("#report-map")
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    assert box["width"] > 300
    assert box["height"] > 200

    # The middle of the map is the middle of the district (0.008° square at 39.9, 116.4).
    tap(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.querySelector('#report-form [name=lat]').value !== ''")
    lat = float(page.input_value("#report-form [name=lat]"))
    lng = float(page.input_value("#report-form [name=lng]"))
    assert 39.9 <= lat <= 39.908
    assert 116.4 <= lng <= 116.408

    # A tap in the middle of a drawn grid locates that grid: the report is accepted.
    cell = page.locator("#report-map .leaflet-overlay-pane path").nth(5).bounding_box()
    tap(page, cell["x"] + cell["width"] / 2, cell["y"] + cell["height"] / 2)
    grid = world.city.grids[5]
    page.wait_for_function(
        f"document.getElementById('grid-name').textContent === {json.dumps(grid.name)}"
    )
    page.evaluate(f"UGInspector.choose('{world.matter.code}', '{world.matter.name}')")
    page.click("#report-form button[type=submit]")
    wait_queue(page, 0)
    page.wait_for_function("document.getElementById('sent-list').children.length === 1")
    assert Case.objects.get().grid_code == grid.code
    context.close()


def test_every_report_chooses_its_own_matter_and_place(
    live_server: Any,
    browser: Any,
) -> None:
    world = build_world()
    context, page = open_app(browser, live_server.url, world)
    page.click("button[data-tab=report]")
    hint = page.inner_text("#grid-name")
    out = "document.getElementById('report-result').textContent"

    def assert_empty_form() -> None:
        form = "#report-form"
        for name in ("matter_code", "lat", "lng", "address", "description"):
            assert page.input_value(f"{form} [name={name}]") == "", name
        assert page.inner_text("#matter-chosen") == ""
        assert page.input_value("#matter-search") == ""
        assert page.locator("#matter-results li").count() == 0
        assert page.locator("#asset-select option").count() == 1
        assert page.inner_text("#grid-name") == hint
        assert page.locator("#report-map .leaflet-marker-icon").count() == 0
        assert page.evaluate("document.getElementById('report-photos').files.length") == 0

    # Sent online: the form is empty afterwards.
    page.fill("#report-address", "测试路1号")
    report(page, world, 1, "第一份上报")
    wait_queue(page, 0)
    page.wait_for_function("document.getElementById('sent-list').children.length === 1")
    assert Case.objects.count() == 1
    assert_empty_form()

    # Sending again without a place, then without a matter, is refused on the device.
    page.click("#report-form button[type=submit]")
    page.wait_for_function(f"{out} === {json.dumps(text(page, 'need_place'))}")
    lng, lat = world.point(2)
    page.evaluate(f"UGInspector.place({lat}, {lng})")
    page.wait_for_function(
        f"document.getElementById('grid-name').textContent === "
        f"{json.dumps(world.city.grids[2].name)}"
    )
    page.click("#report-form button[type=submit]")
    page.wait_for_function(f"{out} === {json.dumps(text(page, 'need_matter'))}")
    page.wait_for_timeout(500)
    assert page.inner_text("#queue-count") == "0"
    assert Case.objects.count() == 1

    # Queued offline: the form is empty afterwards too.
    context.set_offline(True)
    page.evaluate(f"UGInspector.choose('{world.matter.code}', '{world.matter.name}')")
    page.fill("#report-description", "第二份上报")
    page.click("#report-form button[type=submit]")
    wait_queue(page, 1)
    page.wait_for_function(f"{out} === {json.dumps(text(page, 'queued'))}")
    assert_empty_form()
    page.click("#report-form button[type=submit]")
    page.wait_for_function(f"{out} === {json.dumps(text(page, 'need_place'))}")

    context.set_offline(False)
    wait_queue(page, 0)
    cases = list(Case.objects.order_by("id"))
    assert [c.description for c in cases] == ["第一份上报", "第二份上报"]
    assert [c.grid_code for c in cases] == [world.city.grids[1].code, world.city.grids[2].code]
    assert cases[1].address == ""
    context.close()


def test_reports_queued_offline_are_sent_in_the_order_they_were_made(
    live_server: Any,
    browser: Any,
) -> None:
    world = build_world()
    context, page = open_app(browser, live_server.url, world)
    page.click("button[data-tab=report]")
    names = [f"FIFO-{i}" for i in range(1, 9)]
    seen: list[str] = []
    state = {"offline": True, "failed_once": False}
    refusal = {
        "code": "invalid",
        "message": "matter_code is not a known type",
        "field": "matter_code",
        "display": "事项编码不存在",
    }
    plain = {"code": "conflict", "message": "plain English refusal", "field": None}

    def network(route: Any, request: Any) -> None:
        if state["offline"]:
            route.abort("internetdisconnected")
            return
        body = request.post_data_buffer or b""
        name = next(n for n in names if f'"{n}"'.encode() in body)
        seen.append(name)
        if name == "FIFO-3" and not state["failed_once"]:
            state["failed_once"] = True  # a passing server error: retried, in its place
            route.fulfill(status=503, content_type="application/json", body="{}")
        elif name == "FIFO-5":  # refused for good: shown, the rest still go
            route.fulfill(status=400, content_type="application/json", body=json.dumps(refusal))
        elif name == "FIFO-7":
            route.fulfill(status=409, content_type="application/json", body=json.dumps(plain))
        else:
            route.continue_()

    page.route(REPORTS, network)
    context.set_offline(True)
    for i, name in enumerate(names):
        report(page, world, i % 4, name)
        wait_queue(page, i + 1)
    pending = page.evaluate("UGQueue.pending().then((p) => p.map((i) => i.payload.description))")
    assert pending == names

    state["offline"] = False
    context.set_offline(False)
    wait_queue(page, 0, timeout=30_000)

    assert seen == ["FIFO-1", "FIFO-2", "FIFO-3", "FIFO-3", *names[3:]]
    created = [c.description for c in Case.objects.order_by("id")]
    assert created == [n for n in names if n not in ("FIFO-5", "FIFO-7")]
    keys = page.evaluate("UGQueue.sent().then((s) => s.map((r) => r.key))")
    assert len(set(keys)) == len(names)
    assert IdempotencyKey.objects.count() == len(created)

    page.click("button[data-tab=queue]")
    sent = page.inner_text("#sent-list")
    assert "事项编码不存在" in sent
    assert "matter_code is not a known type" not in sent
    assert "plain English refusal" in sent
    context.close()
