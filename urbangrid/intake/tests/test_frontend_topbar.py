"""In Chromium at a phone's size (390 × 844): the top bar of the staff pages, the hotline
desk, the callback list and the inspector app.

Closed, it is one line (the brand and a menu button); open, the links, counts, language
and sign-out stand one under the other. Nothing in it overlaps, nothing is cut off at the
screen's edge, and every tap target is at least 40 px high and wide. On a desktop the bar
keeps its one-row layout without the menu button."""

from __future__ import annotations

from typing import Any

import pytest

from urbangrid.cases.tests.conftest import build_world
from urbangrid.testing import browser_sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}

# The visible parts of the top bar: each tap target and each text, with its box.
PARTS = """() => {
  const bar = document.querySelector("header.topbar");
  const visible = (e) => {
    const s = getComputedStyle(e), r = e.getBoundingClientRect();
    return s.visibility !== "hidden" && s.display !== "none" && r.width > 0 && r.height > 0;
  };
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return { tag: e.tagName, text: (e.textContent || "").trim().slice(0, 30),
             left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  };
  const targets = [...bar.querySelectorAll("a, button, select")].filter(visible);
  const texts = [...bar.querySelectorAll("label, .topbar-user")].filter(visible);
  return { targets: targets.map(box), texts: texts.map(box),
           barRight: bar.getBoundingClientRect().right,
           pageWidth: document.documentElement.scrollWidth };
}"""


def overlapping(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if (
                a["left"] < b["right"] - 0.5
                and b["left"] < a["right"] - 0.5
                and a["top"] < b["bottom"] - 0.5
                and b["top"] < a["bottom"] - 0.5
            ):
                found.append((a["text"], b["text"]))
    return found


def assert_usable(parts: dict[str, Any], width: int, where: str) -> None:
    everything = parts["targets"] + parts["texts"]
    assert parts["pageWidth"] <= width, f"{where}: the page scrolls sideways"
    cut = [p["text"] for p in everything if p["left"] < 0 or p["right"] > width + 0.5]
    assert cut == [], f"{where}: cut off at the screen's edge: {cut}"
    assert overlapping(everything) == [], where
    small = [
        (t["text"], round(t["right"] - t["left"]), round(t["bottom"] - t["top"]))
        for t in parts["targets"]
        if t["right"] - t["left"] < 40 or t["bottom"] - t["top"] < 40
    ]
    assert small == [], f"{where}: tap targets under 40 px: {small}"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_top_bar_is_usable_on_a_phone(live_server: Any, browser: Any, language: str) -> None:
    world = build_world()
    pages = [
        (world.dispatcher, "/staff/"),
        (world.admin, "/staff/"),
        (world.operator, "/hotline/"),
        (world.operator, "/hotline/callbacks/"),
        (world.inspector, "/inspector/"),
    ]
    for user, path in pages:
        context, page = browser_sign_in(browser, live_server.url, user.username, PHONE)
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page.goto(f"{live_server.url}{path}")
        where = f"{user.username} {path} {language}"

        closed = page.evaluate(PARTS)
        assert_usable(closed, PHONE["width"], where)
        assert [t["tag"] for t in closed["targets"]] == ["A", "BUTTON"], where  # brand, menu
        assert page.locator("header.topbar").bounding_box()["height"] <= 60, where

        page.click(".topbar-toggle")
        assert page.get_attribute(".topbar-toggle", "aria-expanded") == "true"
        opened = page.evaluate(PARTS)
        assert_usable(opened, PHONE["width"], where + " (menu open)")
        links = page.locator("header.topbar nav a")
        assert links.count() >= 2, where
        assert all(links.nth(i).is_visible() for i in range(links.count())), where
        assert page.locator("#language-select").is_visible(), where
        assert page.locator("form[data-sign-out] button").is_visible(), where

        page.keyboard.press("Escape")
        assert not page.locator("#language-select").is_visible(), where
        context.close()


def test_the_top_bar_keeps_its_row_on_a_desktop(live_server: Any, browser: Any) -> None:
    world = build_world()
    context, page = browser_sign_in(browser, live_server.url, world.operator.username, DESKTOP)
    page.goto(f"{live_server.url}/hotline/")
    assert not page.locator(".topbar-toggle").is_visible()
    sign_out = "header.topbar form[action$='/logout/'] button"
    for part in ("header.topbar nav a >> nth=0", "#language-select", sign_out):
        assert page.locator(part).is_visible(), part
    parts = page.evaluate(PARTS)
    assert overlapping(parts["targets"] + parts["texts"]) == []
    assert page.locator("header.topbar").bounding_box()["height"] <= 60
    context.close()
