"""In Chromium: the inspector app's offline queue belongs to the user who made each
submission (``static/intake/offline-queue.js``).

- On a shared device, a report inspector A left waiting is neither listed nor sent while
  inspector B is signed in; it is sent once, as A's, when A signs in again. Signing out
  with a report waiting asks first; the sent list is forgotten on sign-out.
- A tab still holding the earlier version of the database open does not make saving a
  report hang: the app says to close the other tabs, the form says it was not saved, and
  once that tab is gone the report is saved and sent.
"""

from __future__ import annotations

from typing import Any

import pytest

from urbangrid.cases.models import Case
from urbangrid.cases.tests.conftest import build_world
from urbangrid.organisations.models import Role
from urbangrid.testing import browser_sign_in, make_user, wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SEND = "**/api/v1/intake/reports/with-photos"
COUNT = "document.getElementById('queue-count').textContent"
T = "JSON.parse(document.getElementById('i18n').textContent)"
# Everything in the outbox, whoever made it, read past the app.
OUTBOX = """() => new Promise((resolve, reject) => {
  const req = indexedDB.open("ug-inspector");
  req.onsuccess = () => {
    const db = req.result, get = db.transaction("outbox").objectStore("outbox").getAll();
    get.onsuccess = () => { db.close(); resolve(get.result.map((i) => [i.key, i.user])); };
    get.onerror = () => reject(get.error);
  };
  req.onerror = () => reject(req.error);
})"""


# How many sent records the device keeps, whoever's.
SENT_RECORDS = """() => new Promise((resolve) => {
  const req = indexedDB.open("ug-inspector");
  req.onsuccess = () => {
    const db = req.result, count = db.transaction("sent").objectStore("sent").count();
    count.onsuccess = () => { db.close(); resolve(count.result); };
  };
})"""


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def sign_out(page: Any) -> None:
    page.click(".topbar-toggle")
    with page.expect_navigation():
        page.click("form[data-sign-out] button")


def open_report_tab(page: Any, base: str) -> None:
    page.goto(f"{base}/inspector/")
    page.wait_for_function("window.UGInspector && window.UGQueue")
    page.click("button[data-tab=report]")
    page.wait_for_function("UGInspector.mapReady()")


def fill_report(page: Any, world: Any, description: str) -> None:
    lng, lat = world.point()
    page.evaluate(f"UGInspector.place({lat}, {lng})")
    page.evaluate(f"UGInspector.choose('{world.matter.code}', '{world.matter.name}')")
    page.fill("#report-description", description)


def test_a_waiting_report_is_sent_only_by_the_user_who_made_it(
    live_server: Any, browser: Any
) -> None:
    world = build_world()
    a = world.inspector
    b = make_user("inspector_b", Role.INSPECTOR, grids=[g.code for g in world.city.grids[:4]])
    base = live_server.url
    context, page = browser_sign_in(browser, base, a.username)

    # A reports offline; the network then fails for the sends alone, so it stays waiting.
    open_report_tab(page, base)
    context.set_offline(True)
    fill_report(page, world, "A 的离线上报")
    page.click("#report-form button[type=submit]")
    page.wait_for_function(f"{COUNT} === '1'")
    context.route(SEND, lambda route: route.abort("internetdisconnected"))
    context.set_offline(False)
    [(key, owner)] = page.evaluate(OUTBOX)
    assert owner == str(a.pk)

    # Signing out with a report waiting asks first; declined, nothing happens.
    dialogs: list[str] = []

    def decline(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", decline)
    page.click(".topbar-toggle")
    page.click("form[data-sign-out] button")
    page.wait_for_timeout(500)
    assert dialogs == ["confirm"]
    assert page.url.endswith("/inspector/")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("form[data-sign-out] button")
    context.unroute(SEND)

    # B, on the same device and online: A's report is neither listed nor sent.
    sign_in(page, base, b.username)
    page.goto(f"{base}/inspector/")
    page.wait_for_function("window.UGInspector && window.UGQueue")
    page.click("button[data-tab=queue]")
    page.click("#send-now")
    page.wait_for_timeout(4000)  # the queue's own round runs every 3 s
    assert page.evaluate(COUNT) == "0"
    assert page.inner_text("#queue-list").strip() == ""
    assert page.inner_text("#sent-list").strip() == ""
    assert "A 的离线上报" not in page.content()
    assert not Case.objects.exists()
    assert page.evaluate(OUTBOX) == [[key, str(a.pk)]]
    sign_out(page)  # nothing of B's waits: no question (an unanswered one would stop it)

    # A again: the report is sent once, as A's.
    sign_in(page, base, a.username)
    page.goto(f"{base}/inspector/")
    page.wait_for_function("window.UGInspector && window.UGQueue")
    page.wait_for_function(f"{COUNT} === '0'", timeout=20_000)
    wait_until(page, "UGQueue.sent().then((s) => s.length === 1 && s[0].number !== null)")
    case = Case.objects.get()
    assert case.reported_by == a
    assert case.description == "A 的离线上报"
    page.click("button[data-tab=queue]")
    assert case.number in page.inner_text("#sent-list")
    assert page.evaluate(OUTBOX) == []

    # Signing out forgets the sent list (it names addresses); B never sees it.
    sign_out(page)
    sign_in(page, base, b.username)
    page.goto(f"{base}/inspector/")
    page.wait_for_function("window.UGInspector && window.UGQueue")
    assert page.evaluate("UGQueue.sent().then((s) => s.length)") == 0
    assert page.evaluate(SENT_RECORDS) == 0
    assert Case.objects.count() == 1
    context.close()


# The first version of the database, held open by a tab running the earlier code (it
# does not close its connection when asked to).
HOLD_V1 = """() => new Promise((resolve, reject) => {
  const req = indexedDB.open("ug-inspector", 1);
  req.onupgradeneeded = () => {
    req.result.createObjectStore("outbox", { keyPath: "key" });
    req.result.createObjectStore("sent", { keyPath: "key" });
  };
  req.onsuccess = () => { window.held = req.result; resolve(); };
  req.onerror = () => reject(req.error);
})"""


def test_saving_while_another_tab_holds_the_old_database_says_so(
    live_server: Any, browser: Any
) -> None:
    world = build_world()
    base = live_server.url
    context, old_tab = browser_sign_in(browser, base, world.inspector.username)
    old_tab.evaluate(HOLD_V1)

    page = context.new_page()
    open_report_tab(page, base)
    page.wait_for_function(f"document.getElementById('net-status').textContent === {T}.blocked")
    fill_report(page, world, "升级时上报")
    page.click("#report-form button[type=submit]")
    page.wait_for_function(f"document.getElementById('report-result').textContent === {T}.blocked")
    assert page.evaluate("UGQueue.blocked") is True
    assert page.input_value("#report-description") == "升级时上报"  # kept for another try

    old_tab.evaluate("window.held.close()")
    page.wait_for_function("!UGQueue.blocked", timeout=10_000)
    assert page.evaluate(f"document.getElementById('net-status').textContent !== {T}.blocked")
    page.click("#report-form button[type=submit]")
    wait_until(page, "UGQueue.sent().then((s) => s.length === 1)")
    assert Case.objects.get().description == "升级时上报"
    context.close()
