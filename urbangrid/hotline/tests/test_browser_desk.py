"""In Chromium: the hotline desk and the callback list.

- After a saved call every per-call field is cleared: nothing of one caller's call (place,
  pin, matter, similar cases, attached case, knowledge-base pick) goes into the next.
- An API error shows its ``display`` (the user's language) when given, else ``message``.
- The outcome radios sit inline before their labels, which do not wrap mid-phrase.
- The callback list fits a 390 px phone, links each case to its staff page, shows the
  status labels of the staff pages, keeps a caller not reached for a retry and asks for
  the satisfaction answer of a caller reached.
- A retry too soon after a call that did not reach the caller is refused with the
  server's words (when to call again), and accepted after the gap.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from urbangrid.cases.models import Case
from urbangrid.cases.tests.conftest import World, build_world
from urbangrid.geo.models import Place
from urbangrid.hotline.models import Call, CallbackAttempt
from urbangrid.testing import browser_sign_in

from .test_api_callbacks import closed_case

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def open_desk(browser: Any, base: str, world: World, viewport: dict[str, int]) -> tuple[Any, Any]:
    context, page = browser_sign_in(browser, base, world.operator.username, viewport)
    page.goto(f"{base}/hotline/")
    page.wait_for_function("window.UGDesk && UGDesk.ready")
    return context, page


FIELDS = """() => {
  const f = document.getElementById("call-form");
  const values = {};
  for (const name of ["caller_phone", "caller_name", "text", "address", "lng", "lat",
                      "matter_code", "attach_to", "answer", "knowledge_id"])
    values[name] = f[name].value;
  values.request_kind = f.request_kind.selectedIndex;
  values.outcome = f.querySelector("[name=outcome]:checked").value;
  values.matter_chosen = document.getElementById("matter-chosen").textContent;
  values.similar = document.querySelectorAll("#similar button").length;
  values.kb_search = document.getElementById("kb-search").value;
  values.kb_results = document.querySelectorAll("#kb-results li").length;
  values.pins = document.querySelectorAll("#desk-map .leaflet-marker-icon").length;
  return values;
}"""


def test_a_saved_call_leaves_nothing_for_the_next_caller(live_server: Any, browser: Any) -> None:
    world = build_world()
    lng, lat = world.point()
    Place.objects.create(
        district=world.city.district, name="测试大厦", address="测试路12号", lng=lng, lat=lat
    )
    open_case = world.report(channel="hotline")
    context, page = open_desk(browser, live_server.url, world, DESKTOP)

    page.fill("#caller-phone", "13900001111")
    page.fill("#caller-name", "李四")
    page.select_option("#request-kind", "complaint")
    page.fill("#call-text", "井盖又响了")
    page.fill("#place-search", "测试大厦")
    page.click("#place-results button")
    page.fill("#matter-search", world.matter.name)
    page.click(f"#matter-results button:has-text('{world.matter.code}')")
    page.fill("#kb-search", "床垫")
    page.click("#kb-results button")  # a knowledge-base pick ...
    page.click(f"#similar button[data-number='{open_case.number}']")  # ... then a repeat call
    before = page.evaluate(FIELDS)
    assert before["lat"]
    assert before["knowledge_id"]
    assert (before["matter_code"], before["attach_to"]) == (world.matter.code, open_case.number)
    assert (before["outcome"], before["pins"]) == ("support", 1)
    page.click("#call-form button[type=submit]")
    page.wait_for_function("document.getElementById('call-result').textContent.includes('·')")
    first = Call.objects.get()
    assert (first.outcome, first.case_id) == ("support", open_case.pk)

    after = page.evaluate(FIELDS)
    assert after == {
        "caller_phone": "", "caller_name": "", "text": "", "address": "", "lng": "",
        "lat": "", "matter_code": "", "attach_to": "", "answer": "", "knowledge_id": "",
        "request_kind": 0, "outcome": "new_case", "matter_chosen": "", "similar": 0,
        "kb_search": "", "kb_results": 0, "pins": 0,
    }  # fmt: skip

    # The next caller only asks a question: nothing of the first call goes with it.
    page.fill("#call-text", "旧沙发怎么扔")
    page.check("[name=outcome][value=answered]")
    page.fill("#answer", "请预约大件垃圾清运")
    page.click("#call-form button[type=submit]")
    saved = f"document.getElementById('call-result').textContent.includes(' {first.pk + 1}')"
    page.wait_for_function(saved)
    second = Call.objects.exclude(pk=first.pk).get()
    assert (second.lng, second.lat, second.address, second.case_id) == (None, None, "", None)
    assert second.knowledge_id is None
    assert second.caller_phone == ""
    # A new work order now needs its own place and matter: the server says so, in the
    # desk's language (the error's ``display``).
    page.fill("#call-text", "路灯不亮")
    page.click("#call-form button[type=submit]")
    page.wait_for_function(
        "document.getElementById('call-result').textContent.includes('新建工单需要')"
    )
    assert Call.objects.count() == 2
    context.close()


def test_api_errors_show_display_when_given(live_server: Any, browser: Any) -> None:
    world = build_world()
    context, page = open_desk(browser, live_server.url, world, DESKTOP)
    error = '{"code": "invalid", "message": "text is required", "field": "text"'
    bodies = [error + ', "display": "请填写来电内容"}', error + "}"]

    def answer(route: Any) -> None:
        route.fulfill(status=400, content_type="application/json", body=bodies.pop(0))

    page.route("**/api/v1/hotline/calls", answer)
    page.fill("#call-text", "x")
    page.click("#call-form button[type=submit]")
    page.wait_for_function("document.getElementById('call-result').textContent !== ''")
    assert page.inner_text("#call-result") == "请填写来电内容"
    page.click("#call-form button[type=submit]")
    page.wait_for_function(
        "document.getElementById('call-result').textContent === 'text is required'"
    )
    assert page.input_value("#call-text") == "x"  # a failed save keeps the call
    context.close()


OUTCOME_LAYOUT = """() => [...document.querySelectorAll(".outcome [type=radio]")].map((radio) => {
  const label = radio.closest("label"), text = label.querySelector("span");
  const r = radio.getBoundingClientRect(), t = text.getBoundingClientRect();
  const line = parseFloat(getComputedStyle(text).lineHeight);
  return { value: radio.value, radioRight: r.right, textLeft: t.left,
           radioMiddle: (r.top + r.bottom) / 2, textTop: t.top, textBottom: t.bottom,
           lines: Math.round(t.height / line) };
})"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_outcome_radios_sit_before_their_labels(
    live_server: Any, browser: Any, viewport: dict[str, int]
) -> None:
    world = build_world()
    context, page = open_desk(browser, live_server.url, world, viewport)
    rows = page.evaluate(OUTCOME_LAYOUT)
    assert [r["value"] for r in rows] == ["new_case", "support", "answered", "transferred"]
    for row in rows:
        assert row["radioRight"] <= row["textLeft"], row  # inline, before the text
        assert row["textTop"] <= row["radioMiddle"] <= row["textBottom"], row
        assert row["lines"] == 1, row  # "重复来电，关联未结案件（告知进度）" on one line
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    context.close()


def test_the_callback_list_on_a_phone(live_server: Any, browser: Any) -> None:
    world = build_world()
    kept, reopened, satisfied = closed_case(world), closed_case(world), closed_case(world)
    context, page = browser_sign_in(browser, live_server.url, world.operator.username, PHONE)
    page.goto(f"{live_server.url}/hotline/callbacks/")
    page.wait_for_function("window.UGCallbacks && UGCallbacks.ready")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for case in (kept, reopened, satisfied):
        link = page.locator(f"#callback-rows a:text-is('{case.number}')")
        assert link.get_attribute("href") == f"/staff/cases/{case.number}/"

    def row(case: Case) -> Any:
        return page.locator("#callback-rows tr", has=page.locator(f"a:text-is('{case.number}')"))

    # Reached, but no satisfaction answer: asked for it, nothing recorded.
    row(kept).locator("button[type=submit]").click()
    assert row(kept).locator("[data-error]").is_visible()
    assert not CallbackAttempt.objects.exists()
    # Not reached: an attempt, the case stays for a retry.
    row(kept).locator("[name=reached]").uncheck()
    row(kept).locator("button[type=submit]").click()
    row(kept).locator("[data-tries]:has-text('1')").wait_for()
    assert row(kept).locator("form").is_visible()
    assert CallbackAttempt.objects.filter(case=kept).count() == 1
    assert not kept.events.filter(action="callback").exists()

    row(reopened).locator("[name=satisfaction]").select_option("unsatisfied")
    row(reopened).locator("button[type=submit]").click()
    row(reopened).locator(".callback-done").wait_for()
    assert row(reopened).locator(".callback-done").inner_text() == "待派遣 ↺"
    row(satisfied).locator("[name=solved]").check()
    row(satisfied).locator("[name=satisfaction]").select_option("satisfied")
    row(satisfied).locator("button[type=submit]").click()
    row(satisfied).locator(".callback-done").wait_for()
    assert row(satisfied).locator(".callback-done").inner_text() == "已结案"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.reload()
    page.wait_for_function("window.UGCallbacks && UGCallbacks.ready")
    assert page.locator("#callback-rows tr").count() == 1
    assert row(kept).locator("[data-tries]").inner_text() == "尚未联系上：已尝试 1 次，共 3 次。"
    context.close()


def test_a_retry_too_soon_is_refused_on_the_page_then_accepted_after_the_gap(
    live_server: Any, browser: Any
) -> None:
    start = dt.datetime(2025, 9, 29, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(start, tick=False) as clock:
        world = build_world()
        case = closed_case(world)
        context, page = browser_sign_in(browser, live_server.url, world.operator.username, PHONE)
        page.goto(f"{live_server.url}/hotline/callbacks/")
        page.wait_for_function("window.UGCallbacks && UGCallbacks.ready")
        row = page.locator("#callback-rows tr", has=page.locator(f"a:text-is('{case.number}')"))
        row.locator("[name=reached]").uncheck()
        row.locator("button[type=submit]").click()
        row.locator("[data-tries]:has-text('1')").wait_for()

        row.locator("button[type=submit]").click()  # again at once: too soon
        error = row.locator("[data-error]")
        error.wait_for()
        assert "11:00" in error.inner_text()  # when to call again, in the server's words
        assert CallbackAttempt.objects.filter(case=case).count() == 1

        clock.shift(dt.timedelta(hours=2))
        row.locator("button[type=submit]").click()
        row.locator("[data-tries]:has-text('2')").wait_for()
        assert not error.is_visible()
        assert CallbackAttempt.objects.filter(case=case).count() == 2
        context.close()
