"""One case around the whole closed loop, purely in the browser, each step by its role.

Debian's Chromium through Playwright against ``live_server``; a screenshot of each step
is kept under ``test-artifacts/browser-loop/``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from PIL import Image

from urbangrid.cases.models import Attachment, Case
from urbangrid.staff.tests.conftest import World, build_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser-loop"


@pytest.fixture
def browser(browser: Any) -> Any:
    """The shared Chromium (``conftest.browser``), with a folder for the screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return browser


class Desk:
    """One person at their screen: signs in, opens pages, takes actions."""

    def __init__(self, browser: Any, base: str, username: str) -> None:
        self.base = base
        self.username = username
        self.context = browser.new_context(viewport={"width": 1366, "height": 768})
        self.page = self.context.new_page()
        self.page.goto(f"{base}/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "demo")
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{base}/staff/")

    def open(self, path: str) -> Any:
        return self.page.goto(f"{self.base}{path}")

    def shot(self, step: int, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{step:02d}-{self.username}-{name}.png"))

    def act(self, number: str, action: str, fields: dict[str, str] | None = None) -> None:
        """Open the case, unfold the action's form, fill it in and submit it."""
        page = self.page
        self.open(f"/staff/cases/{number}/")
        page.eval_on_selector(f"#action-{action}", "el => { el.open = true; }")
        for selector, value in (fields or {}).items():
            if value == "check":
                page.check(selector)
            elif value.startswith("file:"):
                page.set_input_files(selector, value[5:])
            elif page.eval_on_selector(selector, "el => el.tagName") == "SELECT":
                page.select_option(selector, value)
            else:
                page.fill(selector, value)
        page.click(f"#action-{action} button[type=submit]")
        page.wait_for_load_state()
        assert page.locator(".message-success").count() == 1, page.content()[:3000]

    def close(self) -> None:
        self.context.close()


def _photo(tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    Image.new("RGB", (64, 48), "green").save(path, "PNG")
    return str(path)


def _status(number: str) -> str:
    return Case.objects.get(number=number).status


def test_one_case_goes_around_the_whole_loop_in_the_browser(
    live_server: Any, browser: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    world: World = build_world()
    base = live_server.url
    lng, lat = world.point(0)

    # 1. The operator registers a caller's report (受理员代登记).
    operator = Desk(browser, base, "operator")
    operator.open("/staff/cases/new/")
    operator.page.select_option("#id_channel", "hotline")
    operator.page.fill("#id_matter_code", world.matter.code)
    operator.page.fill("#id_lng", f"{lng:.6f}")
    operator.page.fill("#id_lat", f"{lat:.6f}")
    operator.page.fill("#id_address", "测试路1号")
    operator.page.fill("#id_description", "路边暴露垃圾一堆")
    operator.page.fill("#id_reporter_phone", "13812341234")
    operator.shot(1, "register")
    operator.page.click("form.card button[type=submit]")
    operator.page.wait_for_url("**/staff/cases/*/")
    number = operator.page.url.rstrip("/").rsplit("/", 1)[-1]
    assert _status(number) == "reported"
    operator.shot(2, "registered")

    # 2. The operator sends it for verification; the inspector verifies on site.
    operator.act(number, "send_verify", {"#id_send_verify-note": "请现场核实"})
    inspector = Desk(browser, base, "inspector")
    assert number in inspector.page.content()  # in the inspector's queue
    inspector.act(
        number,
        "verify",
        {"#id_verify-result_0": "check", "#id_verify-photos_upload": "file:" + _photo(
            tmp_path, "verify.png")},
    )  # fmt: skip
    inspector.shot(3, "verified")
    assert _status(number) == "verified"

    # 3. The operator accepts; the shift leader files.
    operator.act(number, "accept")
    leader = Desk(browser, base, "leader_on_shift")
    leader.act(
        number,
        "file",
        {"#id_file-grade": "general", "#id_file-filing_condition": "面积大于1平方米"},
    )
    leader.shot(4, "filed")
    assert _status(number) == "to_dispatch"

    # 4. The dispatcher dispatches from the queue, to the suggested department.
    dispatcher = Desk(browser, base, "dispatcher")
    dispatcher.shot(5, "queue")
    dispatcher.page.check(f"#pick-{number}")
    dispatcher.page.click("#queue-to_dispatch button[type=submit]")
    dispatcher.page.wait_for_load_state()
    dispatcher.shot(6, "dispatched")
    assert "✔" in dispatcher.page.content()
    assert Case.objects.get(number=number).department == world.dept_a

    # 5. The department receives and reports handling with an "after" photo.
    handler = Desk(browser, base, "handler")
    assert number in handler.page.content()
    handler.act(number, "receive")
    handler.act(
        number,
        "report_handled",
        {
            "#id_report_handled-photos_upload": "file:" + _photo(tmp_path, "after.png"),
            "#id_report_handled-note": "已清理完毕",
        },
    )
    handler.shot(7, "handled")
    assert _status(number) == "to_check"
    assert Attachment.objects.filter(case__number=number, kind="after").count() == 1

    # 6. The operator sends the check; the inspector checks; the shift leader closes.
    operator.act(number, "send_check")
    inspector.act(
        number,
        "check",
        {"#id_check-result_0": "check", "#id_check-photos_upload": "file:" + _photo(
            tmp_path, "check.png")},
    )  # fmt: skip
    inspector.shot(8, "checked")
    leader.act(number, "close", {"#id_close-note": "已办结，感谢您的反映"})
    leader.page.set_viewport_size({"width": 1366, "height": 2000})
    leader.shot(9, "closed")
    assert _status(number) == "closed"
    assert leader.page.locator(".timeline .event").count() >= 11

    for desk in (operator, inspector, leader, dispatcher, handler):
        desk.close()
    assert os.listdir(ARTIFACTS)


def test_a_department_cannot_open_another_departments_case_in_the_browser(
    live_server: Any, browser: Any
) -> None:
    world: World = build_world()
    case = world.to_dispatch(world.report())
    world.act(case, "dispatch", world.dispatcher)
    other = Desk(browser, live_server.url, "handler_b")
    response = other.open(f"/staff/cases/{case.number}/")
    assert response.status == 404
    other.shot(10, "not-found")
    auditor = Desk(browser, live_server.url, "auditor")
    auditor.open(f"/staff/cases/{case.number}/")
    assert auditor.page.locator("form[data-action]").count() == 0
    assert auditor.page.locator("#read-only").count() == 1
    auditor.shot(11, "read-only")
    other.close()
    auditor.close()
